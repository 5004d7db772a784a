"""Mails: the validation mail reads like the leaflet's; every mail leaves through SES with its account's tag, and
SES's refusals are told apart (another address needed, or retry later)."""

import re
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ent_accounts.errors import AddressUndeliverable, MailUnavailable
from ent_accounts.mail import SUBJECTS, Mailer, compose, identifier_from_tags, message_tags, validation_mail
from ent_accounts.templates import french_date, french_datetime


def test_validation_mail_text_and_html():
    link = "https://ent.example.fr/valider-adresse-mail?code=abc<def>"
    mail = validation_mail("eleve@laposte.net", link, datetime(2027, 2, 28, 14, 37, tzinfo=UTC), "jdupont12")
    assert mail.subject == "Message des services en ligne – Activation de votre compte"
    assert "Vous disposez d'un délai de 3 mois pour activer votre compte" in mail.text
    assert "28 février 2027 à 15 h 37" in mail.text  # Paris time (UTC+1 in winter)
    assert link in mail.text
    assert "abc&lt;def&gt;" in mail.html and "<def>" not in mail.html  # escaped in HTML
    assert (
        "reprendre contact avec l'établissement" in mail.html
        or "reprendre contact avec l&#39;établissement" in mail.html
    )


KINDS = {
    "validation": {"link": "https://ent.example.fr/v?code=c", "deadline": datetime(2027, 2, 28, 14, 37, tzinfo=UTC)},
    "reminder": {"link": "https://ent.example.fr/v?code=c", "deadline": datetime(2027, 2, 28, 14, 37, tzinfo=UTC)},
    "password_reset": {"link": "https://ent.example.fr/r?code=c", "expires_at": datetime(2027, 1, 1, tzinfo=UTC)},
    "password_changed": {"changed_at": datetime(2027, 1, 1, tzinfo=UTC)},
    "email_change": {"link": "https://ent.example.fr/v?code=c", "expires_at": datetime(2027, 1, 1, tzinfo=UTC)},
    "email_change_notice": {},
    "school_reset": {"reset_at": datetime(2027, 1, 1, tzinfo=UTC)},
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_mail_greets_and_names_its_account_under_the_leaflets_subject(kind):
    """A parent with several children's accounts on one address knows which one the mail is about."""
    mail = compose(kind, "parent@laposte.net", identifier="jdupont12", first_name="Jeanne", **KINDS[kind])
    assert mail.subject.startswith("Message des services en ligne – ")  # the leaflet's dash
    for part in (mail.text, mail.html):
        assert "Bonjour Jeanne," in part
        assert "Compte concerné : " in part and "jdupont12" in part


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_html_part_is_styled_inline_for_mail_clients(kind):
    mail = compose(kind, "parent@laposte.net", identifier="jdupont12", first_name="Jeanne", **KINDS[kind])
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in mail.html
    assert "<style" not in mail.html and "class=" not in mail.html  # many clients drop both
    assert "max-width:600px" in mail.html
    if "link" in KINDS[kind]:  # the link is a button, and its address is there too for clients without one
        link = KINDS[kind]["link"]
        assert mail.html.count(f'href="{link}"') == 2 and "background-color:#000091" in mail.html
        assert link in mail.text


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


# --- the forgotten-identifier mail: several accounts, one mailbox ---------------------------------------------


def reminder_of(*people):
    from ent_accounts.accounts import Account, Role, Status
    from ent_accounts.flows.forgotten_identifier import identifier_reminder_mail
    from ent_accounts.links import Links

    accounts = [
        Account(identifier, "0341234A", Role(role), first, "Dupont", Status.ACTIVE, email="f@laposte.net")
        for identifier, role, first in people
    ]
    return identifier_reminder_mail(accounts, Links("https://ent.example.fr"))


@pytest.mark.parametrize(
    ("people", "register"),
    [
        ((("jdupont12", "eleve", "Jeanne"), ("ldupont", "eleve", "Léo")), "tu"),
        ((("pdupont", "parent", "Paul"),), "vous"),
        ((("jdupont12", "eleve", "Jeanne"), ("pdupont", "parent", "Paul")), "vous"),  # a parent's mailbox
    ],
)
def test_the_identifier_mail_lists_each_account_and_speaks_to_its_reader(people, register):
    mail = reminder_of(*people)
    assert mail.subject == "Message des services en ligne – Identifiant oublié"
    assert mail.kind == "identifier_reminder" and mail.identifier == people[0][0]  # a bounce marks the first
    for part in (mail.text, mail.html):
        for identifier, role, first in people:
            assert f"{first} ({'parent' if role == 'parent' else 'élève'}) : identifiant" in part and identifier in part
        assert "https://ent.example.fr/connexion" in part and "https://ent.example.fr/mot-de-passe-oublie" in part
        assert "Compte concerné" not in part  # the list names them all
        assert ("Pour te connecter" in mail.text) is (register == "tu")
        assert ("ignorez ce message" in part) is (register == "vous")
    assert mail.html.count('href="https://ent.example.fr/connexion"') == 2  # the button, and its address
    assert "<style" not in mail.html and "class=" not in mail.html
    greeting = f"Bonjour {people[0][2]}," if len(people) == 1 else "Bonjour,"
    assert greeting in mail.text and greeting in mail.html


def test_the_identifier_mail_escapes_names():
    mail = reminder_of(("jdupont12", "eleve", "<b>Jeanne</b>"))
    assert "<b>Jeanne</b>" not in mail.html and "&lt;b&gt;Jeanne&lt;/b&gt;" in mail.html


# --- each mail in its reader's register (issue 18): "tu" to a student, "vous" to a parent ----------------------

VOUS = re.compile(r"\b(vous|votre|vos)\b", re.IGNORECASE)
TU = re.compile(r"\b(tu|te|t'|ton|ta|tes|toi)\b", re.IGNORECASE)


def body(part: str) -> str:
    """What the reader reads below the subject: the HTML part's <title> (the leaflet's subject again) left out."""
    head, title, rest = part.partition("<title>")
    return head + rest.partition("</title>")[2] if title else part


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_student_reads_every_mail_with_tu_under_the_leaflets_subject(kind):
    mail = compose(kind, "eleve@laposte.net", identifier="jdupont12", first_name="Léa", audience="eleve", **KINDS[kind])
    assert mail.subject == SUBJECTS[kind]  # the same words whoever reads them (tests/integration/test_wording.py)
    for part in (mail.text, mail.html):
        text = body(part)
        assert not VOUS.search(text), VOUS.search(text)
        assert TU.search(text)
        assert "Compte concerné : " in text and "Bonjour Léa," in text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_parent_reads_every_mail_with_vous(kind):
    mail = compose(
        kind, "parent@laposte.net", identifier="pdupont", first_name="Paul", audience="parent", **KINDS[kind]
    )
    assert mail.subject == SUBJECTS[kind]
    for part in (mail.text, mail.html):
        text = body(part)
        assert not TU.search(text), TU.search(text)
        assert VOUS.search(text)


def test_the_validation_mail_a_student_receives_says_tu():
    mail = validation_mail("eleve@laposte.net", "https://x/v?code=c", DEADLINE, "jdupont12", "Léa", audience="eleve")
    assert mail.subject == "Message des services en ligne – Activation de votre compte"
    assert "tu souhaites accéder aux services en ligne" in mail.text
    assert "Tu disposes d'un délai de 3 mois pour activer ton compte" in mail.text
    assert "copie cette adresse dans ton navigateur" in mail.html


def test_school_staff_are_mailed_with_vous():
    mail = compose(
        "staff_invitation",
        "direction@ac-montpellier.fr",
        identifier="direction@ac-montpellier.fr",
        first_name="Anne",
        link="https://ent.example.fr/etablissement/invitation?code=c",
        expires_at=DEADLINE,
        uai="0341234A",
        role_label="direction",
    )
    for part in (mail.text, mail.html):
        assert not TU.search(body(part))
    assert "copiez cette adresse dans votre navigateur" in mail.html
