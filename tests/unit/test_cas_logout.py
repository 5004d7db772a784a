"""CAS single logout without AWS: the SAML 2 LogoutRequest (CAS Protocol 3.0 Appendix C) as the CAS clients read it
(phpCAS's regular expression after its second URL-decoding, mod_auth_cas's form prefix, 1023-byte buffer and XML
parser, a namespace-aware parser), its escaping, and what the deliverer sends for which registration and answer."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, unquote, unquote_plus, urlencode

import pytest
from defusedxml import ElementTree

from ent_accounts.clock import FrozenClock
from ent_accounts.codes import new_token
from ent_accounts.flows.logout_notifications import deliver_queued_notice
from ent_accounts.sso import cas_logout
from ent_accounts.sso.cas_logout import deliver_cas_logout, logout_request
from ent_accounts.sso.clients import Client
from ent_accounts.sso.form_post import NotDelivered
from ent_accounts.sso.logout_notifications import CAS_SLO, LogoutNotice

NOW = datetime(2026, 11, 30, 14, 37, tzinfo=UTC)
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SERVICE = "https://pronote.example.fr/pronote/eleve.html?fd=1&bydlg=A6ABB224"
TICKET = "ST-" + "k3J9_x-Q" * 5 + "abc"  # the shape of a real one: "ST-" and 43 URL-safe characters


def notice(**changes) -> LogoutNotice:
    values = {
        "client_id": "pronote",
        "service": SERVICE,
        "session_index": TICKET,
        "subject": "jdupont12",
        "request_id": "req-1",
    }
    return LogoutNotice.cas_slo(**{**values, **changes})


def parsed(xml: str):
    return ElementTree.fromstring(xml)  # defusedxml: no DTD, no entity, as a careful service parses it


# --- the LogoutRequest -----------------------------------------------------------------------------------------------


def test_the_logout_request_is_appendix_c_s_saml_2_logout_request():
    root = parsed(logout_request(notice(), NOW, request_id="_abc123"))
    assert root.tag == f"{{{SAMLP}}}LogoutRequest"
    assert root.attrib == {"ID": "_abc123", "Version": "2.0", "IssueInstant": "2026-11-30T14:37:00Z"}
    name_id, session_index = list(root)
    assert name_id.tag == f"{{{SAML}}}NameID" and name_id.text == "jdupont12" and not list(name_id)
    assert session_index.tag == f"{{{SAMLP}}}SessionIndex" and session_index.text == TICKET
    assert not name_id.attrib and not session_index.attrib


def test_it_is_one_line_with_the_prefixes_and_no_whitespace_around_the_ticket():
    xml = logout_request(notice(), NOW)
    assert "\n" not in xml and "\r" not in xml and not xml.startswith("<?xml")
    assert xml.startswith(f'<samlp:LogoutRequest xmlns:samlp="{SAMLP}" ID="_')
    assert f"<samlp:SessionIndex>{TICKET}</samlp:SessionIndex></samlp:LogoutRequest>" in xml
    assert f'<saml:NameID xmlns:saml="{SAML}">jdupont12</saml:NameID>' in xml


def test_each_request_has_its_own_random_id_that_is_an_xml_name():
    ids = {parsed(logout_request(notice(), NOW)).attrib["ID"] for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"_[0-9a-f]{32}", value) for value in ids)  # 128 bits; xs:ID may not start with a digit


def phpcas_ticket(form_body: str) -> str:
    """What phpCAS 1.3–1.6 (CAS_Client::handleLogoutRequests) takes as the ticket: PHP decodes the form, phpCAS
    urldecode()s the value again, then a regular expression on one line."""
    [value] = parse_qs(form_body, strict_parsing=True)["logoutRequest"]
    decoded = unquote_plus(value)  # PHP's urldecode: "+" is a space, %XX a byte
    match = re.search(r"<samlp:SessionIndex>(.*)</samlp:SessionIndex>", decoded)
    assert match, decoded
    return match.group(1)


def mod_auth_cas_ticket(form_body: str) -> str:
    """What mod_auth_cas 1.2 (CASSAMLLogout) takes: the body only if it starts with "logoutRequest=", at most 1023
    bytes of it, "+" made spaces then URL-unescaped, parsed, and the text of the root's child named SessionIndex."""
    assert form_body.startswith("logoutRequest=")
    assert len(form_body.encode("ascii")) < 1024  # its buffer: a longer body is cut and the XML does not parse
    xml = unquote(form_body.removeprefix("logoutRequest=").replace("+", " "))
    [index] = [child for child in parsed(xml) if child.tag.endswith("}SessionIndex")]
    return index.text


@pytest.mark.parametrize(
    "subject",
    ["jdupont12", "abcdefghijklmnopqrst9999"],  # an identifier as long as they get (20 letters and the number)
)
def test_phpcas_and_mod_auth_cas_both_read_the_ticket_back(subject):
    ticket = "ST-" + new_token()
    body = urlencode({"logoutRequest": logout_request(notice(subject=subject, session_index=ticket), NOW)})
    assert phpcas_ticket(body) == ticket
    assert mod_auth_cas_ticket(body) == ticket


def test_no_value_holds_what_phpcas_s_second_decoding_would_change():
    for _ in range(20):
        xml = logout_request(notice(session_index="ST-" + new_token()), NOW)
        assert "+" not in xml and "%" not in xml  # IssueInstant ends in Z, never +00:00


@pytest.mark.parametrize(
    ("subject", "ticket"),
    [
        ("a<b&c>\"d'", "ST-x&y<z>"),
        ("]]>", "&amp;"),
        ("élève", "ST-\t tab and spaces "),
    ],
)
def test_every_value_is_escaped_and_reads_back_as_it_was(subject, ticket):
    xml = logout_request(notice(subject=subject, session_index=ticket), NOW, request_id='_a"b<c')
    root = parsed(xml)
    name_id, session_index = list(root)
    assert (name_id.text, session_index.text, root.attrib["ID"]) == (subject, ticket, '_a"b<c')


@pytest.mark.parametrize("value", ["jdu\x00pont", "ST-\x1b[31m", "x\ufffe", "x\udc80"])
def test_a_value_xml_cannot_hold_is_refused(value):
    with pytest.raises(ValueError, match="control character"):
        logout_request(notice(subject=value), NOW)


# --- the deliverer ---------------------------------------------------------------------------------------------------


class Registry:
    def __init__(self, *clients: Client) -> None:
        self.clients = {client.client_id: client for client in clients}
        self.reads: list[str] = []

    def get_client(self, client_id: str) -> Client | None:
        self.reads.append(client_id)
        return self.clients.get(client_id)


def services_with(*clients: Client):
    return SimpleNamespace(store=Registry(*clients), clock=FrozenClock(NOW))


def pronote(service_urls=("https://pronote.example.fr/pronote/",), single_logout=True) -> Client:
    return Client("pronote", "Pronote", (), service_urls=service_urls, cas_single_logout=single_logout)


@pytest.fixture
def posted(monkeypatch):
    """The forms the deliverer posts, answered with `posted.status`."""
    sent = SimpleNamespace(forms=[], status=200)

    def post_form(url, form):
        sent.forms.append((url, form))
        return sent.status

    monkeypatch.setattr(cas_logout, "post_form", post_form)
    return sent


def test_the_request_is_posted_as_the_one_field_of_a_form_to_the_exact_service_url(posted):
    services = services_with(pronote())
    assert deliver_cas_logout(services, notice()) == "delivered"
    [(url, form)] = posted.forms
    assert url == SERVICE  # with its query: the page whose ticket it was (phpCAS handles it there)
    assert list(form) == ["logoutRequest"]
    root = parsed(form["logoutRequest"])
    assert root.attrib["IssueInstant"] == "2026-11-30T14:37:00Z" and list(root)[1].text == TICKET
    assert services.store.reads == ["pronote"]  # the client read again, once


def test_a_new_request_at_every_attempt(posted):
    services = services_with(pronote())
    deliver_cas_logout(services, notice())
    deliver_cas_logout(services, notice())
    first, second = (parsed(form["logoutRequest"]).attrib["ID"] for _, form in posted.forms)
    assert first != second


@pytest.mark.parametrize("status", [200, 201, 202, 204, 301, 302, 303])
def test_a_success_or_a_redirect_to_a_page_is_delivered(posted, status):
    # mod_auth_cas handles the request, then answers 302 to its CAS login (the server has no cookie of it).
    posted.status = status
    assert deliver_cas_logout(services_with(pronote()), notice()) == "delivered"


@pytest.mark.parametrize("status", [304, 307, 308, 400, 401, 403, 404, 500, 502, 503])
def test_any_other_answer_is_not_delivered(posted, status):
    posted.status = status  # 307/308 ask for the POST (the request) to be repeated elsewhere: never done
    with pytest.raises(NotDelivered, match=f"pronote answered {status}"):
        deliver_cas_logout(services_with(pronote()), notice())


@pytest.mark.parametrize(
    ("registered", "outcome"),
    [
        ((), "skipped: no longer registered"),
        ((pronote(single_logout=False),), "skipped: CAS single logout turned off"),
        ((pronote(service_urls=("https://pronote.example.fr/autre/",)),), "skipped: service URL no longer registered"),
        ((pronote(service_urls=("https://pronote.example.fr/pronote",)),), "skipped: service URL no longer registered"),
    ],
)
def test_a_client_deleted_turned_off_or_no_longer_covering_the_service_is_not_told(posted, registered, outcome):
    assert deliver_cas_logout(services_with(*registered), notice()) == outcome
    assert posted.forms == []


@pytest.mark.parametrize(
    "service", ["https://ent@pronote.example.fr/pronote/", "https://pronote.example.fr/x/../pronote/"]
)
def test_a_service_url_that_could_be_read_two_ways_is_never_posted_to(posted, service):
    assert deliver_cas_logout(services_with(pronote()), notice(service=service)).startswith("skipped")
    assert posted.forms == []


# --- the consumer: the kind picks the deliverer, and CAS has its own counts -----------------------------------------


@pytest.fixture
def counted(monkeypatch):
    found: dict[str, int] = {}
    monkeypatch.setattr(
        "ent_accounts.metrics.count", lambda name, value=1: found.__setitem__(name, found.get(name, 0) + value)
    )
    return found


def test_the_consumer_delivers_a_cas_notice_and_counts_it_apart(posted, counted):
    services = services_with(pronote())
    assert deliver_queued_notice(services, notice().to_message()) == "delivered (pronote)"
    assert counted == {"LogoutNoticesDelivered": 1, "CasLogoutRequestsDelivered": 1}
    posted.status = 500
    with pytest.raises(NotDelivered):
        deliver_queued_notice(services, notice().to_message())
    assert counted == {
        "LogoutNoticesDelivered": 1,
        "CasLogoutRequestsDelivered": 1,
        "LogoutNoticesFailed": 1,
        "CasLogoutRequestsFailed": 1,
    }


def test_a_skipped_notice_is_neither_delivered_nor_failed(posted, counted):
    assert deliver_queued_notice(services_with(), notice().to_message()) == "skipped: no longer registered (pronote)"
    assert counted == {}


@pytest.mark.parametrize(
    "message",
    [
        {"kind": CAS_SLO, "client_id": "pronote", "subject": "jdupont12", "service": SERVICE},  # no session_index
        {"kind": CAS_SLO, "client_id": "pronote", "subject": "jdupont12", "session_index": TICKET},  # no service
        {"kind": CAS_SLO, "client_id": "pronote", "service": SERVICE, "session_index": TICKET},  # no subject
    ],
)
def test_a_cas_message_without_what_it_needs_is_refused(posted, message):
    with pytest.raises(ValueError):
        deliver_queued_notice(services_with(pronote()), message)
    assert posted.forms == []
