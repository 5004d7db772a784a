"""What a school sends about its students and parents: its code (UAI), names, roles, classes, and their checks;
and its accounts as its list shows them.

The checks answer in French (the school reads them) and return None when the value is acceptable.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from ent_accounts.accounts import Role, Status
from ent_accounts.identifiers import ascii_letters
from ent_accounts.letters import unprintable

# UAI (unité administrative immatriculée): 7 digits and a check letter, e.g. 0341234A.
UAI_PATTERN = re.compile(r"^[0-9]{7}[A-Z]$")
UAI_MESSAGE = "Le code de l'établissement (UAI) doit comporter 7 chiffres suivis d'une lettre, par exemple 0341234A."

NAME_MAX_LENGTH = 60
CLASS_MAX_LENGTH = 20
SCHOOL_NAME_MAX_LENGTH = 120
_NAME_PUNCTUATION = set(" -'’.")
_CLASS_PUNCTUATION = set(" -_/.°'’")
ROLE_MESSAGE = "Le profil doit être « eleve » ou « parent »."


MAX_RESPONSABLES = 4  # SIECLE's export names up to four responsables per student


@dataclass(frozen=True)
class NewResponsable:
    """A student's legal guardian as the school's file names them: they become a parent account linked to them."""

    last_name: str
    first_name: str
    email: str | None = None
    relation: str | None = None  # as written in the file (MERE, PERE, TUTEUR…): kept out of the account


@dataclass(frozen=True)
class NewAccount:
    """One row of a school's list, checked and tidied."""

    last_name: str
    first_name: str
    role: Role
    birth_date: date | None = None
    school_class: str | None = None
    line: int | None = None  # the row's line in the school's file (messages name it); None: index + 2
    email: str | None = None  # a parent row's own address: recognises the parent (validated at first connection)
    responsables: tuple[NewResponsable, ...] = ()  # a student's legal guardians
    homonym: bool = False  # a real homonym: created even if the school has someone with the same names and date


@dataclass(frozen=True)
class SchoolAccount:
    """An account as a school's list shows it (read from the school index: never a secret)."""

    identifier: str
    role: str
    first_name: str
    last_name: str
    school_class: str | None
    status: Status
    email_verified: bool
    validation_deadline: datetime | None
    provisional_expires_at: datetime | None
    # A parent's children or a student's responsables: (identifier, first_name, last_name, class), by name.
    linked: tuple[tuple[str, str, str, str | None], ...] = ()


def normalize_uai(raw: str | None) -> str | None:
    """The UAI in capitals, or None when it is not 7 digits and a letter."""
    value = (raw or "").strip().upper()
    return value if UAI_PATTERN.match(value) else None


def tidy(text: str) -> str:
    """Spaces collapsed and trimmed, Unicode composed (an é typed in two code points is one)."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def name_error(name: str) -> str | None:
    if not name:
        return "Ce champ est obligatoire."
    if len(name) > NAME_MAX_LENGTH:
        return f"Ce nom est trop long (au plus {NAME_MAX_LENGTH} caractères)."
    if any(not (char.isalpha() or char in _NAME_PUNCTUATION or unicodedata.category(char) == "Mn") for char in name):
        return "Un nom ne peut contenir que des lettres, des espaces, des traits d'union et des apostrophes."
    if not ascii_letters(name):
        return "Un nom doit contenir au moins une lettre de l'alphabet latin (l'identifiant en est tiré)."
    return unprintable_error(name, "écrivez ce nom en lettres latines, comme sur les papiers officiels")


def class_error(school_class: str) -> str | None:
    if len(school_class) > CLASS_MAX_LENGTH:
        return f"Le nom de la classe est trop long (au plus {CLASS_MAX_LENGTH} caractères)."
    if any(not (char.isalnum() or char in _CLASS_PUNCTUATION) for char in school_class):
        return "Le nom de la classe ne peut contenir que des lettres, des chiffres, des espaces et - _ / . °"
    return unprintable_error(school_class, "écrivez le nom de la classe en lettres latines")


def school_name_error(school_name: str) -> str | None:
    """The school's name as printed on the letters: one line of text. Unlike a person's name it may hold digits and
    punctuation (Lycée n° 2, Saint-Exupéry & Curie), but no control character: a line break would add a line to
    the letter, which could pass for a line of the letter itself."""
    if any(unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp") for char in school_name):
        return (
            "Le nom de l'établissement ne peut contenir ni retour à la ligne, ni tabulation, ni autre caractère "
            "de contrôle : écrivez-le sur une seule ligne."
        )
    if len(tidy(school_name)) > SCHOOL_NAME_MAX_LENGTH:
        return f"Le nom de l'établissement est trop long (au plus {SCHOOL_NAME_MAX_LENGTH} caractères)."
    return unprintable_error(tidy(school_name), "écrivez le nom de l'établissement en lettres latines")


def unprintable_error(text: str, advice: str) -> str | None:
    """The characters the access letters cannot print (fonts/coverage.txt: the Latin alphabets, their accents and
    punctuation), named: refused here rather than printed wrong. A name in another script is written as on the
    person's official papers, in Latin letters."""
    missing = unprintable(text)
    if not missing:
        return None
    named = ", ".join(f"« {char} »" if char.isprintable() else f"U+{ord(char):04X}" for char in missing[:5])
    kind = "Le caractère" if len(missing) == 1 else "Les caractères"
    verb = "ne peut pas être imprimé" if len(missing) == 1 else "ne peuvent pas être imprimés"
    return f"{kind} {named} {verb} sur la lettre d'accès : {advice}."


def parse_role(raw: str) -> Role | None:
    """`eleve` or `parent`, whatever the case and accents (`Élève` is eleve)."""
    spelled = ascii_letters(raw)
    return next((role for role in Role if role.value == spelled), None)
