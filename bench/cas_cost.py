"""CAS's costs (in the round-trips section): the DynamoDB requests of each step of a CAS sign-in, from /cas/login to
the service's validation and /cas/logout, next to the fewest the data model allows.

The registry's copy (registry_cache.py) is warm, as in a container that has served a request within the minute:
finding which client a service URL belongs to then costs nothing, and the client is read afresh with the session.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from bench.world import World
from local.harness import NEW_PASSWORD

SERVICE_URL = "https://pronote.example.fr/pronote/"
SERVICE = SERVICE_URL + "eleve.html"

# The fewest DynamoDB requests each step allows, and why.
MINIMUM = {
    "cas login (no session)": (2, "the client read afresh (1 BatchGetItem), the pending sign-in (1 PutItem)"),
    "cas continue: the hop through /oidc/continue": (
        1,
        "session + pending sign-in (1 BatchGetItem): the pages send every sign-in there, a CAS one goes on to "
        "/cas/continue (nothing written)",
    ),
    "cas continue (after the login)": (
        3,
        "session + pending sign-in (1 BatchGetItem), account + lock-out counter + client (1 BatchGetItem), "
        "ticket + pending sign-in used + audit (1 transaction)",
    ),
    "cas login (with a session)": (
        3,
        "session + client (1 BatchGetItem), account + lock-out counter (1 BatchGetItem: the session names it), "
        "ticket + audit (1 transaction, which also pushes the idle limit back when due)",
    ),
    "cas validation (p3/serviceValidate)": (
        2,
        "the ticket consumed (1 conditional DeleteItem returning it), the service recorded on its session for the "
        "single logout (1 conditional UpdateItem)",
    ),
    "cas validation (samlValidate)": (2, "as p3/serviceValidate: the ticket consumed, the service recorded"),
    "cas logout (with a registered service)": (
        3,
        "the service's client read afresh (1 GetItem: is the redirect registered), the session deleted as it was "
        "(1 DeleteItem), the audit event (1 PutItem); and when services were signed in through the session, what "
        "ending it reads to tell them (sso/logout.py)",
    ),
}


def register_service(world: World, client_id: str = "bench-cas") -> None:
    from ent_accounts.sso.clients import Client

    world.store.create_client(
        Client(
            client_id,
            "Service CAS du bench",
            (),
            service_urls=(SERVICE_URL,),
            cas_attributes=("uid", "nom", "prenom", "FrEduCtEleveUAI"),
            all_schools=True,
        )
    )


def _cookies(answer: dict) -> dict[str, str]:
    jar: dict[str, str] = {}
    for raw in (answer.get("multiValueHeaders") or {}).get("Set-Cookie", []):
        for name, morsel in SimpleCookie(raw).items():
            jar[name] = morsel.value
    return jar


def _cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in jar.items())}


def _location(answer: dict) -> str:
    return (answer.get("headers") or {}).get("Location") or answer["multiValueHeaders"]["Location"][0]


def _ticket(answer: dict) -> str:
    return parse_qs(urlsplit(_location(answer)).query)["ticket"][0]


def _saml_body(ticket: str) -> str:
    return (
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>'
        '<samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" MajorVersion="1" MinorVersion="1" '
        f'RequestID="_bench"><samlp:AssertionArtifact>{ticket}</samlp:AssertionArtifact></samlp:Request>'
        "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )


def cas_round_trips(world: World) -> dict[str, Any]:
    """Each step once, as a student's browser and a CAS service make it: requests sent, the minimum."""
    from ent_accounts.registry_cache import registered_clients

    register_service(world)
    world.provision("bcas01")
    world.activate("bcas01", email="c@laposte.net", password=NEW_PASSWORD)
    steps: dict[str, list[str]] = {}

    def step(name: str, action):
        answer, calls = world.dynamodb_requests(action)
        steps[name] = calls
        return answer

    login = "/cas/login?" + urlencode({"service": SERVICE})
    world.request("GET", "/cas/login?" + urlencode({"service": SERVICE, "gateway": "true"}))  # the registry's copy
    answer = step("cas login (no session)", lambda: world.request("GET", login))
    jar = _cookies(answer)
    signed_in = world.expect("POST", "/api/login", {"identifier": "bcas01", "password": NEW_PASSWORD})
    jar["__Host-session"] = signed_in["session_token"]
    step(
        "cas continue: the hop through /oidc/continue",
        lambda: world.request("GET", "/oidc/continue", headers=_cookie_header(jar)),
    )
    answer = step(
        "cas continue (after the login)", lambda: world.request("GET", "/cas/continue", headers=_cookie_header(jar))
    )
    validate = "/cas/p3/serviceValidate?" + urlencode({"ticket": _ticket(answer), "service": SERVICE})
    step("cas validation (p3/serviceValidate)", lambda: world.request("GET", validate))
    world.clock.advance(minutes=2)  # the session's idle limit is then due to be pushed back, as in real use
    registered_clients(world.store, world.clock.now())  # a busy container's copy of the registry: fresh
    jar.pop("__Host-sign_in", None)
    answer = step("cas login (with a session)", lambda: world.request("GET", login, headers=_cookie_header(jar)))
    saml = "/cas/samlValidate?" + urlencode({"TARGET": SERVICE})
    headers = {"Content-Type": "text/xml"}
    step("cas validation (samlValidate)", lambda: world.request("POST", saml, _saml_body(_ticket(answer)), headers))
    logout = "/cas/logout?" + urlencode({"service": SERVICE})
    step("cas logout (with a registered service)", lambda: world.request("GET", logout, headers=_cookie_header(jar)))
    table = {}
    for name, calls in steps.items():
        minimum, why = MINIMUM[name]
        table[name] = {"requests": len(calls), "calls": calls, "minimum": minimum, "why": why}
    return table
