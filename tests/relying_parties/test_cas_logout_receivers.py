"""A logout here ends the sessions of CAS services that no one here wrote: mod_auth_cas (CASSSOEnabled On) and phpCAS
(handleLogoutRequests) each hold a session opened by a ticket validated through the student's session; the student
logs out of the ENT; the logout queue's consumer posts each service its LogoutRequest, and the session there is gone.
The full round trip (sign-in through a browser, the CAS server's validation) is tests/relying_parties' CAS tier; this
is the delivery alone, on the world (moto: the store's side is tested on both backends elsewhere)."""

from __future__ import annotations

import os

import pytest

from ent_accounts.codes import new_token
from ent_accounts.sso.clients import Client
from tests.integration.cas import validated_login
from tests.integration.oidc import signed_in, sso_world
from tests.support.cas_logout_receivers import ModAuthCas, PhpCas, mod_auth_cas_unavailable, phpcas_unavailable


@pytest.fixture
def backend() -> str:
    return "moto"


@pytest.fixture
def mod_auth_cas():
    reason = mod_auth_cas_unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the mod_auth_cas tests: {reason}")
        pytest.skip(reason)
    server = ModAuthCas()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def phpcas():
    reason = phpcas_unavailable()
    if reason:
        pytest.skip(reason)
    server = PhpCas()
    server.start()
    yield server
    server.stop()


def signed_in_to(world, client_id: str, service: str):
    """A student's browser whose session validated a ticket for `service` (a client covering it registered)."""
    sso_world(world)
    origin = service.split("/pronote/")[0]
    world.store.create_client(Client(client_id, "Pronote", (), all_schools=True, service_urls=(origin + "/pronote/",)))
    browser = signed_in(world)
    return browser, validated_login(world, browser, client_id, service)


def log_out(world, browser) -> None:
    browser.get("/bureau")
    browser.post("/deconnexion", {})


def test_mod_auth_cas_ends_its_session_on_the_logout_request(world, mod_auth_cas):
    browser, login = signed_in_to(world, "pronote", f"{mod_auth_cas.url}/pronote/eleve.html")
    cookie = mod_auth_cas.session("jdupont12", login.ticket)
    other = mod_auth_cas.session("mmartin3", "ST-" + new_token())  # another person's session there
    assert mod_auth_cas.opens(cookie) and mod_auth_cas.opens(other)
    log_out(world, browser)
    # It answers 302 (to its CAS login: the caller has no cookie of it) once it has handled the request: delivered.
    assert world.deliver_logout_notices() == {"delivered": 1, "failed": 0}
    assert not mod_auth_cas.opens(cookie)
    assert mod_auth_cas.opens(other)
    assert world.queued("FailedEventsQueue") == []


def test_phpcas_ends_its_session_on_the_logout_request(world, phpcas):
    browser, login = signed_in_to(world, "pronote", f"{phpcas.url}/pronote/index.php?page=eleve")
    session = phpcas.session("jdupont12", login.ticket)
    other = phpcas.session("mmartin3", "ST-" + new_token())
    log_out(world, browser)
    assert world.deliver_logout_notices() == {"delivered": 1, "failed": 0}
    assert phpcas.told() == [login.ticket]  # the SessionIndex, exactly, as its callback receives it
    assert not session.exists() and other.exists()


def test_phpcas_checking_the_caller_s_host_name_ignores_the_request(world, phpcas):
    """phpCAS's default (handleLogoutRequests() without false) accepts a logout request only from the CAS server's
    host name by reverse DNS, which the consumer's AWS addresses never have: it answers 200 and ends nothing, so a
    phpCAS service must call handleLogoutRequests(false) (README, "Single logout")."""
    browser, login = signed_in_to(world, "pronote", f"{phpcas.url}/pronote/index.php?check=1")
    session = phpcas.session("jdupont12", login.ticket)
    log_out(world, browser)
    assert world.deliver_logout_notices() == {"delivered": 1, "failed": 0}  # nothing here can tell
    assert phpcas.told() == [] and session.exists()
