"""The transactional outbox (issue 20, item 1): the validation mail is written in the transaction of the first
connection or the resend, and the table's stream hands it to the sender, which sends it once, and only if, that
transaction committed. SES throttling never reaches the student."""

from __future__ import annotations

import html
from collections import Counter
from datetime import date, timedelta

from ent_accounts.clock import epoch
from ent_accounts.flows.outbox import deliver_outbox_mail
from ent_accounts.outbox import MAX_ATTEMPTS
from local.events import scheduled_event
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


BROKEN_KEY = "arn:aws:kms:eu-west-3:123456789012:key/00000000-0000-0000-0000-000000000000"


def test_a_sender_that_keeps_failing_marks_the_mail_failed_and_the_pending_page_says_so(world):
    """KMS not answering for the link's code (the sender fails outright, not an SES refusal): each attempt counts,
    and after MAX_ATTEMPTS the mail is failed as an SES refusal's would be: the failed-events queue gets it, the
    pending page says it could not leave (not "it will be sent again" forever), and the student asks again."""
    provisional = world.provision("jdupont12", birth_date=date(2011, 5, 14))
    world.deliver_outbox_after_requests = False
    browser = Browser(world)
    browser.get("/connexion")
    browser.post("/connexion", {"identifier": "jdupont12", "password": provisional})
    form = {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD, "birth_date": "2011-05-14"}
    assert "Compte en attente de validation" in browser.post("/premiere-connexion", {**form, "email": EMAIL}).text
    key_arn, world.services.link_key.key_arn = world.services.link_key.key_arn, BROKEN_KEY
    world.deliver_outbox()
    (item,) = outbox_items(world)
    assert (item["state"]["S"], item["last_error"]["S"]) == ("pending", "sender_error")
    page = browser.get("/compte-en-attente")
    assert "Le mail n'a pas encore pu partir : il sera renvoyé automatiquement" in html.unescape(page.text)
    for _ in range(MAX_ATTEMPTS - 1):
        world.deliver_outbox()
    (item,) = outbox_items(world)
    assert (item["state"]["S"], item["last_error"]["S"]) == ("failed", "sender_error")
    assert int(item["attempts"]["N"]) == MAX_ATTEMPTS
    assert "expiry_shard" not in item and "next_event_at" not in item  # out of the sweep's index
    [failure] = world.queued("FailedEventsQueue")
    assert (failure["kind"], failure["error"], failure["mail"]) == ("outbox_mail_failed", "sender_error", "validation")
    assert world.deliver_outbox()["waiting"] == 0  # the stream moved past it, before its own retries ran out
    assert len(world.queued("FailedEventsQueue")) == 1  # not the stream's RetryAttemptsExhausted too
    page = browser.get("/compte-en-attente")
    assert "n'a pas pu partir" in html.unescape(page.text) and "Renvoyer le mail" in page.text
    assert world.mails() == []
    world.services.link_key.key_arn = key_arn  # KMS is back
    world.deliver_outbox_after_requests = True
    page = browser.post("/compte-en-attente", {"action": "resend"})
    assert "Un nouveau mail de validation vient d" in html.unescape(page.text)
    assert [mail.to for mail in world.mails()] == [[EMAIL]]
    assert world.call("POST", "/api/validate-email", {"code": code_in(world.mails()[0].html)}).status == 200


# --- the outbox sweep: mails the stream no longer hands over ----------------------------------------------------------


def run_outbox_sweep(world) -> dict:
    """The sweep's schedule (template.yaml, OutboxSweep), on the function that sends the outbox."""
    return world.functions.invoke("PasswordResetFunction", scheduled_event())


def stranded_mail(world) -> str:
    """A first connection whose validation mail the stream has not handed over yet; its outbox id."""
    world.deliver_outbox_after_requests = False
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=EMAIL)
    (item,) = outbox_items(world)
    return item["pk"]["S"].removeprefix("OUTBOX#")


def validates(world, mail) -> bool:
    return world.call("POST", "/api/validate-email", {"code": code_in(mail.html)}).json()["status"] == "validated"


def test_a_mail_left_sending_by_a_dead_sender_is_sent_once_by_the_sweep_after_the_stream_gave_up(world):
    """A sender claims the mail and dies (no finish): its lease (a minute) outlasts the stream's retries (a pause of
    about a second each), whose record then goes to the failed-events queue and is never read again. The sweep,
    once the lease ran out, sends the mail, once."""
    outbox_id = stranded_mail(world)
    assert world.store.claim_outbox_mail(outbox_id) is not None  # the sender that dies holding it
    for _ in range(world.outbox.consumer.max_retry_attempts + 1):
        world.deliver_outbox()
    (failure,) = world.queued("FailedEventsQueue")
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert world.deliver_outbox()["waiting"] == 0  # the stream is done with it
    (item,) = outbox_items(world)
    assert item["state"]["S"] == "sending" and world.mails() == []
    assert run_outbox_sweep(world)["sent"] == 0  # its lease still holds: not before
    world.clock.advance(minutes=5)
    summary = run_outbox_sweep(world)
    assert (summary["due_found"], summary["sent"]) == (1, 1)
    assert [mail.to for mail in world.mails()] == [[EMAIL]]
    (item,) = outbox_items(world)
    assert item["state"]["S"] == "sent" and "expiry_shard" not in item and "next_event_at" not in item
    world.clock.advance(minutes=5)
    assert run_outbox_sweep(world)["due_found"] == 0  # out of the index: never read again
    assert len(world.mails()) == 1 and validates(world, world.mails()[0])


def test_a_mail_left_pending_is_sent_once_by_the_sweep(world, log_lines):
    """The stream never handed the mail over (sam local has no stream; a mapping disabled or behind): five minutes
    on, the sweep sends it, once; the stream's late record then sends nothing more."""
    stranded_mail(world)
    world.clock.advance(minutes=4)
    assert run_outbox_sweep(world)["due_found"] == 0  # young: the stream's, not the sweep's
    world.clock.advance(minutes=1)
    summary = run_outbox_sweep(world)
    assert summary == {**summary, "due_found": 1, "sent": 1, "not_yet_sent": 0, "errors": 0}
    assert [mail.to for mail in world.mails()] == [[EMAIL]]
    assert run_outbox_sweep(world)["due_found"] == 0
    world.deliver_outbox()  # the stream's record, at last
    assert len(world.mails()) == 1 and validates(world, world.mails()[0])
    assert [line["sent"] for line in log_lines.json() if line.get("message") == "outbox swept"] == [0, 1, 0]


def test_a_mail_ses_refuses_is_swept_again_until_it_fails(world):
    """SES refusing the sweep's attempts too: each counts, the next run tries again, and the last marks it failed
    (the pending page says so) and tells the failed-events queue; nothing more is read after."""
    stranded_mail(world)
    ses_throttling(world, rate=None)
    for _ in range(MAX_ATTEMPTS):
        world.clock.advance(minutes=5)
        run_outbox_sweep(world)
    (item,) = outbox_items(world)
    assert (item["state"]["S"], int(item["attempts"]["N"])) == ("failed", MAX_ATTEMPTS)
    assert [m["kind"] for m in world.queued("FailedEventsQueue")] == ["outbox_mail_failed"]
    world.clock.advance(minutes=5)
    assert run_outbox_sweep(world)["due_found"] == 0 and world.mails() == []


def test_the_sweep_and_the_stream_at_once_send_one_mail(world):
    """The stream hands the mail over while the sweep is sending it, and the sweep finds it while the stream is
    sending it: the claim is conditional, one of them sends, the other sends nothing (and the stream, handing it over
    again, finds it sent)."""
    for sweep_first in (True, False):
        world.clock.advance(minutes=1)
        identifier = "sweepfirst" if sweep_first else "streamfirst"
        world.deliver_outbox_after_requests = False
        first_connection(world, identifier, world.provision(identifier), email=f"{identifier}@laposte.net")
        world.clock.advance(minutes=5)  # due for the sweep, and the stream's record still waiting
        mailer, store = world.services.mailer, world.services.store
        send, inner = mailer.send, {}
        # What the sweep reads of the index before the stream's claim (an index read is eventually consistent: it
        # may still list the mail a moment after the claim moved it on).
        read_before = list(store.due_outbox_ids(world.clock.now()))
        assert len(read_before) == 1
        store.due_outbox_ids = lambda now, read_before=read_before: iter(read_before)

        def racing_send(mail, send=send, sweep_first=sweep_first, inner=inner):
            if not inner:  # the other one arrives while the first is sending
                inner["answer"] = world.deliver_outbox() if sweep_first else run_outbox_sweep(world)
            return send(mail)

        mailer.send = racing_send
        try:
            outer = run_outbox_sweep(world) if sweep_first else world.deliver_outbox()
        finally:
            mailer.send = send
            del store.due_outbox_ids
        if sweep_first:
            assert outer["sent"] == 1 and inner["answer"]["waiting"] == 1  # the stream's claim refused: later
        else:
            assert outer["delivered"] == 1 and inner["answer"]["sent"] == 0 and inner["answer"]["not_yet_sent"] == 1
        world.deliver_outbox()
        assert world.deliver_outbox()["waiting"] == 0
        assert run_outbox_sweep(world)["due_found"] == 0
        sent = [mail for mail in world.mails() if mail.to == [f"{identifier}@laposte.net"]]
        assert len(sent) == 1 and validates(world, sent[0])
    assert world.queued("FailedEventsQueue") == []


def test_the_account_sweep_and_the_outbox_sweep_read_only_their_own_keys(world):
    """Pending accounts and unsent mails share the sparse index, each under keys of its own: the account sweep run
    with a stranded mail in the index reads and changes only the accounts, the outbox sweep only the mail."""
    from tests.integration.test_expiry import DEADLINE, items_read_by_queries, make_pending, run_sweep

    make_pending(world, "expire1")  # its mail sent at once
    world.clock.set(DEADLINE.replace(second=1) - timedelta(minutes=10))
    world.deliver_outbox_after_requests = False
    make_pending(world, "recent")  # its mail stranded; the account's deadline is 3 months on
    world.clock.set(DEADLINE.replace(second=1))
    (mail,) = [i for i in outbox_items(world) if i["state"]["S"] == "pending"]
    assert mail["expiry_shard"]["S"].startswith("OUTBOX#") and int(mail["next_event_at"]["N"]) < epoch(
        world.clock.now()
    )
    reads = items_read_by_queries(world)
    summary = run_sweep(world)
    assert (summary["due_found"], summary["deleted"], summary["skipped"]) == (1, 1, 0)
    assert reads["items"] == 1  # the expired account only
    assert [i for i in outbox_items(world) if i["pk"] == mail["pk"]] == [mail]  # untouched
    account = world.store.get_account("recent")
    reads = items_read_by_queries(world)
    assert run_outbox_sweep(world)["sent"] == 1
    assert reads["items"] == 1  # the mail only, not the pending account beside it in the index
    assert world.store.get_account("recent") == account
    assert [m.to for m in world.mails()][-1] == ["recent@laposte.net"]


def test_the_filter_hands_over_only_new_outbox_items():
    from local.streams import matches
    from local.template import stream_consumer

    (pattern,) = stream_consumer().filters
    outbox = {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "OUTBOX#abc"}, "sk": {"S": "OUTBOX"}}}}
    assert matches(pattern, outbox)
    assert not matches(pattern, {**outbox, "eventName": "MODIFY"})  # its own updates (claimed, sent)
    account = {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "ACCOUNT#jdupont12"}, "sk": {"S": "ACCOUNT"}}}}
    assert not matches(pattern, account)
