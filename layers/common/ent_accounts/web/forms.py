"""Form posts of the pages: the urlencoded body, redirects after a post, and errors shown next to fields."""

from __future__ import annotations

from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response

from ent_accounts.accounts import IDENTIFIER_MAX
from ent_accounts.errors import DomainError

IDENTIFIER_TOO_LONG = "Cet identifiant est trop long."
MAX_FIELD = 1024  # no form field of ours is longer; bigger values are cut, then refused by validation


def form_data(event) -> dict[str, str]:
    """The first value of each field of an application/x-www-form-urlencoded body."""
    try:
        body = event.decoded_body or ""
    except (UnicodeDecodeError, ValueError):
        return {}
    fields = parse_qs(body, keep_blank_values=True, max_num_fields=50)
    return {name: values[0][:MAX_FIELD] for name, values in fields.items()}


def redirect(location: str, cookies=()) -> Response:
    """303 See Other: after a successful post the browser loads the next page with GET (no double submit)."""
    return Response(status_code=303, headers={"Location": location}, body="", cookies=list(cookies))


def identifier_error(identifier: str) -> str | None:
    """What is wrong with a typed identifier before any lookup: missing, or longer than any issued (as the API)."""
    if not identifier:
        return REQUIRED
    return IDENTIFIER_TOO_LONG if len(identifier) > IDENTIFIER_MAX else None


def field_errors(error: DomainError, default_field: str | None = None) -> dict[str, str]:
    """A domain error as messages next to fields; errors about the whole form go under "_form"."""
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


def iso_date_from_form(raw: str) -> str:
    """Browsers send a date field as AAAA-MM-JJ; people typing by hand write JJ/MM/AAAA."""
    parts = raw.strip().split("/")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        return f"{parts[2]:0>4}-{parts[1]:0>2}-{parts[0]:0>2}"
    return raw.strip()


REQUIRED = "Ce champ est obligatoire."
PASSWORDS_DIFFER = "Les deux mots de passe ne sont pas identiques."
EXPIRED_FORM = "La page a expiré : recharge-la et recommence."
