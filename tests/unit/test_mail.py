"""Mails: the validation mail reads like the leaflet's; every mail leaves through SES with its account's tag, and
SES's refusals are told apart (another address needed, or retry later)."""

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ent_accounts.errors import AddressUndeliverable, MailUnavailable
from ent_accounts.mail import Mailer, compose, identifier_from_tags, message_tags, validation_mail
from ent_accounts.templates import french_date, french_datetime


def test_validation_mail_text_and_html():
    link = "https://ent.example.fr/valider-adresse-mail?code=abc<def>"
    mail = validation_mail("eleve@laposte.net", link, datetime(2027, 2, 28, 14, 37, tzinfo=UTC), "jdupont12")
    assert mail.subject == "Message des services en ligne - Activation de votre compte"
    assert "Vous disposez d'un délai de 3 mois pour activer votre compte" in mail.text
    assert "28 février 2027 à 15 h 37" in mail.text  # Paris time (UTC+1 in winter)
    assert link in mail.text
    assert "abc&lt;def&gt;" in mail.html and "<def>" not in mail.html  # escaped in HTML
    assert (
        "reprendre contact avec l'établissement" in mail.html
        or "reprendre contact avec l&#39;établissement" in mail.html
    )


def test_french_dates():
    assert french_date(datetime(2027, 3, 1, 12, tzinfo=UTC)) == "1er mars 2027"
    assert french_datetime(datetime(2027, 8, 15, 22, 5, tzinfo=UTC)) == "16 août 2027 à 0 h 05"


# --- sending through SES ------------------------------------------------------------------------------------------


DEADLINE = datetime(2027, 2, 28, 14, 37, tzinfo=UTC)


def stubbed_mailer(configuration_set="ent-accounts-prod"):
    client = boto3.client("sesv2", region_name="eu-west-3")
    return Mailer("noreply@ent.example.fr", client=client, configuration_set=configuration_set), Stubber(client)


def test_every_mail_goes_through_the_configuration_set_tagged_with_its_account():
    mailer, stubber = stubbed_mailer()
    expected = {
        "FromEmailAddress": "noreply@ent.example.fr",
        "Destination": {"ToAddresses": ["eleve@laposte.net"]},
        "Content": ANY,
        "EmailTags": [{"Name": "kind", "Value": "validation"}, {"Name": "account", "Value": "jdupont12"}],
        "ConfigurationSetName": "ent-accounts-prod",
    }
    stubber.add_response("send_email", {"MessageId": "m-1"}, expected)
    with stubber:
        mailer.send(validation_mail("eleve@laposte.net", "https://x/v?code=c", DEADLINE, "jdupont12"))
    stubber.assert_no_pending_responses()


def test_without_a_configuration_set_none_is_named():
    mailer, stubber = stubbed_mailer(configuration_set="")
    stubber.add_response(
        "send_email",
        {"MessageId": "m-1"},
        {"FromEmailAddress": ANY, "Destination": ANY, "Content": ANY, "EmailTags": ANY},
    )
    with stubber:
        mailer.send(compose("password_changed", "a@laposte.net", identifier="jdupont12", changed_at=DEADLINE))


@pytest.mark.parametrize("identifier", ["jdupont12", "j.dupont", "élodie-lebihan", "o'brien"])
def test_the_account_is_read_back_from_the_tags_ses_publishes(identifier):
    mail = validation_mail("eleve@laposte.net", "https://x", DEADLINE, identifier)
    tags = message_tags(mail)
    assert all(len(tag["Value"]) <= 256 and tag["Value"].replace("_", "").replace("-", "").isalnum() for tag in tags)
    published = {tag["Name"]: [tag["Value"]] for tag in tags} | {"ses:configuration-set": ["ent-accounts-dev"]}
    assert identifier_from_tags(published) == identifier


def test_an_address_ses_refuses_asks_for_another_one():
    mailer, stubber = stubbed_mailer()
    stubber.add_client_error("send_email", "BadRequestException", "Illegal address", 400)
    with stubber, pytest.raises(AddressUndeliverable) as refused:
        mailer.send(validation_mail("eleve@laposte", "https://x", DEADLINE, "jdupont12"))
    assert refused.value.status == 400 and refused.value.code == "email_undeliverable"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        # In the SES sandbox, or with a sender outside the verified identity: the operator's problem.
        ("MessageRejected", "Email address is not verified. The following identities failed the check: x@y.fr"),
        ("TooManyRequestsException", "Maximum sending rate exceeded."),
        ("SendingPausedException", "Sending is paused for this account."),
        ("NotFoundException", "Configuration set <ent-accounts-dev> does not exist."),
        ("AccountSuspendedException", "Your account is suspended."),
    ],
)
def test_ses_unable_to_send_is_a_503_to_retry_later(code, message):
    mailer, stubber = stubbed_mailer()
    stubber.add_client_error("send_email", code, message, 400)
    with stubber, pytest.raises(MailUnavailable) as unavailable:
        mailer.send(validation_mail("eleve@laposte.net", "https://x", DEADLINE, "jdupont12"))
    assert unavailable.value.status == 503 and unavailable.value.headers["Retry-After"] == "60"


def test_an_international_domain_is_sent_in_its_ascii_form():
    mailer, stubber = stubbed_mailer()
    expected_to = {"ToAddresses": ["eleve@xn--cole-9oa.fr"]}
    stubber.add_response(
        "send_email",
        {"MessageId": "m-1"},
        {
            "FromEmailAddress": ANY,
            "Destination": expected_to,
            "Content": ANY,
            "EmailTags": ANY,
            "ConfigurationSetName": ANY,
        },
    )
    with stubber:
        mailer.send(validation_mail("eleve@école.fr", "https://x", DEADLINE, "jdupont12"))
    stubber.assert_no_pending_responses()


def test_a_non_ascii_mailbox_name_never_reaches_ses():
    mailer, stubber = stubbed_mailer()  # no response queued: a call would fail the test
    with stubber, pytest.raises(AddressUndeliverable):
        mailer.send(validation_mail("élève@laposte.net", "https://x", DEADLINE, "jdupont12"))


def test_a_notice_that_cannot_leave_does_not_undo_anything():
    mailer, stubber = stubbed_mailer()
    stubber.add_client_error("send_email", "BadRequestException", "Illegal address", 400)
    stubber.add_client_error("send_email", "TooManyRequestsException", "Maximum sending rate exceeded.", 429)
    notice = compose("password_changed", "a@laposte.net", identifier="jdupont12", changed_at=DEADLINE)
    with stubber:
        assert mailer.send_notice(notice) is False
        assert mailer.send_notice(notice) is False
