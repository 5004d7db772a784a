"""The local server's demo ENT client (local/demo.py): registered at the first start, brought up to date and given a
new secret at each later one, as the registry's flows do it."""

from __future__ import annotations

from ent_accounts.sso.clients import AuthMethod, secret_matches
from local.demo import DEMO_CLIENT_ID, DEMO_SCHOOL, ensure_demo_client


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
