"""AWS failing under the service: SES refusing or throttling, DynamoDB throttling, cancelled transactions,
timeouts. The user gets a clear French answer (503 with Retry-After when retrying helps), nothing is half-done,
and the same request succeeds once AWS is back."""

from __future__ import annotations

import pytest

from tests.integration.helpers import BIRTH_DATE, NEW_PASSWORD, activate, challenge, login
from tests.support.faults import Faults
from tests.support.links import code_in
from tests.support.store_helpers import audit_events, login_throttle


def ses(world) -> Faults:
    return Faults(world.services.mailer.client)


def dynamodb(world) -> Faults:
    return Faults(world.ddb)


def assert_busy(answer, code):
    assert answer.status == 503, answer.text
    assert answer.json()["error"] == code and answer.json()["message"]
    assert int(answer.header("Retry-After")) > 0


@pytest.mark.parametrize("fault", ["Throttling", "MessageRejected", "timeout"])
def test_ses_failing_at_first_connection(world, fault):
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    faults = ses(world)
    faults.timeout("SendEmail") if fault == "timeout" else faults.error("SendEmail", fault)
    body = {
        "challenge_token": token,
        "new_password": NEW_PASSWORD,
        "birth_date": BIRTH_DATE,
        "email": "jeanne@laposte.net",
    }
    # The outbox: the student is answered whatever SES does; the mail waits in the outbox and leaves later.
    assert world.call("POST", "/api/first-connection", body).json()["status"] == "pending_validation"
    outbox = [i for i in world.items() if i["pk"]["S"].startswith("OUTBOX#")]
    assert [i["state"]["S"] for i in outbox] == ["pending"] and outbox[0]["last_error"]["S"] == "unavailable"
    faults.heal()
    world.deliver_outbox()
    assert [i["state"]["S"] for i in world.items() if i["pk"]["S"].startswith("OUTBOX#")] == ["sent"]


def test_ses_failing_at_forgot_and_address_change(world):
    """Every mail leaves through the outbox: the requests are answered whatever SES does, their state is stored with
    their mails, and the mails leave once SES sends again (the resend: test_outbox.py and test_validation.py)."""
    world.provision("active1")
    activate(world, "active1", email="a@laposte.net")
    session = login(world, "active1", NEW_PASSWORD).json()["session_token"]
    world.deliver_outbox_after_requests = False
    faults = ses(world).error("SendEmail", "Throttling")

    assert world.call("POST", "/api/password/forgot", {"identifier": "active1"}).status == 202
    assert world.deliver_queued_mail() == {"delivered": 1, "failed": 0}  # its consumer stores the code and the mail
    change = {"current_password": NEW_PASSWORD, "new_email": "n@laposte.net", "new_email_confirmation": "n@laposte.net"}
    answer = world.call("POST", "/api/account/email", change, headers={"Authorization": f"Bearer {session}"})
    assert answer.status == 202, answer.text
    assert world.store.get_account("active1").pending_email == "n@laposte.net"
    world.deliver_outbox()
    outbox = [i for i in world.items() if i["pk"]["S"].startswith("OUTBOX#") and i["kind"]["S"] != "validation"]
    assert sorted(i["kind"]["S"] for i in outbox) == ["email_change", "email_change_notice", "password_reset"]
    assert {i["state"]["S"] for i in outbox} == {"pending"}  # SES refused: waiting, not lost

    faults.heal()
    sent_before = len(world.sent)  # (moto records a mail whose answer the fault replaced: counted from here)
    while world.deliver_outbox()["waiting"]:
        pass
    mails = [(m.destinations["ToAddresses"][0], m.subject) for m in world.sent[sent_before:]]
    assert sorted(to for to, _ in mails) == ["a@laposte.net", "a@laposte.net", "n@laposte.net"]
    assert [e["type"] for e in audit_events(world.store, "active1")].count("password_reset_requested") == 1


def test_a_queued_mail_that_keeps_failing_ends_in_the_failed_events_queue(world):
    world.provision("active1")
    activate(world, "active1", email="a@laposte.net")
    faults = ses(world).error("SendEmail", "Throttling")
    assert world.call("POST", "/api/password/forgot", {"identifier": "active1"}).status == 202
    world.sqs.send_message(QueueUrl=world.queue_urls["MailQueue"], MessageBody='{"kind": "unheard_of"}')
    # A message nobody can read is tried maxReceiveCount (5) times, then kept aside; the reset link's mail, written to
    # the outbox by the first attempt, is tried by the outbox's sender until it is marked failed, and kept aside too.
    assert [world.deliver_queued_mail() for _ in range(6)] == [{"delivered": 1, "failed": 1}] + [
        {"delivered": 0, "failed": 1}
    ] * 4 + [{"delivered": 0, "failed": 0}]
    assert world.queued() == []
    kinds = sorted(message["kind"] for message in world.queued("FailedEventsQueue"))
    assert kinds == ["outbox_mail_failed", "unheard_of"]
    faults.heal()


def test_a_queue_that_does_not_answer_is_a_503_and_the_retry_works(world):
    world.provision("active1")
    activate(world, "active1", email="a@laposte.net")
    # A timeout rather than an error answer: moto would still queue a message whose answer a fault replaced.
    faults = Faults(world.sqs).timeout("SendMessage")
    assert_busy(world.call("POST", "/api/password/forgot", {"identifier": "active1"}), "service_unavailable")
    assert faults.injected == 3  # botocore's three attempts, then a clear answer
    faults.heal()
    assert world.call("POST", "/api/password/forgot", {"identifier": "active1"}).status == 202
    assert world.deliver_queued_mail() == {"delivered": 1, "failed": 0}


def test_dynamodb_throttling_once_is_retried_by_botocore(real_engine):
    world = real_engine
    world.provision("jdupont12")
    activate(world, "jdupont12")
    faults = dynamodb(world).error("BatchGetItem", "ProvisionedThroughputExceededException", times=1)
    assert login(world, "jdupont12", NEW_PASSWORD).status == 200  # the standard retry mode absorbed it
    assert faults.injected == 1


@pytest.mark.parametrize("operation", ["BatchGetItem", "BatchWriteItem", "UpdateItem"])
def test_dynamodb_throttling_that_lasts_is_a_503(real_engine, operation):
    world = real_engine
    world.provision("jdupont12")
    activate(world, "jdupont12")
    faults = dynamodb(world).error(operation, "ProvisionedThroughputExceededException")
    answer = login(world, "jdupont12", NEW_PASSWORD if operation != "UpdateItem" else "Mauvais-Mot-1")
    assert_busy(answer, "service_unavailable")
    assert faults.injected == 3  # three attempts (botocore's standard mode), then a clear answer
    faults.heal()
    assert login(world, "jdupont12", NEW_PASSWORD).status == 200


def test_a_cancelled_transaction_leaves_nothing_half_done(real_engine):
    world = real_engine
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    faults = dynamodb(world).error("TransactWriteItems", "TransactionCanceledException")
    body = {"challenge_token": token, "new_password": NEW_PASSWORD, "birth_date": BIRTH_DATE}
    answer = world.call("POST", "/api/first-connection", body)
    assert answer.status in (409, 503) and answer.status != 500
    assert world.store.get_account("jdupont12").status == "PROVISIONED"
    faults.heal()
    assert world.call("POST", "/api/first-connection", body).json()["status"] == "active"


def test_a_timeout_is_a_503_and_the_retry_works(real_engine):
    world = real_engine
    world.provision("jdupont12")
    activate(world, "jdupont12")
    faults = dynamodb(world).timeout("BatchGetItem")
    assert_busy(login(world, "jdupont12", NEW_PASSWORD), "service_unavailable")
    assert faults.injected == 3
    faults.heal()
    assert login(world, "jdupont12", NEW_PASSWORD).status == 200


def locked_with_reset_link(world):
    """An active account locked out by 5 failures, and a reset link mailed to it."""
    world.provision("jdupont12")
    activate(world, "jdupont12", email="jeanne@laposte.net")
    for _ in range(5):
        login(world, "jdupont12", "Mauvais-Mot-1")
    assert world.call("POST", "/api/password/forgot", {"identifier": "jdupont12"}).status == 202
    world.deliver_queued_mail()
    return code_in(world.mails()[-1].html)


# The reset's transaction: code used, account, lock-out counter deleted, audit event. A failed login counted while
# it runs cancels it with TransactionConflict on the counter, and nothing is written.
IN_FLIGHT = {"CancellationReasons": [{"Code": code} for code in ("None", "None", "TransactionConflict", "None")]}


def test_a_reset_cancelled_by_a_failed_login_in_flight_is_sent_again(real_engine):
    world = real_engine
    code = locked_with_reset_link(world)
    faults = dynamodb(world).error("TransactWriteItems", "TransactionCanceledException", times=1, details=IN_FLIGHT)
    answer = world.call("POST", "/api/password/reset", {"code": code, "new_password": "Nouveau-Mot-2"})
    assert answer.status == 200 and faults.injected == 1
    assert login(world, "jdupont12", "Nouveau-Mot-2").status == 200  # the password changed and the lock is lifted


def test_a_reset_that_stays_in_conflict_is_a_503_and_the_link_still_works(real_engine):
    world = real_engine
    code = locked_with_reset_link(world)
    faults = dynamodb(world).error("TransactWriteItems", "TransactionCanceledException", details=IN_FLIGHT)
    answer = world.call("POST", "/api/password/reset", {"code": code, "new_password": "Nouveau-Mot-2"})
    assert_busy(answer, "service_unavailable")
    assert faults.injected == 3  # sent three times, then a clear answer
    faults.heal()
    assert login_throttle(world.store, "jdupont12").locked_until is not None  # nothing was written: still locked
    assert world.call("POST", "/api/password/reset", {"code": code, "new_password": "Nouveau-Mot-2"}).status == 200
    assert login(world, "jdupont12", "Nouveau-Mot-2").status == 200


FIRST_CONNECTION_IN_FLIGHT = {"CancellationReasons": [{"Code": c} for c in ("None", "TransactionConflict", "None")]}


def submit_first_connection(world, token):
    body = {"challenge_token": token, "new_password": NEW_PASSWORD, "birth_date": BIRTH_DATE}
    return world.call("POST", "/api/first-connection", {**body, "email": "jeanne@laposte.net"})


def test_a_first_connection_cancelled_by_a_write_in_flight_is_sent_again(real_engine):
    world = real_engine
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    faults = dynamodb(world).error(
        "TransactWriteItems", "TransactionCanceledException", times=1, details=FIRST_CONNECTION_IN_FLIGHT
    )
    answer = submit_first_connection(world, token)
    assert answer.status == 200 and answer.json()["status"] == "pending_validation"
    assert faults.injected == 1
    assert login_throttle(world.store, "jdupont12").failures == 0  # not a failed login


def test_a_first_connection_that_stays_in_conflict_is_a_503_and_the_form_works_again(real_engine):
    world = real_engine
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    in_flight = FIRST_CONNECTION_IN_FLIGHT
    faults = dynamodb(world).error("TransactWriteItems", "TransactionCanceledException", details=in_flight)
    assert_busy(submit_first_connection(world, token), "service_unavailable")
    assert faults.injected == 3
    faults.heal()
    assert world.store.get_account("jdupont12").status == "PROVISIONED"  # nothing was written
    assert login_throttle(world.store, "jdupont12").failures == 0
    assert "login_failed" not in [e["type"] for e in audit_events(world.store, "jdupont12")]
    assert submit_first_connection(world, token).json()["status"] == "pending_validation"
