"""Business metrics, as CloudWatch reads them: the EMF lines each function writes at the end of an invocation."""

from __future__ import annotations

from datetime import UTC, datetime

from local.events import scheduled_event, ses_event, sns_event
from local.mailbox import Mailbox
from tests.integration.helpers import NEW_PASSWORD, first_connection, last_code, login


def test_the_leaflets_path_counts_each_step(world, emitted):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email="jeanne@laposte.net")
    assert emitted.totals() == {"FirstConnections": 1, "MailsSent": 1}
    world.call("POST", "/api/validate-email", {"code": last_code(world)})
    assert emitted.totals() == {"Validations": 1}
    login(world, "jdupont12", NEW_PASSWORD)
    assert emitted.totals() == {"Logins": 1}


def test_failures_and_the_lock_out_are_counted(world, emitted):
    first_connection(world, "jdupont12", world.provision("jdupont12"))
    emitted.totals()
    for attempt in range(5):
        login(world, "jdupont12", f"Mauvais-{attempt}-Xy")
    login(world, "personne", "Mauvais-0-Xy")  # unknown identifiers count as failures too
    assert emitted.totals() == {"LoginFailures": 6, "LockOuts": 1}


def test_mail_that_cannot_leave_is_counted(world, emitted):
    world.services.mailer.sender = "noreply@unverified.example.com"  # SES refuses an unverified sender
    provisional = world.provision("jdupont12")
    token = login(world, "jdupont12", provisional).json()["challenge_token"]
    body = {"challenge_token": token, "new_password": NEW_PASSWORD, "birth_date": "2011-05-14", "email": "j@l.net"}
    assert world.call("POST", "/api/first-connection", body).status == 200  # the mail waits in the outbox
    assert emitted.totals() == {"FirstConnections": 1, "MailsFailed": 1}  # the sender's first attempt


def test_queued_reset_mails_are_counted_sent_or_refused(world, emitted):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email="jeanne@laposte.net")
    world.call("POST", "/api/validate-email", {"code": last_code(world)})
    emitted.totals()
    for identifier in ("jdupont12", "personne"):
        assert world.call("POST", "/api/password/forgot", {"identifier": identifier}).status == 202
    assert emitted.totals() == {}  # the requests only queue
    world.deliver_queued_mail()
    assert emitted.totals() == {"MailsSent": 1, "ResetMailsSent": 1, "ResetMailsRefused": 1}


def test_the_sweep_always_writes_its_deletions_even_zero(world, emitted):
    for name in ("expire1", "expire2"):
        first_connection(world, name, world.provision(name), email=f"{name}@laposte.net")
    emitted.totals()
    world.functions.invoke("ExpireAccountsFunction", scheduled_event())
    line = emitted.capsys.readouterr().out
    assert '"AccountsExpired":[0.0]' in line  # the alarm's metric exists every day, not only when it deletes
    world.clock.set(datetime(2027, 2, 28, 14, 37, 1, tzinfo=UTC))
    world.functions.invoke("ExpireAccountsFunction", scheduled_event())
    assert emitted.totals() == {"AccountsExpired": 2}


def test_bounces_and_complaints_are_counted(world, emitted):
    sent = Mailbox(world.clock)
    sent.watch(world.services.mailer.client)
    first_connection(world, "jdupont12", world.provision("jdupont12"), email="jeanne@laposte.nt")
    emitted.totals()
    request = sent.last_request_to("jeanne@laposte.nt")
    world.functions.invoke("MailEventsFunction", sns_event(ses_event("Bounce", request)))
    world.functions.invoke("MailEventsFunction", sns_event(ses_event("Complaint", request)))
    assert emitted.totals() == {"Bounces": 1, "Complaints": 1}


def test_sign_ins_to_services_tokens_refusals_and_logouts_are_counted(world, emitted):
    from tests.integration.oidc import code_from, sign_in, sso_world

    rp = sso_world(world)
    emitted.totals()
    browser, code = sign_in(world, rp)
    assert emitted.totals() == {"Logins": 1, "ClientSignIns": 1}
    rp.token(code)
    assert emitted.totals() == {"TokensIssued": 1}
    rp.token(code)  # presented again
    assert emitted.totals() == {"SignInRefusals": 1}
    browser.get(rp.authorize_url(prompt="none"))
    code_from(browser, rp)
    assert emitted.totals() == {"ClientSignIns": 1}
    browser.get("/bureau")
    browser.post("/deconnexion", {})
    assert emitted.totals() == {"Logouts": 1}
    world.call("GET", rp.authorize_url(prompt="none"))  # login_required: no session any more
    assert emitted.totals() == {"SignInRefusals": 1}
