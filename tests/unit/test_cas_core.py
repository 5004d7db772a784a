"""The CAS server's core without AWS: tickets' shape, the answers' shapes as CAS clients read them (mod_auth_cas by
local names, phpCAS by the `cas:` prefix and SAML's assertion namespace, python-cas by namespaces), escaping of
hostile values, and the samlValidate request parser against hostile SOAP."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from defusedxml import ElementTree

from ent_accounts.cas import responses
from ent_accounts.cas.login import flag, with_ticket
from ent_accounts.cas.saml import MAX_BODY, SamlRequestError, parse_saml_request
from ent_accounts.cas.tickets import ServiceTicket, looks_like_ours, new_ticket

CAS = "{http://www.yale.edu/tp/cas}"
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
SAMLP = "{urn:oasis:names:tc:SAML:1.0:protocol}"
SAML = "{urn:oasis:names:tc:SAML:1.0:assertion}"
NOW = datetime(2026, 11, 30, 14, 37, 5, tzinfo=UTC)
SERVICE = "https://pronote.example.fr/pronote/eleve.html?identifiant=0341234A"


def ticket(**changes) -> ServiceTicket:
    values = {
        "ticket_hash": "h" * 64,
        "client_id": "pronote",
        "service": SERVICE,
        "identifier": "jdupont12",
        "session_hash": "s" * 64,
        "user": "jdupont12",
        "authenticated_at": datetime(2026, 11, 30, 14, 37, tzinfo=UTC),
        "from_new_login": True,
        "valid_until": NOW,
        "expires_at": NOW,
        "attributes": {"nom": ["Dupont"], "prenom": ["Jeanne"], "ENTEleveClasses": ["4e B", "Latin"]},
    }
    return ServiceTicket(**{**values, **changes})


# --- tickets ---------------------------------------------------------------------------------------------------------


def test_tickets_are_st_and_43_letters_or_digits_each_new():
    tickets = {new_ticket() for _ in range(200)}
    assert len(tickets) == 200
    for value in tickets:
        # CAS §3.1.1 and §3.7: ST-, only [A-Za-z0-9-]; mod_auth_cas drops a ticket with "_"; 62**43 > 2**256.
        assert value.startswith("ST-") and len(value) == 46 and value[3:].isalnum() and value.isascii()
        assert looks_like_ours(value)
    assert not looks_like_ours("ST-" + "_" * 43) and not looks_like_ours("PT-" + "a" * 43)
    assert not looks_like_ours("ST-" + "a" * 42) and not looks_like_ours("ST-" + "a" * 44)


@pytest.mark.parametrize(
    "service, expected",
    [
        ("https://s.example/a", "https://s.example/a?ticket=ST-1"),
        ("https://s.example/a?x=1", "https://s.example/a?x=1&ticket=ST-1"),
        ("https://s.example/a?", "https://s.example/a?ticket=ST-1"),
        ("https://s.example/a?x=1&", "https://s.example/a?x=1&ticket=ST-1"),
    ],
)
def test_the_ticket_is_added_to_the_service_url_as_it_came(service, expected):
    assert with_ticket(service, "ST-1") == expected


@pytest.mark.parametrize(
    "values, expected", [([], False), (["true"], True), (["1"], True), (["false"], False), (["FALSE"], False)]
)
def test_renew_and_gateway_are_set_by_any_value_but_false(values, expected):
    assert flag({"renew": values} if values else {}, "renew") is expected


# --- CAS 1, CAS 2/3 XML, JSON --------------------------------------------------------------------------------------


def test_cas1_says_yes_and_the_user_on_two_lines_or_no():
    assert responses.cas1_success(ticket()) == "yes\njdupont12\n"
    assert responses.cas1_failure() == "no\n\n"
    assert responses.cas1_success(ticket(user="a\nyes\nb")).count("\n") == 2  # no value adds a line


def test_the_cas2_answer_has_the_user_and_no_attributes():
    root = ElementTree.fromstring(responses.xml_success(ticket(), with_attributes=False))
    assert root.tag == f"{CAS}serviceResponse" and root[0].tag == f"{CAS}authenticationSuccess"
    assert [child.tag for child in root[0]] == [f"{CAS}user"] and root[0][0].text == "jdupont12"


def test_the_cas3_answer_has_cas3s_attributes_then_the_released_ones_each_value_an_element():
    text = responses.xml_success(ticket(), with_attributes=True)
    root = ElementTree.fromstring(text)
    success = root[0]  # python-cas reads tree[0]
    [attributes] = success.findall(f"{CAS}attributes")
    found = [(child.tag.removeprefix(CAS), child.text) for child in attributes]
    assert found == [
        ("authenticationDate", "2026-11-30T14:37:00Z"),
        ("longTermAuthenticationRequestTokenUsed", "false"),
        ("isFromNewLogin", "true"),
        ("nom", "Dupont"),
        ("prenom", "Jeanne"),
        ("ENTEleveClasses", "4e B"),
        ("ENTEleveClasses", "Latin"),
    ]
    # phpCAS strips the literal "cas:" prefix from each element's name; mod_auth_cas takes the inner text whole.
    assert "<cas:nom>Dupont</cas:nom>" in text and "<cas:user>jdupont12</cas:user>" in text


def test_a_failure_carries_its_code_and_description():
    root = ElementTree.fromstring(responses.xml_failure("INVALID_TICKET", "ticket not recognized"))
    [failure] = root
    assert failure.tag == f"{CAS}authenticationFailure" and failure.get("code") == "INVALID_TICKET"
    assert failure.text == "ticket not recognized"


HOSTILE = ["<script>&amp;\"'</cas:user>", "]]>", "\x00\x01\x0b\ufffe", "\ud800", "é\u202e", "a" * 5000]


@pytest.mark.parametrize("value", HOSTILE)
def test_answers_stay_well_formed_whatever_a_value_holds(value):
    hostile = ticket(user=value, attributes={"nom": [value], "<bad name>": ["x"], "prenom": [value, value]})
    for text in (
        responses.xml_success(hostile, with_attributes=True),
        responses.xml_failure("INVALID_TICKET", value),
        responses.saml_success(hostile, NOW, "https://comptes.ent.fr", value, value),
        responses.saml_failure("INVALID_TICKET", value, NOW, value, value),
    ):
        root = ElementTree.fromstring(text.encode("utf-8"))  # well-formed, and encodable as UTF-8
        assert "bad name" not in text
        names = {element.tag.split("}")[-1] for element in root.iter()}
        assert not names & {"script"}
    for text in (responses.json_success(hostile, with_attributes=True), responses.json_failure("X", value)):
        json.loads(text.encode("utf-8"))


def test_printable_values_come_back_exactly():
    value = '<O\'Brien & "fils">'
    root = ElementTree.fromstring(responses.xml_success(ticket(user=value, attributes={"nom": [value]}), True))
    assert root[0][0].text == value and root[0].find(f"{CAS}attributes/{CAS}nom").text == value


def test_the_json_answer_is_the_xml_one_as_the_spec_writes_it():
    success = json.loads(responses.json_success(ticket(from_new_login=False), with_attributes=True))
    answer = success["serviceResponse"]["authenticationSuccess"]
    assert answer["user"] == "jdupont12"
    assert answer["attributes"] == {
        "authenticationDate": ["2026-11-30T14:37:00Z"],
        "longTermAuthenticationRequestTokenUsed": [False],
        "isFromNewLogin": [False],
        "nom": ["Dupont"],
        "prenom": ["Jeanne"],
        "ENTEleveClasses": ["4e B", "Latin"],
    }
    assert (
        "attributes"
        not in json.loads(responses.json_success(ticket(), False))["serviceResponse"]["authenticationSuccess"]
    )
    failure = json.loads(responses.json_failure("INVALID_SERVICE", "another service"))
    assert failure == {
        "serviceResponse": {"authenticationFailure": {"code": "INVALID_SERVICE", "description": "another service"}}
    }


# --- SAML 1.1 ------------------------------------------------------------------------------------------------------


def test_the_saml_success_reads_as_python_cas_and_mod_auth_cas_read_it():
    text = responses.saml_success(ticket(), NOW, "https://comptes.ent.fr", SERVICE, "_192.168.16.51.1024506224022")
    root = ElementTree.fromstring(text)
    # python-cas: StatusCode (protocol namespace) ending in Success, NameIdentifier and Attribute (assertion one).
    assert root.find(f".//{SAMLP}StatusCode").get("Value") == "samlp:Success"
    assert root.find(f".//{SAML}NameIdentifier").text == "jdupont12"
    attributes = {
        attribute.get("AttributeName"): [value.text for value in attribute.findall(f"{SAML}AttributeValue")]
        for attribute in root.iter(f"{SAML}Attribute")
    }
    assert attributes["nom"] == ["Dupont"] and attributes["ENTEleveClasses"] == ["4e B", "Latin"]
    assert attributes["isFromNewLogin"] == ["true"] and attributes["authenticationDate"] == ["2026-11-30T14:37:00Z"]
    assert {a.get("AttributeNamespace") for a in root.iter(f"{SAML}Attribute")} == {
        "http://www.ja-sig.org/products/cas/"
    }
    # mod_auth_cas: Envelope → Body → Response → (Status → StatusCode, Assertion → AttributeStatement → Subject).
    assert root.tag == f"{SOAP}Envelope"
    [response] = root.find(f"{SOAP}Body")
    assert response.tag == f"{SAMLP}Response" and [c.tag for c in response] == [f"{SAMLP}Status", f"{SAML}Assertion"]
    assert response.get("Recipient") == SERVICE and response.get("InResponseTo") == "_192.168.16.51.1024506224022"
    assertion = response[1]
    assert [c.tag.split("}")[1] for c in assertion] == ["Conditions", "AttributeStatement", "AuthenticationStatement"]
    assert assertion.find(f"{SAML}Conditions/{SAML}AudienceRestrictionCondition/{SAML}Audience").text == SERVICE
    assert assertion.find(f"{SAML}Conditions").get("NotOnOrAfter") == "2026-11-30T14:37:35.000Z"
    assert assertion.get("Issuer") == "https://comptes.ent.fr"
    assert assertion.find(f"{SAML}AuthenticationStatement").get("AuthenticationMethod") == (
        "urn:oasis:names:tc:SAML:1.0:am:password"
    )
    # phpCAS matches getElementsByTagName("NameIdentifier"): unprefixed names, as the specification's example.
    assert "<NameIdentifier>jdupont12</NameIdentifier>" in text


@pytest.mark.parametrize("code, top", [("INVALID_TICKET", "samlp:Requester"), ("INTERNAL_ERROR", "samlp:Responder")])
def test_a_saml_failure_has_no_assertion_and_says_why(code, top):
    root = ElementTree.fromstring(responses.saml_failure(code, "why", NOW, SERVICE, "req-1"))
    status = root.find(f".//{SAMLP}Status")
    assert status[0].get("Value") == top
    assert root.find(f".//{SAMLP}StatusMessage").text == f"{code}: why"
    assert root.find(f".//{SAML}NameIdentifier") is None and root.find(f".//{SAML}Assertion") is None


def test_a_request_id_that_is_not_a_plain_identifier_is_not_echoed():
    root = ElementTree.fromstring(responses.saml_failure("INVALID_TICKET", "x", NOW, SERVICE, 'a" onload="x'))
    assert root.find(f".//{SAMLP}Response").get("InResponseTo") is None


def soap(inner: str, request_id: str = "_1") -> str:
    return (
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/>'
        '<SOAP-ENV:Body><samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" MajorVersion="1" '
        f'MinorVersion="1" RequestID="{request_id}">{inner}</samlp:Request></SOAP-ENV:Body></SOAP-ENV:Envelope>'
    )


def test_the_saml_request_of_the_spec_and_of_mod_auth_cas_are_read():
    request = parse_saml_request(soap("<samlp:AssertionArtifact>ST-abc</samlp:AssertionArtifact>", "d41d8cd9"))
    assert request.artifact == "ST-abc" and request.request_id == "d41d8cd9"
    declared = '<?xml version="1.0" encoding="utf-8"?>' + soap(
        "<samlp:AssertionArtifact>\n  ST-abc\n</samlp:AssertionArtifact>"
    )
    assert parse_saml_request(declared.encode()).artifact == "ST-abc"


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    + soap("<samlp:AssertionArtifact>&lol3;</samlp:AssertionArtifact>")
)
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + soap(
    "<samlp:AssertionArtifact>&e;</samlp:AssertionArtifact>"
)
DTD_ONLY = '<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://attacker.example/x.dtd">' + soap(
    "<samlp:AssertionArtifact>ST-abc</samlp:AssertionArtifact>"
)


@pytest.mark.parametrize(
    "body",
    [
        None,
        b"",
        b"not xml at all",
        BILLION_LAUGHS,
        EXTERNAL,
        DTD_ONLY,
        soap("<samlp:AssertionArtifact>ST-a</samlp:AssertionArtifact>" * 2),  # two artifacts
        soap(""),  # none
        soap("<samlp:AssertionArtifact>  </samlp:AssertionArtifact>"),  # empty
        soap("<AssertionArtifact>ST-a</AssertionArtifact>"),  # not in SAML's namespace
        soap("<samlp:AssertionArtifact>ST-a</samlp:AssertionArtifact>").replace("soap/envelope/", "soap/other/"),
        "<Envelope><Body><Request><AssertionArtifact>ST-a</AssertionArtifact></Request></Body></Envelope>",
        soap("<samlp:AssertionArtifact>ST-a</samlp:AssertionArtifact>" + "<x/>" * (MAX_BODY // 4)),  # too big
        b"\xff\xfe<\x00a\x00",  # UTF-16 that says nothing
        '<?xml version="1.0" encoding="bogus-xyz"?>' + soap("<samlp:AssertionArtifact>ST-a</samlp:AssertionArtifact>"),
        soap("<samlp:AssertionArtifact>ST-a</samlp:AssertionArtifact>").encode("utf-8")[:-10],  # cut
    ],
)
def test_hostile_or_malformed_saml_requests_are_refused_without_expanding_anything(body):
    with pytest.raises(SamlRequestError):
        parse_saml_request(body)


def test_the_size_limit_is_checked_before_parsing():
    with pytest.raises(SamlRequestError, match="larger"):
        parse_saml_request(b"<" * (MAX_BODY + 1))
