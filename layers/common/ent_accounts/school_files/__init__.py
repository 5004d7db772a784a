"""A school's list as its software exports it, read into people: the command line reads it before sending, the
service can read an uploaded one. A pure function on bytes (no file, no AWS).

    school_file = read_school_file("eleves.csv", data)
    school_file.describe()   # French lines: which column is used for what, which is ignored
    [row.as_api() for row in school_file.rows]

formats.py turns bytes into rows of cells, columns.py finds the header and says what each column is, rows.py
makes the people and names the lines at fault. Every problem is a French sentence naming its line; a file with any
is refused as a whole (`SchoolFileError`), nothing half-read.
"""

from __future__ import annotations

from dataclasses import dataclass

from ent_accounts.school_files import columns as _columns
from ent_accounts.school_files.columns import ColumnUse
from ent_accounts.school_files.formats import ACCEPTED, Sheet, read_sheets
from ent_accounts.school_files.problems import SchoolFileError, shown
from ent_accounts.school_files.rows import PersonRow, Responsable, build, merge

__all__ = ["ColumnUse", "PersonRow", "Responsable", "SchoolFile", "SchoolFileError", "read_school_file"]


@dataclass(frozen=True)
class SchoolFile:
    filename: str
    kind: str  # "CSV Windows-1252, séparateur « ; »", "classeur Excel (.xlsx), feuille « Élèves »" …
    header_line: int
    columns: list[ColumnUse]
    rows: list[PersonRow]
    merged_lines: tuple[int, ...] = ()  # lines that repeated a student to name another responsable

    def describe(self) -> list[str]:
        """What the command line prints before sending anything."""
        students = sum(1 for row in self.rows if row.role == "eleve")
        parents = len(self.rows) - students
        responsables = sum(len(row.responsables) for row in self.rows)
        counted = [f"{students} élève{'s' if students > 1 else ''}"] if students else []
        if parents:
            counted.append(f"{parents} parent{'s' if parents > 1 else ''}")
        if responsables:
            counted.append(f"{responsables} responsable{'s légaux nommés' if responsables > 1 else ' légal nommé'}")
        lines = len(self.rows) + len(self.merged_lines)
        summary = [
            f"{lines} ligne{'s' if lines > 1 else ''} lue{'s' if lines > 1 else ''} : " + ", ".join(counted) + "."
        ]
        if self.merged_lines:
            summary.append(
                f"Ligne{'s' if len(self.merged_lines) > 1 else ''} {', '.join(map(str, self.merged_lines))} : "
                "un élève déjà lu plus haut (mêmes nom, prénom, date de naissance et classe), avec un autre "
                "responsable : une seule personne, ses responsables réunis."
            )
        return [
            f"« {shown(self.filename)} » : {self.kind}, en-tête en ligne {self.header_line}.",
            *(column.describe() for column in self.columns),
            *summary,
        ]


def read_school_file(filename: str, data: bytes, default_role: str = "eleve") -> SchoolFile:
    """The people of the file, or SchoolFileError with every problem found (French, one per line at fault)."""
    sheets = read_sheets(filename, data)
    sheet, at, fields = _header(filename, sheets)
    header_line = sheet.first_line + at
    data_rows = sheet.rows[at + 1 :]
    columns = _columns.uses(sheet.rows[at], fields, data_rows, default_role)
    problems = _columns.unmapped_dates(columns, data_rows, header_line)
    understood = {"kind": sheet.kind, "header_line": header_line, "columns": columns}
    if problems:
        raise SchoolFileError(problems, **understood)
    people = []
    for offset, cells in enumerate(data_rows, start=header_line + 1):
        if not any(str(cell).strip() for cell in cells):
            continue  # a blank line still counts for the lines below it
        row, problem = build(cells, fields, offset, default_role)
        if problem:
            problems.append(problem)
        else:
            people.append(row)
    people, merged, problems = merge(people) if not problems else (people, [], problems)
    if problems:
        raise SchoolFileError(problems, **understood)
    if not people:
        raise SchoolFileError(
            [f"Le fichier « {shown(filename)} » ne contient aucune personne sous son en-tête (ligne {header_line})."],
            **understood,
        )
    return SchoolFile(filename, sheet.kind, header_line, columns, people, tuple(merged))


def _header(filename: str, sheets: list[Sheet]) -> tuple[Sheet, int, dict[int, str]]:
    """The first sheet with a header naming the last and first names within its first lines: the sheet, the
    header's index in its rows, and what its columns are."""
    for sheet in sheets:
        for at, cells in enumerate(sheet.rows[: _columns.MAX_HEADER_LINE]):
            fields = _columns.fields_of(cells)
            if _columns.is_header(fields):
                return sheet, at, fields
    return _no_header(filename, sheets)


def _no_header(filename: str, sheets: list[Sheet]):
    """The refusal, quoting the line most like a header: the one naming the most known columns, else the fullest."""
    candidates = [
        (len(_columns.fields_of(cells)), sum(1 for cell in cells if str(cell).strip()), -index, sheet, at, cells)
        for index, sheet in enumerate(sheets)
        for at, cells in enumerate(sheet.rows[: _columns.MAX_HEADER_LINE])
        if any(str(cell).strip() for cell in cells)
    ]
    if not candidates:
        raise SchoolFileError([f"Le fichier « {shown(filename)} » est vide : envoyez {ACCEPTED}."])
    *_, sheet, at, cells = max(candidates, key=lambda candidate: candidate[:3])
    line = sheet.first_line + at
    where = f"ligne {line}" + (f" de la feuille {sheet.kind.rpartition('feuille ')[2]}" if len(sheets) > 1 else "")
    fields = set(_columns.fields_of(cells).values())
    missing = [label for field, label in (("last_name", "nom"), ("first_name", "prénom")) if field not in fields]
    seen = [f"« {shown(cell)} »" for cell in cells if str(cell).strip()]
    raise SchoolFileError(
        [
            f"Ligne {line} : colonne{'s' if len(missing) > 1 else ''} obligatoire{'s' if len(missing) > 1 else ''} "
            f"absente{'s' if len(missing) > 1 else ''} : {' et '.join(missing)}. L'en-tête doit nommer au moins les "
            f"colonnes « nom » et « prénom » (dans les {_columns.MAX_HEADER_LINE} premières lignes). "
            f"Colonnes trouvées ({where}) : " + ", ".join(seen[:12]) + (" …" if len(seen) > 12 else "") + "."
        ]
    )
