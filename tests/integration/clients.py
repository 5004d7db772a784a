"""Requests an ops tool sends to the client registry (/api/admin/clients…), for the integration tests."""

from __future__ import annotations

from ent_accounts.sso.clients import secret_matches

CLIENTS = "/api/admin/clients"
REDIRECT = "https://ent.example.fr/oidc/retour"


def registration(**extra) -> dict:
    body = {
        "client_id": "ent-occitanie",
        "name": "ENT Occitanie",
        "redirect_uris": [REDIRECT],
        "schools": ["0341234A"],
    }
    body.update(extra)
    return {name: value for name, value in body.items() if value is not ...}


def register(world, **extra) -> dict:
    answer = world.call("POST", CLIENTS, registration(**extra))
    assert answer.status == 201, answer.text
    return answer.json()


def show(world, client_id="ent-occitanie"):
    return world.call("GET", f"{CLIENTS}/{client_id}")


def replace(world, body: dict, client_id="ent-occitanie"):
    body = {name: value for name, value in body.items() if name != "client_id"}
    return world.call("PUT", f"{CLIENTS}/{client_id}", body)


def rotate(world, client_id="ent-occitanie", body=None):
    return world.call("POST", f"{CLIENTS}/{client_id}/secret", body)


def works(world, secret: str, client_id="ent-occitanie") -> bool:
    """Whether the token endpoint would take this secret now (the registry's own check, on the stored client)."""
    client = world.store.get_client(client_id)
    return client is not None and secret_matches(client, secret, world.clock.now())
