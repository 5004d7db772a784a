"""The leaflet's main path, through the handlers: login → first connection → validation mail → link → login."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from tests.support.links import code_in, link_in

NEW_PASSWORD = "Soleil-Vert-2026"


def first_login(world, identifier="jdupont12", password=None):
    answer = world.call("POST", "/api/login", {"identifier": identifier, "password": password})
    assert answer.status == 200, answer.text
    assert answer.json()["status"] == "first_connection_required"
    return answer.json()["challenge_token"]


def test_whole_path_with_email(world):
    provisional = world.provision("jdupont12", birth_date=date(2011, 5, 14))
    challenge = first_login(world, "JDupont12", provisional)  # identifiers are case-insensitive

    answer = world.call(
        "POST",
        "/api/first-connection",
        {
            "challenge_token": challenge,
            "new_password": NEW_PASSWORD,
            "birth_date": "2011-05-14",
            "email": "jeanne.dupont@laposte.net",
        },
    )
    assert answer.status == 200, answer.text
    assert answer.json() == {"status": "pending_validation", "validation_deadline": "2027-02-28T14:37:00Z"}

    [mail] = world.mails()
    assert mail.to == ["jeanne.dupont@laposte.net"]
    assert mail.subject == "Message des services en ligne – Activation de votre compte"
    assert "28 février 2027" in mail.html
    link = link_in(mail.html)
    assert urlsplit(link).path == "/valider-adresse-mail"

    # Before validation, the personal password is right but the account waits.
    answer = world.call("POST", "/api/login", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    assert answer.status == 403
    assert answer.json()["error"] == "account_pending_validation"
    assert answer.json()["validation_deadline"] == "2027-02-28T14:37:00Z"

    page = world.call("GET", f"/valider-adresse-mail?code={code_in(mail.html)}")
    assert page.status == 200
    assert "Votre compte a été validé" in page.text
    assert page.header("Referrer-Policy") == "no-referrer"

    answer = world.call("POST", "/api/login", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    assert answer.status == 200, answer.text
    body = answer.json()
    assert body["status"] == "authenticated" and len(body["session_token"]) >= 43
    cookie = answer.header("Set-Cookie")
    assert (
        cookie.startswith("__Host-session=")
        and "HttpOnly" in cookie
        and "Secure" in cookie
        and "SameSite=Lax" in cookie
    )

    account = world.store.get_account("jdupont12")
    assert account.status == "ACTIVE" and account.email_verified
    assert not any("expires_at" in item for item in world.items() if item["sk"]["S"] == "ACCOUNT")
