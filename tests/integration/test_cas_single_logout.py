"""Single logout across protocols, as the services see it: a student signed in to an OpenID Connect client and to CAS
services through one session logs out once; the OIDC client receives its logout token and each CAS service its SAML
LogoutRequest (`logoutRequest` form field, CAS Protocol 3.0 Appendix C), POSTed by the logout queue's consumer to the
service URL its ticket was validated for (a real HTTP server on loopback). The registry as it is at logout, then at
delivery, decides who is told; a service that fails is tried again, then the notice waits in the failed-events
queue; the person is logged out here whatever the services do.

A CAS validation records its login with `store.record_cas_login` (what /cas/serviceValidate does once the ticket is
consumed): the tests record them so, on a session opened through the pages."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from defusedxml import ElementTree

from ent_accounts.codes import hash_token
from ent_accounts.sessions import CasLogin
from ent_accounts.sso.clients import Client
from ent_accounts.sso.logout import ending_session
from local.harness import LOGOUT_QUEUE
from tests.integration.cas import validated_login
from tests.integration.helpers import activate, dynamodb_requests
from tests.integration.oidc import signed_in, sso_world, tokens
from tests.support.oidc import ISSUER
from tests.support.single_logout import RelyingParty, serve_client, unreachable_url
from tests.support.store_helpers import audit_events

SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"
SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"


@pytest.fixture
def cas_service():
    """A CAS service's pages on loopback: Pronote under /pronote/."""
    server = RelyingParty()
    yield server
    server.stop()


@pytest.fixture
def backchannel():
    server = RelyingParty()
    yield server
    server.stop()


def register_cas(world, monkeypatch, client_id: str, service_urls, single_logout: bool = True) -> Client:
    client = Client(
        client_id,
        client_id.capitalize(),
        (),
        all_schools=True,
        service_urls=tuple(service_urls),
        cas_single_logout=single_logout,
    )
    serve_client(world.store, client, monkeypatch)
    return client


def cas_login(world, browser, client_id: str, service: str) -> CasLogin:
    """What a successful validation of a ticket issued through the browser's session records."""
    return validated_login(world, browser, client_id, service)


def cas_message(login: CasLogin, request_id: str, subject: str = "jdupont12") -> dict:
    return {
        "kind": "cas_slo",
        "client_id": login.client_id,
        "subject": subject,
        "service": login.service,
        "session_index": login.ticket,
        "request_id": request_id,
    }


def read_logout_request(xml: str) -> tuple[str, str]:
    """(NameID, SessionIndex) of a LogoutRequest, checking its shape."""
    root = ElementTree.fromstring(xml)
    assert root.tag == SAMLP + "LogoutRequest" and root.attrib["Version"] == "2.0", xml
    assert root.attrib["ID"] and root.attrib["IssueInstant"].endswith("Z"), xml
    name_id, session_index = list(root)
    assert name_id.tag == SAML + "NameID" and session_index.tag == SAMLP + "SessionIndex", xml
    return name_id.text, session_index.text


def logout_metrics(emitted) -> dict:
    """The logout's metrics (the validations made in the test's own process are flushed with them)."""
    return {name: total for name, total in emitted.totals().items() if name.startswith("Logout")}


def logs_out(world, browser) -> None:
    """The service's own logout, from the services page (every logout goes through sso.logout.ending_session)."""
    token_hash = hash_token(browser.cookies["__Host-session"])
    assert world.store.get_session(token_hash) is not None
    browser.get("/bureau")  # the button on the services page (a form of this site: a forged post ends nothing)
    browser.post("/deconnexion", {})
    assert world.store.get_session(token_hash) is None  # logged out here, whatever the services do next


def test_one_logout_tells_the_oidc_client_and_each_cas_service_signed_in(
    world, monkeypatch, emitted, cas_service, backchannel
):
    rp = sso_world(world, backchannel_logout_uri=backchannel.url)
    browser, _, claims = tokens(world, rp)
    register_cas(world, monkeypatch, "pronote", [cas_service.at("/pronote/")])
    # Two tickets validated for Pronote's pages: two sessions there, each found by its own ticket.
    first = cas_login(world, browser, "pronote", cas_service.at("/pronote/eleve.html?fd=1"))
    second = cas_login(world, browser, "pronote", cas_service.at("/pronote/parent.html"))
    emitted.totals()

    logs_out(world, browser)
    queued = world.queued(LOGOUT_QUEUE)
    [oidc] = [message for message in queued if message["kind"] == "oidc_backchannel"]
    assert oidc["client_id"] == "ent-occitanie" and oidc["sid"] == claims["sid"] and oidc["subject"] == claims["sub"]
    request_id = oidc["request_id"]
    assert sorted((m for m in queued if m["kind"] == "cas_slo"), key=lambda m: m["service"]) == [
        cas_message(first, request_id),
        cas_message(second, request_id),
    ]
    assert cas_service.received == [] and backchannel.received == []  # off the request path
    assert logout_metrics(emitted) == {"Logouts": 1, "LogoutNoticesQueued": 3}
    [event] = [e for e in audit_events(world.store, "jdupont12") if e["type"] == "logged_out"]
    assert event["clients"] == "ent-occitanie" and event["cas_clients"] == "pronote"

    assert world.deliver_logout_notices() == {"delivered": 3, "failed": 0}
    assert len(backchannel.logout_tokens()) == 1
    assert sorted(request.path for request in cas_service.received) == [
        "/pronote/eleve.html?fd=1",
        "/pronote/parent.html",
    ]
    for request in cas_service.received:
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        assert list(request.form) == ["logoutRequest"]
    told = sorted(read_logout_request(xml) for xml in cas_service.logout_requests())
    assert told == sorted([("jdupont12", first.ticket), ("jdupont12", second.ticket)])
    assert world.queued(LOGOUT_QUEUE) == [] and world.queued("FailedEventsQueue") == []
    assert emitted.totals() == {"LogoutNoticesDelivered": 3, "CasLogoutRequestsDelivered": 2}


def test_the_account_and_every_client_are_read_in_the_one_batch_get(world, monkeypatch, cas_service, backchannel):
    rp = sso_world(world, backchannel_logout_uri=backchannel.url)
    browser, _, _ = tokens(world, rp)
    register_cas(world, monkeypatch, "pronote", [cas_service.at("/pronote/")])
    register_cas(world, monkeypatch, "moodle", [cas_service.at("/moodle/")])
    cas_login(world, browser, "pronote", cas_service.at("/pronote/eleve.html"))
    cas_login(world, browser, "moodle", cas_service.at("/moodle/login/index.php"))
    token = browser.cookies["__Host-session"]
    ended, calls = dynamodb_requests(world, lambda: ending_session(world.services, token, "req-1", ISSUER))
    assert calls == ["DeleteItem", "PutItem", "BatchGetItem"]
    assert [(n.kind, n.client_id) for n in ended.notices] == [
        ("oidc_backchannel", "ent-occitanie"),
        ("cas_slo", "moodle"),
        ("cas_slo", "pronote"),
    ]
    assert ended.queued == 3 and {login.client_id for login in ended.cas_logins} == {"moodle", "pronote"}


def test_a_session_with_cas_logins_only_ends_with_one_batch_get_and_an_account_without_oidc_subject_is_told(
    world, monkeypatch, cas_service
):
    world.provision("jdupont12", subject=None)  # an account that never needed an OpenID Connect `sub`
    activate(world, "jdupont12")
    browser = signed_in(world)
    register_cas(world, monkeypatch, "pronote", [cas_service.at("/pronote/")])
    login = cas_login(world, browser, "pronote", cas_service.at("/pronote/eleve.html"))
    token = browser.cookies["__Host-session"]
    _, calls = dynamodb_requests(world, lambda: ending_session(world.services, token, "req-1", ISSUER))
    assert calls == ["DeleteItem", "PutItem", "BatchGetItem"]
    assert world.queued(LOGOUT_QUEUE) == [cas_message(login, "req-1")]
    assert world.deliver_logout_notices() == {"delivered": 1, "failed": 0}
    assert [read_logout_request(xml) for xml in cas_service.logout_requests()] == [("jdupont12", login.ticket)]


def test_no_service_signed_in_no_read_and_nothing_queued(world):
    sso_world(world)
    browser = signed_in(world)
    ended, calls = dynamodb_requests(
        world, lambda: ending_session(world.services, browser.cookies["__Host-session"], "req", ISSUER)
    )
    assert calls == ["DeleteItem", "PutItem"] and ended.notices == () and world.queued(LOGOUT_QUEUE) == []


def test_an_account_deleted_meanwhile_still_has_its_cas_services_told(world, monkeypatch, cas_service):
    sso_world(world)
    browser = signed_in(world)
    register_cas(world, monkeypatch, "pronote", [cas_service.at("/pronote/")])
    login = cas_login(world, browser, "pronote", cas_service.at("/pronote/eleve.html"))
    account = world.store.get_account("jdupont12")
    world.store.transaction().delete_account(account).commit()
    ended = ending_session(world.services, browser.cookies["__Host-session"], "req-1", ISSUER)
    # The services still hold sessions for it: the CAS user its validations named (the identifier) is told.
    assert [notice.to_message() for notice in ended.notices] == [cas_message(login, "req-1")]


@pytest.mark.parametrize("change", ["deleted", "single logout off", "service no longer covered"])
def test_at_logout_a_cas_client_no_longer_registered_for_single_logout_is_not_told(
    world, monkeypatch, cas_service, change
):
    sso_world(world)
    browser = signed_in(world)
    register_cas(world, monkeypatch, "pronote", [cas_service.at("/pronote/")])
    register_cas(world, monkeypatch, "moodle", [cas_service.at("/moodle/")])
    cas_login(world, browser, "pronote", cas_service.at("/pronote/eleve.html"))
    kept = cas_login(world, browser, "moodle", cas_service.at("/moodle/"))
    if change == "deleted":
        assert world.store.delete_client("pronote")
    elif change == "single logout off":
        register_cas(world, monkeypatch, "pronote", [cas_service.at("/pronote/")], single_logout=False)
    else:  # re-registered for another path: the URL its ticket was for would now receive a request it did not ask
        register_cas(world, monkeypatch, "pronote", [cas_service.at("/pronote-2025/")])
    ended = ending_session(world.services, browser.cookies["__Host-session"], "req-1", ISSUER)
    assert [notice.to_message() for notice in ended.notices] == [cas_message(kept, "req-1")]
    assert {login.client_id for login in ended.cas_logins} == {"moodle", "pronote"}  # both were signed in
    world.deliver_logout_notices()
    assert [request.path for request in cas_service.received] == ["/moodle/"]


@pytest.mark.parametrize(
    ("change", "outcome"),
    [
        ("deleted", "skipped: no longer registered"),
        ("single logout off", "skipped: CAS single logout turned off"),
        ("service no longer covered", "skipped: service URL no longer registered"),
    ],
)
def test_at_delivery_a_client_changed_since_the_logout_is_not_told_and_the_notice_is_done(
    world, monkeypatch, cas_service, emitted, log_lines, change, outcome
):
    sso_world(world)
    browser = signed_in(world)
    register_cas(world, monkeypatch, "pronote", [cas_service.at("/pronote/")])
    cas_login(world, browser, "pronote", cas_service.at("/pronote/eleve.html"))
    logs_out(world, browser)
    assert len(world.queued(LOGOUT_QUEUE)) == 1
    if change == "deleted":
        assert world.store.delete_client("pronote")
    elif change == "single logout off":
        register_cas(world, monkeypatch, "pronote", [cas_service.at("/pronote/")], single_logout=False)
    else:
        register_cas(world, monkeypatch, "pronote", [cas_service.at("/pronote/eleve.htm")])
    emitted.totals()
    assert world.deliver_logout_notices() == {"delivered": 1, "failed": 0}  # handled: deleted from the queue
    assert cas_service.received == []
    assert world.queued(LOGOUT_QUEUE) == [] and world.queued("FailedEventsQueue") == []
    assert emitted.totals() == {}
    [handled] = [line for line in log_lines.json() if line.get("message") == "queued message handled"]
    assert handled["kind"] == "cas_slo" and handled["outcome"] == f"{outcome} (pronote)"


def queue_one_cas_notice(world, monkeypatch, service: str) -> CasLogin:
    """A session signed in to Pronote at `service` (registered under its origin's /pronote/), ended: one notice."""
    sso_world(world)
    browser = signed_in(world)
    origin = service.split("/pronote/")[0]
    register_cas(world, monkeypatch, "pronote", [origin + "/pronote/"])
    login = cas_login(world, browser, "pronote", service)
    logs_out(world, browser)
    return login


def test_a_service_that_keeps_failing_is_retried_then_its_notice_is_dead_lettered(
    world, monkeypatch, cas_service, emitted, log_lines
):
    cas_service.status = 500
    login = queue_one_cas_notice(world, monkeypatch, cas_service.at("/pronote/eleve.html"))
    [message] = world.queued(LOGOUT_QUEUE)
    emitted.totals()
    # Tried maxReceiveCount (5) times, each a new request; then SQS moves the notice to the failed-events queue.
    assert [world.deliver_logout_notices() for _ in range(6)] == [{"delivered": 0, "failed": 1}] * 5 + [
        {"delivered": 0, "failed": 0}
    ]
    assert len(cas_service.received) == 5
    ids = {ElementTree.fromstring(xml).attrib["ID"] for xml in cas_service.logout_requests()}
    assert len(ids) == 5
    assert {read_logout_request(xml)[1] for xml in cas_service.logout_requests()} == {login.ticket}
    assert world.queued(LOGOUT_QUEUE) == [] and world.queued("FailedEventsQueue") == [message]
    assert emitted.totals() == {"LogoutNoticesFailed": 5, "CasLogoutRequestsFailed": 5}
    text = log_lines.text()
    assert "pronote answered 500" in text
    assert cas_service.logout_requests()[0] not in text and "logoutRequest" not in text  # the request is never logged


def test_a_service_that_is_down_is_told_once_it_is_back(world, monkeypatch, emitted):
    down = unreachable_url().replace("/backchannel-logout", "/pronote/eleve.html")
    login = queue_one_cas_notice(world, monkeypatch, down)
    emitted.totals()
    assert world.deliver_logout_notices() == {"delivered": 0, "failed": 1}
    assert emitted.totals() == {"LogoutNoticesFailed": 1, "CasLogoutRequestsFailed": 1}
    back = RelyingParty(port=urlsplit(down).port)  # the same service, up again
    try:
        assert world.deliver_logout_notices() == {"delivered": 1, "failed": 0}
        assert [read_logout_request(xml) for xml in back.logout_requests()] == [("jdupont12", login.ticket)]
        assert emitted.totals() == {"LogoutNoticesDelivered": 1, "CasLogoutRequestsDelivered": 1}
    finally:
        back.stop()


def test_a_redirect_to_a_page_is_delivered_and_never_followed(world, monkeypatch, cas_service):
    """mod_auth_cas handles the request, then answers 302 to its CAS login page (the server has no cookie of it)."""
    elsewhere = RelyingParty()
    try:
        cas_service.status, cas_service.location = 302, elsewhere.at("/cas/login?service=x")
        queue_one_cas_notice(world, monkeypatch, cas_service.at("/pronote/eleve.html"))
        assert world.deliver_logout_notices() == {"delivered": 1, "failed": 0}
        assert len(cas_service.received) == 1 and elsewhere.received == []
    finally:
        elsewhere.stop()


def test_a_redirect_that_would_repeat_the_post_elsewhere_is_not_delivered(world, monkeypatch, cas_service):
    elsewhere = RelyingParty()
    try:
        cas_service.status, cas_service.location = 307, elsewhere.at("/pronote/eleve.html")
        queue_one_cas_notice(world, monkeypatch, cas_service.at("/pronote/eleve.html"))
        assert world.deliver_logout_notices() == {"delivered": 0, "failed": 1}
        assert len(cas_service.received) == 1 and elsewhere.received == []
    finally:
        elsewhere.stop()
