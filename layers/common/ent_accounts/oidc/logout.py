"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): a service sends the browser to end_session_endpoint
with `id_token_hint`, `post_logout_redirect_uri`, `state` and/or `client_id`.

The browser's session ends at once only when the request proves it is about that very session: an `id_token_hint`
this provider signed (accepted expired, as §2 allows) whose `sid` is the one its client knows this session by.
Otherwise (no hint, a hint that is not ours, or one of another session or account) the person is asked first, as
§2 requires ("the OP MUST ask the End-User this question if an id_token_hint was not provided or if the supplied
ID Token does not belong to the current OP session"): without that, a link or a redirect from any site would sign
a student out of the service and, through back-channel logout, of every ENT service (logout CSRF). The answer is a
page whose form, with its CSRF token, comes back as a POST that ends the session (`confirmed`).

Once the session ended (sso/logout.py: the services signed in through it are to be told), the browser goes back to
`post_logout_redirect_uri` only when it is registered, exactly, for the client the request names: by `client_id`,
or by the audience of an ID token of ours (when both are given they must agree). Otherwise, and without one, the
person sees the French page "Vous êtes déconnecté": never a redirect to an address the registry does not hold. A
parameter given twice makes the request ambiguous (which client, which page, which state?): nothing it says is
believed, the person is asked, and the session then ends on the French page.

Requests: 1 BatchGetItem (the session and the client named, those there are), then ending the session's.
"""

from __future__ import annotations

from dataclasses import dataclass

from ent_accounts.codes import hash_token, looks_like_token
from ent_accounts.oidc.authorization import to_client
from ent_accounts.oidc.authorization_request import CLIENT_ID, Params
from ent_accounts.oidc.claims import sid_for
from ent_accounts.oidc.id_token_hint import IssuedIdToken, issued_id_token
from ent_accounts.services import Services
from ent_accounts.sessions import Session
from ent_accounts.sso.clients import Client
from ent_accounts.sso.logout import EndedSession, ending_session

# What a logout request may carry, and so what the confirmation's form sends back.
PARAMETERS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales")


@dataclass(frozen=True)
class LogoutAnswer:
    redirect: str | None  # the client's registered post-logout page (with `state`); None: the French page
    #                       (when asking: where the confirmation's form will lead, which its page must allow)
    ended: EndedSession | None  # the session ended, and what its services must be told (None: there was none)
    client_id: str | None = None  # the client the request named, when it was proven
    ask: bool = False  # nothing ended: the person must confirm first (the page with its form)


def rp_initiated_logout(
    services: Services,
    params: Params,
    session_token: str | None,
    issuer: str,
    request_id: str,
    *,
    confirmed: bool = False,
) -> LogoutAnswer:
    """`confirmed`: the person said yes on the confirmation page (its form, CSRF-checked by the caller)."""
    one = {name: values[0] for name, values in params.items() if len(values) == 1}
    ambiguous = _ambiguous(params)
    client_id, hint = (None, None) if ambiguous else _named_client(services, one, issuer)
    session_hash = hash_token(session_token) if session_token and looks_like_token(session_token) else None
    session, client, _ = (
        services.store.sign_in_reads(session_hash, client_id, None) if session_hash or client_id else (None, None, None)
    )
    redirect = None
    uri = None if ambiguous else one.get("post_logout_redirect_uri")
    if uri and client is not None and client.accepts_post_logout_redirect_uri(uri):
        redirect = to_client(uri, state=one.get("state"))
    if session is not None and not confirmed and not _about_this_session(hint, client, session):
        return LogoutAnswer(redirect, None, client_id, ask=True)
    ended = ending_session(services, session_token, request_id, issuer, via=client_id or "")
    return LogoutAnswer(redirect, ended, client_id)


def confirmation_fields(params: Params) -> dict[str, str]:
    """The request's own parameters, as the confirmation's form sends them back (none of an ambiguous request)."""
    if _ambiguous(params):
        return {}
    return {name: params[name][0] for name in PARAMETERS if len(params.get(name) or ()) == 1}


def _ambiguous(params: Params) -> bool:
    return any(len(params.get(name) or ()) > 1 for name in PARAMETERS)


def _about_this_session(hint: IssuedIdToken | None, client: Client | None, session: Session) -> bool:
    """Whether an ID token of ours names this session, by the `sid` its client knows it by."""
    if hint is None or client is None or not session.sid:
        return False
    return hint.sid is not None and hint.sid == sid_for(client, session.sid)


def _named_client(services: Services, one: dict[str, str], issuer: str) -> tuple[str | None, IssuedIdToken | None]:
    """The client the request names and the hint when it is an ID token of ours (None, None: none named, or the
    hint and client_id disagree, or either is malformed)."""
    asked = one.get("client_id")
    if asked is not None and not CLIENT_ID.fullmatch(asked):
        return None, None
    hinted, issued = None, None
    if hint := one.get("id_token_hint"):
        issued = issued_id_token(services.signer, hint, issuer)
        if issued is None:
            return None, None  # not an ID token of ours: nothing it says is believed
        hinted = issued.audience
    if asked and hinted and asked != hinted:
        return None, None
    return asked or hinted, issued
