"""The scheduled sweep deletes exactly the pending accounts past their deadline, reading only those."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from ent_accounts.flows.expiry import sweep_expired_accounts
from ent_accounts.links import Links
from ent_accounts.services import services
from local.events import scheduled_event
from tests.integration.helpers import dynamodb_requests, first_connection, last_code, login
from tests.support.faults import Faults
from tests.support.fixtures import START
from tests.support.store_helpers import audit_events, delete_expired_account

DEADLINE = datetime(2027, 2, 28, 14, 37, tzinfo=UTC)


def make_pending(world, identifier):
    first_connection(world, identifier, world.provision(identifier), email=f"{identifier}@laposte.net")


def items_read_by_queries(world):
    """Count the items DynamoDB reads for every Query the client sends (botocore event hook)."""
    counter = {"queries": 0, "items": 0}

    def count(parsed, **_):
        counter["queries"] += 1
        counter["items"] += parsed.get("ScannedCount", 0)

    world.ddb.meta.events.register("after-call.dynamodb.Query", count)
    return counter


def run_sweep(world):
    return world.functions.invoke("ExpireAccountsFunction", scheduled_event())


def test_sweep_deletes_exactly_the_expired_pending_accounts(world, log_lines):
    for name in ("expire1", "expire2", "expire3"):
        make_pending(world, name)
    world.clock.advance(days=1)
    make_pending(world, "laterpending")  # its deadline is one day later
    world.provision("provisioned")
    first_connection(world, "activenomail", world.provision("activenomail"))
    make_pending(world, "validated")
    world.call("POST", "/api/validate-email", {"code": last_code(world, "validated@laposte.net")})

    world.clock.set(DEADLINE.replace(second=1))
    reads = items_read_by_queries(world)
    summary = run_sweep(world)

    # laterpending is a day from its deadline: its one-week reminder is due, and it is the only other item read.
    expected = {"due_found": 4, "deleted": 3, "reminders_sent": 1, "reminders_failed": 0, "reminders_undeliverable": 0}
    assert summary == {**expected, "skipped": 0}
    assert reads["items"] == 4  # the sparse index: reads grow with the accounts due, not with the table
    remaining = {i["pk"]["S"] for i in world.items() if i["sk"]["S"] == "ACCOUNT"}
    assert remaining == {f"ACCOUNT#{n}" for n in ("laterpending", "provisioned", "activenomail", "validated")}
    # Their codes went with them; an audit event tells what happened.
    codes = [
        i
        for i in world.items()
        if i.get("identifier", {}).get("S", "").startswith("expire")
        and i["pk"]["S"].startswith("CODE#")
        and i.get("purpose", {}).get("S") != "challenge"
    ]
    assert codes == []
    assert [e["type"] for e in audit_events(world.store, "expire1")] == ["first_connection", "account_expired"]
    # One summary line in the log, with the counts.
    [summary_line] = [line for line in log_lines.json() if line.get("message") == "expired accounts swept"]
    assert summary_line["deleted"] == 3 and summary_line["level"] == "INFO"


def test_deadline_boundary_to_the_second(world):
    make_pending(world, "jdupont12")
    world.clock.set(DEADLINE.replace(second=0).replace(minute=36, second=59))
    assert run_sweep(world)["deleted"] == 0
    world.clock.set(DEADLINE.replace(second=1))
    assert run_sweep(world)["deleted"] == 1
    world.clock.set(DEADLINE.replace(second=2))
    answer = login(world, "jdupont12", "Soleil-Vert-2026")
    assert answer.status == 401  # as for an identifier that never existed


def test_the_deleted_accounts_link_answers_expired(world):
    make_pending(world, "jdupont12")
    code = last_code(world)
    world.clock.set(DEADLINE.replace(second=1))
    run_sweep(world)
    assert world.call("POST", "/api/validate-email", {"code": code}).status == 410
    # The school can create the identifier again once the old account is gone.
    world.provision("jdupont12")


def test_running_twice_or_concurrently_deletes_each_account_once(real_engine):
    world = real_engine
    names = [f"eleve{i}" for i in range(6)]
    for name in names:
        make_pending(world, name)
    world.clock.set(DEADLINE.replace(second=1))
    results = []

    def sweep():
        results.append(sweep_expired_accounts(services(), "r", Links("https://ent.example.fr")))

    threads = [threading.Thread(target=sweep) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.deleted for r in results) == len(names)
    assert run_sweep(world)["due_found"] == 0
    expired_events = [e for n in names for e in audit_events(world.store, n) if e["type"] == "account_expired"]
    assert len(expired_events) == len(names)


@pytest.mark.parametrize("page_size", [1, 2])
def test_the_sweep_pages_through_results(world, page_size):
    world.store.page_size = page_size
    for i in range(7):
        make_pending(world, f"eleve{i}")
    world.clock.set(DEADLINE.replace(second=1))
    assert run_sweep(world)["deleted"] == 7


def test_an_account_validated_after_the_index_read_is_not_deleted(world):
    make_pending(world, "jdupont12")
    world.clock.set(DEADLINE.replace(second=1))
    [expired] = list(world.store.due_pending_accounts(world.clock.now()))
    # Meanwhile (before the delete) the account changes: the conditional delete must refuse.
    world.clock.set(DEADLINE.replace(minute=36))
    world.call("POST", "/api/validate-email", {"code": last_code(world)})
    assert delete_expired_account(world.store, expired, DEADLINE.replace(second=1), "r") is False
    assert world.store.get_account("jdupont12").status == "ACTIVE"


def test_reminders_a_month_and_a_week_before_each_sent_once(world):
    make_pending(world, "jdupont12")  # deadline 2027-02-28 14:37 UTC
    world.clock.set(datetime(2027, 1, 28, 14, 36, tzinfo=UTC))
    assert run_sweep(world)["reminders_sent"] == 0  # a minute too early
    world.clock.set(datetime(2027, 1, 28, 14, 37, tzinfo=UTC))
    assert run_sweep(world)["reminders_sent"] == 1
    assert run_sweep(world)["due_found"] == 0  # nothing more until the week before
    reminder = world.mails()[-1]
    assert reminder.to == ["jdupont12@laposte.net"]
    assert reminder.subject == "Message des services en ligne – Compte bientôt supprimé"
    assert "28 février 2027" in reminder.html
    world.clock.set(datetime(2027, 2, 21, 14, 37, tzinfo=UTC))
    assert run_sweep(world)["reminders_sent"] == 1
    assert run_sweep(world)["reminders_sent"] == 0
    assert len(world.mails()) == 3  # validation + two reminders
    # The reminder's renewed link validates the account.
    answer = world.call("POST", "/api/validate-email", {"code": last_code(world)})
    assert answer.json()["status"] == "validated"
    assert [e["type"] for e in audit_events(world.store, "jdupont12")].count("reminder_sent") == 2


def test_a_late_sweep_sends_only_the_latest_reminder(world):
    make_pending(world, "jdupont12")
    world.clock.set(datetime(2027, 2, 25, tzinfo=UTC))
    summary = run_sweep(world)
    assert summary["reminders_sent"] == 1 and len(world.mails()) == 2
    assert "une semaine" not in world.mails()[-1].html  # the text names the date, not a delay
    assert run_sweep(world)["reminders_sent"] == 0


def test_a_refused_reminder_is_tried_again_next_run(world):
    make_pending(world, "jdupont12")
    world.clock.set(datetime(2027, 1, 29, tzinfo=UTC))
    world.services.mailer.sender = "noreply@unverified.example.com"
    assert run_sweep(world)["reminders_failed"] == 1
    world.services.mailer.sender = "noreply@ent.example.fr"
    assert run_sweep(world)["reminders_sent"] == 1
    assert len(world.mails()) == 2


def test_no_reminder_for_validated_accounts(world):
    make_pending(world, "jdupont12")
    world.call("POST", "/api/validate-email", {"code": last_code(world)})
    world.clock.set(datetime(2027, 2, 25, tzinfo=UTC))
    assert run_sweep(world)["due_found"] == 0
    assert len(world.mails()) == 1


def test_expired_accounts_are_deleted_together_as_many_as_a_transaction_holds(world):
    names = [f"eleve{i:02d}" for i in range(35)]
    for name in names:
        make_pending(world, name)  # 3 writes to delete each (the account, its code, the audit event): 33 in 100
    world.clock.set(DEADLINE.replace(second=1))
    summary, calls = dynamodb_requests(world, lambda: run_sweep(world))
    assert summary["deleted"] == len(names) and summary["skipped"] == 0
    # The shards' queries, then 2 transactions for 35 accounts.
    assert calls == ["Query"] * world.services.settings.expiry_shards + ["TransactWriteItems"] * 2
    left = [i for i in world.items() if i.get("identifier", {}).get("S", "").startswith("eleve")]
    # (Their validation mails, sent, stay in the outbox a week, then TTL removes them: no account is named there.)
    kept = [i for i in left if i.get("purpose", {}).get("S") != "challenge" and not i["pk"]["S"].startswith("OUTBOX#")]
    assert [i["pk"]["S"] for i in kept] == []
    for name in names:
        assert [e["type"] for e in audit_events(world.store, name)] == ["first_connection", "account_expired"]


def test_an_account_validated_meanwhile_stays_and_the_others_of_its_transaction_go(world):
    for name in ("eleve1", "eleve2", "eleve3"):
        make_pending(world, name)
    world.clock.set(DEADLINE.replace(second=1))
    due = list(world.store.due_pending_accounts(world.clock.now()))
    world.clock.set(DEADLINE.replace(minute=36))
    world.call("POST", "/api/validate-email", {"code": last_code(world, "eleve2@laposte.net")})
    deleted = world.store.delete_expired_accounts(due, DEADLINE.replace(second=1), "r")
    assert sorted(d.identifier for d in deleted) == ["eleve1", "eleve3"]
    assert world.store.get_account("eleve2").status == "ACTIVE"
    assert world.store.get_account("eleve1") is None and world.store.get_account("eleve3") is None
    assert "account_expired" not in [e["type"] for e in audit_events(world.store, "eleve2")]
    assert [e["type"] for e in audit_events(world.store, "eleve3")][-1] == "account_expired"


# Two accounts in one transaction (account, code, audit each), cancelled by a write in flight on the second's code.
IN_FLIGHT = {"CancellationReasons": [{"Code": c} for c in ("None",) * 4 + ("TransactionConflict", "None")]}


def test_a_sweep_cancelled_by_a_write_in_flight_is_sent_again_then_leaves_that_account_to_the_next_run(real_engine):
    world = real_engine
    for name in ("eleve1", "eleve2"):
        make_pending(world, name)
    world.clock.set(DEADLINE.replace(second=1))
    faults = Faults(world.ddb).error("TransactWriteItems", "TransactionCanceledException", times=1, details=IN_FLIGHT)
    assert run_sweep(world)["deleted"] == 2 and faults.injected == 1
    world.clock.set(START)
    for name in ("eleve3", "eleve4"):
        make_pending(world, name)
    world.clock.set(DEADLINE.replace(second=1))
    faults = Faults(world.ddb).error("TransactWriteItems", "TransactionCanceledException", times=3, details=IN_FLIGHT)
    summary = run_sweep(world)
    assert (summary["deleted"], summary["skipped"], faults.injected) == (1, 1, 3)  # sent 3 times, then without it
    assert run_sweep(world)["deleted"] == 1  # the next run finds it again


def test_an_account_with_more_codes_than_a_transaction_holds_is_still_deleted(world):
    """Data written before resends were capped: one account's codes alone exceed a transaction's 100 writes."""
    from ent_accounts.codes import Code, Purpose, hash_token, new_token

    make_pending(world, "manylinks")
    make_pending(world, "other")
    account = world.store.get_account("manylinks")
    for _ in range(120):
        code = Code(hash_token(new_token()), Purpose.ACCOUNT_ACTIVATION, "manylinks", account.validation_deadline)
        account.validation_code_hashes.add(code.code_hash)
        world.store.transaction().put_code(code).commit()
    world.store.transaction().save_account(account).commit()

    world.clock.set(DEADLINE.replace(second=1))
    summary = run_sweep(world)
    assert summary["deleted"] == 2 and summary["skipped"] == 0
    assert world.store.get_account("manylinks") is None and world.store.get_account("other") is None
