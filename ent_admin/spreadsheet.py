"""Read a school's list as spreadsheets export it: CSV in UTF-8 (with or without BOM), Windows-1252 or UTF-16,
separated by `;`, `,` or tabs (an Excel `sep=;` first line is understood), dates as JJ/MM/AAAA.

Columns, in any order and spelling of case and accents: nom, prénom, date de naissance, classe, profil.
Every problem is reported with its line number, in French, before anything is sent.

Every CSV the command line writes goes through `write_csv`: a cell a spreadsheet would take for a formula is
written as text (OWASP "CSV Injection"), and reading such a file back gives the value it had.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ent_accounts.identifiers import ascii_letters

COLUMNS = {
    "last_name": ("nom", "nomdefamille", "nomdusage", "nomeleve", "nomdeleleve"),
    "first_name": ("prenom", "prenoms", "prenomeleve", "prenomdeleleve"),
    "birth_date": ("datedenaissance", "datenaissance", "naissance", "nele", "nee"),
    "class": ("classe", "division", "classeactuelle"),
    "role": ("profil", "role", "type"),
}
ROLES = {
    "eleve": "eleve",
    "e": "eleve",
    "parent": "parent",
    "parents": "parent",
    "responsable": "parent",
    "responsablelegal": "parent",
    "representantlegal": "parent",
}
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
# What makes Excel or LibreOffice evaluate a cell (OWASP "CSV Injection"). The files hold names, classes,
# identifiers and dates in words, never a number, so a leading minus sign is never a negative number to keep.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Row:
    line: int  # in the file, counted from 1 as a spreadsheet shows it
    last_name: str
    first_name: str
    birth_date: str | None  # ISO, as the API wants it
    school_class: str | None
    role: str

    def as_api(self) -> dict:
        return {
            "last_name": self.last_name,
            "first_name": self.first_name,
            "birth_date": self.birth_date,
            "role": self.role,
            "class": self.school_class,
        }


class SpreadsheetError(Exception):
    """The file cannot be read as a list of accounts; `problems` are French sentences, one per line at fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_rows(path: Path, default_role: str = "eleve") -> list[Row]:
    text = decode(path.read_bytes())
    lines = text.splitlines(keepends=True)
    skipped = 0
    delimiter = None
    if lines and lines[0].strip().lower().startswith("sep="):
        delimiter, skipped, lines = lines[0].strip()[4:5] or ";", 1, lines[1:]
    body = "".join(lines)
    delimiter = delimiter or _delimiter(body)
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise SpreadsheetError(["Le fichier est vide."])
    positions = _columns(header)
    rows, problems = [], []
    for cells in reader:
        line = reader.line_num + skipped
        if not any(cell.strip() for cell in cells):
            continue
        row, problem = _row(cells, positions, line, default_role)
        if problem:
            problems.append(problem)
        else:
            rows.append(row)
    if problems:
        raise SpreadsheetError(problems)
    if not rows:
        raise SpreadsheetError(["Le fichier ne contient aucune ligne de compte sous son en-tête."])
    return rows


def decode(raw: bytes) -> str:
    """UTF-8 (BOM or not) when it decodes, UTF-16 by its BOM, otherwise Windows-1252 (Excel's "CSV (séparateur:
    point-virgule)" on a French Windows)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _delimiter(body: str) -> str:
    header = body.split("\n", 1)[0]
    return max(";,\t", key=header.count) if any(sep in header for sep in ";,\t") else ";"


def _columns(header: list[str]) -> dict[str, int]:
    names = [ascii_letters(cell) for cell in header]
    positions = {}
    for field, aliases in COLUMNS.items():
        found = next((index for index, name in enumerate(names) if name in aliases), None)
        if found is not None:
            positions[field] = found
    missing = [label for field, label in (("last_name", "nom"), ("first_name", "prénom")) if field not in positions]
    if missing:
        seen = ", ".join(f"« {cell.strip()} »" for cell in header if cell.strip()) or "aucune"
        raise SpreadsheetError(
            [f"Colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}. Colonnes trouvées sur la ligne 1 : {seen}."]
        )
    return positions


def _row(cells: list[str], positions: dict[str, int], line: int, default_role: str) -> tuple[Row | None, str | None]:
    def cell(field: str) -> str:
        index = positions.get(field)
        return as_written(cells[index]).strip() if index is not None and index < len(cells) else ""

    problems = []
    birth_date = None
    if raw := cell("birth_date"):
        birth_date = parse_date(raw)
        if birth_date is None:
            problems.append(f"date de naissance « {raw} » invalide (attendu JJ/MM/AAAA)")
    role = default_role
    if raw := cell("role"):
        role = ROLES.get(ascii_letters(raw))
        if role is None:
            problems.append(f"profil « {raw} » inconnu (attendu élève ou parent)")
    for field, label in (("last_name", "nom"), ("first_name", "prénom")):
        if not cell(field):
            problems.append(f"{label} manquant")
    if problems:
        return None, f"Ligne {line} : " + " ; ".join(problems) + "."
    return Row(line, cell("last_name"), cell("first_name"), birth_date, cell("class") or None, role), None


def parse_date(raw: str) -> str | None:
    """JJ/MM/AAAA (also with - or .), or already AAAA-MM-JJ; None when it is not a real date."""
    try:
        if match := _DATE.match(raw):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day).isoformat()
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        return None


def write_csv(path: Path, rows: list[list]) -> None:
    """A CSV for a spreadsheet (UTF-8 with BOM, `;`, as Excel opens it on a French Windows), every cell as text."""
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream, delimiter=";").writerows([neutralised(cell) for cell in row] for row in rows)


def neutralised(cell) -> str:
    """The cell as text a spreadsheet shows and never evaluates: `-Dupont` is written `'-Dupont` (the leading quote
    that OWASP recommends: the cell stays readable, as text, in Excel and LibreOffice alike)."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text  # '-x too, to read back as it was


def as_written(cell: str) -> str:
    """What `neutralised` was given: a list exported here and imported again keeps its names as they were."""
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS) else cell
