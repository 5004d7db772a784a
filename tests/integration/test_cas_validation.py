"""The validation endpoints as a CAS service meets them (CAS 3.0 §2.4–2.9, §4.2): the user and the attributes its
registration releases, in XML, JSON and SAML 1.1; and every failure code exactly where the specification puts it
(a reused ticket, another service's ticket, an expired one, `renew` without a fresh password, missing parameters,
a proxy ticket, a session ended meanwhile, DynamoDB failing), each answered HTTP 200, never cached."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree

from tests.integration.cas import (
    OTHER_SERVICE,
    SERVICE,
    cas_world,
    register_service,
    saml_body,
    saml_validation,
    sign_in,
    validation,
)
from tests.integration.helpers import active_student
from tests.integration.oidc import signed_in
from tests.support.faults import Faults

CAS = "{http://www.yale.edu/tp/cas}"
SAMLP = "{urn:oasis:names:tc:SAML:1.0:protocol}"
SAML = "{urn:oasis:names:tc:SAML:1.0:assertion}"
XML_ENDPOINTS = ["/cas/serviceValidate", "/cas/proxyValidate", "/cas/p3/serviceValidate", "/cas/p3/proxyValidate"]


@pytest.fixture
def service(world):
    return cas_world(world)


def success(answer) -> ElementTree.Element:
    assert answer.status == 200 and answer.header("Cache-Control") == "no-store", answer.headers
    root = ElementTree.fromstring(answer.text)
    assert root.tag == f"{CAS}serviceResponse" and root[0].tag == f"{CAS}authenticationSuccess", answer.text
    return root[0]


def failure(answer) -> tuple[str, str]:
    """(code, description) of an XML failure, after checking it is answered as the specification says."""
    assert answer.status == 200 and answer.header("Cache-Control") == "no-store", answer.headers
    assert answer.header("Content-Type").startswith("application/xml")
    root = ElementTree.fromstring(answer.text)
    [element] = root
    assert element.tag == f"{CAS}authenticationFailure", answer.text
    return element.get("code"), element.text


def attributes(element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for child in element.find(f"{CAS}attributes"):
        found.setdefault(child.tag.removeprefix(CAS), []).append(child.text)
    return found


def fresh_ticket(world, **params) -> str:
    return sign_in(world, signed_in(world), **params)[1]


@pytest.mark.parametrize("path", ["/cas/p3/serviceValidate", "/cas/p3/proxyValidate"])
def test_cas3_gives_the_user_and_the_registered_attributes(world, service, path):
    answer = success(validation(world, path, fresh_ticket(world)))
    assert answer.find(f"{CAS}user").text == "jdupont12"
    assert attributes(answer) == {
        "authenticationDate": ["2026-11-30T14:37:00Z"],
        "longTermAuthenticationRequestTokenUsed": ["false"],
        "isFromNewLogin": ["false"],
        "uid": ["jdupont12"],
        "nom": ["Dupont"],
        "prenom": ["Jeanne"],
        "mail": ["jeanne@laposte.net"],
        "FrEduCtPersonAffiliation": ["eleve2d"],
        "categories": ["National_1"],
        "FrEduCtEleveUAI": ["0341234A"],
    }
    assert answer.find(f"{CAS}proxyGrantingTicket") is None and answer.find(f"{CAS}proxies") is None


def test_a_service_registered_without_attributes_gets_only_cas3s_own(world):
    active_student(world)
    register_service(world.store, cas_attributes=())
    answer = success(validation(world, "/cas/p3/serviceValidate", fresh_ticket(world)))
    assert set(attributes(answer)) == {"authenticationDate", "longTermAuthenticationRequestTokenUsed", "isFromNewLogin"}


def test_an_unvalidated_address_is_released_to_no_service(world):
    from tests.integration.helpers import activate

    register_service(world.store, cas_attributes=("mail", "nom", "ENTEleveClasses"))
    world.provision("jdupont12", school_class="4e B")
    activate(world, "jdupont12")  # no address
    answer = success(validation(world, "/cas/p3/serviceValidate", fresh_ticket(world)))
    assert attributes(answer)["ENTEleveClasses"] == ["4e B"] and "mail" not in attributes(answer)


@pytest.mark.parametrize("path", ["/cas/serviceValidate", "/cas/proxyValidate"])
def test_cas2_gives_the_user_and_no_attributes(world, service, path):
    answer = success(validation(world, path, fresh_ticket(world)))
    assert [child.tag for child in answer] == [f"{CAS}user"]


def test_cas1_answers_yes_and_the_user_or_no(world, service):
    ticket = fresh_ticket(world)
    answer = validation(world, "/cas/validate", ticket)
    assert (answer.status, answer.text) == (200, "yes\njdupont12\n")
    assert answer.header("Content-Type").startswith("text/plain") and answer.header("Cache-Control") == "no-store"
    assert validation(world, "/cas/validate", ticket).text == "no\n\n"
    assert validation(world, "/cas/validate", None).text == "no\n\n"


@pytest.mark.parametrize("path", XML_ENDPOINTS)
def test_a_ticket_works_once(world, service, path):
    ticket = fresh_ticket(world)
    success(validation(world, path, ticket))
    assert failure(validation(world, path, ticket))[0] == "INVALID_TICKET"


def test_another_services_ticket_is_invalid_service_and_is_dead_after(world, service):
    register_service(world.store, "vie-scolaire", service_urls=(OTHER_SERVICE,))
    ticket = fresh_ticket(world, service=OTHER_SERVICE)
    assert failure(validation(world, "/cas/serviceValidate", ticket, SERVICE))[0] == "INVALID_SERVICE"
    # §2.5.3: "CAS MUST invalidate the ticket and disallow future validation of that same ticket".
    assert failure(validation(world, "/cas/serviceValidate", ticket, OTHER_SERVICE))[0] == "INVALID_TICKET"


def test_the_service_is_compared_exactly(world, service):
    ticket = fresh_ticket(world)
    other_page = SERVICE.replace("identifiant=0341234A", "identifiant=0759999Z")  # the same client, another URL
    assert failure(validation(world, "/cas/serviceValidate", ticket, other_page))[0] == "INVALID_SERVICE"


def test_an_expired_ticket_is_invalid_ticket(world, service):
    ticket = fresh_ticket(world)
    world.clock.advance(seconds=10)  # CAS_TICKET_SECONDS
    code, description = failure(validation(world, "/cas/serviceValidate", ticket))
    assert code == "INVALID_TICKET" and "expired" in description
    assert failure(validation(world, "/cas/serviceValidate", ticket))[0] == "INVALID_TICKET"  # and spent


def test_a_ticket_just_before_its_end_works(world, service):
    ticket = fresh_ticket(world)
    world.clock.advance(seconds=9)
    success(validation(world, "/cas/serviceValidate", ticket))


def test_renew_without_a_fresh_password_is_invalid_ticket(world, service):
    ticket = fresh_ticket(world)  # single sign-on: no password typed for it
    code, description = failure(validation(world, "/cas/p3/serviceValidate", ticket, renew="true"))
    assert code == "INVALID_TICKET" and "renew" in description


def test_renew_after_the_login_page_of_this_sign_in_succeeds(world, service):
    _, ticket = sign_in(world)  # a browser without a session: the password is typed for this sign-in
    answer = success(validation(world, "/cas/p3/serviceValidate", ticket, renew="true"))
    assert attributes(answer)["isFromNewLogin"] == ["true"]


@pytest.mark.parametrize(
    "params",
    [{"ticket": None}, {"service": None}, {"ticket": None, "service": None}, {"ticket": ""}, {"service": ""}],
)
@pytest.mark.parametrize("path", XML_ENDPOINTS)
def test_missing_parameters_are_invalid_request_and_spend_nothing(world, service, path, params):
    ticket = fresh_ticket(world)
    query = {"ticket": ticket, "service": SERVICE, **params}
    assert failure(validation(world, path, query.pop("ticket"), query.pop("service")))[0] == "INVALID_REQUEST"
    success(validation(world, path, ticket))  # the ticket was not spent by a request that named no service


def test_a_parameter_given_twice_is_invalid_request(world, service):
    ticket = fresh_ticket(world)
    url = f"/cas/serviceValidate?ticket={ticket}&ticket={ticket}&service=x"
    assert failure(world.call("GET", url))[0] == "INVALID_REQUEST"


@pytest.mark.parametrize("path", ["/cas/serviceValidate", "/cas/p3/serviceValidate"])
def test_a_proxy_ticket_on_service_validate_is_invalid_ticket_spec(world, service, path):
    code, description = failure(validation(world, path, "PT-1856376-1HMgO86Z2ZKeByc5XdYD"))
    assert code == "INVALID_TICKET_SPEC" and "proxy ticket" in description


@pytest.mark.parametrize("path", ["/cas/proxyValidate", "/cas/p3/proxyValidate"])
def test_a_proxy_ticket_on_proxy_validate_is_not_recognised(world, service, path):
    assert failure(validation(world, path, "PT-1856376-1HMgO86Z2ZKeByc5XdYD"))[0] == "INVALID_TICKET"


@pytest.mark.parametrize(
    "ticket", ["ST-1856339-aA5Yuvrxzpv8Tau1cYQ7", "TGT-1-abc", "ST-" + "a" * 300, "ST-" + "é" * 43, "<x/>"]
)
def test_a_ticket_we_never_issued_is_invalid_ticket_without_a_lookup(world, service, ticket):
    answer, calls = world.dynamodb_requests(lambda: validation(world, "/cas/serviceValidate", ticket))
    assert failure(answer)[0] == "INVALID_TICKET" and calls == []


def test_a_pgt_url_is_never_called_and_the_validation_succeeds_without_a_pgt(world, service, log_lines):
    ticket = fresh_ticket(world)
    answer = success(validation(world, "/cas/serviceValidate", ticket, pgtUrl="https://pronote.example.fr/pgt"))
    assert answer.find(f"{CAS}proxyGrantingTicket") is None
    assert any(line.get("message", "").startswith("cas pgtUrl not called") for line in log_lines.json())


def test_a_session_ended_before_the_validation_makes_the_ticket_invalid(world, service):
    browser = signed_in(world)
    _, ticket = sign_in(world, browser)
    browser.get("/cas/logout")  # the logout comes first: the service would outlive it, never told
    code, description = failure(validation(world, "/cas/serviceValidate", ticket))
    assert code == "INVALID_TICKET" and "session has ended" in description


def test_a_validation_records_the_service_on_its_session_for_the_single_logout(world, service):
    from ent_accounts.codes import hash_token

    browser = signed_in(world)
    _, ticket = sign_in(world, browser)
    success(validation(world, "/cas/serviceValidate", ticket))
    session = world.store.get_session(hash_token(browser.cookies["__Host-session"]))
    assert [(login.client_id, login.service, login.ticket) for login in session.cas_logins] == [
        ("pronote", SERVICE, ticket)
    ]


@pytest.mark.parametrize("format_", ["JSON", "json"])
def test_format_json_answers_the_same_in_json(world, service, format_):
    ticket = fresh_ticket(world)
    answer = validation(world, "/cas/p3/serviceValidate", ticket, format=format_)
    assert answer.status == 200 and answer.header("Content-Type").startswith("application/json")
    body = answer.json()["serviceResponse"]["authenticationSuccess"]
    assert body["user"] == "jdupont12" and body["attributes"]["nom"] == ["Dupont"]
    assert body["attributes"]["isFromNewLogin"] == [False]
    again = validation(world, "/cas/p3/serviceValidate", ticket, format=format_).json()
    assert again["serviceResponse"]["authenticationFailure"]["code"] == "INVALID_TICKET"


def test_an_unsupported_format_is_invalid_request_in_xml_and_spends_nothing(world, service):
    ticket = fresh_ticket(world)
    assert failure(validation(world, "/cas/p3/serviceValidate", ticket, format="YAML"))[0] == "INVALID_REQUEST"
    success(validation(world, "/cas/p3/serviceValidate", ticket))


def test_dynamodb_failing_is_internal_error_answered_200(real_engine, log_lines):
    world = real_engine
    cas_world(world)
    ticket = fresh_ticket(world)
    faults = Faults(world.ddb).error("DeleteItem", "ProvisionedThroughputExceededException")
    code, _ = failure(validation(world, "/cas/serviceValidate", ticket))
    assert code == "INTERNAL_ERROR" and faults.injected == 3  # botocore's attempts, then the answer
    json_answer = validation(world, "/cas/p3/serviceValidate", ticket, format="JSON")
    assert json_answer.json()["serviceResponse"]["authenticationFailure"]["code"] == "INTERNAL_ERROR"
    assert validation(world, "/cas/validate", ticket).text == "no\n\n"
    faults.heal()
    success(validation(world, "/cas/serviceValidate", ticket))  # nothing was spent


def test_validations_and_their_failures_are_counted_by_code(world, service, emitted):
    ticket = fresh_ticket(world)
    emitted.totals()
    success(validation(world, "/cas/serviceValidate", ticket))
    failure(validation(world, "/cas/serviceValidate", ticket))
    failure(validation(world, "/cas/serviceValidate", None))
    failure(validation(world, "/cas/serviceValidate", "PT-1-abc"))
    assert emitted.totals() == {
        "CasValidations": 1,
        "CasInvalidTicket": 1,
        "CasInvalidRequest": 1,
        "CasInvalidTicketSpec": 1,
    }


def test_no_ticket_reaches_a_log_line(world, service, log_lines):
    ticket = fresh_ticket(world)
    success(validation(world, "/cas/p3/serviceValidate", ticket))
    failure(validation(world, "/cas/p3/serviceValidate", ticket))
    assert ticket not in log_lines.text() and ticket[3:] not in log_lines.text()


# --- SAML 1.1 ------------------------------------------------------------------------------------------------------


def test_saml_validate_releases_the_attributes_in_an_attribute_statement(world, service):
    ticket = fresh_ticket(world)
    answer = saml_validation(world, ticket)
    assert answer.status == 200 and answer.header("Content-Type").startswith("text/xml")
    root = ElementTree.fromstring(answer.text)
    assert root.find(f".//{SAMLP}StatusCode").get("Value") == "samlp:Success"
    assert root.find(f".//{SAML}NameIdentifier").text == "jdupont12"
    released = {
        attribute.get("AttributeName"): [value.text for value in attribute.findall(f"{SAML}AttributeValue")]
        for attribute in root.iter(f"{SAML}Attribute")
    }
    assert released["nom"] == ["Dupont"] and released["FrEduCtEleveUAI"] == ["0341234A"]
    assert released["isFromNewLogin"] == ["false"]
    assert root.find(f".//{SAMLP}Response").get("Recipient") == SERVICE
    assert root.find(f".//{SAMLP}Response").get("InResponseTo") == "_192.168.16.51.1024506224022"
    assert root.find(f".//{SAML}Audience").text == SERVICE


def saml_failure(answer) -> str:
    assert answer.status == 200 and answer.header("Cache-Control") == "no-store"
    root = ElementTree.fromstring(answer.text)
    assert root.find(f".//{SAML}NameIdentifier") is None and root.find(f".//{SAML}Assertion") is None
    return root.find(f".//{SAMLP}StatusMessage").text.split(":")[0]


def test_saml_validate_refuses_as_the_others_do(world, service):
    register_service(world.store, "vie-scolaire", service_urls=(OTHER_SERVICE,))
    ticket = fresh_ticket(world)
    assert saml_failure(saml_validation(world, ticket, OTHER_SERVICE)) == "INVALID_SERVICE"
    assert saml_failure(saml_validation(world, ticket)) == "INVALID_TICKET"  # spent by the failure
    assert saml_failure(saml_validation(world, "PT-1-abc")) == "INVALID_TICKET_SPEC"
    assert saml_failure(saml_validation(world, fresh_ticket(world), renew="true")) == "INVALID_TICKET"


@pytest.mark.parametrize(
    "body",
    [
        "",
        "pas du xml",
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        saml_body("ST-x").replace("AssertionArtifact", "Artefact"),
        saml_body("ST-x") + " " * (20 * 1024),
    ],
)
def test_saml_validate_with_a_body_that_is_not_a_saml_request_is_invalid_request(world, service, body):
    assert saml_failure(saml_validation(world, "", body=body)) == "INVALID_REQUEST"


def test_saml_validate_without_target_is_invalid_request_and_spends_nothing(world, service):
    ticket = fresh_ticket(world)
    assert saml_failure(saml_validation(world, ticket, target=None)) == "INVALID_REQUEST"
    assert ElementTree.fromstring(saml_validation(world, ticket).text).find(f".//{SAML}NameIdentifier") is not None


def test_saml_validate_reads_a_body_handed_over_base64_encoded(world, service):
    """API Gateway base64-encodes the bodies of binary media types (BinaryMediaTypes is */* here); the local events
    do so for a type that is not text."""
    ticket = fresh_ticket(world)
    answer = saml_validation(world, ticket, content_type="application/octet-stream")
    assert answer.status == 200 and "samlp:Success" in answer.text


def test_a_session_signed_in_to_two_cas_services_keeps_both_and_still_signs_in(world, service):
    """Found by the fuzzer: a session holding two CAS logins could not be read back (they were sorted, and a CasLogin
    has no order), so every later request through it failed."""
    from ent_accounts.codes import hash_token

    register_service(world.store, "vie-scolaire", service_urls=(OTHER_SERVICE,))
    browser = signed_in(world)
    for target in (SERVICE, OTHER_SERVICE):
        _, ticket = sign_in(world, browser, service=target)
        success(validation(world, "/cas/serviceValidate", ticket, target))
    session = world.store.get_session(hash_token(browser.cookies["__Host-session"]))
    assert sorted(login.client_id for login in session.cas_logins) == ["pronote", "vie-scolaire"]
    _, ticket = sign_in(world, browser)  # the session is read with both, and answers again
    success(validation(world, "/cas/serviceValidate", ticket))
