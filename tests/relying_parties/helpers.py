"""What the relying-party tests share: clients registered and students created through the admin routes (the local
server accepts them unsigned, as `sam local` does), and the provider's pages walked by plain HTTP or in Chromium."""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from local import template
from tests.support.walker import Answer, Walker

NEW_PASSWORD = "Soleil-Vert-2026"
SCHOOL = "0341234A"  # the demo school of the local server
OTHER_SCHOOL = "0751234B"  # a school no client of these tests serves, unless it says so
DISCOVERY = "/.well-known/openid-configuration"


def provider_missing() -> str | None:
    """Why the provider cannot be tested yet (issue 15 lands its routes in template.yaml), or None."""
    routes = {(route.method, route.path) for f in template.functions().values() for route in f.routes}
    if ("GET", DISCOVERY) not in routes:
        return f"template.yaml serves no GET {DISCOVERY} yet: the OpenID provider (issue 15) has not landed"
    return None


@dataclass(frozen=True)
class Student:
    identifier: str
    provisional_password: str
    first_name: str
    last_name: str
    birth_date: str
    uai: str
    school_class: str | None


def create_student(server, uai: str = SCHOOL, birth_date: str = "2011-05-14", school_class: str = "4e B") -> Student:
    """A new student account with its provisional password, as a school imports one (a fresh one per test: the first
    connection changes it for good)."""
    last_name = "Essai" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))
    row = {"last_name": last_name, "first_name": "Léa", "role": "eleve", "birth_date": birth_date}
    if school_class:
        row["class"] = school_class
    answer = server.request(
        "POST", "/api/admin/accounts", {"uai": uai, "accounts": [row]}, {"Idempotency-Key": secrets.token_hex(20)}
    )
    assert answer.status == 201, answer.text
    [account] = answer.json()["accounts"]
    return Student(
        account["identifier"], account["provisional_password"], "Léa", last_name, birth_date, uai, school_class
    )


def register_client(server, client_id: str, name: str, redirect_uris: list[str], **fields) -> dict:
    """Register a client as ops would (POST /api/admin/clients); the answer carries its secret, shown this once."""
    body = {"client_id": client_id, "name": name, "redirect_uris": redirect_uris, **fields}
    if "schools" not in body and "all_schools" not in body:
        body["schools"] = [SCHOOL]
    answer = server.request("POST", "/api/admin/clients", body, {"Idempotency-Key": secrets.token_hex(20)})
    assert answer.status == 201, f"registering {client_id}: {answer.status} {answer.text}"
    registered = answer.json()
    if fields.get("token_endpoint_auth_method", "client_secret_basic") != "none":
        assert registered.get("client_secret"), f"no client_secret in {registered}"
    return registered


def response_parameters(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def is_french_page(answer: Answer) -> bool:
    return answer.headers.get("content-type", "").startswith("text/html") and bool(
        re.search(r'<html[^>]*\blang="fr"', answer.text)
    )


def walk_sign_in(walker: Walker, identifier: str, password: str, stop_at: str) -> Answer:
    """On the provider's sign-in page, type the identifier and password and send them."""
    return walker.submit({"identifier": identifier, "password": password}, stop_at=stop_at)


def walk_first_connection(walker: Walker, student: Student, stop_at: str, password: str = NEW_PASSWORD) -> Answer:
    """On the first-connection page: the personal password twice, the birth date, no e-mail."""
    return walker.submit(
        {
            "new_password": password,
            "new_password_confirmation": password,
            "birth_date": student.birth_date,
            "email": "",
        },
        stop_at=stop_at,
    )


def fill_sign_in(page, identifier: str, password: str) -> None:
    """The sign-in page in Chromium, by its labels, as a person types."""
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def fill_first_connection(page, student: Student, password: str = NEW_PASSWORD, email: str | None = None) -> None:
    page.get_by_label("Nouveau mot de passe").fill(password)
    page.get_by_label("Confirmation du mot de passe").fill(password)
    page.get_by_label("Date de naissance").fill(student.birth_date)
    if email:
        page.get_by_label("Adresse mail personnelle").fill(email)
    page.get_by_role("button", name="Valider").click()


def open_mail_link(page, server, to: str) -> None:
    """Open the local mailbox and click the link of the newest mail sent to `to`, as a person would."""
    page.goto(server.url + "/_dev/mail")
    page.locator("article.mail", has_text=to).first.get_by_role("link").first.click()
