"""IAM callers of /api/admin/ act only on the schools their grant names (moto and DynamoDB Local).

A caller granted school A works in A; the same requests for school B answer exactly as an unknown account and
change nothing; a caller with no grant gets that everywhere, and 403 on what only ops may do (the client registry,
the grants); a session of a granted role holds the role's grant; only a caller holding every school manages grants,
each change audited.
"""

from __future__ import annotations

import pytest

from local.harness import OPS_CALLER
from tests.integration.school import OTHER_UAI, UAI, created, new_key, row
from tests.support.store_helpers import grant_events

ACCOUNT = "123456789012"
SYNC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/integrations/siecle-sync-a"  # with a path, as ops may write it
SYNC = f"arn:aws:sts::{ACCOUNT}:assumed-role/siecle-sync-a/nightly-2026-12-03"  # how its sessions sign
OTHER_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/siecle-sync-a/morning"
STRANGER = f"arn:aws:sts::{ACCOUNT}:assumed-role/someone-else/s1"
SUPPORT_USER = f"arn:aws:iam::{ACCOUNT}:user/support/jeanne"
GRANTS = "/api/admin/grants"
NOT_FOUND = {"error": "not_found", "message": "Aucun compte de cet identifiant dans cet établissement."}


def grant(world, principal, schools=(), all_schools=False, caller=None, version=None):
    body = {"principal": principal, "schools": list(schools), "all_schools": all_schools}
    if version is not None:
        body["version"] = version
    return world.call("PUT", GRANTS, body, caller=caller)


@pytest.fixture
def two_schools(world):
    """Jeanne and Marc in school A, Louise and her parent in school B, made by ops; the sync role granted A."""
    created(world, [row("Dupont", "Jeanne", birth_date="2011-05-14", school_class="4e B")])
    created(world, [row("Dupont", "Marc", role="parent")])
    created(world, [row("Martin", "Louise", birth_date="2012-01-02"), row("Martin", "Paul", role="parent")], OTHER_UAI)
    answer = grant(world, SYNC_ROLE, [UAI.lower()])  # UAIs are normalised
    assert answer.status == 200, answer.text
    return world


def calls_for(uai: str, student: str, parent: str) -> list[tuple[str, str, dict | None, dict | None]]:
    """Every school route, for one school and two of its accounts."""
    rows = {"uai": uai, "accounts": [row("Nouveau", "Léo", birth_date="2011-09-09")]}
    link = {"uai": uai, "parent": parent, "child": student}
    return [
        ("GET", f"/api/admin/accounts?uai={uai}", None, None),
        ("GET", f"/api/admin/accounts/{student}?uai={uai}", None, None),
        ("POST", "/api/admin/accounts", rows, {"Idempotency-Key": new_key()}),
        ("POST", f"/api/admin/accounts/{student}/password-reset?uai={uai}", None, None),
        ("POST", "/api/admin/letters", {"uai": uai, "identifiers": [student]}, None),
        ("POST", "/api/admin/links", link, None),
        ("DELETE", f"/api/admin/links?uai={uai}&parent={parent}&child={student}", None, None),
        ("DELETE", f"/api/admin/accounts/{student}?uai={uai}", None, None),
    ]


def test_a_caller_granted_a_school_does_its_work_there(two_schools):
    world = two_schools
    statuses = [
        world.call(m, url, body, headers, caller=SYNC).status
        for m, url, body, headers in calls_for(UAI, "jdupont", "mdupont")
    ]
    assert statuses == [200, 200, 201, 200, 200, 201, 204, 204]
    assert world.store.get_account("jdupont") is None
    assert world.store.get_account("lnouveau").created_by == SYNC  # the session that signed, as audited


def test_another_school_answers_as_an_unknown_account_and_nothing_changes(two_schools):
    world = two_schools
    unknown = world.call("GET", f"/api/admin/accounts/personne?uai={UAI}", caller=SYNC)
    assert (unknown.status, unknown.json()) == (404, NOT_FOUND)
    before = world.items()
    for method, url, body, headers in calls_for(OTHER_UAI, "lmartin", "pmartin"):
        answer = world.call(method, url, body, headers, caller=SYNC)
        assert (answer.status, answer.json()) == (404, NOT_FOUND), (method, url)
    # An account of school B named with school A's UAI: its school is not A, so it is unknown too.
    for method, url, body, headers in calls_for(UAI, "lmartin", "pmartin")[1:]:
        if method == "POST" and url == "/api/admin/accounts":
            continue
        assert world.call(method, url, body, headers, caller=SYNC).status == 404, (method, url)
    assert _sorted(world.items()) == _sorted(before)  # nothing written: no account, event, idempotency record
    assert world.store.get_account("lmartin").status == "PROVISIONED"


def test_a_caller_without_a_grant_is_refused_everywhere(two_schools):
    world = two_schools
    before = world.items()
    for uai, student, parent in ((UAI, "jdupont", "mdupont"), (OTHER_UAI, "lmartin", "pmartin")):
        for method, url, body, headers in calls_for(uai, student, parent):
            answer = world.call(method, url, body, headers, caller=STRANGER)
            assert (answer.status, answer.json()) == (404, NOT_FOUND), (method, url)
    for method, url in (("GET", "/api/admin/clients"), ("GET", "/api/admin/clients/x"), ("GET", GRANTS)):
        answer = world.call(method, url, caller=STRANGER)
        assert answer.status == 403 and answer.json()["error"] == "forbidden", (method, url)
        assert "tous les établissements" in answer.json()["message"]
    assert grant(world, f"arn:aws:iam::{ACCOUNT}:role/someone-else", [UAI], caller=STRANGER).status == 403
    assert _sorted(world.items()) == _sorted(before)


def test_the_client_registry_is_for_callers_holding_every_school(two_schools):
    world = two_schools
    assert world.call("GET", "/api/admin/clients", caller=SYNC).status == 403
    assert world.call("GET", "/api/admin/clients").status == 200  # ops
    assert grant(world, SUPPORT_USER, all_schools=True).status == 200
    assert world.call("GET", "/api/admin/clients", caller=SUPPORT_USER).status == 200


def test_a_caller_granted_every_school_works_in_each(two_schools):
    world = two_schools
    assert grant(world, SUPPORT_USER, all_schools=True).status == 200
    for uai, student, parent in ((UAI, "jdupont", "mdupont"), (OTHER_UAI, "lmartin", "pmartin")):
        statuses = [
            world.call(m, url, body, headers, caller=SUPPORT_USER).status
            for m, url, body, headers in calls_for(uai, student, parent)
        ]
        assert statuses == [200, 200, 201, 200, 200, 201, 204, 204], uai
    # A user matches exactly: another user, or the same name elsewhere, holds nothing.
    elsewhere = f"arn:aws:iam::{ACCOUNT}:user/jeanne"
    assert world.call("GET", f"/api/admin/accounts?uai={UAI}", caller=elsewhere).status == 404


def test_every_session_of_a_granted_role_holds_its_grant(two_schools):
    world = two_schools
    assert world.call("GET", f"/api/admin/accounts?uai={UAI}", caller=OTHER_SESSION).status == 200
    gov = "arn:aws-us-gov:sts::123456789012:assumed-role/siecle-sync-a/nightly"  # another partition: another role
    assert world.call("GET", f"/api/admin/accounts?uai={UAI}", caller=gov).status == 404
    mine = world.call("GET", f"{GRANTS}/me", caller=SYNC).json()
    assert mine == {
        "caller": SYNC,
        "principal": f"arn:aws:iam::{ACCOUNT}:role/siecle-sync-a",
        "all_schools": False,
        "schools": [UAI],
        "bootstrap": False,
    }
    assert world.call("GET", f"{GRANTS}/me").json()["bootstrap"] is True  # ops' role: AdminPrincipals


def test_a_caller_limited_to_its_schools_cannot_change_grants(two_schools):
    world = two_schools
    before = world.items()
    widen = grant(world, SYNC_ROLE, [UAI, OTHER_UAI], caller=SYNC)
    assert widen.status == 403 and widen.json()["error"] == "forbidden"
    assert grant(world, SUPPORT_USER, all_schools=True, caller=SYNC).status == 403
    assert world.call("DELETE", f"{GRANTS}?principal={SYNC_ROLE}", caller=SYNC).status == 403
    assert world.call("GET", GRANTS, caller=SYNC).status == 403
    assert _sorted(world.items()) == _sorted(before)
    assert world.call("GET", f"/api/admin/accounts?uai={OTHER_UAI}", caller=SYNC).status == 404


def test_ops_change_and_remove_a_grant_and_each_change_is_audited(two_schools):
    world = two_schools
    principal = f"arn:aws:iam::{ACCOUNT}:role/siecle-sync-a"
    listed = world.call("GET", GRANTS).json()
    (stored,) = listed["grants"]
    assert listed["admin_principals"] == [f"arn:aws:iam::{ACCOUNT}:role/ent-ops"]
    assert stored["principal"] == principal and stored["arn"] == SYNC_ROLE and stored["schools"] == [UAI]
    assert stored["created_by"] == OPS_CALLER and stored["version"] == 1
    # A change based on an old read is refused; one based on the current version replaces the schools.
    assert grant(world, SYNC_ROLE, [OTHER_UAI], version=0).status == 409
    changed = grant(world, SYNC_ROLE, [OTHER_UAI], version=1)
    assert changed.status == 200 and changed.json()["schools"] == [OTHER_UAI] and changed.json()["version"] == 2
    # Changed through this container: seen at once.
    assert world.call("GET", f"/api/admin/accounts?uai={UAI}", caller=SYNC).status == 404
    assert world.call("GET", f"/api/admin/accounts?uai={OTHER_UAI}", caller=SYNC).status == 200
    assert world.call("DELETE", f"{GRANTS}?principal={SYNC_ROLE}").status == 204
    assert world.call("DELETE", f"{GRANTS}?principal={SYNC_ROLE}").status == 404
    assert world.call("GET", f"/api/admin/accounts?uai={OTHER_UAI}", caller=SYNC).status == 404
    events = grant_events(world.store, principal)
    assert [(e["type"], e.get("schools"), e["previous"]) for e in events] == [
        ("grant_set", UAI, "none"),
        ("grant_set", OTHER_UAI, UAI),
        ("grant_removed", None, OTHER_UAI),
    ]
    assert all(e["by"] == OPS_CALLER and e["request_id"] for e in events)


def test_a_grant_changed_elsewhere_is_trusted_here_for_thirty_seconds_at_most(two_schools):
    world = two_schools
    assert world.call("GET", f"/api/admin/accounts?uai={UAI}", caller=SYNC).status == 200  # read, kept
    # Removed by another container (straight in the table): this one still trusts its copy a while.
    world.store.request(
        "delete_item", TableName=world.store.table_name, Key={"pk": {"S": "GRANTS"}, "sk": {"S": _sk()}}
    )
    world.clock.advance(seconds=29)
    assert world.call("GET", f"/api/admin/accounts?uai={UAI}", caller=SYNC).status == 200
    world.clock.advance(seconds=2)
    assert world.call("GET", f"/api/admin/accounts?uai={UAI}", caller=SYNC).status == 404


def test_a_request_nobody_signed_holds_no_school_in_lambda(two_schools):
    """The local server's caller (`local`) holds every school only where the functions are served locally."""
    world = two_schools
    world.admin_caller = None
    assert world.call("GET", f"/api/admin/accounts?uai={UAI}").status == 404
    assert world.call("GET", "/api/admin/clients").status == 403


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"principal": "siecle-sync", "schools": [UAI]}, "principal", "ARN d'un rôle IAM"),
        ({"principal": SYNC, "schools": [UAI]}, "principal", "donnez le rôle"),
        ({"principal": SYNC_ROLE, "schools": []}, "schools", "au moins un établissement"),
        ({"principal": SYNC_ROLE, "schools": [UAI], "all_schools": True}, "schools", "pas les deux"),
        ({"principal": SYNC_ROLE, "schools": ["034123"]}, "schools", "« 034123 »"),
    ],
)
def test_a_grant_that_cannot_be_kept_is_refused_in_french(world, body, field, words):
    answer = world.call("PUT", GRANTS, body)
    assert answer.status == 400 and words in answer.json()["fields"][field], answer.text
    assert world.call("GET", GRANTS).json()["grants"] == []


def _sk() -> str:
    return f"PRINCIPAL#arn:aws:iam::{ACCOUNT}:role/siecle-sync-a"


def _sorted(items: list[dict]) -> list[str]:
    return sorted(repr(sorted(item.items())) for item in items)
