"""The leaflet's path and the expiry, driven over HTTP against the local server (embedded AWS)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

NEW_PASSWORD = "Soleil-Vert-2026"


def login(server, identifier, password):
    return server.request("POST", "/api/login", {"identifier": identifier, "password": password})


def first_connection(server, identifier, email):
    challenge = login(server, identifier, server.demo[identifier]).json()["challenge_token"]
    body = {"challenge_token": challenge, "new_password": NEW_PASSWORD, "birth_date": "2011-05-14", "email": email}
    return server.request("POST", "/api/first-connection", body)


def mail_to(server, address):
    mails = server.request("GET", "/_dev/mail.json").json()
    return next(mail for mail in mails if address in mail["to"])  # newest first


def link_of(mail):
    return re.search(r'href="([^"]+)"', mail["html"]).group(1)


def test_demo_accounts_are_printed(server):
    assert set(server.demo) >= {"jdupont", "amartin", "pdupont"}
    assert all(len(password) == 12 for password in server.demo.values())


def test_the_leaflet_path_over_http(server):
    answer = first_connection(server, "jdupont", "jeanne@laposte.net")
    assert answer.status == 200 and answer.json()["status"] == "pending_validation"

    mail = mail_to(server, "jeanne@laposte.net")
    assert mail["subject"] == "Message des services en ligne – Activation de votre compte"
    link = link_of(mail)
    assert link.startswith(server.url + "/valider-adresse-mail?code=")  # links point to the local server

    assert login(server, "jdupont", NEW_PASSWORD).status == 403
    page = server.request("GET", urlsplit(link).path + "?" + urlsplit(link).query)
    assert page.status == 200 and "Ton compte a été validé" in page.text

    answer = login(server, "jdupont", NEW_PASSWORD)
    assert answer.status == 200 and answer.json()["status"] == "authenticated"
    assert answer.set_cookies and answer.set_cookies[0].startswith("__Host-session=")

    mailbox = server.request("GET", "/_dev/mail")
    assert mailbox.status == 200 and "jeanne@laposte.net" in mailbox.text and link.replace("&", "&amp;") in mailbox.text

    # A forgotten password: answered at once; the mail leaves from the queue, and the mailbox waits for it.
    assert server.request("POST", "/api/password/forgot", {"identifier": "jdupont"}).status == 202
    mail = mail_to(server, "jeanne@laposte.net")
    assert mail["subject"] == "Message des services en ligne – Réinitialisation du mot de passe"
    code = re.search(r"code=([\w-]+)", link_of(mail)).group(1)
    assert server.request("POST", "/api/password/reset", {"code": code, "new_password": "Nouveau-Mot-2"}).status == 200
    assert login(server, "jdupont", "Nouveau-Mot-2").status == 200


def test_expiry_with_the_development_clock(server):
    assert first_connection(server, "amartin", "adam@laposte.net").json()["status"] == "pending_validation"
    link = link_of(mail_to(server, "adam@laposte.net"))
    try:
        clock = server.request("POST", "/_dev/clock", {"advance": "P3M1D"})
        assert clock.status == 200 and clock.json()["offset_seconds"] > 89 * 86400
        swept = server.request("POST", "/_dev/run/ExpireAccountsFunction")
        assert swept.status == 200 and swept.json()["result"]["deleted"] >= 1
        unknown = login(server, "personne", NEW_PASSWORD)
        answer = login(server, "amartin", NEW_PASSWORD)
        assert answer.status == 401 and answer.json() == unknown.json()
        page = server.request("GET", urlsplit(link).path + "?" + urlsplit(link).query)
        assert page.status == 410 and "supprimé" in page.text
    finally:
        assert server.request("POST", "/_dev/clock", {"reset": True}).json()["offset_seconds"] == 0


def test_api_gateway_answers_for_unknown_routes_and_dev_errors(server):
    page = server.request("GET", "/nulle-part")
    assert page.status == 404 and page.headers["Content-Type"].startswith("text/html")
    unknown = server.request("GET", "/api/nulle-part")
    assert unknown.status == 404 and unknown.json()["message"] == "Cette adresse n'existe pas."
    undeclared = server.request("GET", "/api/login")  # a method the template does not declare for the resource
    assert undeclared.status == 403 and undeclared.json()["message"] == "Cette adresse n'accepte pas cette demande."
    assert server.request("POST", "/_dev/run/LoginFunction").status == 404  # not a scheduled function
    assert server.request("POST", "/_dev/clock", {"advance": "trois mois"}).status == 400


def test_security_headers_and_form_of_json_answers(server):
    answer = login(server, "jdupont", "faux")
    assert answer.status == 401
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_bounce_simulated_by_the_dev_route_reaches_the_pending_answer(server):
    assert first_connection(server, "pdupont", "paul@laposte.nt").status == 200
    event = server.request("POST", "/_dev/mail-event", {"to": "paul@laposte.nt"})
    assert event.status == 200 and event.json() == {"result": {"marked": 1}}

    answer = login(server, "pdupont", NEW_PASSWORD)
    assert answer.status == 403 and answer.json()["email_undeliverable"]["address"] == "paul@laposte.nt"
    unknown = server.request("POST", "/_dev/mail-event", {"to": "personne@laposte.net"})
    assert unknown.status == 404


def test_a_forged_host_header_does_not_reach_the_links_of_mails(server):
    """The link points to the server's own address (API Gateway's domainName), in http here, whatever Host says."""
    forged = {"Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    row = {"last_name": "Hôte", "first_name": "Léa", "role": "eleve", "birth_date": "2011-05-14"}
    created = server.request(
        "POST",
        "/api/admin/accounts",
        {"uai": "0341234A", "accounts": [row]},
        {**forged, "Idempotency-Key": "f" * 40},
    )
    assert created.status == 201, created.text
    [account] = created.json()["accounts"]
    assert created.json()["login_url"] == server.url + "/connexion"
    answer = server.request(
        "POST", "/api/login", {"identifier": account["identifier"], "password": account["provisional_password"]}, forged
    )
    body = {
        "challenge_token": answer.json()["challenge_token"],
        "new_password": NEW_PASSWORD,
        "birth_date": "2011-05-14",
    }
    answer = server.request("POST", "/api/first-connection", {**body, "email": "lea.hote@laposte.net"}, forged)
    assert answer.status == 200 and answer.json()["status"] == "pending_validation"
    assert link_of(mail_to(server, "lea.hote@laposte.net")).startswith(server.url + "/valider-adresse-mail?code=")


def test_a_body_over_api_gateways_limit_is_refused_in_french(server):
    answer = server.request("POST", "/api/login", b"x" * (10 * 1024 * 1024 + 1), {"Content-Type": "application/json"})
    assert answer.status == 413 and answer.json()["message"] == "La demande est trop volumineuse pour être traitée."
