"""Attacks on the CAS server, as a red-teamer tried them: each one that worked is kept as the test that failed before
its fix, each one that did not as the test of the defence. What an attacker (a hostile site, a student at someone
else's computer, a CAS service gone wrong) tried, and what the server must answer instead."""

from __future__ import annotations

import html

import pytest
from defusedxml import ElementTree

from tests.integration.cas import (
    cas_world,
    saml_body,
    saml_validation,
    sign_in,
    validation,
)
from tests.integration.oidc import signed_in

CAS = "{http://www.yale.edu/tp/cas}"
SAMLP = "{urn:oasis:names:tc:SAML:1.0:protocol}"
SAML = "{urn:oasis:names:tc:SAML:1.0:assertion}"


@pytest.fixture
def service(world):
    return cas_world(world)


def _failure_code(answer) -> str:
    assert answer.status == 200 and answer.header("Cache-Control") == "no-store", (answer.status, answer.text[:300])
    [element] = ElementTree.fromstring(answer.text)
    assert element.tag == f"{CAS}authenticationFailure", answer.text
    return element.get("code")


def _user(answer) -> str:
    assert answer.status == 200, answer.text[:300]
    [element] = ElementTree.fromstring(answer.text)
    assert element.tag == f"{CAS}authenticationSuccess", answer.text
    return element.find(f"{CAS}user").text


def _saml_status(answer) -> tuple[str, str]:
    """(top StatusCode, StatusMessage) of a SAML 1.1 answer, after checking it is one, HTTP 200."""
    assert answer.status == 200 and answer.header("Content-Type").startswith("text/xml"), (answer.status, answer.text)
    response = ElementTree.fromstring(answer.text).find(".//" + SAMLP + "Response")
    status = response.find(SAMLP + "Status")
    message = status.find(SAMLP + "StatusMessage")
    return status.find(SAMLP + "StatusCode").get("Value"), message.text if message is not None else ""


def _refused_page(answer) -> None:
    assert answer.status == 400 and answer.header("Location") is None, (answer.status, answer.headers)
    assert "Ce service n'est pas reconnu" in html.unescape(answer.text)


# --- a 500 through samlValidate ------------------------------------------------------------------------------------
# The SOAP body comes from anyone. An XML declaration naming an encoding Python does not know made expat raise
# LookupError, which the parser's guard did not catch: a 500 (and a traceback in the log) instead of the SAML answer
# INVALID_REQUEST that a CAS client can read.


@pytest.mark.parametrize("encoding", ["bogus-xyz", "x-unknown-1", "ebcdic-pirate"])
def test_a_soap_body_in_an_unknown_encoding_is_invalid_request_not_a_500(world, service, encoding, log_lines):
    _, ticket = sign_in(world, signed_in(world))
    body = f'<?xml version="1.0" encoding="{encoding}"?>' + saml_body(ticket)
    code, message = _saml_status(saml_validation(world, ticket, body=body))
    assert code == "samlp:Requester" and message.startswith("INVALID_REQUEST")
    assert not [line for line in log_lines.json() if line["level"] == "ERROR"]
    assert _user(validation(world, "/cas/serviceValidate", ticket)) == "jdupont12"  # nothing was spent


# --- XXE, parser bombs and XInclude through samlValidate -------------------------------------------------------------
# Each carries a real ticket around the hostile part: refused before anything is expanded or fetched, the ticket
# still unspent (a body that is not a SAML request consumes nothing).

HOSTILE_PROLOGS = {
    "billion laughs": '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
    "external entity": '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    "external DTD": '<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">',
    "parameter entity": '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>',
}


@pytest.mark.parametrize("prolog", HOSTILE_PROLOGS.values(), ids=HOSTILE_PROLOGS.keys())
def test_saml_validate_expands_and_fetches_nothing(world, service, prolog):
    _, ticket = sign_in(world, signed_in(world))
    body = '<?xml version="1.0"?>' + prolog + saml_body(ticket)
    code, message = _saml_status(saml_validation(world, ticket, body=body))
    assert code == "samlp:Requester" and message.startswith("INVALID_REQUEST")
    assert _user(validation(world, "/cas/serviceValidate", ticket)) == "jdupont12"


def test_an_xinclude_in_the_artifact_is_not_followed(world, service):
    include = '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'
    code, message = _saml_status(saml_validation(world, "x", body=saml_body(include)))
    assert code == "samlp:Requester" and message.startswith("INVALID_REQUEST") and "root:" not in message


def test_a_body_nested_thousands_deep_is_refused_cleanly(world, service):
    deep = "<a>" * 3000 + "</a>" * 3000
    code, message = _saml_status(saml_validation(world, "x", body=saml_body("ST-x" + deep)))
    assert code == "samlp:Requester" and message.startswith(("INVALID_REQUEST", "INVALID_TICKET"))


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "application/json", "multipart/form-data; boundary=x", ""]
)
def test_saml_validate_answers_saml_whatever_the_content_type(world, service, content_type):
    _, ticket = sign_in(world, signed_in(world))
    code, _ = _saml_status(saml_validation(world, ticket, content_type=content_type))
    assert code == "samlp:Success"
