"""/cas/logout (CAS 3.0 §2.3): the single sign-on session ends, as every logout ends it (sso/logout.py: the services
signed in through it are told, OpenID Connect and CAS alike), then the browser goes back to `service` when a
registered service covers it (§2.3.2: "only registered [service] parameter Service URLs are accepted for
redirection"), else to a French page saying the person is logged out. CAS 3.0 has no confirmation step: a
service's logout link ends the session at once, as Apereo CAS does.

Requests: ending the session's (1 DeleteItem, 1 PutItem for the audit event, and when services were signed in 1
BatchGetItem and one SendMessageBatch per ten notices), and with a `service`, 1 GetItem (its client, read afresh).
"""

from __future__ import annotations

from dataclasses import dataclass

from ent_accounts.cas.services import accepts_service, parse_service, registered_service
from ent_accounts.oidc.authorization_request import Params
from ent_accounts.services import Services
from ent_accounts.sso.logout import EndedSession, ending_session


@dataclass(frozen=True)
class CasLogoutAnswer:
    redirect: str | None  # the service URL as given, when a registered service covers it; None: the French page
    ended: EndedSession | None  # None: there was no live session


def cas_logout(
    services: Services, params: Params, session_token: str | None, issuer: str, request_id: str
) -> CasLogoutAnswer:
    """`issuer`: the provider's issuer (the base URL), which the OpenID Connect clients' logout tokens name."""
    given = params.get("service") or ()
    client_id, redirect = None, None
    if len(given) == 1 and (service := parse_service(given[0])) is not None:
        found = registered_service(services.store, services.clock.now(), service)
        client = services.store.get_client(found.client_id) if found is not None else None
        if client is not None and accepts_service(client, service):
            client_id, redirect = client.client_id, service.url
    ended = ending_session(services, session_token, request_id, issuer, via=client_id or "")
    return CasLogoutAnswer(redirect, ended)
