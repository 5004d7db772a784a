"""Property-based fuzzing of the CAS routes, as a service or a browser could send them: requests that are valid but
for a few parameters (missing, repeated, replaced by another value worth trying or by any text), with or without a
live session, a fresh ticket, a right or wrong service, and SOAP bodies from valid to hostile.

These routes are not in the OpenAPI document (redirects, French pages, CAS's own answer shapes), so they are
fuzzed here, each against what CAS 3.0 says it answers:
- never a 5xx, never a traceback;
- /cas/login (§2.1, §2.2.4): a redirect to a service only for the exact `service` value a registered service covers,
  with a ticket only through a live session without `renew`; otherwise our own pages (login, services page) or a
  French page (400 unknown service, 403, 429);
- validation (§2.4–2.9): HTTP 200, never cached, a well-formed answer of the endpoint's shape (CAS 1 text, XML of
  Appendix A, JSON), success only for the fresh ticket with its exact service, once; every failure code one of §2.5.3;
- /cas/samlValidate (§4.2): HTTP 200, a well-formed SOAP envelope with a SAML 1.1 Response, an assertion only for the
  fresh ticket and its exact TARGET;
- /cas/logout (§2.3.2): back to a service only when a registered service covers it, else the French page;
- /cas/continue whatever the cookies.

They run in process on the world's handlers (moto), as API Gateway's events would reach them: a CAS service is
registered in the store, which the admin routes of the local server cannot do yet (service URLs are the registry's
next step). FUZZ_EXAMPLES (110 in CI) generated requests for login and validation, half that for the others.
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from defusedxml import ElementTree
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ent_accounts.cas.services import covers, parse_service
from tests.integration.cas import SERVICE, SERVICE_URL, cas_world, login_url, saml_body
from tests.integration.helpers import session_token
from tests.support.figures import record
from tests.support.oidc import ISSUER

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "110"))
SETTINGS = {
    "deadline": None,
    "derandomize": os.environ.get("FUZZ_RANDOM") is None,
    "database": None,
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": list(HealthCheck),
}
CAS = "{http://www.yale.edu/tp/cas}"
SAMLP = "{urn:oasis:names:tc:SAML:1.0:protocol}"
SAML = "{urn:oasis:names:tc:SAML:1.0:assertion}"
CODES = {  # §2.5.3
    "INVALID_REQUEST",
    "INVALID_TICKET_SPEC",
    "UNAUTHORIZED_SERVICE_PROXY",
    "INVALID_PROXY_CALLBACK",
    "INVALID_TICKET",
    "INVALID_SERVICE",
    "INTERNAL_ERROR",
}
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
PRINTABLE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
SERVICES = [
    SERVICE,
    SERVICE_URL,
    SERVICE_URL + "autre.html",
    "https://pronote.example.fr/pronote",
    "https://pronote.example.fr.pirate.example/pronote/",
    "https://PRONOTE.example.fr/pronote/",
    "https://pronote.example.fr:443/pronote/",
    "http://pronote.example.fr/pronote/",
    "https://pronote.example.fr/pronote/%2e%2e/admin",
    "https://pronote.example.fr/pronote/../admin",
    "https://ent@pronote.example.fr/pronote/",
    "//pronote.example.fr/pronote/",
    "javascript:alert(1)",
    "https://pronote.example.fr/pronote/?ticket=ST-1",
]


class Cas:
    """The world with the service `pronote` and a student with a live session."""

    def __init__(self, world) -> None:
        cas_world(world)
        self.world = world
        self.session = session_token(world, "jdupont12")

    def call(self, method: str, url: str, body=None, headers=None):
        answer = self.world.call(method, url, body, headers)
        record("CAS requests fuzzed")
        assert answer.status < 500, (answer.status, answer.text[:500])
        assert "Traceback" not in answer.text, answer.text[:500]
        return answer

    def cookie(self, session: str | None = None, sign_in: str | None = None) -> dict[str, str]:
        cookies = [f"__Host-session={session}"] if session else []
        cookies += [f"__Host-sign_in={sign_in}"] if sign_in else []
        return {"Cookie": "; ".join(cookies)} if cookies else {}

    def fresh_ticket(self, service: str = SERVICE) -> str:
        answer = self.world.call("GET", login_url(service), headers=self.cookie(self.session))
        assert answer.status == 302, answer.text[:300]
        return parse_qs(urlsplit(answer.header("Location")).query)["ticket"][0]


@pytest.fixture
def cas(world):
    if world.backend != "moto":
        pytest.skip("fuzzed on moto: the handlers' answers, not the engine, are under test")
    return Cas(world)


def mutated(valid: dict[str, str], alternatives: dict[str, list[str]]):
    """The valid parameters with up to three of them missing, repeated or replaced, and up to two unknown ones."""
    names = sorted(set(valid) | set(alternatives))

    def change(name: str):
        values = [*alternatives.get(name, []), *([valid[name]] if name in valid else [])]
        one = st.sampled_from(values) | ANY_TEXT if values else ANY_TEXT
        return st.one_of(st.just([]), one.map(lambda value: [value]), st.lists(one, min_size=2, max_size=3))

    @st.composite
    def build(draw):
        changed = draw(st.sets(st.sampled_from(names), max_size=3))
        pairs = [(name, value) for name, value in valid.items() if name not in changed]
        for name in sorted(changed):
            pairs += [(name, value) for value in draw(change(name))]
        pairs += draw(st.lists(st.tuples(PRINTABLE.filter(bool), ANY_TEXT), max_size=2))
        return draw(st.permutations(pairs))

    return build()


def values_of(pairs, name: str) -> list[str]:
    """What the server reads for `name`: every non-empty value."""
    return [value for key, value in pairs if key == name and value]


def unset(pairs, name: str) -> bool:
    """Whether a CAS flag (renew, gateway) is not set: absent, or only "false"."""
    return all(value.strip().lower() == "false" for value in values_of(pairs, name))


def registered(service: str) -> bool:
    """Whether the registered service URL covers this one (scheme, host and port compared whole, the path below)."""
    parsed = parse_service(service)
    return parsed is not None and covers(SERVICE_URL, parsed)


def ours(location: str) -> bool:
    return location.startswith(ISSUER + "/")


def french_page(answer) -> None:
    assert answer.header("Content-Type").startswith("text/html"), answer.headers
    assert re.search(r'<html[^>]*\blang="fr"', answer.text), answer.text[:300]


# --- /cas/login ----------------------------------------------------------------------------------------------------


@given(
    pairs=mutated(
        {"service": SERVICE},
        {"service": SERVICES, "renew": ["true", "false", "1", ""], "gateway": ["true", "false"], "method": ["POST"]},
    ),
    cookie=st.sampled_from(["session", "session", "none", "garbage"]),
)
@settings(max_examples=EXAMPLES, **SETTINGS)
def test_login_redirects_only_to_a_registered_service_and_a_ticket_only_through_a_session(cas, pairs, cookie):
    session = {"session": cas.session, "none": None, "garbage": "g" * 43}[cookie]
    query = urlencode(pairs)
    answer = cas.call("GET", "/cas/login" + (f"?{query}" if query else ""), headers=cas.cookie(session))
    if answer.status != 302:
        assert answer.status in (400, 403, 429), (answer.status, answer.text[:300])
        french_page(answer)
        return
    location = answer.header("Location")
    if ours(location):
        assert urlsplit(location).path in ("/connexion", "/bureau"), location
        return
    [service] = values_of(pairs, "service")  # a service, given once, exactly as it came
    assert registered(service) and location.startswith(service), (location, pairs)
    ticket = parse_qs(urlsplit(location).query).get("ticket")
    rest = location[len(service) :]
    if ticket is None or not rest:
        assert rest == "" and not unset(pairs, "gateway"), (location, pairs)  # gateway: back without a ticket
        return
    assert session == cas.session and re.fullmatch(r"[?&]ticket=ST-[A-Za-z0-9]{43}", rest), (location, pairs)
    assert unset(pairs, "renew"), pairs


# --- the validation endpoints ------------------------------------------------------------------------------------

VALIDATIONS = ["/cas/validate", "/cas/serviceValidate", "/cas/proxyValidate"]
VALIDATIONS += ["/cas/p3/serviceValidate", "/cas/p3/proxyValidate"]


@given(
    path=st.sampled_from(VALIDATIONS),
    ticket=st.sampled_from(["fresh", "fresh", "fresh", "random", "proxy", "absent", "twice"]) | ANY_TEXT,
    pairs=mutated(
        {"service": SERVICE},
        {
            "service": SERVICES,
            "renew": ["true", "false"],
            "format": ["XML", "JSON", "json", "YAML", ""],
            "pgtUrl": ["https://pronote.example.fr/pgt", "http://pirate.example/"],
        },
    ),
)
@settings(max_examples=EXAMPLES, **SETTINGS)
def test_validation_succeeds_once_for_the_fresh_ticket_and_its_service_and_fails_as_the_spec_says(
    cas, path, ticket, pairs
):
    fresh = cas.fresh_ticket() if ticket in ("fresh", "twice") else None
    value = {"random": "ST-" + "a" * 43, "proxy": "PT-1-abc", "absent": None}.get(ticket, fresh or ticket)
    pairs = list(pairs) + ([("ticket", value)] if value is not None else [])
    if ticket == "twice":
        pairs.append(("ticket", value))
    answer = cas.call("GET", f"{path}?{urlencode(pairs)}")
    assert answer.status == 200 and answer.header("Cache-Control") == "no-store", answer.headers
    services, formats = values_of(pairs, "service"), values_of(pairs, "format")
    should_win = (
        fresh is not None
        and values_of(pairs, "ticket") == [fresh]
        and services == [SERVICE]
        and unset(pairs, "renew")
        and len(values_of(pairs, "pgtUrl")) <= 1
    )
    if path == "/cas/validate":
        assert answer.header("Content-Type").startswith("text/plain")
        assert answer.text in ("yes\njdupont12\n", "no\n\n"), answer.text
        assert (answer.text.startswith("yes")) == should_win, (answer.text, pairs)
        return
    well_formed_format = len(formats) <= 1 and (formats or ["XML"])[0].upper() in ("XML", "JSON")
    if well_formed_format and (formats or ["XML"])[0].upper() == "JSON":
        assert answer.header("Content-Type").startswith("application/json")
        body = answer.json()["serviceResponse"]
        if "authenticationSuccess" in body:
            assert should_win and body["authenticationSuccess"]["user"] == "jdupont12", (body, pairs)
        else:
            assert not should_win and body["authenticationFailure"]["code"] in CODES, (body, pairs)
        return
    assert answer.header("Content-Type").startswith("application/xml")
    root = ElementTree.fromstring(answer.text)
    assert root.tag == f"{CAS}serviceResponse" and len(root) == 1, answer.text
    if root[0].tag == f"{CAS}authenticationSuccess":
        assert should_win and well_formed_format, (answer.text, pairs)
        assert root[0].find(f"{CAS}user").text == "jdupont12"
        assert root[0].find(f"{CAS}proxyGrantingTicket") is None
        assert (root[0].find(f"{CAS}attributes") is not None) == path.startswith("/cas/p3/")
        return
    assert root[0].tag == f"{CAS}authenticationFailure" and root[0].get("code") in CODES, answer.text
    assert not (should_win and well_formed_format), (answer.text, pairs)


# --- /cas/samlValidate ---------------------------------------------------------------------------------------------


@st.composite
def soap_bodies(draw):
    kind = draw(st.sampled_from(["fresh", "fresh", "mutated", "text", "entity", "nested"]))
    if kind == "fresh":
        return "fresh", None
    if kind == "mutated":
        body = saml_body("ST-" + "a" * 43)
        start = draw(st.integers(0, len(body)))
        return kind, body[:start] + draw(ANY_TEXT) + body[start + draw(st.integers(0, 20)) :]
    if kind == "entity":
        return kind, '<!DOCTYPE x [<!ENTITY e "ST-x">]>' + saml_body("&e;")
    if kind == "nested":
        return kind, saml_body("<x>" * draw(st.integers(1, 3000)) + "ST-x")
    return kind, draw(ANY_TEXT)


@given(
    body=soap_bodies(),
    pairs=mutated({"TARGET": SERVICE}, {"TARGET": SERVICES, "renew": ["true"]}),
    content_type=st.sampled_from(["text/xml", "text/xml; charset=utf-8", "application/octet-stream", None]),
)
@settings(max_examples=EXAMPLES // 2, **SETTINGS)
def test_saml_validate_answers_a_saml_response_and_an_assertion_only_for_the_fresh_ticket(
    cas, body, pairs, content_type
):
    kind, text = body
    if kind == "fresh":
        text = saml_body(cas.fresh_ticket())
    headers = {"Content-Type": content_type} if content_type else {}
    answer = cas.call("POST", f"/cas/samlValidate?{urlencode(pairs)}", text, headers)
    assert answer.status == 200 and answer.header("Content-Type").startswith("text/xml"), answer.headers
    root = ElementTree.fromstring(answer.text)
    response = root.find(f".//{SAMLP}Response")
    assert response is not None, answer.text
    if root.find(f".//{SAML}NameIdentifier") is not None:
        assert kind == "fresh" and values_of(pairs, "TARGET") == [SERVICE] and unset(pairs, "renew"), pairs
        assert root.find(f".//{SAMLP}StatusCode").get("Value") == "samlp:Success"
    else:
        assert root.find(f".//{SAMLP}StatusCode").get("Value") in ("samlp:Requester", "samlp:Responder")


# --- /cas/logout and /cas/continue -------------------------------------------------------------------------------


@given(
    pairs=mutated({"service": SERVICE}, {"service": SERVICES, "url": ["https://pirate.example/"]}),
    cookie=st.sampled_from(["none", "garbage"]),  # the live session is the other tests': it is not ended here
)
@settings(max_examples=EXAMPLES // 2, **SETTINGS)
def test_logout_goes_back_only_to_a_registered_service(cas, pairs, cookie):
    answer = cas.call(
        "GET", f"/cas/logout?{urlencode(pairs)}", headers=cas.cookie("g" * 43 if cookie == "garbage" else None)
    )
    if answer.status == 200:
        french_page(answer)
        return
    assert answer.status == 302, answer.status
    [service] = values_of(pairs, "service")  # CAS 3.0 ignores `url` (§2.3.1)
    assert answer.header("Location") == service and registered(service), (answer.headers, pairs)


@given(
    session=st.sampled_from([None, "garbage", "live"]),
    sign_in=st.sampled_from([None, "g" * 43]) | PRINTABLE.filter(lambda v: v and ";" not in v and "," not in v),
    query=st.lists(st.tuples(PRINTABLE, ANY_TEXT), max_size=3),
)
@settings(max_examples=EXAMPLES // 2, **SETTINGS)
def test_continue_holds_whatever_the_cookies(cas, session, sign_in, query):
    cookie = cas.cookie({"garbage": "g" * 43, "live": cas.session}.get(session), sign_in)
    answer = cas.call("GET", "/cas/continue" + (f"?{urlencode(query)}" if query else ""), headers=cookie)
    if answer.status == 400:
        french_page(answer)
    else:
        assert answer.status == 303 and ours(answer.header("Location")), (answer.status, answer.headers)
