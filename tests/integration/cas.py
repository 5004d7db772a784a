"""Steps of a CAS round trip on the world, as a student's browser and a CAS service (Pronote, an ENT service) make
them: a service registered with its URLs and attributes, /cas/login through the pages, the ticket brought back,
its validation by the service."""

from __future__ import annotations

from urllib.parse import urlencode

from ent_accounts.sso.clients import Client
from tests.integration.helpers import NEW_PASSWORD, active_student
from tests.support.oidc import SCHOOL, RpBrowser, query_of

SERVICE_URL = "https://pronote.example.fr/pronote/"  # registered: covers every page below it
SERVICE = "https://pronote.example.fr/pronote/eleve.html?identifiant=0341234A"  # what the service asks for
OTHER_SERVICE = "https://vie-scolaire.example.fr/cas"
ATTRIBUTES = ("uid", "nom", "prenom", "mail", "FrEduCtPersonAffiliation", "categories", "FrEduCtEleveUAI")


def register_service(store, client_id: str = "pronote", **extra) -> Client:
    """A CAS service in the registry, as ops would register it (no OpenID Connect redirect URI, no secret)."""
    client = Client(
        client_id=client_id,
        name=extra.pop("name", "Pronote"),
        redirect_uris=extra.pop("redirect_uris", ()),
        service_urls=extra.pop("service_urls", (SERVICE_URL,)),
        cas_attributes=extra.pop("cas_attributes", ATTRIBUTES),
        schools=extra.pop("schools", frozenset({SCHOOL})),
        **extra,
    )
    store.create_client(client)
    return client


def cas_world(world, **client) -> Client:
    """jdupont12 active (a validated address), the service `pronote` registered."""
    active_student(world)
    return register_service(world.store, **client)


def login_url(service: str | None = SERVICE, **params) -> str:
    query = {"service": service, **params}
    query = {name: value for name, value in query.items() if value is not None}
    return "/cas/login" + (f"?{urlencode(query)}" if query else "")


def log_in_on_the_page(browser, identifier="jdupont12", password=NEW_PASSWORD):
    return browser.post("/connexion", {"identifier": identifier, "password": password})


def ticket_from(browser, service: str = SERVICE) -> str:
    """The ticket the browser brought back to the service, after checking it came back to the exact service URL."""
    assert browser.left_to is not None, (browser.page.status, browser.page.text[:300])
    separator = "&" if "?" in service else "?"
    assert browser.left_to.startswith(service + separator + "ticket="), browser.left_to
    return query_of(browser.left_to)["ticket"]


def sign_in(world, browser: RpBrowser | None = None, service: str = SERVICE, **params) -> tuple[RpBrowser, str]:
    """/cas/login, the login page when needed, the ticket."""
    browser = browser or RpBrowser(world)
    browser.get(login_url(service, **params))
    if browser.left_to is None:
        assert browser.page.status == 200 and "Connexion à" in browser.page.text, browser.page.text[:300]
        log_in_on_the_page(browser)
    return browser, ticket_from(browser, service)


def validation(world, path: str, ticket: str | None, service: str | None = SERVICE, **params):
    """A service's validation request (GET), as the service sends it."""
    query = {"ticket": ticket, "service": service, **params}
    query = {name: value for name, value in query.items() if value is not None}
    return world.call("GET", f"{path}?{urlencode(query)}")


def saml_body(ticket: str, request_id: str = "_192.168.16.51.1024506224022") -> str:
    """The SOAP request of CAS 3.0 §4.2.4."""
    return (
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/>'
        '<SOAP-ENV:Body><samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" MajorVersion="1" '
        f'MinorVersion="1" RequestID="{request_id}" IssueInstant="2002-06-19T17:03:44.022Z">'
        f"<samlp:AssertionArtifact>{ticket}</samlp:AssertionArtifact></samlp:Request></SOAP-ENV:Body>"
        "</SOAP-ENV:Envelope>"
    )


def saml_validation(
    world, ticket: str, target: str | None = SERVICE, body: str | None = None, content_type="text/xml", **params
):
    """POST /cas/samlValidate as mod_auth_cas sends it (TARGET in the query, the SOAP request as the body)."""
    query = {"TARGET": target, **params}
    query = {name: value for name, value in query.items() if value is not None}
    headers = {"Content-Type": content_type, "SOAPAction": "http://www.oasis-open.org/committees/security"}
    payload = body if body is not None else saml_body(ticket)
    return world.call("POST", f"/cas/samlValidate?{urlencode(query)}", payload, headers)
