"""The demo CAS service (local/demo_cas.py) against a fake CAS server: the round trip it makes (login, ticket
validated over HTTP with the same service URL, its session), the refusals it shows, and single logout by the
LogoutRequest's SessionIndex."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from local.demo_cas import COOKIE, DemoCasService, logout_request_session_index

SERVER = "http://127.0.0.1:3999"
SERVICE = f"{SERVER}/_dev/cas/"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class FakeCasServer:
    """/cas/p3/serviceValidate for the tickets it issued, each once and for its service, as CAS 3.0 says."""

    def __init__(self) -> None:
        self.tickets: dict[str, dict] = {}
        self.issued = 0
        self.calls: list[dict[str, str]] = []
        self.attributes = {
            "uid": ["jdupont"],
            "nom": ["Dupont"],
            "prenom": ["Jeanne"],
            "FrEduCtPersonAffiliation": ["eleve2d"],
            "isFromNewLogin": [True],
        }
        self.status = 200

    def login(self, location: str, from_new_login: bool = True) -> str:
        """What a browser sees: /cas/login, given the service's redirect; the service URL with a ticket."""
        assert location.startswith(f"{SERVER}/cas/login?")
        query = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
        self.issued += 1
        ticket = f"ST-{self.issued}"
        self.tickets[ticket] = {"service": query["service"], "fresh": from_new_login}
        return f"{query['service']}?ticket={ticket}"

    def __call__(self, method, url, headers, body):
        parts = urlsplit(url)
        assert method == "GET" and parts.path == "/cas/p3/serviceValidate"
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        self.calls.append(query)
        issued = self.tickets.pop(query.get("ticket", ""), None)
        if issued is None:
            answer = {"authenticationFailure": {"code": "INVALID_TICKET", "description": "Ticket inconnu"}}
        elif issued["service"] != query["service"]:
            answer = {"authenticationFailure": {"code": "INVALID_SERVICE", "description": "Autre service"}}
        elif query.get("renew") == "true" and not issued["fresh"]:
            answer = {"authenticationFailure": {"code": "INVALID_TICKET", "description": "Pas de mot de passe"}}
        else:
            answer = {"authenticationSuccess": {"user": "jdupont", "attributes": self.attributes}}
        return self.status, json.dumps({"serviceResponse": answer}).encode()


@pytest.fixture
def cas():
    return FakeCasServer()


@pytest.fixture
def service(cas):
    service = DemoCasService(SERVER, http=cas)
    service.configure()
    return service


def get(service, target, cookie=None):
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    return service.handle("GET", target, headers, None)


def location(answer) -> str:
    return dict(answer[1])["Location"]


def cookie_of(answer) -> str:
    (set_cookie,) = [value for name, value in answer[1] if name == "Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Path=/_dev/cas" in set_cookie
    return set_cookie.split(";")[0].split("=", 1)[1]


def signed_in(service, cas, target="/_dev/cas/login", fresh=True) -> tuple[str, str]:
    """(cookie, ticket) of a browser that went through the login."""
    started = get(service, target)
    cookie = cookie_of(started)
    back = cas.login(location(started), from_new_login=fresh)
    ticket = parse_qs(urlsplit(back).query)["ticket"][0]
    answer = get(service, back.removeprefix(SERVER), cookie)
    assert answer[0] == 303 and location(answer) == SERVICE, answer
    return cookie, ticket


def page(service, cookie=None) -> str:
    status, _, body = get(service, "/_dev/cas/", cookie)
    assert status == 200
    return body.decode()


def test_the_login_names_the_service_and_the_ticket_is_validated_for_it(service, cas):
    started = get(service, "/_dev/cas/login")
    assert started[0] == 303 and location(started) == f"{SERVER}/cas/login?{urlencode({'service': SERVICE})}"
    cookie, _ = signed_in(service, cas)
    assert cas.calls[-1] == {"service": SERVICE, "ticket": "ST-1", "format": "JSON"}
    shown = page(service, cookie)
    assert "Connecté : <strong>jdupont</strong>" in shown
    assert "<th>Prénom</th><td><code>prenom</code></td><td>Jeanne</td>" in shown
    assert "<th>Profil (EduConnect)</th><td><code>FrEduCtPersonAffiliation</code></td><td>eleve2d</td>" in shown
    assert "<th>Mot de passe saisi pour cette connexion</th><td><code>isFromNewLogin</code></td><td>oui</td>" in shown
    assert "Non connecté" in page(service)  # another browser
    assert service.signed_in_users() == ["jdupont"]


def test_a_ticket_the_cas_server_refuses_is_a_french_page(service, cas):
    started = get(service, "/_dev/cas/login")
    cookie = cookie_of(started)
    status, _, body = get(service, "/_dev/cas/?ticket=ST-forge", cookie)
    assert status == 400 and "ENT accounts a refusé le ticket : INVALID_TICKET (Ticket inconnu)." in body.decode()
    back = cas.login(location(started))
    get(service, back.removeprefix(SERVER), cookie)
    status, _, body = get(service, back.removeprefix(SERVER), cookie)  # the same ticket again: spent
    assert status == 400 and "INVALID_TICKET" in body.decode()


def test_renew_asks_the_cas_server_for_a_fresh_password(service, cas):
    started = get(service, "/_dev/cas/login?renew=true")
    assert parse_qs(urlsplit(location(started)).query) == {"service": [SERVICE], "renew": ["true"]}
    cookie = cookie_of(started)
    back = cas.login(location(started), from_new_login=False)  # a ticket of the single sign-on session
    status, _, body = get(service, back.removeprefix(SERVER), cookie)
    assert cas.calls[-1]["renew"] == "true" and status == 400 and "Pas de mot de passe" in body.decode()
    assert "Non connecté" in page(service, cookie)


def test_gateway_without_a_session_comes_back_signed_out_and_says_so(service):
    started = get(service, "/_dev/cas/login?gateway=true")
    assert parse_qs(urlsplit(location(started)).query)["gateway"] == ["true"]
    shown = page(service, cookie_of(started))  # back without a ticket
    assert "sans rien demander (gateway)" in shown and "Non connecté" in shown


def test_a_ticket_with_no_login_under_way_is_validated_too(service, cas):
    cas.tickets["ST-x"] = {"service": SERVICE, "fresh": True}  # /cas/login opened by hand
    answer = get(service, "/_dev/cas/?ticket=ST-x")
    assert answer[0] == 303 and "Connecté : <strong>jdupont</strong>" in page(service, cookie_of(answer))


def test_its_logout_forgets_it_here_then_ends_the_single_sign_on_session(service, cas):
    cookie, _ = signed_in(service, cas)
    answer = service.handle("POST", "/_dev/cas/logout", {"Cookie": f"{COOKIE}={cookie}"}, b"")
    assert answer[0] == 303
    assert location(answer) == f"{SERVER}/cas/logout?{urlencode({'service': f'{SERVICE}?deconnecte=1'})}"
    assert service.signed_in_users() == []
    status, _, body = get(service, "/_dev/cas/?deconnecte=1", cookie)
    assert status == 200 and "Déconnecté : ENT accounts a terminé la session" in body.decode()


def logout_request(session_index: str) -> bytes:
    xml = (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" Version="2.0" '
        'IssueInstant="2026-11-30T14:37:00Z"><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">'
        f"jdupont</saml:NameID><samlp:SessionIndex>{session_index}</samlp:SessionIndex></samlp:LogoutRequest>"
    )
    return urlencode({"logoutRequest": xml}).encode()


def test_a_logout_request_forgets_the_sessions_of_its_session_index(service, cas):
    first, ticket = signed_in(service, cas)
    second, _ = signed_in(service, cas)
    status, _, _ = service.handle("POST", "/_dev/cas/", FORM, logout_request("ST-personne"))
    assert status == 200 and sorted(service.signed_in_users()) == ["jdupont", "jdupont"]
    status, _, _ = service.handle("POST", "/_dev/cas/?x=1", FORM, logout_request(ticket))  # the service URL, as sent
    assert status == 200 and service.signed_in_users() == ["jdupont"]
    assert "Session fermée : ENT accounts a signalé la déconnexion (CAS single logout)." in page(service, first)
    assert "Connecté : <strong>jdupont</strong>" in page(service, second)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:SessionIndex>&b;'
    "</samlp:SessionIndex></samlp:LogoutRequest>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:SessionIndex>&x;'
    "</samlp:SessionIndex></samlp:LogoutRequest>"
)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "pas du XML",
        "<LogoutRequest/>",
        "<Autre><SessionIndex>ST-1</SessionIndex></Autre>",
        "<LogoutRequest><SessionIndex>ST-1</SessionIndex><SessionIndex>ST-2</SessionIndex></LogoutRequest>",
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        "<LogoutRequest><SessionIndex>" + "x" * 10_000 + "</SessionIndex></LogoutRequest>",
    ],
)
def test_an_unreadable_logout_request_is_a_400_and_forgets_nobody(service, cas, raw):
    signed_in(service, cas)
    with pytest.raises(ValueError):
        logout_request_session_index(raw)
    status, _, _ = service.handle("POST", "/_dev/cas/", FORM, urlencode({"logoutRequest": raw}).encode())
    assert status == 400 and service.signed_in_users() == ["jdupont"]


def test_without_its_registration_no_login_starts():
    service = DemoCasService(SERVER, http=FakeCasServer())
    assert "pas enregistré" in page(service)
    status, _, body = get(service, "/_dev/cas/login")
    assert status == 400 and "pas enregistré" in body.decode()


def test_a_cas_server_that_does_not_answer_is_a_page_not_a_crash(service, cas):
    def down(*_):
        raise ConnectionRefusedError("connection refused")

    service.http = down
    started = get(service, "/_dev/cas/login")
    status, _, body = get(service, "/_dev/cas/?ticket=ST-1", cookie_of(started))
    assert status == 502 and "n'a pas pu joindre ENT accounts" in body.decode()
    service.http, cas.status = cas, 500
    status, _, _ = get(service, "/_dev/cas/?ticket=ST-1", cookie_of(started))
    assert status == 502


def test_unknown_routes_and_the_bare_prefix(service):
    assert get(service, "/_dev/cas")[0] == 303 and location(get(service, "/_dev/cas")) == SERVICE
    assert get(service, "/_dev/cas/nulle-part")[0] == 404
    assert service.handle("POST", "/_dev/cas/", FORM, b"autre=1")[0] == 404
