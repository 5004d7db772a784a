"""What the API refuses before it reads a body: JSON nested too deep, a body not declared as JSON, and a request
that the session cookie authenticates coming from another site.

Powertools' request validation parses the body first thing in every route's middleware stack (user middlewares
run after it), so `install` wraps that validation step: these checks run before it, and the body is parsed by
`parse_json_body`, which measures the nesting before `json.loads` recurses into it.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from aws_lambda_powertools.event_handler.middlewares import BaseMiddlewareHandler

from ent_accounts.errors import DomainError, InvalidRequest
from ent_accounts.web.csrf import cross_site
from ent_accounts.web.session import authenticated_by_cookie

# Our bodies nest 3 levels at most (an import: object, list of rows, row); json.loads recurses once per level and
# fails near 1,000 levels (2 KB of brackets), pydantic has its own limits: anything deeper than this is refused.
MAX_JSON_DEPTH = 32
TOO_DEEP = f"Le corps de la requête est trop imbriqué ({MAX_JSON_DEPTH} niveaux de crochets ou d'accolades au plus)."
NOT_JSON = "Le corps de la requête doit être du JSON (Content-Type: application/json)."
CROSS_SITE = (
    "Cette demande vient d'un autre site que le service : elle est refusée. Ouvre le service directement à son adresse."
)
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
    message = NOT_JSON


class CrossSiteRequest(DomainError):
    status = 403
    code = "cross_site_request"
    message = CROSS_SITE


# A JSON string (escapes included; an unterminated one runs to the end, and json.loads then refuses the body), and
# a run of characters that are not brackets.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nested_deeper_than(text: str, limit: int) -> bool:
    """Whether the brackets of a JSON text, those outside strings, nest deeper than `limit`. Linear, in C loops."""
    if text.count("[") + text.count("{") <= limit:
        return False  # every body of ours: not one scan
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets), initial=0)) > limit


def parse_json_body(text: str) -> Any:
    """Powertools' JSON deserializer for every request body: a 400 for nesting deeper than MAX_JSON_DEPTH, never
    the RecursionError (a 500) that json.loads or pydantic would raise."""
    if nested_deeper_than(text, MAX_JSON_DEPTH):
        raise InvalidRequest(TOO_DEEP)
    return json.loads(text)


def _header(event, name: str) -> str:
    return next((value for key, value in (event.headers or {}).items() if key.lower() == name), "") or ""


def check_public_request(event) -> None:
    """The public API's state-changing requests (not /api/admin/, which IAM signs and no browser sends): a body
    must be `application/json` (parameters such as charset allowed), which a cross-site form cannot send; and a
    request authenticated by the session cookie must not say it comes from another site (the forms' rule)."""
    path = event.path or ""
    if event.http_method not in STATE_CHANGING or not path.startswith("/api/") or path.startswith("/api/admin/"):
        return
    if event.body and _header(event, "content-type").split(";", 1)[0].strip().lower() != "application/json":
        raise UnsupportedMediaType()
    if authenticated_by_cookie(event) and cross_site(event):
        raise CrossSiteRequest()


class _ChecksThenValidation(BaseMiddlewareHandler):
    def __init__(self, validation: BaseMiddlewareHandler) -> None:
        super().__init__()
        self._validation = validation

    def handler(self, app, next_middleware):
        check_public_request(app.current_event)
        return self._validation.handler(app, next_middleware)


def install(app) -> None:
    """Run the checks before Powertools' request validation, the first step of every route (Powertools 3.x keeps it
    in `_request_validation_middleware`; tests/integration/test_bad_input.py fails if that changes)."""
    validation = getattr(app, "_request_validation_middleware", None)
    if validation is None:
        raise RuntimeError("Powertools' request validation middleware was not found: the request checks need it")
    app._request_validation_middleware = _ChecksThenValidation(validation)
