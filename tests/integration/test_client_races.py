"""Races on the client registry between warm Lambda containers (one process each) on one DynamoDB Local: ops (or a
script run twice) registering the same client_id, replacing it, rotating its secret at the same instant. One change
wins; every other request gets a 409 and changed nothing, and no secret that was not stored is ever shown."""

from __future__ import annotations

from collections import Counter

from tests.integration.clients import CLIENTS, register, registration, works
from tests.support.containers import SIZE, Request
from tests.support.store_helpers import client_events


def statuses(outcomes) -> Counter:
    return Counter(outcome.status for outcome in outcomes)


def test_the_same_client_id_registered_at_once_is_registered_once(real_engine, containers):
    world = real_engine
    bodies = [registration(name=f"Service {n}", redirect_uris=[f"https://s{n}.example.fr/cb"]) for n in range(SIZE)]
    outcomes = containers.at_once(world, [Request("POST", CLIENTS, body) for body in bodies])
    assert statuses(outcomes) == {201: 1, 409: SIZE - 1}
    (winner,) = [outcome.body for outcome in outcomes if outcome.status == 201]
    for outcome in outcomes:
        if outcome.status == 409:
            assert outcome.body["error"] in ("client_exists", "conflict") and "client_secret" not in outcome.body
    stored = world.store.get_client("ent-occitanie")
    assert stored.name == winner["name"] and stored.redirect_uris == tuple(winner["redirect_uris"])
    assert works(world, winner["client_secret"])
    assert [e["type"] for e in client_events(world.store, "ent-occitanie")] == ["client_registered"]


def test_replacements_based_on_one_read_at_once_change_it_once(real_engine, containers):
    world = real_engine
    register(world)
    bodies = [{**registration(client_id=..., name=f"Nom {n}"), "version": 1} for n in range(SIZE)]
    outcomes = containers.at_once(world, [Request("PUT", f"{CLIENTS}/ent-occitanie", b) for b in bodies])
    assert statuses(outcomes) == {200: 1, 409: SIZE - 1}
    (winner,) = [outcome.body for outcome in outcomes if outcome.status == 200]
    stored = world.store.get_client("ent-occitanie")
    assert stored.name == winner["name"] and stored.version == 2
    assert [e["type"] for e in client_events(world.store, "ent-occitanie")] == ["client_registered", "client_updated"]


def test_rotations_at_once_never_hand_out_a_secret_that_was_not_stored(real_engine, containers):
    world = real_engine
    original = register(world)["client_secret"]
    requests = [Request("POST", f"{CLIENTS}/ent-occitanie/secret", {"grace_hours": 1}) for _ in range(SIZE)]
    outcomes = containers.at_once(world, requests)
    counted = statuses(outcomes)
    # Those that read the same version race, and one wins; one that read after a win rotates again, in turn.
    assert counted[200] >= 1 and counted[200] + counted[409] == SIZE
    assert all("client_secret" not in outcome.body for outcome in outcomes if outcome.status == 409)
    winners = sorted((outcome.body for outcome in outcomes if outcome.status == 200), key=lambda body: body["version"])
    assert [body["version"] for body in winners] == list(range(2, 2 + len(winners)))  # each based on the one before
    secrets = [original] + [body["client_secret"] for body in winners]
    # The last secret handed out, and the one it replaced during its grace: none of the others.
    assert [works(world, secret) for secret in secrets] == [False] * (len(secrets) - 2) + [True, True]
    world.clock.advance(hours=1)
    assert [works(world, secret) for secret in secrets] == [False] * (len(secrets) - 1) + [True]
    events = [e["type"] for e in client_events(world.store, "ent-occitanie")]
    assert events == ["client_registered"] + ["client_secret_rotated"] * len(winners)


def test_one_service_url_registered_by_several_clients_at_once_goes_to_one(real_engine, containers):
    """Each registration reads the registry before any is written, so every one passes the read: the store's claim on
    the URL lets one through, and the others are told which client holds it (or, cancelled by its write in flight,
    to send the request again, which then names it)."""
    world = real_engine
    url = "https://pronote.example.fr/pronote/"
    bodies = [
        registration(client_id=f"service-{n}", redirect_uris=..., service_urls=[f"https://s{n}.example.fr/", url])
        for n in range(SIZE)
    ]
    outcomes = containers.at_once(world, [Request("POST", CLIENTS, body) for body in bodies])
    counted = statuses(outcomes)
    assert counted[201] == 1 and counted[400] + counted[409] == SIZE - 1, outcomes
    (winner,) = [outcome.body["client_id"] for outcome in outcomes if outcome.status == 201]
    for outcome in outcomes:
        if outcome.status == 400:
            assert f"client « {winner} »" in outcome.body["fields"]["service_urls"]
    assert [client.client_id for client in world.store.list_clients()] == [winner]
    assert world.store.service_holder(url) == winner
    losers = [f"service-{n}" for n in range(SIZE) if f"service-{n}" != winner]
    assert all(
        world.store.service_holder(f"https://{name.replace('service-', 's')}.example.fr/") is None for name in losers
    )
