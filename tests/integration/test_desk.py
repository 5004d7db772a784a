"""The services page (/bureau): the registered services of the account's school, each opening its initiate-login
URI with our issuer; the flow on its own, then the page as a browser without JavaScript sees it."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlencode, urlsplit

from ent_accounts.accounts import Role
from ent_accounts.flows import clients as registry
from ent_accounts.flows.desk import services_page
from ent_accounts.sso.registration import checked_registration
from tests.integration.helpers import NEW_PASSWORD, activate, dynamodb_requests, first_connection
from tests.support.browser import Browser
from tests.support.links import code_in

SCHOOL = "0341234A"
OTHER_SCHOOL = "0310001B"
ISSUER = "https://connexion.ac-example.fr"
NO_SERVICE_STUDENT = "Aucun service n'est encore ouvert à ton établissement."
NO_SERVICE_PARENT = "Aucun service n'est encore ouvert à l'établissement de votre enfant."


def add_client(world, client_id, name, *, schools=(SCHOOL,), all_schools=False, initiate=...):
    """Register a service as ops would; `initiate` None: registered without an initiate-login URI."""
    if initiate is ...:
        initiate = f"https://{client_id}.example.fr/connexion"
    registration = checked_registration(
        client_id=client_id,
        name=name,
        redirect_uris=[f"https://{client_id}.example.fr/oidc/retour"],
        initiate_login_uri=initiate,
        schools=() if all_schools else schools,
        all_schools=all_schools,
    )
    return registry.register(world.services, registration, "test-request", "test-ops").client


def account(world, identifier="jdupont12", **extra):
    world.provision(identifier, **extra)
    return world.store.get_account(identifier)


def tiles(page) -> list[tuple[str, str]]:
    """(name, href) of each service tile, in page order."""
    found = re.findall(r'<h3 class="fr-tile__title"><a href="([^"]+)">([^<]+)</a></h3>', page.text)
    return [(html.unescape(name), html.unescape(href)) for href, name in found]


# --- the flow ------------------------------------------------------------------------------------------------------


def test_the_services_of_the_school_with_an_initiate_login_uri_sorted_by_name(world):
    add_client(world, "ent-occitanie", "ENT Occitanie")
    add_client(world, "ecole-numerique", "École numérique", all_schools=True)
    add_client(world, "atelier", "atelier de sciences")  # lower case: sorted as a reader sorts, not by code point
    add_client(world, "pronote", "Pronote", initiate=None)  # signs students in, but cannot be opened from here
    add_client(world, "lycee-voisin", "ENT du lycée voisin", schools=(OTHER_SCHOOL,))

    shown = services_page(world.services, account(world), ISSUER)

    assert [service.name for service in shown] == ["atelier de sciences", "École numérique", "ENT Occitanie"]
    assert shown[2].url == "https://ent-occitanie.example.fr/connexion?iss=https%3A%2F%2Fconnexion.ac-example.fr"
    other = services_page(world.services, account(world, "amartin", uai=OTHER_SCHOOL), ISSUER)
    assert [service.name for service in other] == ["École numérique", "ENT du lycée voisin"]


def test_the_issuer_joins_a_query_the_service_registered(world):
    add_client(world, "ent-occitanie", "ENT Occitanie", initiate="https://ent.example.fr/login?provider=ent-accounts")

    [service] = services_page(world.services, account(world), ISSUER)

    query = parse_qs(urlsplit(service.url).query)
    assert query == {"provider": ["ent-accounts"], "iss": [ISSUER]}


def test_no_service_yet(world):
    add_client(world, "lycee-voisin", "ENT du lycée voisin", schools=(OTHER_SCHOOL,))
    assert services_page(world.services, account(world), ISSUER) == []


def test_the_registry_is_read_once_a_minute_and_again_after_a_change_here(world):
    add_client(world, "ent-occitanie", "ENT Occitanie")
    student = account(world)

    first, sent = dynamodb_requests(world, lambda: services_page(world.services, student, ISSUER))
    assert sent == ["Query"] and len(first) == 1
    _, sent = dynamodb_requests(world, lambda: services_page(world.services, student, ISSUER))
    assert sent == []  # the same container, within the minute: nothing read
    world.clock.advance(seconds=59)
    assert dynamodb_requests(world, lambda: services_page(world.services, student, ISSUER))[1] == []
    world.clock.advance(seconds=1)
    assert dynamodb_requests(world, lambda: services_page(world.services, student, ISSUER))[1] == ["Query"]

    # Registered, changed or deleted through this container: seen at once.
    add_client(world, "ecole-numerique", "École numérique")
    assert [s.name for s in services_page(world.services, student, ISSUER)] == ["École numérique", "ENT Occitanie"]
    registry.delete(world.services, "ent-occitanie", "test-request", "test-ops")
    assert [s.name for s in services_page(world.services, student, ISSUER)] == ["École numérique"]


def test_a_copy_from_the_future_is_not_trusted(world):
    """The local server's clock may be set back (/_dev/clock): the copy read "later" is read again."""
    student = account(world)
    world.clock.advance(days=30)
    assert dynamodb_requests(world, lambda: services_page(world.services, student, ISSUER))[1] == ["Query"]
    world.clock.advance(days=-30)
    assert dynamodb_requests(world, lambda: services_page(world.services, student, ISSUER))[1] == ["Query"]


# --- the page ------------------------------------------------------------------------------------------------------


def signed_in(world, identifier="jdupont12", **extra) -> Browser:
    world.provision(identifier, **extra)
    activate(world, identifier, email="jeanne@laposte.net")
    browser = Browser(world)
    browser.get("/connexion")
    page = browser.post("/connexion", {"identifier": identifier, "password": NEW_PASSWORD})
    assert "<h1>Bureau</h1>" in page.text
    return browser


def test_the_desk_shows_a_tile_per_service_opening_its_initiate_login_uri(world):
    add_client(world, "ent-occitanie", "ENT Occitanie")
    add_client(world, "ecole-numerique", "École numérique", all_schools=True)
    add_client(world, "pronote", "Pronote", initiate=None)
    browser = signed_in(world)

    page = browser.get("/bureau")

    assert page.status == 200 and '<h2 id="services-title">Tes services</h2>' in page.text
    assert "inutile de saisir à nouveau ton mot de passe" in page.text
    [(first, first_url), (second, second_url)] = tiles(page)
    assert (first, second) == ("École numérique", "ENT Occitanie")
    base_url = world.mails()[-1].html.split('href="', 1)[1].split("/valider-adresse-mail", 1)[0]
    assert second_url == "https://ent-occitanie.example.fr/connexion?" + urlencode({"iss": base_url})
    assert first_url.startswith("https://ecole-numerique.example.fr/connexion?iss=")
    assert "Pronote" not in page.text and NO_SERVICE_STUDENT not in page.text
    assert "Gérer son compte" in page.text and "Se déconnecter" in page.text  # the rest of the page stays


def test_the_desk_says_whom_to_ask_when_no_service_is_open_to_the_school(world):
    add_client(world, "lycee-voisin", "ENT du lycée voisin", schools=(OTHER_SCHOOL,))
    page = signed_in(world).get("/bureau")
    assert tiles(page) == [] and NO_SERVICE_STUDENT in page.text
    assert "renseigne-toi auprès de ton établissement" in page.text


def test_a_parent_is_addressed_as_vous(world):
    page = signed_in(world, "pdupont", role=Role.PARENT, first_name="Paul", birth_date=None).get("/bureau")
    assert "Vos services" in page.text and NO_SERVICE_PARENT in page.text
    assert "renseignez-vous auprès de l'établissement" in page.text and "Tes services" not in page.text

    add_client(world, "ent-occitanie", "ENT Occitanie")
    page = signed_in_again(world, "pdupont").get("/bureau")
    assert [name for name, _ in tiles(page)] == ["ENT Occitanie"]
    assert "inutile de saisir à nouveau votre mot de passe" in page.text


def signed_in_again(world, identifier) -> Browser:
    browser = Browser(world)
    browser.get("/connexion")
    browser.post("/connexion", {"identifier": identifier, "password": NEW_PASSWORD})
    return browser


def test_the_desk_costs_one_query_a_minute_on_top_of_the_session_check(world):
    add_client(world, "ent-occitanie", "ENT Occitanie")
    browser = signed_in(world)
    world.clock.advance(seconds=60)  # the registry's copy read at sign-in is stale; the session needs a refresh

    _, first = dynamodb_requests(world, lambda: browser.get("/bureau"))
    _, second = dynamodb_requests(world, lambda: browser.get("/bureau"))

    # The session and its account (GetItem each), the session kept alive (at most once a minute), the registry.
    assert sorted(first) == sorted(["GetItem", "GetItem", "UpdateItem", "Query"])
    assert second == ["GetItem", "GetItem"]  # as the page cost before it listed the services


def test_signed_out_the_desk_sends_to_the_login_page_which_comes_back_to_it(world):
    world.provision("jdupont12")
    activate(world, "jdupont12")
    browser = Browser(world)
    page = browser.get("/bureau")
    assert "<h1>Connexion</h1>" in page.text
    page = browser.post("/connexion", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    assert "<h1>Bureau</h1>" in page.text and NO_SERVICE_STUDENT in page.text


def test_accéder_aux_services_after_the_validation_leads_to_the_desk(world):
    world.provision("jdupont12")
    first_connection(world, "jdupont12", world.provisional_of["jdupont12"], email="jeanne@laposte.net")
    browser = Browser(world)  # the mail opened on another device: not signed in there

    page = browser.get(f"/valider-adresse-mail?code={code_in(world.mails()[-1].html)}")
    assert "Ton compte a été validé" in page.text
    services_link = re.search(r'href="([^"]+)">Accéder aux services<', page.text).group(1)
    assert urlsplit(services_link).path == "/bureau"

    page = browser.get(urlsplit(services_link).path)
    assert "<h1>Connexion</h1>" in page.text
    page = browser.post("/connexion", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    assert "<h1>Bureau</h1>" in page.text
