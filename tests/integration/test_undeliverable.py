"""Mail that does not arrive: SES bounces and complaints mark the address on the account, the student is told and
corrects it; addresses SES refuses outright get a 400 asking for another one, never an error page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber

from local.events import ses_event, sns_event
from local.mailbox import Mailbox
from tests.integration.helpers import NEW_PASSWORD, activate, challenge, first_connection, last_code, login
from tests.support.store_helpers import audit_events

TYPO = "jeanne@laposte.nt"
CORRECTED = "jeanne@laposte.net"


@pytest.fixture
def sent(world) -> Mailbox:
    """Every SendEmail request of the service (with its tags), as SES receives it."""
    mailbox = Mailbox(world.clock)
    mailbox.watch(world.services.mailer.client)
    return mailbox


def ses_reports(world, sent, address, event_type="Bounce", **bounce):
    """SES publishes what happened to the newest mail sent to `address`; SNS hands it to the mail events function."""
    record = ses_event(event_type, sent.last_request_to(address), recipients=[address], **bounce)
    return world.functions.invoke("MailEventsFunction", sns_event(record))


def resend(world, email=None):
    body = {"identifier": "jdupont12", "password": NEW_PASSWORD}
    if email:
        body["email"] = email
    return world.call("POST", "/api/validation-mail", body)


def me(world):
    token = login(world, "jdupont12", NEW_PASSWORD).json()["session_token"]
    return world.call("GET", "/api/account", headers={"Authorization": f"Bearer {token}"}).json()


def test_a_bounced_validation_mail_is_shown_on_the_pending_answer_and_the_correction_clears_it(world, sent):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=TYPO)
    assert ses_reports(world, sent, TYPO) == {"marked": 1}

    answer = login(world, "jdupont12", NEW_PASSWORD)
    body = answer.json()
    assert answer.status == 403 and body["error"] == "account_pending_validation"
    assert body["email_undeliverable"]["address"] == TYPO and body["email_undeliverable"]["reason"] == "bounce"
    assert f"n'a pas pu être remis à {TYPO}" in body["message"] and "Corrige ton adresse" in body["message"]
    assert body["validation_deadline"] == "2027-02-28T14:37:00Z"

    # Sending again to the same address is refused without asking SES: it would only bounce again.
    mails_before = len(world.mails())
    again = resend(world)
    assert again.status == 400 and again.json()["error"] == "email_undeliverable"
    assert "indique une autre adresse" in again.json()["fields"]["email"]
    assert len(world.mails()) == mails_before

    assert resend(world, CORRECTED).status == 202
    assert world.mails()[-1].to == [CORRECTED]
    body = login(world, "jdupont12", NEW_PASSWORD).json()
    assert "email_undeliverable" not in body and body["validation_deadline"] == "2027-02-28T14:37:00Z"
    assert world.call("POST", "/api/validate-email", {"code": last_code(world, CORRECTED)}).status == 200


def test_a_late_bounce_of_an_address_already_corrected_changes_nothing(world, sent):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=TYPO)
    assert resend(world, CORRECTED).status == 202
    assert ses_reports(world, sent, TYPO) == {"stale": 1}
    assert "email_undeliverable" not in login(world, "jdupont12", NEW_PASSWORD).json()


def test_an_event_delivered_twice_marks_once(world, sent):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=TYPO)
    assert ses_reports(world, sent, TYPO) == {"marked": 1}
    assert ses_reports(world, sent, TYPO) == {"already_marked": 1}
    events = [event["type"] for event in audit_events(world.store, "jdupont12")]
    assert events.count("email_undeliverable") == 1


@pytest.mark.parametrize(
    ("bounce_type", "subtype"),
    [("Transient", "MailboxFull"), ("Undetermined", "Undetermined")],
)
def test_soft_bounces_leave_the_address_alone(world, sent, bounce_type, subtype):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=TYPO)
    assert ses_reports(world, sent, TYPO, bounce_type=bounce_type, bounce_subtype=subtype) == {"transient_bounce": 1}
    assert "email_undeliverable" not in login(world, "jdupont12", NEW_PASSWORD).json()


def test_an_address_on_the_suppression_list_is_reported_and_marked(world, sent):
    # SES accepts mail to a suppressed address, does not try it, and publishes a bounce with this subtype.
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=TYPO)
    assert ses_reports(world, sent, TYPO, bounce_subtype="OnAccountSuppressionList") == {"marked": 1}
    assert login(world, "jdupont12", NEW_PASSWORD).json()["email_undeliverable"]["reason"] == "bounce"


def test_a_mail_without_the_account_tag_is_logged_and_ignored(world, sent, log_lines):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=TYPO)
    request = {**sent.last_request_to(TYPO), "EmailTags": []}
    outcome = world.functions.invoke("MailEventsFunction", sns_event(ses_event("Bounce", request)))
    assert outcome == {"untagged": 1}
    assert any(line["message"] == "mail event without an account tag" for line in log_lines.json())


def test_the_bounce_of_an_account_deleted_since_is_ignored(world, sent):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=TYPO)
    world.clock.set(datetime(2027, 3, 1, tzinfo=UTC))  # past the deadline: the account reads as absent
    assert ses_reports(world, sent, TYPO) == {"unknown_account": 1}


def test_an_active_accounts_address_that_bounces_is_shown_and_no_longer_mailed(world, sent):
    world.provision("jdupont12")
    activate(world, "jdupont12", email=CORRECTED)
    mails_before = len(world.mails())
    world.call("POST", "/api/password/forgot", {"identifier": "jdupont12"})
    world.deliver_queued_mail()
    assert ses_reports(world, sent, CORRECTED) == {"marked": 1}  # the mailbox was closed since

    view = me(world)
    assert view["email_undeliverable"] == {
        "address": CORRECTED,
        "reason": "bounce",
        "message": (
            f"Les mails envoyés à {CORRECTED} ne sont pas arrivés : l'adresse est peut-être mal écrite ou n'existe "
            "plus. Indique une autre adresse mail."
        ),
    }
    # A forgotten password answers as always, but mails nothing to an address that bounces.
    forgot = world.call("POST", "/api/password/forgot", {"identifier": "jdupont12"})
    assert forgot.status == 202 and world.deliver_queued_mail() == {"delivered": 1, "failed": 0}
    assert len(world.mails()) == mails_before + 1
    assert "password_reset_refused_undeliverable" in [event["type"] for event in audit_events(world.store, "jdupont12")]


def test_a_new_address_replaces_the_one_that_bounced_once_confirmed(world, sent):
    world.provision("jdupont12")
    activate(world, "jdupont12", email=CORRECTED)
    world.call("POST", "/api/password/forgot", {"identifier": "jdupont12"})
    world.deliver_queued_mail()
    ses_reports(world, sent, CORRECTED)
    token = login(world, "jdupont12", NEW_PASSWORD).json()["session_token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"current_password": NEW_PASSWORD, "new_email": "jeanne@free.fr", "new_email_confirmation": "jeanne@free.fr"}
    mails_before = len(world.mails())
    assert world.call("POST", "/api/account/email", body, headers=headers).status == 202
    # Only the confirmation left: the notice to the old address would bounce.
    assert [mail.to for mail in world.mails()[mails_before:]] == [["jeanne@free.fr"]]
    assert world.call("POST", "/api/validate-email", {"code": last_code(world, "jeanne@free.fr")}).status == 200
    view = world.call("GET", "/api/account", headers=headers).json()
    assert view["email"] == "jeanne@free.fr" and view["email_undeliverable"] is None


def test_a_bounced_address_change_is_shown_and_that_address_refused_again(world, sent):
    world.provision("jdupont12")
    activate(world, "jdupont12", email=CORRECTED)
    token = login(world, "jdupont12", NEW_PASSWORD).json()["session_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def change(address):
        body = {"current_password": NEW_PASSWORD, "new_email": address, "new_email_confirmation": address}
        return world.call("POST", "/api/account/email", body, headers=headers)

    assert change(TYPO).status == 202
    assert ses_reports(world, sent, TYPO) == {"marked": 1}
    view = world.call("GET", "/api/account", headers=headers).json()
    assert view["pending_email"] == TYPO and view["email_undeliverable"]["address"] == TYPO
    refused = change(TYPO)
    assert refused.status == 400 and set(refused.json()["fields"]) == {"new_email"}
    assert change("jeanne@free.fr").status == 202
    assert world.call("GET", "/api/account", headers=headers).json()["email_undeliverable"] is None


def test_a_complaint_stops_the_mail_to_that_address(world, sent):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=TYPO)
    assert ses_reports(world, sent, TYPO, "Complaint") == {"marked": 1}
    body = login(world, "jdupont12", NEW_PASSWORD).json()
    assert body["email_undeliverable"]["reason"] == "complaint"
    assert "signalé comme indésirable" in body["email_undeliverable"]["message"]


def test_no_reminder_to_an_address_that_bounced(world, sent):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email=TYPO)
    ses_reports(world, sent, TYPO)
    world.clock.set(datetime(2027, 1, 29, tzinfo=UTC))  # a month before the deadline
    mails_before = len(world.mails())
    summary = world.functions.invoke("ExpireAccountsFunction", {"source": "aws.events"})
    assert summary["reminders_undeliverable"] == 1 and summary["reminders_sent"] == 0
    assert len(world.mails()) == mails_before
    assert "reminder_not_sent" in [event["type"] for event in audit_events(world.store, "jdupont12")]
    # The account still expires at its deadline.
    world.clock.set(datetime(2027, 2, 28, 14, 37, 1, tzinfo=UTC))
    assert world.functions.invoke("ExpireAccountsFunction", {"source": "aws.events"})["deleted"] == 1


# --- addresses SES refuses when asked to send --------------------------------------------------------------------


def refusing_address(world):
    """SES answering as it does for an address it cannot send to."""
    stubber = Stubber(world.services.mailer.client)
    stubber.add_client_error("send_email", "BadRequestException", "Illegal address", 400)
    return stubber


def test_first_connection_with_an_address_ses_refuses_marks_it_and_asks_for_another(world):
    """The mail leaves from the outbox after the first connection committed: SES refusing the address marks it on
    the account as a bounce would, and the student is asked for another one (the same one is refused at once)."""
    provisional = world.provision("jdupont12")
    token = challenge(world, "jdupont12", provisional)
    body = {"challenge_token": token, "new_password": NEW_PASSWORD, "birth_date": "2011-05-14", "email": TYPO}
    with refusing_address(world):
        answer = world.call("POST", "/api/first-connection", body)
    assert answer.status == 200 and answer.json()["status"] == "pending_validation"
    account = world.store.get_account("jdupont12")
    assert account.undeliverable_email == TYPO and account.undeliverable_reason == "bounce"
    outbox = [i for i in world.items() if i["pk"]["S"].startswith("OUTBOX#")]
    assert [(i["state"]["S"], i["last_error"]["S"]) for i in outbox] == [("failed", "undeliverable")]
    answer = resend(world, TYPO)
    assert answer.status == 400 and set(answer.json()["fields"]) == {"email"}
    assert resend(world, CORRECTED).status == 202
    assert world.mails()[-1].to == [CORRECTED]


def test_an_address_change_to_an_address_ses_refuses_is_marked_and_refused_next_time(world):
    world.provision("amartin")
    activate(world, "amartin", email="adam@laposte.net")
    token = login(world, "amartin", NEW_PASSWORD).json()["session_token"]
    body = {"current_password": NEW_PASSWORD, "new_email": TYPO, "new_email_confirmation": TYPO}
    with refusing_address(world):
        answer = world.call("POST", "/api/account/email", body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 202 and answer.json()["status"] == "confirmation_sent"
    account = world.store.get_account("amartin")
    assert account.pending_email == TYPO and account.undeliverable_email == TYPO
    answer = world.call("POST", "/api/account/email", body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 400 and set(answer.json()["fields"]) == {"new_email"}


def test_a_non_ascii_mailbox_name_is_refused_before_ses_is_asked(world):
    provisional = world.provision("jdupont12")
    body = {
        "challenge_token": challenge(world, "jdupont12", provisional),
        "new_password": NEW_PASSWORD,
        "birth_date": "2011-05-14",
        "email": "jéanne@laposte.net",  # valid for the form, but SES cannot deliver it (no SMTPUTF8)
    }
    answer = world.call("POST", "/api/first-connection", body)
    assert answer.status == 400 and answer.json()["error"] == "email_undeliverable"
    assert world.mails() == []
