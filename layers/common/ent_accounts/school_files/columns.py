"""Which column holds what: headers matched whatever their case, accents, spaces and punctuation, by the names
schools use (a SIECLE student export's included: `NOM DE FAMILLE`, `PRENOM 1`, `DATE NAISS`, `DIVISION`, and its
responsables' `NOM RESP LEG 1`, `Prénom représentant légal 2`, `COURRIEL RESP 1`, `LIEN PARENTE RESP 2` …).

The report (`ColumnUse`) says for each column what it is used for, or that it is ignored; a column that looks like
a birth date and is not used refuses the file: dropping the birth dates silently would let anyone answer the
first connection's question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from ent_accounts.school_files.dates import parse_date
from ent_accounts.school_files.formats import Cell
from ent_accounts.school_files.problems import shown

MAX_HEADER_LINE = 10  # a title, a date, merged or empty rows above the header: a few lines, not a page
MAX_RESPONSABLES = 4

# How a column of e-mail addresses is headed, a student's own or a responsable's.
EMAIL_HEADERS = (
    "courriel",
    "email",
    "mail",
    "mel",
    "adressemail",
    "adresseemail",
    "adressecourriel",
    "adresseelectronique",
)

# Field → the headers it is known by, as `key` spells them. The first field a header matches wins.
STUDENT_FIELDS = {
    "last_name": ("nom", "noms", "nomdefamille", "nomfamille", "nomdenaissance", "nompatronymique", "patronyme"),
    "usage_name": ("nomdusage", "nomusage", "nomusuel"),
    "first_name": ("prenom", "prenoms", "prenom1", "premierprenom", "prenomusuel", "prenomdusage", "prenomusage"),
    "birth_date": (
        "datedenaissance",
        "datenaissance",
        "datedenaiss",
        "datenaiss",
        "datenais",
        "dtnaiss",
        "dtnaissance",
        "naissance",
        "nele",
        "nee",
        "neele",
        "ddn",
    ),
    "class": ("classe", "classes", "division", "div", "classeactuelle", "divisionactuelle", "classedivision"),
    "role": ("profil", "role", "type", "typedecompte", "typecompte"),
    "email": EMAIL_HEADERS,
}
RESPONSABLE_FIELDS = {
    "last_name": ("nom", "nomdefamille", "nomfamille", "nomdusage", "nomusage"),
    "first_name": ("prenom", "prenom1"),
    "email": EMAIL_HEADERS,
    "relation": (
        "lienparente",
        "liendeparente",
        "lien",
        "parente",
        "qualite",
        "lienaveceleve",
        "liendeparenteaveceleve",
    ),
}
_WHO_UNNUMBERED = "responsablelegal|responsable|resplegal|respleg|resp|representantlegal|representant|replegal"
_WHO = f"{_WHO_UNNUMBERED}|rl|parent"
_WHAT = "|".join(sorted({name for names in RESPONSABLE_FIELDS.values() for name in names}, key=len, reverse=True))
_RESPONSABLE = (
    re.compile(rf"^(?P<what>{_WHAT})(?:dela|des|du|de|d)?(?:{_WHO})(?P<n>[1-9])$"),
    re.compile(rf"^(?:{_WHO})(?P<n>[1-9])(?P<what>{_WHAT})$"),  # "Responsable 1 - Nom"
    # SIECLE's responsables export: one line per responsable, unnumbered ("NOM RESPONSABLE"); lines of the same
    # student are put together (rows.merge). "Nom parent" alone stays a parent row's own name.
    re.compile(rf"^(?P<what>{_WHAT})(?:dela|des|du|de|d)?(?:{_WHO_UNNUMBERED})$"),
)
# "Nom élève", "Date de naissance de l'élève": the student's own columns, said at length.
_STUDENT_SUFFIXES = ("deleleve", "eleve", "delenfant", "enfant")
_BIRTH_WORDS = ("naiss", "anniv")
_PLACE_WORDS = ("lieu", "commune", "ville", "pays", "departement", "dept", "codepostal", "insee")
_WHO_LABEL = {"eleve": "de l'élève", "parent": "du parent", None: ""}
_LABELS = {
    "last_name": "nom {who}",
    "usage_name": "nom d'usage {who} (remplace le nom quand il est rempli)",
    "first_name": "prénom {who}",
    "birth_date": "date de naissance {who}",
    "class": "classe {who}",
    "role": "profil (élève ou parent)",
    "email": "adresse mail du parent (lignes des parents)",
}
_RESPONSABLE_LABELS = {
    "last_name": "nom du responsable {n}",
    "first_name": "prénom du responsable {n}",
    "email": "adresse mail du responsable {n}",
    "relation": "lien du responsable {n} avec l'élève",
}


@dataclass(frozen=True)
class ColumnUse:
    position: int  # from 0
    header: str  # as written
    letter: str  # as the spreadsheet names the column: A, B, … Z, AA …
    use: str | None  # in French, or None when the column is ignored
    field: str | None = None  # "last_name", "responsable2.email" …: what rows.py reads
    same_as: str | None = None  # an ignored column that says what another one gives: that column's letter

    def quoted(self) -> str:
        return f"« {shown(self.header)} »" if self.header.strip() else "(sans en-tête)"

    def describe(self) -> str:
        ignored = f"ignorée (la colonne {self.same_as} donne déjà la même chose)" if self.same_as else "ignorée"
        return f"Colonne {self.letter} {self.quoted()} : {self.use or ignored}"


def key(header: Cell) -> str:
    """A header as it is matched: lower-case letters and digits, accents and what is in brackets dropped
    ("Date de naissance (JJ/MM/AAAA)" is "datedenaissance")."""
    text = re.sub(r"\([^)]*\)", "", str(header))
    spelled = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    return "".join(char for char in spelled if "a" <= char <= "z" or "0" <= char <= "9")


def letter(position: int) -> str:
    name = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def fields_of(header: list[Cell]) -> dict[int, str]:
    """Position → field for the headers recognised; a field is taken by its first column only."""
    found: dict[int, str] = {}
    for position, cell in enumerate(header):
        field = _field(key(cell))
        if field and field not in found.values():
            found[position] = field
    # A bare "LIEN DE PARENTE" beside one unnumbered responsable's columns is that responsable's.
    if "responsable1.last_name" in found.values() and "responsable1.relation" not in found.values():
        for position, cell in enumerate(header):
            if position not in found and key(cell) in RESPONSABLE_FIELDS["relation"]:
                found[position] = "responsable1.relation"
                break
    return found


def _field(name: str) -> str | None:
    if not name:
        return None
    for pattern in _RESPONSABLE:
        if match := pattern.match(name):
            number = int(match.groupdict().get("n") or 1)
            what = next(field for field, names in RESPONSABLE_FIELDS.items() if match["what"] in names)
            return f"responsable{number}.{what}" if number <= MAX_RESPONSABLES else None
    for candidate in (name, *(name.removesuffix(s) for s in _STUDENT_SUFFIXES if name.endswith(s))):
        for field, names in STUDENT_FIELDS.items():
            if candidate in names:
                return field
    return None


def is_header(fields: dict[int, str]) -> bool:
    return {"last_name", "first_name"} <= set(fields.values())


def uses(header: list[Cell], fields: dict[int, str], data: list[list[Cell]], default_role: str) -> list[ColumnUse]:
    """Every column with a header or a value, and what it is used for."""
    width = max([len(header), *(len(row) for row in data)])
    who = None if "role" in fields.values() else default_role
    positions = {field: position for position, field in fields.items()}
    report = []
    for position in range(width):
        text = str(header[position]) if position < len(header) else ""
        field = fields.get(position)
        if not field and not text.strip() and not any(_at(row, position) for row in data):
            continue  # nothing there: the empty margin of a sheet
        twin = positions.get(_field(key(text))) if not field else None
        report.append(
            ColumnUse(
                position, text, letter(position), _label(field, who), field, letter(twin) if twin is not None else None
            )
        )
    return report


def _label(field: str | None, who: str | None) -> str | None:
    if field is None:
        return None
    if field.startswith("responsable"):
        number, what = field.removeprefix("responsable").split(".")
        return _RESPONSABLE_LABELS[what].format(n=number)
    return _LABELS[field].format(who=_WHO_LABEL[who]).replace("  ", " ").strip()


def unmapped_dates(columns: list[ColumnUse], data: list[list[Cell]], header_line: int) -> list[str]:
    """The refusals for columns that hold birth dates the reader would not use. A header that says birth date is
    refused whatever; a column of dates only when no column gives the birth date (an entry date beside a birth
    date is just ignored)."""
    birth_mapped = any(column.field == "birth_date" for column in columns)
    problems = []
    for column in columns:
        if column.field is not None:
            continue
        name = key(column.header)
        quoted = f"Ligne {header_line}, colonne {column.letter} {column.quoted()}"
        if column.same_as and _field(name) == "birth_date":
            problems.append(
                f"{quoted} : la colonne {column.same_as} donne déjà la date de naissance. Gardez-en une seule "
                "(supprimez ou renommez l'autre)."
            )
        elif any(word in name for word in _BIRTH_WORDS) and not any(word in name for word in _PLACE_WORDS):
            problems.append(
                f"{quoted} : elle ressemble à une date de naissance mais n'est pas reconnue. Renommez son en-tête "
                "« date de naissance » (ou supprimez la colonne si ce n'en est pas une)."
            )
        elif not birth_mapped and _mostly_dates(data, column.position):
            problems.append(
                f"{quoted} : elle contient des dates mais n'est pas utilisée. Si ce sont les dates de naissance, "
                "renommez son en-tête « date de naissance » ; sinon supprimez la colonne."
            )
    return problems


def _mostly_dates(data: list[list[Cell]], position: int) -> bool:
    values = [cell for row in data if (cell := _at(row, position))]
    dates = [cell for cell in values if isinstance(cell, date) or parse_date(str(cell)) is not None]
    return bool(dates) and len(dates) * 2 >= len(values)


def _at(row: list[Cell], position: int) -> Cell:
    cell = row[position] if position < len(row) else ""
    return cell.strip() if isinstance(cell, str) else cell
