"""The local server's demo ENT client and demo CAS service (local/demo.py): registered at the first start, brought up
to date (and the ENT given a new secret) at each later one, as the registry's flows do it."""

from __future__ import annotations

from ent_accounts.cas.attributes import CATALOG
from ent_accounts.cas.services import parse_service, registered_service
from ent_accounts.sso.clients import AuthMethod, secret_matches
from local.demo import DEMO_CAS_ID, DEMO_CLIENT_ID, DEMO_SCHOOL, ensure_demo_cas_service, ensure_demo_client


def test_the_demo_ent_is_registered_for_the_servers_url(world):
    client, secret = ensure_demo_client(world.services, "http://127.0.0.1:3000")

    stored = world.store.get_client(DEMO_CLIENT_ID)
    assert stored == client and stored.name == "ENT de démonstration"
    assert stored.token_endpoint_auth_method is AuthMethod.CLIENT_SECRET_BASIC
    assert stored.redirect_uris == ("http://127.0.0.1:3000/_dev/rp/callback",)
    assert stored.post_logout_redirect_uris == ("http://127.0.0.1:3000/_dev/rp/",)
    assert stored.backchannel_logout_uri == "http://127.0.0.1:3000/_dev/rp/backchannel-logout"
    assert stored.initiate_login_uri == "http://127.0.0.1:3000/_dev/rp/login"
    assert stored.serves(DEMO_SCHOOL) and not stored.serves("0310001B")
    assert secret_matches(stored, secret, world.clock.now())


def test_a_restart_gives_a_new_secret_and_the_old_one_stops_at_once(world):
    _, first = ensure_demo_client(world.services, "http://127.0.0.1:3000")
    client, second = ensure_demo_client(world.services, "http://127.0.0.1:8080")  # kept data, another port

    stored = world.store.get_client(DEMO_CLIENT_ID)
    assert second != first and secret_matches(stored, second, world.clock.now())
    assert not secret_matches(stored, first, world.clock.now())  # no grace: nobody else holds it
    assert stored.redirect_uris == ("http://127.0.0.1:8080/_dev/rp/callback",)
    assert stored.initiate_login_uri == "http://127.0.0.1:8080/_dev/rp/login" and stored == client
    assert len(world.store.list_clients()) == 1


def test_the_demo_cas_service_is_registered_for_the_servers_url(world):
    client = ensure_demo_cas_service(world.services, "http://127.0.0.1:3000")
    stored = world.store.get_client(DEMO_CAS_ID)
    assert stored == client and stored.name == "Service CAS de démonstration"
    assert stored.service_urls == ("http://127.0.0.1:3000/_dev/cas/",) and stored.redirect_uris == ()
    assert stored.cas_attributes == CATALOG and stored.cas_single_logout and stored.secret_hashes == ()
    assert stored.initiate_login_uri == "http://127.0.0.1:3000/_dev/cas/login"  # its tile on /bureau
    assert stored.serves(DEMO_SCHOOL) and not stored.serves("0310001B")
    service = parse_service("http://127.0.0.1:3000/_dev/cas/?ticket=ST-1")
    assert registered_service(world.store, world.clock.now(), service) == stored


def test_a_restart_on_another_port_moves_the_demo_cas_service_and_releases_its_old_url(world):
    ensure_demo_client(world.services, "http://127.0.0.1:3000")
    ensure_demo_cas_service(world.services, "http://127.0.0.1:3000")
    moved = ensure_demo_cas_service(world.services, "http://127.0.0.1:8080")  # kept data, another port
    assert moved.service_urls == ("http://127.0.0.1:8080/_dev/cas/",) and moved.version == 2
    assert world.store.service_holder("http://127.0.0.1:3000/_dev/cas/") is None
    assert world.store.service_holder("http://127.0.0.1:8080/_dev/cas/") == DEMO_CAS_ID
    assert ensure_demo_cas_service(world.services, "http://127.0.0.1:8080").version == 2  # nothing to change
    assert sorted(c.client_id for c in world.store.list_clients()) == [DEMO_CAS_ID, DEMO_CLIENT_ID]
