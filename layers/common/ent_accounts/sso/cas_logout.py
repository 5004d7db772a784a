"""CAS single logout (CAS Protocol 3.0 §2.3.3, Appendix C): a service signed in through a session is told that the
session ended by a SAML 2 LogoutRequest, POSTed as the form field `logoutRequest` to the service URL its ticket was
validated for. The service finds its own session by the SessionIndex, that ticket.

The request is one line, as Apereo CAS sends it (wrapped here):

    <samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_3f9a…" Version="2.0"
    IssueInstant="2026-11-30T14:37:00Z"><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">jdupont12
    </saml:NameID><samlp:SessionIndex>ST-…</samlp:SessionIndex></samlp:LogoutRequest>

Its shape is what the CAS clients of the ENT world read, which is stricter than XML:
- phpCAS (`handleLogoutRequests`) takes the ticket with a regular expression, `<samlp:SessionIndex>(.*)
  </samlp:SessionIndex>` on one line: so the prefix `samlp`, no attribute on SessionIndex, no whitespace around the
  ticket, no line break anywhere. It URL-decodes the field once more after PHP has: so no `+` or `%` in any value
  (IssueInstant ends in `Z`, never `+00:00`; the ID is hex; tickets and identifiers are URL-safe).
- mod_auth_cas (`CASSSOEnabled On`) handles a body only when it starts with `logoutRequest=` (so the form has that
  one field), reads at most 1023 bytes of it (the encoded form stays well under: about 500 bytes), parses it as XML
  and takes the text of the root's child named SessionIndex.
- The Java CAS client and the others read SessionIndex by its local name.
NameID is "@NOT_USED@" in the spec's example; Apereo CAS sends the principal, as this does: the CAS user (the
identifier). Every value is escaped for XML all the same; one XML cannot hold (a control character) is refused.

The request is not signed (neither the spec nor these clients provide for it): what it carries is a spent ticket,
which only the browser and the service saw. phpCAS checks by default that the request comes from the CAS server's
host name (reverse DNS of the caller's address): the consumer posts from AWS's addresses, so a phpCAS service calls
`phpCAS::handleLogoutRequests(false)`.

The client is read again first: deleted since, single logout turned off, or that service URL no longer covered by
its registration, nothing is sent (the outcome is logged and the notice is done). The answer: a success (2xx), or a
redirect to a page (301, 302, 303: mod_auth_cas handles the request, then sends the caller, who has no cookie of it,
to the CAS login; Apereo CAS counts these as delivered too) means delivered; the redirect is never followed. Anything
else (an error, a 307/308 asking to post it elsewhere) or no answer within the timeout raises NotDelivered, and the
queue hands the notice over again, a new request (ID, IssueInstant) each time.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from ent_accounts.cas.services import accepts_service, parse_service
from ent_accounts.clock import iso
from ent_accounts.sso.form_post import DELIVERED, NotDelivered, post_form
from ent_accounts.sso.logout_notifications import LogoutNotice

PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
FIELD = "logoutRequest"
ID_BYTES = 16  # 128 random bits: unique per request
DELIVERED_REDIRECTS = (301, 302, 303)

NO_SUCH_CLIENT = "skipped: no longer registered"
SINGLE_LOGOUT_OFF = "skipped: CAS single logout turned off"
SERVICE_NOT_COVERED = "skipped: service URL no longer registered"

# What XML 1.0 cannot hold, even escaped (§2.2 Char): control characters but tab, line feed and carriage return,
# surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def logout_request(notice: LogoutNotice, now: datetime, request_id: str | None = None) -> str:
    """The SAML 2 LogoutRequest for this notice, issued at `now` (its ID random unless given). ValueError for a
    value XML cannot hold."""
    request_id = request_id or "_" + secrets.token_hex(ID_BYTES)  # xs:ID: a name, which may not start with a digit
    return (
        f'<samlp:LogoutRequest xmlns:samlp="{PROTOCOL_NS}" ID="{_attribute(request_id)}" Version="2.0"'
        f' IssueInstant="{_attribute(iso(now))}">'
        f'<saml:NameID xmlns:saml="{ASSERTION_NS}">{_text(notice.subject)}</saml:NameID>'
        f"<samlp:SessionIndex>{_text(notice.session_index)}</samlp:SessionIndex>"
        "</samlp:LogoutRequest>"
    )


def deliver_cas_logout(services: Any, notice: LogoutNotice) -> str:
    """Tell the notice's service, as its client's registry record says now; the outcome (DELIVERED, or why nothing
    was sent). NotDelivered when the service did not take it.

    `services` gives `store.get_client` and `clock` (ent_accounts.services.Services)."""
    client = services.store.get_client(notice.client_id)
    if client is None:
        return NO_SUCH_CLIENT
    if not client.cas_single_logout:
        return SINGLE_LOGOUT_OFF
    service = parse_service(notice.service)
    if service is None or not accepts_service(client, service):
        return SERVICE_NOT_COVERED
    form = {FIELD: logout_request(notice, services.clock.now())}
    try:
        status = post_form(notice.service, form)
    except NotDelivered as error:
        raise NotDelivered(f"{notice.client_id}: {error}") from None
    if not (200 <= status < 300 or status in DELIVERED_REDIRECTS):
        raise NotDelivered(f"{notice.client_id} answered {status}")
    return DELIVERED


def _text(value: str) -> str:
    _check(value)
    return escape(value)


def _attribute(value: str) -> str:
    _check(value)
    return escape(value, {'"': "&quot;"})


def _check(value: str) -> None:
    if _NOT_XML.search(value):
        raise ValueError("a CAS logout request cannot hold a control character")
