"""`PATCH /api/admin/grants`: ops add schools to an IAM identity's grant and take others away, the rest kept, each
change audited; what cannot be kept is refused in French; changes sent at once from several warm containers (one
DynamoDB Local) are all kept, where `PUT` with a version would keep one."""

from __future__ import annotations

import pytest

from local.harness import OPS_CALLER
from tests.integration.school import OTHER_UAI, UAI, created, row
from tests.support.store_helpers import grant_events

ROLE = "arn:aws:iam::123456789012:role/siecle-sync"
PRINCIPAL = ROLE
SESSION = "arn:aws:sts::123456789012:assumed-role/siecle-sync/nightly"
GRANTS = "/api/admin/grants"
THIRD = "0311234C"


def change(world, add=(), remove=(), caller=None, principal=ROLE):
    return world.call(
        "PATCH", GRANTS, {"principal": principal, "add": list(add), "remove": list(remove)}, caller=caller
    )


def test_ops_add_and_remove_schools_keeping_the_others_and_each_change_is_audited(world):
    created(world, [row("Dupont", "Jeanne", birth_date="2011-05-14")])
    created(world, [row("Martin", "Louise", birth_date="2012-01-02")], OTHER_UAI)
    first = change(world, add=[UAI.lower()])  # no grant yet: one is made
    assert first.status == 200 and first.json()["schools"] == [UAI] and first.json()["version"] == 1
    assert world.call("GET", f"/api/admin/accounts?uai={UAI}", caller=SESSION).status == 200
    assert world.call("GET", f"/api/admin/accounts?uai={OTHER_UAI}", caller=SESSION).status == 404

    added = change(world, add=[OTHER_UAI, THIRD])
    assert added.json()["schools"] == sorted([UAI, OTHER_UAI, THIRD]) and added.json()["version"] == 2
    assert world.call("GET", f"/api/admin/accounts?uai={OTHER_UAI}", caller=SESSION).status == 200
    taken = change(world, remove=[UAI, "0999999Z"])  # a school it never held: nothing to take
    assert taken.json()["schools"] == sorted([OTHER_UAI, THIRD]) and taken.json()["version"] == 3
    assert world.call("GET", f"/api/admin/accounts?uai={UAI}", caller=SESSION).status == 404
    same = change(world, add=[THIRD])  # already so: nothing written
    assert same.status == 200 and same.json()["version"] == 3

    events = grant_events(world.store, PRINCIPAL)
    assert [(e["type"], e["added"], e["removed"], e["previous"]) for e in events] == [
        ("grant_changed", UAI, "", "none"),
        ("grant_changed", f"{THIRD},{OTHER_UAI}", "", UAI),
        ("grant_changed", "", UAI, ",".join(sorted([UAI, OTHER_UAI, THIRD]))),
    ]
    assert all(e["by"] == OPS_CALLER for e in events)


@pytest.mark.parametrize(
    ("grant", "body", "field", "words"),
    [
        (None, {}, "add", "au moins un établissement à ajouter"),
        (None, {"add": ["034123"]}, "add", "« 034123 »"),
        (None, {"remove": ["12"]}, "remove", "« 12 »"),
        (None, {"add": [UAI], "remove": [UAI.lower()]}, "remove", "à la fois ajouté et retiré"),
        ([UAI], {"remove": [UAI]}, "remove", "retirez plutôt son autorisation"),
        ("all", {"add": [UAI]}, "add", "tous les établissements"),
        (None, {"add": [UAI], "principal": SESSION}, "principal", "donnez le rôle"),
        (None, {"add": [UAI], "schools": [UAI]}, "schools", ""),  # set's field here: refused, not ignored
    ],
)
def test_a_change_that_cannot_be_kept_is_refused_in_french_and_nothing_changes(world, grant, body, field, words):
    if grant is not None:
        stored = {"principal": ROLE, "schools": [] if grant == "all" else grant, "all_schools": grant == "all"}
        assert world.call("PUT", GRANTS, stored).status == 200
    before = world.call("GET", GRANTS).json()["grants"]
    answer = world.call("PATCH", GRANTS, {"principal": ROLE, **body})
    assert answer.status == 400 and field in answer.json()["fields"], answer.text
    assert words in answer.json()["fields"][field], answer.text
    assert world.call("GET", GRANTS).json()["grants"] == before


def test_a_caller_limited_to_its_schools_cannot_widen_its_grant(world):
    assert change(world, add=[UAI]).status == 200
    widen = change(world, add=[OTHER_UAI], caller=SESSION)
    assert widen.status == 403 and widen.json()["error"] == "forbidden"
    assert world.call("GET", GRANTS).json()["grants"][0]["schools"] == [UAI]


def test_eight_changes_at_once_in_eight_containers_are_all_kept(real_engine, containers):
    """Eight operators (or one script's eight calls) each add a school to the same grant at the same moment, each
    served by its own warm container on one DynamoDB Local: every school is there at the end, one version and one
    audit event per change, none lost."""
    from tests.support.containers import SIZE, Request

    world = real_engine
    assert change(world, add=[UAI]).status == 200
    schools = [f"03{n:05d}D" for n in range(SIZE)]
    requests = [Request("PATCH", GRANTS, {"principal": ROLE, "add": [school]}) for school in schools]
    outcomes = containers.at_once(world, requests)
    assert [outcome.status for outcome in outcomes] == [200] * SIZE, [outcome.body for outcome in outcomes]
    (stored,) = world.call("GET", GRANTS).json()["grants"]
    assert stored["schools"] == sorted([UAI, *schools]) and stored["version"] == 1 + SIZE
    events = grant_events(world.store, PRINCIPAL)
    assert sorted(e["added"] for e in events[1:]) == schools
