"""Import by upload: the school's file read by the command line's own reader (school_files), shown before anything
is created (which column is read as what, each line's problems with its number, how many people), then the
import's outcome (what was created or recognised, the letters to download).

The preview runs, besides the reader, the checks the service runs on each row (names and classes that can be
printed on a letter, the same person twice), so that a file the preview accepts is not refused at the import.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, replace

from ent_accounts.accounts import Role
from ent_accounts.console.labels import fold
from ent_accounts.flows.provisioning import MAX_ROWS, ImportResult
from ent_accounts.identifiers import ascii_letters
from ent_accounts.school_files import ColumnUse, PersonRow, SchoolFileError, read_school_file
from ent_accounts.school_files.formats import ACCEPTED
from ent_accounts.school_files.problems import shown
from ent_accounts.schools import class_error, name_error, tidy

ACCEPT = ".csv,.xlsx,.xls,.ods"  # the upload field's `accept`: what school software exports
MAX_UPLOAD_BYTES = 4 * 1024 * 1024  # a 2,000-line export is well under 1 MB; a Lambda request body is at most 6 MB
_LINE = re.compile(r"^Lignes? (\d+)")


@dataclass(frozen=True)
class ColumnLine:
    letter: str
    header: str  # as quoted: « Nom » or (sans en-tête)
    use: str  # what it is read as, or why it is ignored


@dataclass(frozen=True)
class LineProblem:
    line: int | None  # None: the whole file
    message: str


@dataclass(frozen=True)
class ImportPreview:
    filename: str
    kind: str | None  # "CSV UTF-8, séparateur « ; »" …; None when the file could not be read at all
    header_line: int | None
    used: list[ColumnLine]
    ignored: list[ColumnLine]
    problems: list[LineProblem]
    students: int
    parents: int  # parent lines of the file
    responsables: int  # legal guardians named on students' lines: parent accounts, created or recognised
    lines: int  # people's lines read (merged ones included)
    merged_lines: tuple[int, ...]
    summary: list[str]  # the reader's own sentences, as the command line prints them
    rows: list[PersonRow]  # what the import sends, once confirmed (empty when there are problems)

    @property
    def may_proceed(self) -> bool:
        return not self.problems and bool(self.rows)


def _columns(columns: list[ColumnUse]) -> tuple[list[ColumnLine], list[ColumnLine]]:
    used = [ColumnLine(c.letter, c.quoted(), c.use) for c in columns if c.use]
    ignored = [ColumnLine(c.letter, c.quoted(), c.describe().partition(" : ")[2]) for c in columns if not c.use]
    return used, ignored


def _problem(message: str) -> LineProblem:
    found = _LINE.match(message)
    return LineProblem(int(found.group(1)) if found else None, message)


def row_problems(rows: list[PersonRow]) -> list[str]:
    """What the service would refuse in these rows (flows/provisioning.py and the API's row checks), one sentence
    per line at fault, naming it and the person."""
    problems = []
    if len(rows) > MAX_ROWS:
        problems.append(
            f"Le fichier compte {len(rows)} personnes : au plus {MAX_ROWS} par envoi. Découpez-le (par niveau, par "
            "exemple) et envoyez chaque partie."
        )
    first_seen: dict[tuple, int] = {}
    for row in rows:
        faults = []
        for label, value in (("nom", row.last_name), ("prénom", row.first_name)):
            if error := name_error(tidy(value)):
                faults.append(f"{label} : {error}")
        if row.school_class and (error := class_error(tidy(row.school_class))):
            faults.append(f"classe : {error}")
        for number, responsable in enumerate(row.responsables, start=1):
            for label, value in (("nom", responsable.last_name), ("prénom", responsable.first_name)):
                if error := name_error(tidy(value)):
                    faults.append(f"{label} du responsable {number} : {error}")
        who = _person(row)
        if who is not None and (seen := first_seen.setdefault(who, row.line)) != row.line:
            faults.append(f"identique à la ligne {seen}, un seul compte par personne")
        if faults:
            problems.append(f"Ligne {row.line} ({row.first_name} {row.last_name}) : " + " ; ".join(faults) + ".")
    return problems


def _person(row: PersonRow) -> tuple | None:
    """Who a row is for the service's duplicate check: a student by names and birth date, a parent by names and
    address; None when the row cannot say (they may be homonyms)."""
    names = (ascii_letters(row.last_name), ascii_letters(row.first_name))
    if row.role == Role.STUDENT.value:
        return (*names, row.birth_date, row.role) if row.birth_date else None
    return (*names, fold(row.email), row.role) if row.email else None


def import_preview(filename: str, data: bytes, default_role: str = "eleve") -> ImportPreview:
    """The preview of an uploaded file; nothing is created."""
    name = shown(filename or "") or "fichier"  # as messages quote it: printable, at most 40 characters
    empty = ImportPreview(name, None, None, [], [], [], 0, 0, 0, 0, (), [], [])
    if default_role not in ("eleve", "parent"):  # the form's select, tampered with
        message = "Choisissez si les lignes sans colonne « profil » sont des élèves ou des parents."
        return _with(empty, [LineProblem(None, message)])
    if not data:
        return _with(empty, [LineProblem(None, f"Le fichier « {name} » est vide : envoyez {ACCEPTED}.")])
    if len(data) > MAX_UPLOAD_BYTES:
        megabytes = MAX_UPLOAD_BYTES // (1024 * 1024)
        message = f"Le fichier est trop gros (plus de {megabytes} Mo) : une liste d'élèves en fait bien moins."
        return _with(empty, [LineProblem(None, message)])
    try:
        school_file = read_school_file(filename or "fichier", data, default_role)
    except SchoolFileError as error:
        used, ignored = _columns(error.columns)
        return ImportPreview(
            name, error.kind, error.header_line, used, ignored, [_problem(p) for p in error.problems],
            0, 0, 0, 0, (), [], [],
        )  # fmt: skip
    rows = school_file.rows
    used, ignored = _columns(school_file.columns)
    problems = [_problem(p) for p in row_problems(rows)]
    return ImportPreview(
        filename=name,
        kind=school_file.kind,
        header_line=school_file.header_line,
        used=used,
        ignored=ignored,
        problems=problems,
        students=sum(1 for row in rows if row.role == "eleve"),
        parents=sum(1 for row in rows if row.role == "parent"),
        responsables=sum(len(row.responsables) for row in rows),
        lines=len(rows) + len(school_file.merged_lines),
        merged_lines=school_file.merged_lines,
        summary=school_file.describe()[len(school_file.columns) + 1 :],
        rows=[] if problems else rows,
    )


def confirmation_fields(preview: ImportPreview) -> dict[str, str]:
    """The hidden fields of the preview's "Créer les comptes" form: the rows as the API takes them (the route
    checks them again with the API's own model, as any request), and an idempotency key, so that the form posted
    twice (a double click, a reload) replays the first import instead of creating the accounts twice. Nothing is
    kept on the server between the preview and the import."""
    if not preview.may_proceed:
        return {}
    rows = json.dumps([row.as_api() for row in preview.rows], ensure_ascii=False, separators=(",", ":"))
    return {"lignes": rows, "cle": uuid.uuid4().hex}


def _with(preview: ImportPreview, problems: list[LineProblem]) -> ImportPreview:
    return replace(preview, problems=problems)


@dataclass(frozen=True)
class ImportOutcome:
    created_students: int
    created_parents: int
    recognised: int  # people the school already had: not created again, no new letter
    class_changes: list[str]  # "Jean Dupont : 5e B → 4e B"
    links: int
    letters: int  # pages of the PDF: one per account created
    letters_path: str | None  # where the PDF is downloaded (None: no account created, no letter)


def import_outcome(result: ImportResult, letters_path: str | None) -> ImportOutcome:
    """What the import did (flows.provisioning.import_accounts' answer)."""
    created = [one.account for one in result.issued]
    changes = [
        f"{p.first_name} {p.last_name} : {p.previous_class} → {_class_now(p) or 'sans classe'}"
        for p in result.existing
        if p.previous_class
    ]
    return ImportOutcome(
        created_students=sum(1 for a in created if a.role is Role.STUDENT),
        created_parents=sum(1 for a in created if a.role is Role.PARENT),
        recognised=len(result.existing),
        class_changes=changes,
        links=len(result.links),
        letters=len(created),
        letters_path=letters_path if created else None,
    )


def _class_now(person) -> str | None:
    return person.account.school_class if person.account is not None else person.school_class
