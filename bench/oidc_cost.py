"""Single sign-on's costs: the DynamoDB requests and KMS calls of each step of the OpenID Connect round trip (in the
round-trips section), and the CPU of the token endpoint's handler (its own section).

The ID token's signature is one KMS Sign (counted on the signer's KMS client, moto here). In AWS it is network time,
no CPU in the function; here moto signs in this process, so one signature's CPU is measured apart and taken off,
so that the figure is the endpoint's own work.
"""

from __future__ import annotations

import json
import time
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from bench.world import World, median
from local.harness import NEW_PASSWORD

REDIRECT_URI = "https://ent.example.fr/oidc/callback"

# The fewest DynamoDB requests (and KMS calls) each step allows, and why.
MINIMUM = {
    "oidc authorize (no session)": (2, 0, "the client (1 read), the pending sign-in (1 PutItem)"),
    "oidc login page naming the service": (1, 0, "the pending sign-in (1 GetItem): the service's name and origin"),
    "oidc continue (after the login)": (
        3,
        0,
        "session + pending sign-in (1 BatchGetItem), account + lock-out counter + client (1 BatchGetItem), "
        "code + pending sign-in used + audit (1 transaction)",
    ),
    "oidc token exchange": (
        2,
        1,
        "client + code (1 BatchGetItem), code used + access token + client recorded on the session + audit (1 "
        "transaction); 1 KMS Sign (the ID token)",
    ),
    "oidc authorize (with a session)": (
        3,
        0,
        "session + client (1 BatchGetItem), account + lock-out counter (1 BatchGetItem: the session names it), "
        "code + audit (1 transaction, which also pushes the idle limit back when due)",
    ),
    "oidc userinfo": (
        2,
        0,
        "the access token (1 GetItem: it names the rest), its session + account + client (1 BatchGetItem: a token "
        "whose session ended, or whose client was removed, is refused at once); the claims were read at the code",
    ),
    "oidc logout (RP-initiated)": (
        4,
        0,
        "the session + the client named (1 BatchGetItem: is the hint about this session, its registered page), "
        "the session deleted as it was (1 DeleteItem), the audit event (1 PutItem), the account + clients to tell "
        "(1 BatchGetItem); the id_token_hint is checked against the public keys read once per container",
    ),
}


def register_client(world: World, client_id: str = "bench-ent") -> str:
    from ent_accounts.sso.clients import Client, hash_secret, new_client_secret

    secret = new_client_secret()
    world.store.create_client(
        Client(
            client_id,
            "ENT du bench",
            (REDIRECT_URI,),
            post_logout_redirect_uris=("https://ent.example.fr/au-revoir",),
            all_schools=True,
            secret_hashes=(hash_secret(secret),),
        )
    )
    return secret


def _pkce() -> tuple[str, str]:
    from tests.support.oidc import pkce

    return pkce()


def _authorize_url(client_id: str, challenge: str) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email ent",
        "state": "bench",
        "nonce": "n",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return "/oidc/authorize?" + urlencode(query)


def _cookies(answer: dict) -> dict[str, str]:
    jar: dict[str, str] = {}
    for raw in (answer.get("multiValueHeaders") or {}).get("Set-Cookie", []):
        for name, morsel in SimpleCookie(raw).items():
            jar[name] = morsel.value
    return jar


def _cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in jar.items())}


def _code(answer: dict) -> str:
    location = (answer.get("headers") or {}).get("Location") or answer["multiValueHeaders"]["Location"][0]
    return parse_qs(urlsplit(location).query)["code"][0]


def _token_request(client_id: str, secret: str, code: str, verifier: str) -> tuple[str, dict[str, str]]:
    from tests.support.oidc import basic

    form = urlencode(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    )
    return form, {"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic(client_id, secret)}


def sign_in_round_trips(world: World) -> dict[str, Any]:
    """Each step once, as a student's browser and an ENT make it: requests sent, KMS calls, the minimum."""
    secret = register_client(world)
    world.provision("bsso01")
    world.activate("bsso01", email="b@laposte.net", password=NEW_PASSWORD)
    steps: dict[str, tuple[list[str], int]] = {}

    def step(name: str, action):
        (answer, calls), kms = world.kms_requests(lambda: world.dynamodb_requests(action))
        steps[name] = (calls, len(kms))
        return answer

    # A warm container has read the public keys once (GetPublicKey, cached): the JWKS, the id_token_hint's check.
    world.request("GET", "/oidc/jwks.json")
    verifier, challenge = _pkce()
    url = _authorize_url("bench-ent", challenge)
    answer = step("oidc authorize (no session)", lambda: world.request("GET", url))
    jar = _cookies(answer)
    step("oidc login page naming the service", lambda: world.request("GET", "/connexion", headers=_cookie_header(jar)))
    login = world.expect("POST", "/api/login", {"identifier": "bsso01", "password": NEW_PASSWORD})
    jar["__Host-session"] = login["session_token"]
    answer = step(
        "oidc continue (after the login)", lambda: world.request("GET", "/oidc/continue", headers=_cookie_header(jar))
    )
    form, headers = _token_request("bench-ent", secret, _code(answer), verifier)
    tokens = json.loads(
        step("oidc token exchange", lambda: world.request("POST", "/oidc/token", form, headers))["body"]
    )
    world.clock.advance(minutes=2)  # the session's idle limit is then due to be pushed back, as in real use
    jar.pop("__Host-sign_in", None)
    verifier, challenge = _pkce()
    url = _authorize_url("bench-ent", challenge)
    step("oidc authorize (with a session)", lambda: world.request("GET", url, headers=_cookie_header(jar)))
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    step("oidc userinfo", lambda: world.request("GET", "/oidc/userinfo", headers=bearer))
    logout = "/oidc/logout?" + urlencode(
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://ent.example.fr/au-revoir"}
    )
    step("oidc logout (RP-initiated)", lambda: world.request("GET", logout, headers=_cookie_header(jar)))
    table = {}
    for name, (calls, kms) in steps.items():
        minimum, minimum_kms, why = MINIMUM[name]
        table[name] = {
            "requests": len(calls),
            "calls": calls,
            "kms": kms,
            "minimum": minimum,
            "minimum_kms": minimum_kms,
        }
        table[name]["why"] = why
    return table


def token_cost(world: World, exchanges: int) -> dict[str, Any]:
    """The token endpoint handler's CPU per exchange (median), with and without the ID token's signature."""
    from local.events import LambdaContext, api_event

    signer = world.services.signer
    secret = register_client(world, "bench-token")
    world.provision("btok01")
    world.activate("btok01", password=NEW_PASSWORD)
    session = world.expect("POST", "/api/login", {"identifier": "btok01", "password": NEW_PASSWORD})["session_token"]
    target = world.functions.route("POST", "/oidc/token")
    handler = world.functions.handler(target.function.logical_id)
    context = LambdaContext(target.function.logical_id)
    cpu_times, wall_times, sign_times = [], [], []
    for index in range(exchanges + 1):  # the first one warms the handler
        verifier, challenge = _pkce()
        answer = world.request(
            "GET", _authorize_url("bench-token", challenge), headers={"Cookie": f"__Host-session={session}"}
        )
        form, headers = _token_request("bench-token", secret, _code(answer), verifier)
        event = api_event("POST", "/oidc/token", resource=target.resource, headers=headers, body=form)
        cpu, wall = time.process_time(), time.perf_counter()
        answer = handler(event, context)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if answer["statusCode"] != 200:
            raise RuntimeError(f"token: {answer['statusCode']} {answer['body'][:300]}")
        started = time.process_time()
        signer.sign({"sub": "x", "aud": "bench-token", "iat": 0, "exp": 1})
        if index:
            cpu_times.append(cpu)
            wall_times.append(wall)
            sign_times.append(time.process_time() - started)
    handler_cpu, sign_cpu = median(cpu_times), median(sign_times)
    return {
        "exchanges": exchanges,
        "handler_cpu_ms": round(handler_cpu * 1000, 2),
        "handler_wall_ms": round(median(wall_times) * 1000, 2),
        "sign_cpu_ms": round(sign_cpu * 1000, 2),  # one KMS Sign as moto makes it, in this process
        "handler_cpu_without_signing_ms": round((handler_cpu - sign_cpu) * 1000, 2),
        "kms_calls_per_exchange": 1,
    }
