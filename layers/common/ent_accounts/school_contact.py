"""A school's name and how its students and parents reach it (phone, address, web page, where and when), as its
administrators write it in the console. Every signed-in page names it as the one to ask for help (only the school
knows its people: it renews a password, gives an identifier again, corrects a birth date), and the letters print
its name.

The checks answer in French ("vous": the school's staff read them) and tidy what they accept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from ent_accounts.schools import school_name_error, tidy

PHONE_MESSAGE = "Le numéro de téléphone doit comporter 10 chiffres, par exemple 04 67 12 34 56 (ou +33 4 67 12 34 56)."
EMAIL_MESSAGE = "Cette adresse mail n'est pas valide (par exemple ce.0341234a@ac-montpellier.fr)."
WEB_PAGE_MESSAGE = "L'adresse du site doit commencer par https:// (par exemple https://college-exemple.fr)."
NAME_REQUIRED = "Le nom de l'établissement est obligatoire."
HOURS_MAX_LENGTH = 200
WEB_PAGE_MAX_LENGTH = 300
EMAIL_MAX_LENGTH = 254
FIELDS = ("name", "phone", "email", "web_page", "hours")


@dataclass(frozen=True)
class SchoolContact:
    """What a school tells its students and parents about itself. `version` 0: never written."""

    uai: str
    name: str
    phone: str | None = None  # as dialled and shown: "04 67 12 34 56" or "+262 2 62 12 34 56"
    email: str | None = None
    web_page: str | None = None  # https:// only
    hours: str | None = None  # where and when: "Secrétariat, bâtiment A, du lundi au vendredi de 8 h à 17 h"
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str = ""

    @property
    def phone_link(self) -> str | None:
        """The number as a tel: link dials it (digits and a leading +)."""
        if not self.phone:
            return None
        digits = re.sub(r"[^\d+]", "", self.phone)
        return f"tel:{digits}"

    @property
    def reachable(self) -> bool:
        """Whether it says how to reach the school, beyond its name."""
        return bool(self.phone or self.email or self.web_page or self.hours)


def checked_contact(uai: str, raw: dict[str, str]) -> tuple[SchoolContact | None, dict[str, str]]:
    """The contact the form's fields describe, tidied, or None and the message of each field refused."""
    values = {field: tidy(raw.get(field) or "") for field in FIELDS}
    errors: dict[str, str] = {}
    name = values["name"]
    if error := (NAME_REQUIRED if not name else school_name_error(raw.get("name") or "")):
        errors["name"] = error
    phone, errors["phone"] = _checked(values["phone"], phone_number)
    email, errors["email"] = _checked(values["email"], email_address)
    web_page, errors["web_page"] = _checked(values["web_page"], web_page_url)
    hours = values["hours"] or None
    if error := _one_line_error(raw.get("hours") or "", HOURS_MAX_LENGTH):
        errors["hours"] = error
    errors = {field: message for field, message in errors.items() if message}
    if errors:
        return None, errors
    return SchoolContact(uai=uai, name=name, phone=phone, email=email, web_page=web_page, hours=hours), {}


def _checked(value: str, parse) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    try:
        return parse(value), None
    except ValueError as refused:
        return None, str(refused)


def phone_number(raw: str) -> str:
    """A French number (10 digits from 0, or +33 and 9 digits) grouped by two, or another country's with its +
    prefix kept as typed (digits grouped as given); ValueError with the message to show."""
    compact = re.sub(r"[\s.\-()]", "", raw)
    if re.fullmatch(r"0\d{9}", compact):
        return " ".join(compact[i : i + 2] for i in range(0, 10, 2))
    if re.fullmatch(r"\+33\d{9}", compact):
        rest = compact[3:]
        return "+33 " + rest[0] + " " + " ".join(rest[i : i + 2] for i in range(1, 9, 2))
    if re.fullmatch(r"\+\d{8,15}", compact) and re.fullmatch(r"\+[\d\s.\-()]+", raw.strip()):
        return " ".join(raw.split())  # overseas départements and abroad: as the school writes it
    raise ValueError(PHONE_MESSAGE)


def email_address(raw: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    # Only the characters an institutional address uses before the @: the pages link to it as mailto:, where ?, &,
    # = or % would add recipients or a body to the mail a student writes.
    if len(raw) > EMAIL_MAX_LENGTH or not re.fullmatch(r"[A-Za-z0-9._+-]+@[^?&=%#\s/]+", raw):
        raise ValueError(EMAIL_MESSAGE)
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError(EMAIL_MESSAGE) from None


def web_page_url(raw: str) -> str:
    """An https:// address with a host name (no user name, no space): the pages link to it."""
    if len(raw) > WEB_PAGE_MAX_LENGTH or any(char.isspace() or ord(char) < 32 for char in raw):
        raise ValueError(WEB_PAGE_MESSAGE)
    try:
        parts = urlsplit(raw)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise ValueError(WEB_PAGE_MESSAGE) from None
    host = parts.hostname or ""
    if parts.scheme.lower() != "https" or "." not in host or "@" in parts.netloc or not port_ok:
        raise ValueError(WEB_PAGE_MESSAGE)
    return raw


def _one_line_error(raw: str, limit: int) -> str | None:
    if any(unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp") for char in raw):
        return "Écrivez ce texte sur une seule ligne, sans tabulation ni autre caractère de contrôle."
    if len(tidy(raw)) > limit:
        return f"Ce texte est trop long (au plus {limit} caractères)."
    return None
