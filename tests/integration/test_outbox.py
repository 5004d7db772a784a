"""The transactional outbox (issue 20, item 1): the validation mail is written in the transaction of the first
connection or the resend, and the table's stream hands it to the sender, which sends it once, and only if, that
transaction committed. SES throttling never reaches the student."""

from __future__ import annotations

import html
from collections import Counter
from datetime import date

from ent_accounts.flows.outbox import deliver_outbox_mail
from ent_accounts.outbox import MAX_ATTEMPTS
from local.streams import stream_event
from tests.integration.helpers import NEW_PASSWORD, challenge, first_connection
from tests.support.browser import Browser
from tests.support.faults import Faults
from tests.support.links import code_in

EMAIL = "jeanne@laposte.net"


def outbox_items(world) -> list[dict]:
    return [item for item in world.items() if item["pk"]["S"].startswith("OUTBOX#")]


def ses_throttling(world, rate: float | None):
    """SES as its sending rate limits it: a send less than 1/`rate` seconds (of the test's clock) after the last one
    accepted is refused with TooManyRequestsException (None: every send refused). The sender's pauses move the clock.
    Replaced on the client itself, so that moto never sees (and never records) a refused mail."""
    from botocore.exceptions import ClientError

    client = world.services.mailer.client
    original = client.send_email
    accepted: list = []
    refused = {"n": 0}

    def send_email(**request):
        now = world.clock.now()
        if rate is None or (accepted and (now - accepted[-1]).total_seconds() < 1 / rate):
            refused["n"] += 1
            error = {"Error": {"Code": "TooManyRequestsException", "Message": "Maximum sending rate exceeded."}}
            raise ClientError(error, "SendEmail")
        accepted.append(now)
        return original(**request)

    client.send_email = send_email
    return refused


def test_a_burst_of_first_connections_under_ses_throttling_gets_every_mail_once_and_no_503(world):
    """Twelve students at once while SES sends one mail per second: every student is answered 200 at once, and every
    mail leaves exactly once (none lost, none doubled), its link working."""
    students = [f"eleve{i}" for i in range(12)]
    tokens = {s: challenge(world, s, world.provision(s)) for s in students}
    refused = ses_throttling(world, rate=1)
    world.deliver_outbox_after_requests = False  # the stream's consumer runs behind the burst
    for student in students:
        body = {"challenge_token": tokens[student], "new_password": NEW_PASSWORD, "birth_date": "2011-05-14"}
        answer = world.call("POST", "/api/first-connection", {**body, "email": f"{student}@laposte.net"})
        assert answer.status == 200 and answer.json()["status"] == "pending_validation", answer.text
    assert world.mails() == []  # nothing left inside the requests
    rounds = 0
    while world.deliver_outbox()["waiting"]:
        rounds += 1
        assert rounds < 50
    assert refused["n"] > 0  # SES did throttle
    sent = Counter(mail.to[0] for mail in world.mails())
    assert sent == Counter({f"{s}@laposte.net": 1 for s in students})
    assert {item["state"]["S"] for item in outbox_items(world)} == {"sent"}
    for mail in world.mails():
        answer = world.call("POST", "/api/validate-email", {"code": code_in(mail.html)})
        assert answer.json()["status"] == "validated"
    assert world.queued("FailedEventsQueue") == []


def test_a_stream_delivered_twice_sends_once(world):
    world.deliver_outbox_after_requests = False
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=EMAIL)
    records = world.outbox._new_records()
    assert len(records) >= 1
    outbox = [r for r in records if r["dynamodb"]["Keys"]["pk"]["S"].startswith("OUTBOX#")]
    assert len(outbox) == 1
    event = stream_event(outbox, world.outbox.stream_arn)
    for _ in range(3):  # the stream hands the same record over again (at least once delivery)
        assert world.functions.invoke("PasswordResetFunction", event) == {"batchItemFailures": []}
    assert len(world.mails()) == 1
    outbox_id = outbox[0]["dynamodb"]["Keys"]["pk"]["S"].removeprefix("OUTBOX#")
    assert deliver_outbox_mail(world.services, outbox_id) == "already_done"
    assert len(world.mails()) == 1


def test_the_outbox_holds_no_link_code_only_its_hash_is_stored(world):
    world.deliver_outbox_after_requests = False
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=EMAIL)
    (item,) = outbox_items(world)
    world.deliver_outbox()
    code = code_in(world.mails()[0].html)
    assert all(code not in str(value) for i in world.items() for value in i.values())
    assert item["recipient"]["S"] == EMAIL and item["kind"]["S"] == "validation"


def test_a_transaction_that_fails_sends_nothing(real_engine):
    """DynamoDB refuses the first connection's transaction (on the real engine, a refused request is not executed):
    the student is told to try again, no outbox item exists and no mail leaves; the retry sends one."""
    world = real_engine
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    faults = Faults(world.ddb).error("TransactWriteItems", "InternalServerError", status=500)
    body = {"challenge_token": token, "new_password": NEW_PASSWORD, "birth_date": "2011-05-14", "email": EMAIL}
    assert world.call("POST", "/api/first-connection", body).status == 503
    faults.heal()
    world.deliver_outbox()
    assert world.mails() == [] and outbox_items(world) == []
    assert world.call("POST", "/api/first-connection", body).status == 200
    assert [mail.to for mail in world.mails()] == [[EMAIL]]


def test_when_the_mail_cannot_leave_the_pending_page_says_so_and_the_failed_events_queue_gets_it(world):
    provisional = world.provision("jdupont12", birth_date=date(2011, 5, 14))
    ses_throttling(world, rate=None)
    browser = Browser(world)
    browser.get("/connexion")
    browser.post("/connexion", {"identifier": "jdupont12", "password": provisional})
    form = {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD, "birth_date": "2011-05-14"}
    page = browser.post("/premiere-connexion", {**form, "email": EMAIL})
    assert page.status == 200 and "Compte en attente de validation" in page.text  # never a 503
    page = browser.get("/compte-en-attente")
    assert "Le mail n'a pas encore pu partir : il sera renvoyé automatiquement" in html.unescape(page.text)
    for _ in range(MAX_ATTEMPTS):
        world.deliver_outbox()
    (item,) = outbox_items(world)
    assert item["state"]["S"] == "failed" and int(item["attempts"]["N"]) == MAX_ATTEMPTS
    assert [m["kind"] for m in world.queued("FailedEventsQueue")] == ["outbox_mail_failed"]
    page = browser.get("/compte-en-attente")
    assert "n'a pas pu partir" in html.unescape(page.text) and "Renvoyer le mail" in page.text
    assert world.mails() == []
    del world.services.mailer.client.send_email  # SES is back
    page = browser.post("/compte-en-attente", {"action": "resend"})  # the student asks again: it leaves
    assert "Un nouveau mail de validation vient d" in html.unescape(page.text)
    assert [mail.to for mail in world.mails()] == [[EMAIL]]
    assert world.call("POST", "/api/validate-email", {"code": code_in(world.mails()[0].html)}).status == 200


def test_a_record_the_sender_cannot_handle_is_retried_then_goes_to_the_failed_events_queue(world):
    """KMS not answering for the link's code (the sender fails outright): the mail is given back each time, the
    stream tries again MaximumRetryAttempts times, then the record's position goes to the failed-events queue (the
    mapping's OnFailure), whose alarm rings; nothing was sent."""
    world.deliver_outbox_after_requests = False
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=EMAIL)
    world.services.link_key.key_arn = "arn:aws:kms:eu-west-3:123456789012:key/00000000-0000-0000-0000-000000000000"
    retries = world.outbox.consumer.max_retry_attempts
    assert retries == 10
    for _ in range(retries + 1):
        world.deliver_outbox()
    (failure,) = world.queued("FailedEventsQueue")
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
    (item,) = outbox_items(world)
    assert (item["state"]["S"], item["last_error"]["S"]) == ("pending", "sender_error")
    assert world.mails() == []
    assert world.deliver_outbox()["waiting"] == 0  # the stream moved past it


def test_the_filter_hands_over_only_new_outbox_items():
    from local.streams import matches
    from local.template import stream_consumer

    (pattern,) = stream_consumer().filters
    outbox = {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "OUTBOX#abc"}, "sk": {"S": "OUTBOX"}}}}
    assert matches(pattern, outbox)
    assert not matches(pattern, {**outbox, "eventName": "MODIFY"})  # its own updates (claimed, sent)
    account = {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "ACCOUNT#jdupont12"}, "sk": {"S": "ACCOUNT"}}}}
    assert not matches(pattern, account)
