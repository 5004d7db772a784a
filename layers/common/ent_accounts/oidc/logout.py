"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): a service sends the browser to end_session_endpoint
with `id_token_hint`, `post_logout_redirect_uri`, `state` and/or `client_id`.

The browser's session ends whatever the parameters say (sso/logout.py: the services signed in through it are to be
told). The browser goes back to `post_logout_redirect_uri` only when it is registered, exactly, for the client the
request names: by `client_id`, or by the audience of an ID token this provider signed (`id_token_hint`, accepted
expired, as §2 allows; when both are given they must agree), each parameter given once. Otherwise, and without
one, the person sees the French page "Vous êtes déconnecté" instead: never a redirect to an address the registry
does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from ent_accounts.oidc.authorization import to_client
from ent_accounts.oidc.authorization_request import CLIENT_ID, Params
from ent_accounts.oidc.id_token_hint import issued_id_token
from ent_accounts.services import Services
from ent_accounts.sso.logout import EndedSession, ending_session

PARAMETERS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state")


@dataclass(frozen=True)
class LogoutAnswer:
    redirect: str | None  # the client's registered post-logout page (with `state`); None: the French page
    ended: EndedSession | None  # the session ended, and what its services must be told (None: there was none)
    client_id: str | None = None  # the client the request named, when it was proven


def rp_initiated_logout(
    services: Services, params: Params, session_token: str | None, issuer: str, request_id: str
) -> LogoutAnswer:
    one = {name: values[0] for name, values in params.items() if len(values) == 1}
    # A parameter of the request given twice makes it ambiguous (which client, which page, which state?): the
    # session ends all the same, on the French page.
    ambiguous = any(len(params.get(name) or ()) > 1 for name in PARAMETERS)
    client_id = None if ambiguous else _named_client(services, one, issuer)
    redirect = None
    uri = one.get("post_logout_redirect_uri")
    if uri and client_id:
        client = services.store.get_client(client_id)
        if client is not None and client.accepts_post_logout_redirect_uri(uri):
            redirect = to_client(uri, state=one.get("state"))
    ended = ending_session(services, session_token, request_id, issuer, via=client_id or "")
    return LogoutAnswer(redirect, ended, client_id)


def _named_client(services: Services, one: dict[str, str], issuer: str) -> str | None:
    """The client the request names, or None (none named, or the hint and client_id disagree, or either is
    malformed)."""
    asked = one.get("client_id")
    if asked is not None and not CLIENT_ID.fullmatch(asked):
        return None
    hinted = None
    if hint := one.get("id_token_hint"):
        issued = issued_id_token(services.signer, hint, issuer)
        if issued is None:
            return None  # not an ID token of ours: nothing it says is believed
        hinted = issued.audience
    if asked and hinted and asked != hinted:
        return None
    return asked or hinted
