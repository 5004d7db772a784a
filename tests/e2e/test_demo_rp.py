"""The demo ENT on the local server: registered and printed at start, served under /_dev/rp/ (never in the
template), listed on the services page of the demo school."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

from local import template

NEW_PASSWORD = "Soleil-Vert-2026"


def test_the_banner_prints_the_demo_client_and_its_secret(server):
    found = re.search(r"Demo ENT: (\S+) .*\n\s+client_id demo-ent, client_secret ([\w-]{43}) ", server.banner)
    assert found and found.group(1) == f"{server.url}/_dev/rp/"


def test_the_demo_ent_is_a_developer_route_only(server):
    paths = {route.path for function in template.functions().values() for route in function.routes}
    assert not any(path.startswith("/_dev") for path in paths)
    page = server.request("GET", "/_dev/rp/")
    assert page.status == 200 and "ENT de démonstration" in page.text and "Se connecter avec ENT accounts" in page.text
    assert server.request("GET", "/_dev/rp/nulle-part").status == 404
    refused = server.request(
        "POST",
        "/_dev/rp/backchannel-logout",
        b"logout_token=pas-un-jeton",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert refused.status == 400 and refused.json()["error"] == "invalid_request"


def test_a_student_of_the_demo_school_finds_the_demo_ent_on_the_services_page(server):
    challenge = server.request("POST", "/api/login", {"identifier": "amartin", "password": server.demo["amartin"]})
    body = {
        "challenge_token": challenge.json()["challenge_token"],
        "new_password": NEW_PASSWORD,
        "birth_date": "2010-01-02",
    }
    assert server.request("POST", "/api/first-connection", body).status == 200
    token = server.request("POST", "/api/login", {"identifier": "amartin", "password": NEW_PASSWORD}).json()
    page = server.request("GET", "/bureau", headers={"Cookie": f"__Host-session={token['session_token']}"})
    assert page.status == 200
    [link] = re.findall(r'<h3 class="fr-tile__title"><a href="([^"]+)">ENT de démonstration</a>', page.text)
    assert html.unescape(link) == f"{server.url}/_dev/rp/login?{urlencode({'iss': server.url})}"
