"""What the relying-party tests share: clients registered and students created through the admin routes (the local
server accepts them unsigned, as `sam local` does), and the provider's pages walked by plain HTTP or in Chromium."""

from __future__ import annotations

import re
import secrets
import string
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from local import template
from tests.support.walker import Answer, Walker

NEW_PASSWORD = "Soleil-Vert-2026"
SCHOOL = "0341234A"  # the demo school of the local server
OTHER_SCHOOL = "0751234B"  # a school no client of these tests serves, unless it says so
DISCOVERY = "/.well-known/openid-configuration"
PHPCAS_ID = "phpcas"
PHPCAS_NAME = "Vie scolaire de test (phpCAS)"
MOD_AUTH_CAS_ID = "apache-cas"
MOD_AUTH_CAS_NAME = "ENT de test (mod_auth_cas)"
MOD_AUTH_CAS_RELEASED = ["uid", "nom", "prenom", "FrEduCtPersonAffiliation", "FrEduCtEleveUAI", "ENTEleveClasses"]


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


CAS_ROUTES = (("GET", "/cas/login"), ("GET", "/cas/p3/serviceValidate"), ("POST", "/cas/samlValidate"))


def cas_missing() -> str | None:
    """Why the CAS server cannot be tested yet (issue 16 lands its routes in template.yaml), or None."""
    routes = {(route.method, route.path) for f in template.functions().values() for route in f.routes}
    missing = [f"{method} {path}" for method, path in CAS_ROUTES if (method, path) not in routes]
    if missing:
        return f"template.yaml serves no {', '.join(missing)} yet: the CAS server (issue 16) has not landed"
    return None


def register_service(server, client_id: str, name: str, service_urls: list[str], **fields) -> dict:
    """Register a CAS service as ops would (POST /api/admin/clients): its service URLs, the attributes it receives
    (`cas_attributes`), the schools it serves (the demo school unless said otherwise). No redirect URI: no secret."""
    body = {"client_id": client_id, "name": name, "service_urls": service_urls, **fields}
    if "schools" not in body and "all_schools" not in body:
        body["schools"] = [SCHOOL]
    answer = server.request("POST", "/api/admin/clients", body, {"Idempotency-Key": secrets.token_hex(20)})
    assert answer.status == 201, f"registering {client_id}: {answer.status} {answer.text}"
    return answer.json()


def on_the_server(server) -> re.Pattern:
    """Any page of the local server (the sign-in page, the first connection, /bureau...)."""
    return re.compile("^" + re.escape(server.url) + "/")


def sign_in_page(page, server, student, password: str | None = None) -> None:
    """On the server's sign-in page that a service sent the browser to: type the identifier and the password; a new
    student (no `password` given) goes on through the first connection."""
    page.wait_for_url(on_the_server(server))
    fill_sign_in(page, student.identifier, password or student.provisional_password)
    if password is None:
        page.wait_for_url(re.compile(r"/premiere-connexion"))
        fill_first_connection(page, student)


def status_of(page, url: str) -> int:
    """The status a page answers with the browser's cookies, its redirect not followed (200 while a client's session
    lives; 302 to the CAS login once it ended)."""
    return page.request.get(url, max_redirects=0, headers={"Accept": "text/html"}).status


def wait_for_status(page, url: str, status: int, seconds: float = 30) -> int:
    """Poll `status_of` until it is `status` (single logout reaches a service off the request path, from a queue)."""
    deadline = time.monotonic() + seconds
    found = status_of(page, url)
    while found != status and time.monotonic() < deadline:
        time.sleep(0.3)
        found = status_of(page, url)
    return found
