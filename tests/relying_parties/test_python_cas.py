"""python-cas (PyPI, the CAS client of django-cas-ng) validates the server's tickets: CAS 1 (/cas/validate), CAS 2
(/cas/serviceValidate), CAS 3 (/cas/p3/serviceValidate, attributes) and SAML 1.1 (/cas/samlValidate), and the
failures a service must see: a ticket used twice, another service's ticket, an expired one, `renew` without a fresh
password, `gateway` without a session, no ticket at all, a proxy callback (refused: the validation succeeds without a
proxy-granting ticket). Its single-logout parser reads the server's LogoutRequest.

The server's pages are walked by plain HTTP (tests/support/walker.py) up to the redirect to the service URL, which is
never served (port 9): the library gets the ticket as a service would.
"""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.relying_parties.helpers import (
    NEW_PASSWORD,
    cas_missing,
    create_student,
    register_service,
    response_parameters,
    walk_first_connection,
    walk_sign_in,
)
from tests.support.walker import Walker

cas = pytest.importorskip("cas", reason="python-cas is not installed: `make setup` installs requirements-dev.txt")
etree = pytest.importorskip("lxml.etree", reason="lxml (python-cas's dependency) is not installed")

pytestmark = pytest.mark.skipif(bool(cas_missing()), reason=cas_missing() or "")

SERVICE = "http://127.0.0.1:9/python-cas/"  # port 9 (discard): never served, nor need it be
OTHER_SERVICE = "http://127.0.0.1:9/autre-service/"
CAS_NS = "{http://www.yale.edu/tp/cas}"
SAML_PROTOCOL_NS = "{urn:oasis:names:tc:SAML:1.0:protocol}"
TICKET = re.compile(r"ST-[A-Za-z0-9-]{32,253}")  # CAS 3.0 §3.1.1 and §3.7: "ST-", letters, digits, "-"
RELEASED = ["uid", "nom", "prenom", "FrEduCtPersonAffiliation", "FrEduCtEleveUAI"]
SLO_SECONDS = 30


@pytest.fixture(scope="module")
def services(server):
    register_service(
        server,
        "python-cas",
        "Service de test (python-cas)",
        [SERVICE],
        cas_attributes=RELEASED,
        cas_single_logout=False,
    )
    register_service(server, "python-cas-autre", "Autre service de test", [OTHER_SERVICE], cas_single_logout=False)


@pytest.fixture(scope="module")
def student(server, services):
    """A student who did the first connection (through the service), with the personal password from then on."""
    created = create_student(server)
    walker = Walker()
    walker.get(login_url(server), stop_at=SERVICE)
    walk_sign_in(walker, created.identifier, created.provisional_password, SERVICE)
    back = walk_first_connection(walker, created, SERVICE)
    assert back.location and back.location.startswith(SERVICE + "?ticket="), walker.trail()
    return created


def client(server, version, service: str = SERVICE, **options):
    return cas.CASClient(version=version, service_url=service, server_url=server.url + "/cas/", **options)


def login_url(server, service: str = SERVICE, **parameters) -> str:
    return client(server, 3, service, extra_login_params=parameters).get_login_url()


def ticket_of(location: str, service: str = SERVICE) -> str:
    """The ticket a /cas/login redirect hands the service, checked for its shape (mod_auth_cas, for one, ignores a
    ticket with another character)."""
    assert location.startswith(service + "?ticket="), location
    ticket = response_parameters(location)["ticket"]
    assert TICKET.fullmatch(ticket), ticket
    return ticket


def signed_in(server, student, service: str = SERVICE) -> tuple[Walker, str]:
    """A browser signed in with the personal password through `service`: the walker (its session) and the ticket."""
    walker = Walker()
    walker.get(login_url(server, service), stop_at=service)
    back = walk_sign_in(walker, student.identifier, NEW_PASSWORD, service)
    return walker, ticket_of(back.location, service)


def another_ticket(server, walker: Walker, service: str = SERVICE, **parameters) -> str:
    """Single sign-on: the same browser asks again, a ticket comes at once (no page)."""
    answer = walker.get(login_url(server, service, **parameters), stop_at=service)
    assert answer.status == 302, walker.trail()
    return ticket_of(answer.location, service)


def failure_code(raw: bytes) -> str:
    """The code of a CAS 2/3 <cas:authenticationFailure> (python-cas only says that the user is None)."""
    failure = etree.fromstring(raw).find(f"{CAS_NS}authenticationFailure")
    assert failure is not None, raw
    return failure.get("code")


def test_cas3_validation_gives_the_user_and_the_registered_attributes(server, student):
    _, ticket = signed_in(server, student)
    user, attributes, pgtiou = client(server, 3).verify_ticket(ticket)
    assert user == student.identifier and pgtiou is None
    assert attributes["uid"] == student.identifier
    assert (attributes["prenom"], attributes["nom"]) == (student.first_name, student.last_name)
    assert attributes["FrEduCtPersonAffiliation"] == "eleve2d"
    assert attributes["isFromNewLogin"] == "true"  # the password was typed for this sign-in
    assert attributes["longTermAuthenticationRequestTokenUsed"] == "false"
    assert attributes["authenticationDate"]
    assert not {"mail", "dateNaissance", "categories", "ENTEleveClasses"} & set(attributes)  # not released


def test_a_ticket_of_single_sign_on_is_not_from_a_new_login(server, student):
    walker, first = signed_in(server, student)
    assert client(server, 3).verify_ticket(first)[0] == student.identifier
    user, attributes, _ = client(server, 3).verify_ticket(another_ticket(server, walker))
    assert user == student.identifier
    assert attributes["isFromNewLogin"] == "false"


def test_cas2_validation_gives_the_user_and_no_attribute(server, student):
    _, ticket = signed_in(server, student)
    assert client(server, 2).verify_ticket(ticket) == (student.identifier, None, None)


def test_cas1_validation_gives_the_user(server, student):
    _, ticket = signed_in(server, student)
    assert client(server, 1).verify_ticket(ticket) == (student.identifier, None, None)
    assert client(server, 1).verify_ticket(ticket) == (None, None, None)  # "no": used


def test_saml_validation_gives_the_user_and_the_attributes(server, student):
    _, ticket = signed_in(server, student)
    user, attributes, _ = client(server, "CAS_2_SAML_1_0").verify_ticket(ticket)
    assert user == student.identifier
    assert attributes["uid"] == student.identifier and attributes["nom"] == student.last_name
    assert attributes["FrEduCtPersonAffiliation"] == "eleve2d"


def test_a_ticket_works_once(server, student):
    _, ticket = signed_in(server, student)
    validating = client(server, 3)
    assert validating.verify_ticket(ticket)[0] == student.identifier
    raw = validating.get_verification_response(ticket)
    assert validating.verify_response(raw)[0] is None
    assert failure_code(raw) == "INVALID_TICKET"


def test_a_ticket_works_once_by_saml_too(server, student):
    _, ticket = signed_in(server, student)
    saml = client(server, "CAS_2_SAML_1_0")
    assert saml.verify_ticket(ticket)[0] == student.identifier
    assert saml.verify_ticket(ticket)[0] is None
    status = etree.fromstring(saml.fetch_saml_validation(ticket).content).find(f".//{SAML_PROTOCOL_NS}StatusCode")
    assert status is not None and not status.get("Value").endswith("Success")


def test_another_services_ticket_is_refused_and_spent(server, student):
    _, ticket = signed_in(server, student)
    raw = client(server, 3, OTHER_SERVICE).get_verification_response(ticket)
    assert failure_code(raw) == "INVALID_SERVICE"
    # The failed validation killed it: its own service cannot use it either.
    assert failure_code(client(server, 3).get_verification_response(ticket)) == "INVALID_TICKET"


def test_an_expired_ticket_is_refused(server, student):
    _, ticket = signed_in(server, student)
    try:
        server.request("POST", "/_dev/clock", {"advance": "PT11S"})  # CAS_TICKET_SECONDS is 10 by default
        raw = client(server, 3).get_verification_response(ticket)
    finally:
        server.request("POST", "/_dev/clock", {"reset": True})
    assert client(server, 3).verify_response(raw)[0] is None
    assert failure_code(raw) == "INVALID_TICKET"


def test_renew_asks_for_the_password_even_with_a_session_and_its_ticket_is_from_a_new_login(server, student):
    walker, _ = signed_in(server, student)
    renewing = client(server, 3, renew=True)
    page = walker.get(renewing.get_login_url(), stop_at=SERVICE)
    assert page.status == 200 and "password" in walker.form({"password"}).names, walker.trail()
    back = walk_sign_in(walker, student.identifier, NEW_PASSWORD, SERVICE)
    ticket = ticket_of(back.location)
    # python-cas sends renew only to /cas/login; its validation asks it here as a service that requires it would.
    raw = renewing.session.get(
        server.url + "/cas/p3/serviceValidate", params={"service": SERVICE, "ticket": ticket, "renew": "true"}
    ).content
    user, attributes, _ = renewing.verify_response(raw)
    assert user == student.identifier and attributes["isFromNewLogin"] == "true"


def test_renew_refuses_a_ticket_of_single_sign_on(server, student):
    walker, _ = signed_in(server, student)
    ticket = another_ticket(server, walker)  # no password typed for it
    validating = client(server, 3)
    raw = validating.session.get(
        server.url + "/cas/p3/serviceValidate", params={"service": SERVICE, "ticket": ticket, "renew": "true"}
    ).content
    assert validating.verify_response(raw)[0] is None
    assert failure_code(raw) == "INVALID_TICKET"


def test_gateway_without_a_session_goes_back_to_the_service_without_a_ticket(server, services):
    answer = Walker().get(login_url(server, gateway="true"), stop_at=SERVICE)
    assert answer.status in (302, 303)
    assert answer.location == SERVICE  # no ticket, nothing asked of the person


def test_gateway_with_a_session_hands_a_ticket_at_once(server, student):
    walker, _ = signed_in(server, student)
    ticket = another_ticket(server, walker, gateway="true")
    assert client(server, 3).verify_ticket(ticket)[0] == student.identifier


def test_no_ticket_is_an_invalid_request(server, services):
    raw = client(server, 3).get_verification_response("")
    assert failure_code(raw) == "INVALID_REQUEST"


def test_a_proxy_callback_is_not_called_and_the_validation_succeeds_without_a_proxy_ticket(server, student):
    _, ticket = signed_in(server, student)
    proxying = client(server, 2, proxy_callback="https://127.0.0.1:9/pgt-callback")
    assert proxying.verify_ticket(ticket) == (student.identifier, None, None)


@pytest.fixture
def slo_service(server):
    """A service that receives the single-logout POSTs (path → the forms received)."""
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    receiver.received = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/slo/"
    register_service(server, "python-cas-slo", "Service de test (déconnexion)", [url])
    receiver.url = url
    yield receiver
    receiver.shutdown()
    receiver.server_close()


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        self.server.received.append((self.path, {name: values[0] for name, values in parse_qs(body).items()}))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_single_logout_reaches_the_validated_service_and_python_cas_reads_it(server, student, slo_service):
    walker, ticket = signed_in(server, student, slo_service.url)
    assert client(server, 3, slo_service.url).verify_ticket(ticket)[0] == student.identifier
    unvalidated = another_ticket(server, walker, slo_service.url + "jamais-valide")  # never validated: never told

    logged_out = walker.get(server.url + "/cas/logout")
    assert logged_out.status == 200, walker.trail()
    deadline = time.monotonic() + SLO_SECONDS
    while not slo_service.received and time.monotonic() < deadline:
        time.sleep(0.2)
    assert slo_service.received, f"no LogoutRequest reached the service within {SLO_SECONDS} s"

    paths = {urlsplit(path).path for path, _ in slo_service.received}
    assert paths == {"/slo/"}  # the service URL its ticket was validated for, and no other
    form = slo_service.received[0][1]
    assert set(form) == {"logoutRequest"}
    request = form["logoutRequest"]
    assert cas.CASClientV3.verify_logout_request(request, ticket)
    assert not cas.CASClientV3.verify_logout_request(request, unvalidated)
    root = etree.fromstring(request.encode())
    assert root.tag == "{urn:oasis:names:tc:SAML:2.0:protocol}LogoutRequest" and root.get("Version") == "2.0"
    assert root.get("ID") and root.get("IssueInstant")
    assert root.findtext("{urn:oasis:names:tc:SAML:2.0:assertion}NameID") == student.identifier
