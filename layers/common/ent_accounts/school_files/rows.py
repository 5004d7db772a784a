"""One line of the list → a person (a student with the legal guardians named on their line, or a parent), or the
French problems of that line. Names are taken as written (the service checks and tidies them); dates, profiles
and guardians are checked here, so that every line at fault is named before anything is sent."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from ent_accounts.identifiers import ascii_letters
from ent_accounts.school_files.columns import MAX_RESPONSABLES
from ent_accounts.school_files.dates import parse_date, plausible
from ent_accounts.school_files.formats import Cell
from ent_accounts.school_files.problems import shown

ROLES = {
    "eleve": "eleve",
    "eleves": "eleve",
    "e": "eleve",
    "parent": "parent",
    "parents": "parent",
    "p": "parent",
    "responsable": "parent",
    "responsablelegal": "parent",
    "representantlegal": "parent",
}
_FIELD_LABELS = {"last_name": "nom", "usage_name": "nom d'usage", "first_name": "prénom", "class": "classe"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # the shape only: the person validates their address later


@dataclass(frozen=True)
class Responsable:
    last_name: str
    first_name: str
    email: str | None = None
    relation: str | None = None  # as written: "MERE", "PERE", "TUTEUR" …

    def as_api(self) -> dict:
        answer = {"last_name": self.last_name, "first_name": self.first_name}
        if self.email:
            answer["email"] = self.email
        if self.relation:
            answer["relation"] = self.relation
        return answer


@dataclass(frozen=True)
class PersonRow:
    line: int  # as the spreadsheet shows it: the header is line 1 when it is the first line
    last_name: str
    first_name: str
    birth_date: str | None  # ISO, as the API wants it
    school_class: str | None
    role: str  # "eleve" | "parent"
    email: str | None = None  # a parent row's own address
    responsables: tuple[Responsable, ...] = ()  # a student's legal guardians, from the same line

    def as_api(self) -> dict:
        """The row of `POST /api/admin/accounts`."""
        answer = {
            "line": self.line,
            "last_name": self.last_name,
            "first_name": self.first_name,
            "birth_date": self.birth_date,
            "role": self.role,
            "class": self.school_class,
        }
        if self.email:
            answer["email"] = self.email
        if self.responsables:
            answer["responsables"] = [responsable.as_api() for responsable in self.responsables]
        return answer


def build(
    cells: list[Cell], fields: dict[int, str], line: int, default_role: str
) -> tuple[PersonRow | None, str | None]:
    """The person on this line, or the sentence naming what is wrong with it."""
    values = {field: cells[position] if position < len(cells) else "" for position, field in fields.items()}

    def text(field: str) -> str:
        value = values.get(field, "")
        return value.isoformat() if isinstance(value, date) else " ".join(str(value).split())

    problems = [
        f"{_FIELD_LABELS.get(field, 'une cellule')} « {value.strftime('%d/%m/%Y')} » : le tableur en a fait une date ; "
        "mettez la colonne au format Texte et retapez-la"
        for field, value in values.items()
        if isinstance(value, date) and field != "birth_date"
    ]  # Excel turns a class typed 4/3 into the 4th of March
    birth_date = _birth_date(values.get("birth_date", ""), problems)
    role = default_role
    if raw := text("role"):
        role = ROLES.get(ascii_letters(raw))
        if role is None:
            problems.append(f"profil « {shown(raw)} » inconnu (attendu élève ou parent)")
    last_name = text("usage_name") or text("last_name")
    for value, label in ((last_name, "nom"), (text("first_name"), "prénom")):
        if not value:
            problems.append(f"{label} manquant")
    email = None
    if role == "parent" and (raw := text("email")):
        email = _email(raw, "adresse mail", problems)
    responsables = _responsables(text, problems) if role == "eleve" else ()
    if problems:
        return None, f"Ligne {line} : " + " ; ".join(problems) + "."
    return PersonRow(
        line,
        last_name,
        text("first_name"),
        birth_date,
        text("class") or None,
        role,
        email,
        responsables,
    ), None


def _birth_date(value: Cell, problems: list[str]) -> str | None:
    if isinstance(value, date):
        day = value
    elif not (raw := value.strip()):
        return None
    elif (day := parse_date(raw)) is None:
        hint = " ; dans le tableur, mettez la colonne au format Date" if raw.replace(".", "").isdigit() else ""
        problems.append(f"date de naissance « {shown(raw)} » invalide (attendu JJ/MM/AAAA{hint})")
        return None
    if not plausible(day):
        problems.append(f"date de naissance « {day.strftime('%d/%m/%Y')} » pas plausible")
        return None
    return day.isoformat()


def _email(raw: str, label: str, problems: list[str]) -> str | None:
    if _EMAIL.match(raw):
        return raw
    problems.append(f"{label} « {shown(raw)} » invalide")
    return None


def _responsables(text, problems: list[str]) -> tuple[Responsable, ...]:
    found = []
    for number in range(1, MAX_RESPONSABLES + 1):
        last, first, raw_email, relation = (
            text(f"responsable{number}.{what}") for what in ("last_name", "first_name", "email", "relation")
        )
        if not (last or first or raw_email):
            continue  # a relation alone ("MERE" with no name) names nobody: the column is often pre-filled
        missing = [label for value, label in ((last, "nom"), (first, "prénom")) if not value]
        if missing:
            problems.append(f"responsable {number} : {' et '.join(missing)} manquant{'s' if len(missing) > 1 else ''}")
            continue
        email = _email(raw_email, f"adresse mail du responsable {number}", problems) if raw_email else None
        found.append(Responsable(last, first, email, relation or None))
    return tuple(found)


def merge(people: list[PersonRow]) -> tuple[list[PersonRow], list[int], list[str]]:
    """Lines that repeat a student (same names, birth date and class) to name another responsable, as SIECLE's
    responsables export does, become one person on the first line: the people, the lines merged, the problems."""
    firsts: dict[tuple, int] = {}
    merged: list[PersonRow] = []
    lines, problems = [], []
    for person in people:
        same = (_same(person.last_name), _same(person.first_name), person.birth_date, person.school_class)
        at = firsts.get(same)
        if person.role != "eleve" or person.birth_date is None or not person.responsables or at is None:
            if person.role == "eleve" and person.birth_date is not None:
                firsts.setdefault(same, len(merged))
            merged.append(person)
            continue
        first = merged[at]
        added = tuple(r for r in person.responsables if r not in first.responsables)
        if not added:  # the same line twice: the service names the duplicate
            merged.append(person)
            continue
        responsables = first.responsables + added
        if len(responsables) > MAX_RESPONSABLES:
            problems.append(
                f"Ligne {person.line} : plus de {MAX_RESPONSABLES} responsables pour l'élève de la ligne {first.line}."
            )
            continue
        merged[at] = replace(first, responsables=responsables)
        lines.append(person.line)
    return merged, lines, problems


def _same(name: str) -> str:
    """A name compared across lines of one file: case, accents and spaces aside (non-Latin names as written)."""
    return ascii_letters(name) or " ".join(name.casefold().split())
