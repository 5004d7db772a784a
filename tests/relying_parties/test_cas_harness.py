"""The CAS clients' harnesses on their own, against a stand-in CAS server served here (no ENT server needed): phpCAS and
mod_auth_cas send a browser to /cas/login with their service URL, validate the ticket the way each flavour does (CAS
3.0 XML, SAML 1.1), show the user and attributes, and end their session on a single-logout POST.

When the real-client tests fail, these say whether the harness or the server is at fault. The stand-in's answers are
the CAS 3.0 specification's own examples (its §2.5.7 XML, Appendix C's LogoutRequest, the samlValidate answer of §4),
and the single-logout POST goes through the server's own poster (sso/form_post.py).
"""

from __future__ import annotations

import json
import secrets
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

import pytest

from ent_accounts.sso.form_post import post_form
from tests.support import mod_auth_cas, phpcas
from tests.support.walker import Walker

USER = "lea.essai"
ATTRIBUTES = {"prenom": ["Léa"], "FrEduCtPersonAffiliation": ["eleve2d"], "ENTEleveClasses": ["4e B", "Latin"]}


@pytest.fixture(scope="module")
def cas():
    """The stand-in: /cas/login hands a new ticket to any service, validation answers success once per ticket."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    server.tickets = {}  # ticket → service
    server.validations = []  # (endpoint, service, ticket, body)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


class _StandIn(BaseHTTPRequestHandler):
    def do_GET(self):
        path, query = self._split()
        if path == "/cas/login":
            ticket = "ST-" + secrets.token_hex(32)  # CAS 3.0 §3.7: A-Z, a-z, 0-9 and "-" only
            self.server.tickets[ticket] = query["service"]
            glue = "&" if "?" in query["service"] else "?"
            return self._answer(302, "", {"Location": f"{query['service']}{glue}ticket={ticket}"})
        if path == "/cas/logout":
            return self._answer(302, "", {"Location": query.get("service", "/")})
        if path == "/cas/p3/serviceValidate":
            self.server.validations.append((path, query.get("service"), query.get("ticket"), None))
            if self.server.tickets.pop(query.get("ticket", ""), None) != query.get("service"):
                return self._xml(SERVICE_FAILURE)
            return self._xml(SERVICE_SUCCESS.format(user=USER, attributes=_cas_attributes()))
        return self._answer(404, "not found")

    def do_POST(self):
        path, query = self._split()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        if path != "/cas/samlValidate":
            return self._answer(404, "not found")
        ticket = body.split("AssertionArtifact>")[1].split("<")[0].strip() if "AssertionArtifact>" in body else ""
        self.server.validations.append((path, query.get("TARGET"), ticket, body))
        if self.server.tickets.pop(ticket, None) != query.get("TARGET"):
            return self._xml(SAML_FAILURE)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self._xml(SAML_SUCCESS.format(user=USER, now=now, service=escape(query["TARGET"]), attributes=_saml()))

    def _split(self):
        parts = urlsplit(self.path)
        return parts.path, {name: values[0] for name, values in parse_qs(parts.query).items()}

    def _xml(self, text: str):
        self._answer(200, text, {"Content-Type": "text/xml; charset=utf-8"})

    def _answer(self, status: int, text: str, headers: dict | None = None):
        body = text.encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _cas_attributes() -> str:
    return "".join(f"<cas:{n}>{escape(v)}</cas:{n}>" for n, values in ATTRIBUTES.items() for v in values)


def _saml() -> str:
    return "".join(
        f'<Attribute AttributeName="{n}" AttributeNamespace="http://www.ja-sig.org/products/cas/">'
        + "".join(f"<AttributeValue>{escape(v)}</AttributeValue>" for v in values)
        + "</Attribute>"
        for n, values in ATTRIBUTES.items()
    )


SERVICE_SUCCESS = """<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
<cas:authenticationSuccess><cas:user>{user}</cas:user><cas:attributes>{attributes}</cas:attributes>
</cas:authenticationSuccess></cas:serviceResponse>"""
SERVICE_FAILURE = """<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
<cas:authenticationFailure code="INVALID_TICKET">Ticket not recognized</cas:authenticationFailure>
</cas:serviceResponse>"""
SAML_SUCCESS = """<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/>
<SOAP-ENV:Body><Response xmlns="urn:oasis:names:tc:SAML:1.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion"
 xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" IssueInstant="{now}" MajorVersion="1" MinorVersion="1"
 Recipient="{service}" ResponseID="_r1"><Status><StatusCode Value="samlp:Success"></StatusCode></Status>
<Assertion xmlns="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="_a1" IssueInstant="{now}" Issuer="stand-in"
 MajorVersion="1" MinorVersion="1"><Conditions NotBefore="{now}" NotOnOrAfter="{now}"><AudienceRestrictionCondition>
<Audience>{service}</Audience></AudienceRestrictionCondition></Conditions><AttributeStatement><Subject>
<NameIdentifier>{user}</NameIdentifier><SubjectConfirmation><ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:artifact
</ConfirmationMethod></SubjectConfirmation></Subject>{attributes}</AttributeStatement>
<AuthenticationStatement AuthenticationInstant="{now}" AuthenticationMethod="urn:oasis:names:tc:SAML:1.0:am:password">
<Subject><NameIdentifier>{user}</NameIdentifier><SubjectConfirmation><ConfirmationMethod>
urn:oasis:names:tc:SAML:1.0:cm:artifact</ConfirmationMethod></SubjectConfirmation></Subject></AuthenticationStatement>
</Assertion></Response></SOAP-ENV:Body></SOAP-ENV:Envelope>"""
SAML_FAILURE = """<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/>
<SOAP-ENV:Body><Response xmlns="urn:oasis:names:tc:SAML:1.0:protocol" IssueInstant="2026-01-01T00:00:00Z"
 MajorVersion="1" MinorVersion="1" ResponseID="_r2"><Status><StatusCode Value="samlp:Responder"></StatusCode>
<StatusMessage>Ticket not recognized</StatusMessage></Status></Response></SOAP-ENV:Body></SOAP-ENV:Envelope>"""


def logout_request(ticket: str) -> str:
    """CAS 3.0 Appendix C's LogoutRequest."""
    return (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_' + secrets.token_hex(16) + '" Version="2.0" '
        'IssueInstant="' + datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + '">'
        f"<saml:NameID>{USER}</saml:NameID><samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>"
    )


def status_without_following(walker: Walker, url: str) -> int:
    return walker.get_once(url).status


@pytest.fixture(scope="module")
def php_service(cas):
    if phpcas.unavailable():
        pytest.skip(phpcas.unavailable())
    started = phpcas.PhpCas()
    try:
        started.start(cas.url)
        yield started
    finally:
        started.clean()


@pytest.fixture(scope="module")
def apache_service(cas):
    if mod_auth_cas.unavailable():
        pytest.skip(mod_auth_cas.unavailable())
    started = mod_auth_cas.ModAuthCas()
    try:
        started.start(cas.url)
        yield started
    finally:
        started.clean()


@pytest.mark.parametrize("flavour", list(phpcas.FLAVOURS))
def test_phpcas_signs_in_shows_the_attributes_and_ends_its_session_on_a_logout_request(cas, php_service, flavour):
    page = php_service.page_url(flavour)
    walker = Walker()
    first = walker.get_once(page)
    assert first.status == 302, php_service.log_tail()
    assert first.location == f"{cas.url}/cas/login?{urlencode({'service': page})}"

    shown = walker.get(page)
    assert shown.status == 200 and shown.url == page, php_service.log_tail()
    endpoint, service, ticket, _body = cas.validations[-1]
    assert service == page
    assert endpoint == ("/cas/p3/serviceValidate" if flavour == "cas3" else "/cas/samlValidate")
    assert f'id="user">{USER}<' in shown.text
    received = json.loads(shown.text.split('id="attributes">')[1].split("</pre>")[0].replace("&quot;", '"'))
    assert received["prenom"] == "Léa" and received["FrEduCtPersonAffiliation"] == "eleve2d"
    assert received["ENTEleveClasses"] == ["4e B", "Latin"]
    assert status_without_following(walker, page) == 200  # phpCAS's session lives

    assert post_form(page, {"logoutRequest": logout_request("ST-not-this-one")}) == 200
    assert status_without_following(walker, page) == 200  # another ticket's logout: not this session
    assert post_form(page, {"logoutRequest": logout_request(ticket)}) == 200
    again = walker.get_once(page)
    assert again.status == 302 and again.location.startswith(f"{cas.url}/cas/login?"), php_service.log_tail()


def test_phpcas_logout_forgets_its_session_and_goes_to_the_cas_logout(cas, php_service):
    walker = Walker()
    walker.get(php_service.page_url())
    answer = walker.get_once(php_service.logout_url())
    assert answer.status in (302, 303)
    assert answer.location == f"{cas.url}/cas/logout?{urlencode({'service': php_service.logged_out_url})}"
    assert status_without_following(walker, php_service.page_url()) == 302


@pytest.mark.parametrize("flavour", mod_auth_cas.FLAVOURS)
def test_mod_auth_cas_signs_in_shows_the_attributes_and_ends_its_session_on_a_logout_request(
    cas, apache_service, flavour
):
    page = apache_service.protected_url(flavour)
    walker = Walker()
    first = walker.get_once(page)
    assert first.status == 302, apache_service.log_tail()
    assert first.location.startswith(f"{cas.url}/cas/login?service=")
    assert parse_qs(urlsplit(first.location).query)["service"] == [page]

    shown = walker.get(page)
    assert shown.status == 200 and shown.url == page, apache_service.log_tail()
    endpoint, service, ticket, _body = cas.validations[-1]
    assert service == page
    assert endpoint == ("/cas/p3/serviceValidate" if flavour == "p3" else "/cas/samlValidate")
    assert f'id="remote-user">{USER}<' in shown.text
    variables = shown.text.split('id="variables">')[1].split("</pre>")[0]
    received = mod_auth_cas.attributes(variables)
    assert received["PRENOM"] == "Léa" and received["FREDUCTPERSONAFFILIATION"] == "eleve2d"
    assert received["ENTELEVECLASSES"] == "4e B,Latin"
    assert status_without_following(walker, page) == 200

    post_form(page, {"logoutRequest": logout_request("ST-not-this-one")})
    assert status_without_following(walker, page) == 200
    # The module takes the logout request, then answers as for any request without its cookie: a redirect to the
    # CAS login (whatever the CAS server's poster makes of a 3xx).
    assert post_form(page, {"logoutRequest": logout_request(ticket)}) == 302
    again = walker.get_once(page)
    assert again.status == 302 and again.location.startswith(f"{cas.url}/cas/login?"), apache_service.log_tail()


def test_mod_auth_cas_asks_renew_on_its_renew_page(cas, apache_service):
    first = Walker().get_once(apache_service.renew_url())
    assert first.status == 302 and first.location.endswith("&renew=true"), first.location
    assert parse_qs(urlsplit(first.location).query)["service"] == [apache_service.renew_url()]


def test_mod_auth_cas_refuses_a_ticket_the_server_does_not_validate(cas, apache_service):
    walker = Walker()
    answer = walker.get_once(apache_service.protected_url() + "?ticket=ST-made-up")
    assert answer.status == 401  # the module's answer to a refused ticket without a session
    assert cas.validations[-1][2] == "ST-made-up"


def test_mod_auth_cas_takes_a_ticket_only_in_the_cas_character_set(cas, apache_service):
    """CAS 3.0 §3.7: tickets are made of A-Z, a-z, 0-9 and "-". mod_auth_cas holds to it: a ticket with another
    character (the "_" of base64url, say) is not a ticket to it, and the browser is sent to the login again."""
    page = apache_service.protected_url()
    answer = Walker().get_once(page + "?ticket=ST-abc_def")
    assert answer.status == 302
    assert parse_qs(urlsplit(answer.location).query)["service"] == [page + "?ticket=ST-abc_def"]
    assert not any(ticket == "ST-abc_def" for _, _, ticket, _ in cas.validations)  # never validated
