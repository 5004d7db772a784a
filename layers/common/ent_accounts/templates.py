"""Jinja2 environment for mails and pages: everything a user reads is French and lives in templates/."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from ent_accounts.wording import Say, audience_of

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def _paris(moment: datetime) -> datetime:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Paris"))


def french_date(moment: datetime) -> str:
    """28 février 2027 (the day in Paris, where schools are)."""
    local = _paris(moment)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{day} {MONTHS[local.month - 1]} {local.year}"


def french_time(moment: datetime) -> str:
    """14 h 37 (in Paris)."""
    local = _paris(moment)
    return f"{local.hour} h {local.minute:02d}"


def french_datetime(moment: datetime) -> str:
    """28 février 2027 à 14 h 37."""
    return f"{french_date(moment)} à {french_time(moment)}"


def say(context, student: str, parent: str, neutral: str | None = None) -> str:
    """One register per audience (wording.py): the page's `audience` ("parent" or "eleve"), else its account's
    role. A page that knows neither (before any login) gets `neutral`, impersonal words; pages that can be seen
    before a login are written impersonally, so only pages of a known account call this without `neutral`, whose
    absence then falls back to the student's form."""
    return Say(student, parent, student if neutral is None else neutral).to(audience_of(context))


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["french_date"] = french_date
    env.filters["french_datetime"] = french_datetime
    env.filters["french_time"] = french_time
    env.globals["say"] = pass_context(say)
    return env


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
