"""What the pages show and allow for a sign-in a service asked for (the browser's `sign_in` cookie): the
service's name ("Connexion à : …"), its origin as a form destination (CSP form-action, see web/pages.py), and the
identifier it suggested."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.event_handler import Response

from ent_accounts.errors import DomainError
from ent_accounts.flows.sign_in import pending_sign_in
from ent_accounts.services import services
from ent_accounts.sso.sign_in import Answer, PendingSignIn
from ent_accounts.web.pages import page_for
from ent_accounts.web.session import cleared_sign_in_cookie, sign_in_cookie, sign_in_ref

SIGN_IN_TITLE = "Connexion à un service"


@dataclass(frozen=True)
class SignInView:
    sign_in: PendingSignIn | None = None
    cookies: list = field(default_factory=list)  # a reference that leads nowhere any more is forgotten

    @property
    def context(self) -> dict[str, Any]:
        """The page's context: `service` (its name) and `form_action` (its origin), when there is a sign-in."""
        if self.sign_in is None:
            return {}
        return {"service": self.sign_in.client_name, "form_action": (self.sign_in.return_origin,)}


def pending(event) -> SignInView:
    """This browser's pending sign-in (one GetItem when it carries the cookie, none otherwise)."""
    ref = sign_in_ref(event)
    if not ref:
        return SignInView()
    sign_in = pending_sign_in(services(), ref)
    return SignInView(sign_in) if sign_in is not None else SignInView(cookies=[cleared_sign_in_cookie()])


def waiting(event) -> bool:
    """Whether the browser says a sign-in waits (its cookie; the browser drops it when the request expires), so
    that a successful login goes on to /oidc/continue without reading it."""
    return bool(sign_in_ref(event))


# --- a protocol's sign-in answered (web/routes/oidc.py, web/routes/cas.py) -------------------------------------------


def go_to(answer: Answer, see_other: bool = False) -> Response:
    """The answer as a redirect (303 after a POST, so that the browser GETs the next address), with what happens
    to the `sign_in` cookie."""
    cookies = []
    if answer.sign_in_ref:
        cookies.append(sign_in_cookie(answer.sign_in_ref, answer.sign_in_expires))
    elif answer.sign_in_done:
        cookies.append(cleared_sign_in_cookie())
    status = 303 if see_other else 302
    return Response(status_code=status, headers={"Location": answer.location}, body="", cookies=cookies)


def refusal(router, error: DomainError, clear_sign_in: bool = False) -> Response:
    """A sign-in refused (a school not served, an unknown service, a locked account): the French page."""
    cookies = [cleared_sign_in_cookie()] if clear_sign_in else []
    return page_for(
        router,
        "message.html",
        error.status,
        title=SIGN_IN_TITLE,
        text=error.message,
        kind="error",
        error=error,
        cookies=cookies,
    )
