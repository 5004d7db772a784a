"""The demo CAS service on the local server: registered and printed at start, served under /_dev/cas/ (never in the
template), signing a student in through the real pages and CAS over HTTP, and signed out by CAS single logout when
the student logs out elsewhere, or by its own logout through /cas/logout."""

from __future__ import annotations

import html
import importlib.util
import re
import time
from urllib.parse import urlencode

import pytest

from local import template
from tests.support.walker import Walker

NEW_PASSWORD = "Soleil-Vert-2026"
SLO_WAIT = 15  # seconds for the logout queue to hand the LogoutRequest over


def test_the_banner_prints_the_demo_cas_service(server):
    found = re.search(r"Demo CAS service: (\S+) .*\n\s+client_id demo-cas, service URL (\S+) ", server.banner)
    assert found and found.group(1) == f"{server.url}/_dev/cas/" and found.group(2) == f"{server.url}/_dev/cas/"


def test_the_demo_cas_service_is_a_developer_route_only(server):
    paths = {route.path for function in template.functions().values() for route in function.routes}
    assert not any(path.startswith("/_dev") for path in paths)
    page = server.request("GET", "/_dev/cas/")
    assert page.status == 200 and "Service CAS de démonstration" in page.text and "Se connecter" in page.text
    assert server.request("GET", "/_dev/cas/nulle-part").status == 404
    refused = server.request(
        "POST", "/_dev/cas/", b"logoutRequest=pas-du-xml", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert refused.status == 400


def first_connection(server, identifier: str, birth_date: str) -> None:
    challenge = server.request("POST", "/api/login", {"identifier": identifier, "password": server.demo[identifier]})
    body = {
        "challenge_token": challenge.json()["challenge_token"],
        "new_password": NEW_PASSWORD,
        "birth_date": birth_date,
    }
    assert server.request("POST", "/api/first-connection", body).status == 200


def text(page) -> str:
    """A page's text, tags aside."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.text))


def signed_in_page(server, walker: Walker) -> str:
    """The demo CAS service's page once the student signed in through it (the login page, then back)."""
    login = walker.get(f"{server.url}/_dev/cas/login")
    assert "Connexion à : Service CAS de démonstration" in text(login), walker.trail()
    page = walker.submit({"identifier": "jdupont", "password": NEW_PASSWORD})
    assert page.url == f"{server.url}/_dev/cas/", walker.trail()
    return html.unescape(page.text)


@pytest.fixture(scope="module")
def student(server):
    """jdupont, first connection done (no e-mail: active at once)."""
    first_connection(server, "jdupont", "2011-05-14")
    return "jdupont"


def test_a_student_signs_in_to_the_demo_cas_service_and_opens_it_again_from_the_services_page(server, student):
    walker = Walker()
    page = signed_in_page(server, walker)
    assert "Connecté : jdupont" in re.sub(r"<[^>]+>", "", page)
    assert "<th>Prénom</th><td><code>prenom</code></td><td>Jeanne</td>" in page
    assert "<th>Classe</th><td><code>ENTEleveClasses</code></td><td>4e B</td>" in page
    assert "<td><code>FrEduCtEleveUAI</code></td><td>0341234A</td>" in page
    assert "<td><code>isFromNewLogin</code></td><td>oui</td>" in page

    # The services page shows its tile; opened again, no password: the single sign-on session answers.
    bureau = walker.get(f"{server.url}/bureau")
    [link] = re.findall(r'<h3 class="fr-tile__title"><a href="([^"]+)">Service CAS de démonstration</a>', bureau.text)
    assert html.unescape(link) == f"{server.url}/_dev/cas/login?{urlencode({'iss': server.url})}"
    again = walker.get(html.unescape(link))
    assert again.url == f"{server.url}/_dev/cas/" and "<td><code>isFromNewLogin</code></td><td>non</td>" in again.text


@pytest.mark.skipif(
    importlib.util.find_spec("ent_accounts.sso.cas_logout") is None,
    reason="CAS single logout (the cas_slo deliverer, branch cas-slo) is not merged yet",
)
def test_logging_out_on_the_services_page_signs_the_demo_cas_service_out(server, student):
    walker = Walker()
    signed_in_page(server, walker)
    # The services page's « Se déconnecter » form: the session ends, and the logout queue posts a LogoutRequest.
    walker.get(f"{server.url}/bureau")
    walker.submit({"csrf_token": walker.form({"csrf_token"}).fields["csrf_token"]})
    assert "__Host-session" not in walker.cookies, walker.trail()
    deadline = time.monotonic() + SLO_WAIT
    while True:
        page = html.unescape(walker.get(f"{server.url}/_dev/cas/").text)
        if "Non connecté" in page or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "Session fermée : ENT accounts a signalé la déconnexion (CAS single logout)." in page
    assert "Non connecté" in page


def test_its_own_logout_ends_the_single_sign_on_session_through_cas_logout(server, student):
    walker = Walker()
    signed_in_page(server, walker)
    page = walker.submit({}, button=None)  # its only form: « Se déconnecter »
    assert page.url == f"{server.url}/_dev/cas/?deconnecte=1", walker.trail()
    assert "Déconnecté : ENT accounts a terminé la session" in html.unescape(page.text)
    assert "__Host-session" not in walker.cookies
    login = walker.get(f"{server.url}/_dev/cas/login")  # the session here ended: the password again
    assert "Connexion à : Service CAS de démonstration" in text(login)


def test_a_renew_login_asks_the_password_even_with_a_session(server, student):
    walker = Walker()
    signed_in_page(server, walker)
    login = walker.get(f"{server.url}/_dev/cas/login?renew=true")
    assert "Connexion à : Service CAS de démonstration" in text(login), walker.trail()
    page = walker.submit({"identifier": "jdupont", "password": NEW_PASSWORD})
    assert "<td><code>isFromNewLogin</code></td><td>oui</td>" in page.text


def test_gateway_without_a_session_comes_back_signed_out(server):
    walker = Walker()
    page = walker.get(f"{server.url}/_dev/cas/login?gateway=true")
    assert page.url == f"{server.url}/_dev/cas/" and "sans rien demander (gateway)" in html.unescape(page.text)
