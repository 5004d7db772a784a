"""Form posts of the pages: the urlencoded body, the steps every post goes through, redirects after a post, and
errors shown next to fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response

from ent_accounts.accounts import IDENTIFIER_MAX
from ent_accounts.errors import DomainError
from ent_accounts.web.csrf import csrf_valid
from ent_accounts.web.pages import page_for
from ent_accounts.wording import Message, Say

IDENTIFIER_TOO_LONG = "Cet identifiant est trop long."
MAX_FIELD = 1024  # no form field of ours is longer; bigger values are cut, then refused by validation


def form_data(event) -> dict[str, str]:
    """The first value of each field of an application/x-www-form-urlencoded body."""
    try:
        body = event.decoded_body or ""
    except (UnicodeDecodeError, ValueError):
        return {}
    try:
        fields = parse_qs(body, keep_blank_values=True, max_num_fields=50)
    except ValueError:  # more fields than any form of ours has: not our page's (its CSRF check then fails)
        return {}
    return {name: values[0][:MAX_FIELD] for name, values in fields.items()}


class FormPage:
    """A post of one page's form: its fields, and the page shown again when the post is refused.

    `keep`: the fields shown again as typed (stripped), in `values`; `context`: what every showing of the page gets.
    """

    def __init__(
        self,
        router,
        template: str = "",
        keep: tuple[str, ...] = (),
        again_context: Callable[[], dict[str, Any]] | None = None,
        **context: Any,
    ) -> None:
        self.router = router
        self.template = template
        self.fields = form_data(router.current_event)
        self.values = {name: self.fields.get(name, "").strip() for name in keep}
        self.context = context
        # What only a page shown again needs, read then and not for a post that succeeds (e.g. the pending
        # sign-in a refused login must still name).
        self.again_context = again_context

    @property
    def genuine(self) -> bool:
        """Whether the post comes from our own page (its CSRF token), not from another site's."""
        return csrf_valid(self.router.current_event, self.fields)

    def new_password(self, errors: dict[str, str | None], identifier: str = "", names: tuple = ()) -> str:
        """The new password typed twice: a message in `errors` when it is missing or breaks the password rules,
        and one when the two differ, both at once with the form's other errors (the use case checks again)."""
        from ent_accounts.passwords import policy_error

        password = self.fields.get("new_password", "")
        if not password:
            errors["new_password"] = REQUIRED
        else:
            errors["new_password"] = policy_error(password, identifier, context=names)
        if password and password != self.fields.get("new_password_confirmation", ""):
            errors["new_password_confirmation"] = PASSWORDS_DIFFER
        return password

    def again(self, status: int, errors: dict[str, str], error: DomainError | None = None, **extra) -> Response:
        """The page again, with these messages next to their fields (`error`: the refusal, for its headers;
        `extra`: more of the page's context)."""
        context = {"values": self.values, **self.context, **(self.again_context() if self.again_context else {})}
        context.update(extra)
        return page_for(self.router, self.template, status, errors=errors, error=error, **context)

    def post(
        self,
        check: Callable[[dict[str, str | None]], Any],
        call: Callable[[Any], Any],
        done: Callable[[Any], Response],
        refused: Callable[[DomainError], Response] | None = None,
        field: str | None = None,
    ) -> Response:
        """The steps of every post: the CSRF token, then `check(errors)` (fills in a message per wrong field, None
        for a right one, and returns what `call` needs), then `call` (the use case), then `done(its result)` (the
        next page). A forged post is 403, wrong fields 400, the use case's refusal its own status: each shows the
        page again. `refused` shows a refusal otherwise; by default its fields, or its message next to `field`.
        `check` may raise a DomainError itself (a lock-out met by a password it checks along with the other fields):
        the page again with that refusal's status and headers, its message next to `field` among those found."""
        if not self.genuine:
            return self.again(403, {"_form": EXPIRED_FORM})
        errors: dict[str, str | None] = {}
        try:
            checked = check(errors)
        except DomainError as error:
            found = {**errors, **field_errors(error, field)}  # in the form's order, when `check` named the field
            return self.again(error.status, {name: message for name, message in found.items() if message}, error)
        if wrong := {name: message for name, message in errors.items() if message}:
            return self.again(400, wrong)
        try:
            result = call(checked)
        except DomainError as error:
            return refused(error) if refused else self.again(error.status, field_errors(error, field), error)
        return done(result)


def redirect(location: str, cookies=()) -> Response:
    """303 See Other: after a successful post the browser loads the next page with GET (no double submit)."""
    return Response(status_code=303, headers={"Location": location}, body="", cookies=list(cookies))


def identifier_error(identifier: str) -> str | None:
    """What is wrong with a typed identifier before any lookup: missing, or longer than any issued (as the API)."""
    if not identifier:
        return REQUIRED
    return IDENTIFIER_TOO_LONG if len(identifier) > IDENTIFIER_MAX else None


def field_errors(error: DomainError, default_field: str | None = None) -> dict[str, Message]:
    """A domain error as messages next to fields; errors about the whole form go under "_form" (each worded by
    the page, for its audience)."""
    if error.fields:
        return dict(error.fields)
    return {default_field or "_form": error.message}


def checked(parse, raw: str):
    """(value, None) when a schema validator accepts `raw`, else (None, its French message)."""
    from pydantic_core import PydanticCustomError

    try:
        return parse(raw), None
    except PydanticCustomError as error:
        return None, error.message()


# The birth date is asked at the first connection only, where the account is known: said to its holder.
BIRTH_DATE_MISSING = Say(
    "Indique ta date de naissance, au format JJ/MM/AAAA.",
    "Indiquez la date de naissance, au format JJ/MM/AAAA.",
    "Date de naissance à indiquer, au format JJ/MM/AAAA.",
)
BIRTH_DATE_FORMAT = Say(
    "Écris la date au format JJ/MM/AAAA, par exemple 14/05/2011.",
    "Écrivez la date au format JJ/MM/AAAA, par exemple 14/05/2011.",
    "Date à écrire au format JJ/MM/AAAA, par exemple 14/05/2011.",
)
NO_SUCH_DATE = Say(
    "Le {text} n'existe pas : vérifie le jour et le mois (JJ/MM/AAAA).",
    "Le {text} n'existe pas : vérifiez le jour et le mois (JJ/MM/AAAA).",
    "Le {text} n'existe pas : le jour ou le mois est à corriger (JJ/MM/AAAA).",
)
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})$")


def birth_date_from_form(raw: str):
    """(date, None) for a birth date as people write it, or (None, a French message, a Say where it addresses the
    holder): JJ/MM/AAAA (also with `-`, `.` or spaces, and 1/2/2011), the eight digits 03092011 a phone's number
    pad types (day first, as the hint says), or AAAA-MM-JJ (what a browser's own date field sends)."""
    from ent_accounts.web.schemas import parse_birth_date

    text = raw.strip()
    if not text:
        return None, BIRTH_DATE_MISSING
    if match := _DAY_MONTH_YEAR.match(text):
        day, month, year = match.groups()
    elif len(text) == 8 and text.isdigit():
        day, month, year = text[:2], text[2:4], text[4:]
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        year, month, day = text.split("-")
    else:
        return None, BIRTH_DATE_FORMAT
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return None, NO_SUCH_DATE.format(text=text)
    return checked(parse_birth_date, f"{year}-{int(month):02d}-{int(day):02d}")


REQUIRED = "Ce champ est obligatoire."
PASSWORDS_DIFFER = "Les deux mots de passe ne sont pas identiques."
EXPIRED_FORM = "La page a expiré : merci de la recharger et de recommencer."
