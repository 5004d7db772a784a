"""Forgotten identifier: the identifiers of the accounts whose validated address it is, mailed to that address only,
with the same answer, the same work and the same limits for every address."""

from __future__ import annotations

import importlib.util
import re
import statistics
import time
from datetime import timedelta

import pytest

from ent_accounts.accounts import Role, Status
from ent_accounts.flows.mail_events import mark_undeliverable
from ent_accounts.passwords import hash_password
from local.harness import REGION
from tests.integration.helpers import NEW_PASSWORD, activate, dynamodb_requests, first_connection, session_token
from tests.integration.test_abuse import discard_queued_mail
from tests.support.browser import Browser
from tests.support.server import ROOT
from tests.support.store_helpers import audit_events

FAMILY = "famille.dupont@laposte.net"
SUBJECT = "Message des services en ligne – Identifiant oublié"
ANSWER = "Si cette adresse mail a été validée pour un ou plusieurs comptes, un mail vient d'y être envoyé"


def forgot(world, email):
    """Ask for the identifiers, then let the mail queue's consumer run, as Lambda does a moment after the answer."""
    answer = world.call("POST", "/api/identifier/forgot", {"email": email})
    world.deliver_queued_mail()
    return answer


def reminders(world, since=0):
    return [mail for mail in world.mails()[since:] if mail.subject == SUBJECT]


def listed(mail) -> list[str]:
    """The identifiers the mail lists, in order."""
    return re.findall(r"identifiant <strong[^>]*>([^<]+)</strong>", mail.html)


@pytest.fixture
def family(world):
    """Two siblings and their parent sharing one validated address (typed in different cases), a student of another
    family, an account whose address is still waiting for its link, and one without an address."""
    world.provision("jdupont12", first_name="Jeanne")
    activate(world, "jdupont12", email=FAMILY)
    world.provision("ldupont", first_name="Léo")
    activate(world, "ldupont", email="Famille.Dupont@laposte.net")
    world.provision("pdupont", role=Role.PARENT, first_name="Paul", birth_date=None)
    activate(world, "pdupont", email=FAMILY)
    world.provision("amartin", first_name="Adam", last_name="Martin")
    activate(world, "amartin", email="adam@laposte.net")
    first_connection(world, "cdupont", world.provision("cdupont", first_name="Chloé"), email=FAMILY)
    world.provision("bmartin", first_name="Bruno", last_name="Martin")
    activate(world, "bmartin")
    return world


def test_one_mail_lists_every_account_whose_validated_address_it_is(family):
    before = len(family.mails())
    answer = forgot(family, "  FAMILLE.Dupont@LaPoste.net ")
    assert answer.status == 202 and answer.json() == {"status": "accepted", "message": answer.json()["message"]}
    assert answer.json()["message"].startswith(ANSWER)
    [mail] = family.mails()[before:]
    assert mail.subject == SUBJECT and mail.to[0].casefold() == FAMILY
    # The siblings and their parent; not Chloé, whose address waits for its link (the same address, not validated).
    assert sorted(listed(mail)) == ["jdupont12", "ldupont", "pdupont"]
    assert "Jeanne (élève)" in mail.html and "Léo (élève)" in mail.html and "Paul (parent)" in mail.html
    assert "cdupont" not in mail.html and "Chloé" not in mail.html
    assert "vous connecter" in mail.html or "Se connecter" in mail.html
    assert "Si le mot de passe est aussi oublié, demandez" in mail.html  # a parent's mailbox: "vous"
    assert "https://127.0.0.1:3000/connexion" in mail.html
    assert "https://127.0.0.1:3000/mot-de-passe-oublie" in mail.html
    for identifier in ("jdupont12", "ldupont", "pdupont"):
        assert audit_events(family.store, identifier)[-1]["type"] == "identifier_reminder_sent"
    assert all(event["type"] != "identifier_reminder_sent" for event in audit_events(family.store, "cdupont"))


def test_a_student_alone_on_the_address_is_told_tu(family):
    before = len(family.mails())
    forgot(family, "adam@laposte.net")
    [mail] = reminders(family, before)
    assert listed(mail) == ["amartin"] and "Bonjour Adam," in mail.html
    assert "Si tu as aussi oublié ton mot de passe, demande" in mail.html
    assert "vous" not in mail.html and "copie cette adresse dans ton navigateur" in mail.html  # the button's hint too


def test_the_same_answer_and_no_mail_for_an_address_no_account_validated(family):
    addresses = (FAMILY, "adam@laposte.net", "personne@laposte.net", "chloe.seule@laposte.net")
    before = len(family.mails())
    answers = [forgot(family, address) for address in addresses]
    assert {a.status for a in answers} == {202}
    assert len({a.text for a in answers}) == 1
    assert [mail.to[0].casefold() for mail in family.mails()[before:]] == [FAMILY, "adam@laposte.net"]
    # Nothing readable is kept about an address nobody validated: not in any item, not in any audit event.
    stored = str(family.items()).casefold()
    assert "personne@laposte.net" not in stored and "chloe.seule" not in stored


def test_every_address_costs_the_same_requests(family):
    """One write to the table and one message queued, whether the address lists accounts, waits for a link, or is
    unknown: the lookup is the consumer's."""
    queue_calls = []
    family.sqs.meta.events.register("before-call.sqs.*", lambda model, **_: queue_calls.append(model.name))
    costs = {}
    for address in (FAMILY, "adam@laposte.net", "personne@laposte.net"):
        queue_calls.clear()
        answer, calls = dynamodb_requests(
            family, lambda address=address: family.call("POST", "/api/identifier/forgot", {"email": address})
        )
        assert answer.status == 202
        costs[address] = (calls, list(queue_calls))
    assert set(map(str, costs.values())) == {str((["UpdateItem"], ["SendMessage"]))}, costs
    assert family.queued()[0] == {
        "kind": "identifier_reminder",
        "email": FAMILY,
        "base_url": "https://127.0.0.1:3000",
        "request_id": family.queued()[0]["request_id"],
    }


def test_a_changed_address_lists_the_account_once_the_new_one_is_validated(family):
    token = session_token(family, "amartin")
    change = {"current_password": NEW_PASSWORD, "new_email": "a.martin@laposte.net"}
    change["new_email_confirmation"] = change["new_email"]
    headers = {"Authorization": f"Bearer {token}"}
    assert family.call("POST", "/api/account/email", change, headers=headers).status == 202
    before = len(family.mails())
    forgot(family, "a.martin@laposte.net")  # waiting for its link: not yet the account's validated address
    forgot(family, "adam@laposte.net")  # still the validated one
    [mail] = reminders(family, before)
    assert mail.to == ["adam@laposte.net"] and listed(mail) == ["amartin"]

    validated = family.call("POST", "/api/validate-email", {"code": family.last_code("a.martin@laposte.net")})
    assert validated.status == 200, validated.text
    before = len(family.mails())
    forgot(family, "adam@laposte.net")  # the old address no longer lists it
    forgot(family, "A.Martin@laposte.net")
    [mail] = reminders(family, before)
    assert mail.to == ["a.martin@laposte.net"] and listed(mail) == ["amartin"]


def test_an_address_reported_undeliverable_is_skipped(family):
    mark_undeliverable(family.services, "amartin", "adam@laposte.net", "bounce", "test")
    mark_undeliverable(family.services, "ldupont", FAMILY, "bounce", "test")
    before = len(family.mails())
    forgot(family, "adam@laposte.net")
    forgot(family, FAMILY)
    [mail] = reminders(family, before)
    # Léo's account was told this address bounces: it is left out, as its reset links and notices are.
    assert sorted(listed(mail)) == ["jdupont12", "pdupont"]


def test_the_hourly_allowance_is_per_address_whatever_its_case_and_for_unknown_ones_too(family):
    for address in ("adam@laposte.net", "personne@laposte.net"):
        for _ in range(family.services.settings.mails_per_hour):
            assert family.call("POST", "/api/identifier/forgot", {"email": address}).status == 202
        refused = family.call("POST", "/api/identifier/forgot", {"email": address.upper()})
        assert refused.status == 429 and refused.header("Retry-After") == "3600"
        assert refused.json()["error"] == "too_many_requests" and "cette adresse mail" in refused.json()["message"]
    assert family.call("POST", "/api/identifier/forgot", {"email": FAMILY}).status == 202  # another address
    family.clock.advance(hours=1)
    assert family.call("POST", "/api/identifier/forgot", {"email": "adam@laposte.net"}).status == 202


def test_the_mailbox_gets_at_most_its_daily_allowance_apart_from_reset_links(family):
    per_day = family.services.settings.reset_mails_per_address_per_day
    family.clock.set((family.clock.now() + timedelta(days=1)).replace(hour=0, minute=5))  # a whole day ahead
    before = len(family.mails())
    for _ in range(per_day + 2):
        assert forgot(family, FAMILY).status == 202
        family.clock.advance(minutes=61)  # a new hour: the hourly allowance is not what stops it
    assert len(reminders(family, before)) == per_day
    assert audit_events(family.store, "pdupont")[-1]["type"] == "identifier_reminder_refused_address_limit"
    # The forgotten-password links to that mailbox count apart: the reminders did not spend them.
    family.call("POST", "/api/password/forgot", {"identifier": "ldupont"})
    family.deliver_queued_mail()
    assert "Réinitialisation" in family.mails()[-1].subject
    family.clock.advance(days=1)
    assert len(reminders(family, before)) == per_day
    forgot(family, FAMILY)
    assert len(reminders(family, before)) == per_day + 1


def test_a_request_whose_mail_ses_refused_at_first_spends_the_daily_allowance_once(family):
    """SES refusing to send (throttling, an outage): the queue hands the message over again, up to its
    maxReceiveCount, and the mail leaves at the last try. The mailbox's daily allowance was taken once for that
    request, not at each try: the day's other requests still get their mails, up to the allowance."""
    per_day = family.services.settings.reset_mails_per_address_per_day
    family.clock.set((family.clock.now() + timedelta(days=1)).replace(hour=0, minute=5))
    before = len(family.mails())
    family.services.mailer.sender = "noreply@unverified.example.com"  # SES refuses an unverified sender
    assert family.call("POST", "/api/identifier/forgot", {"email": FAMILY}).status == 202
    for _ in range(4):  # the queue's first four receives: SES refuses, the message goes back
        family.deliver_queued_mail()
    assert reminders(family, before) == [] and family.queued("FailedEventsQueue") == []
    family.services.mailer.sender = "noreply@ent.example.fr"
    family.deliver_queued_mail()  # its fifth and last receive: it leaves
    assert len(reminders(family, before)) == 1
    for _ in range(per_day):
        family.clock.advance(minutes=61)  # a new hour: the hourly allowance is not what stops it
        assert forgot(family, FAMILY).status == 202
    assert len(reminders(family, before)) == per_day  # the first request counted once, then per_day - 1 more
    assert audit_events(family.store, "pdupont")[-1]["type"] == "identifier_reminder_refused_address_limit"


def test_neither_the_address_nor_the_identifiers_are_logged(family, log_lines):
    forgot(family, FAMILY)
    forgot(family, "personne@laposte.net")
    Browser(family).get("/identifiant-oublie")
    text = log_lines.text().casefold()
    assert log_lines.json(), "the handlers logged nothing: the capture is broken"
    assert "identifier_reminder" in text  # the consumer's outcome is logged, by kind
    for secret in (FAMILY, "personne@laposte.net", "famille.dupont", "ldupont", "pdupont"):
        assert secret not in text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "pas-une-adresse"}, "email"),
        ({"email": ""}, "email"),
        ({}, "email"),
        ({"email": "a@b.fr" * 60}, "email"),
    ],
)
def test_a_wrong_address_is_a_french_400(family, body, field):
    answer = family.call("POST", "/api/identifier/forgot", body)
    assert answer.status == 400 and answer.json()["error"] == "invalid_request"
    assert field in answer.json()["fields"]
    assert family.queued() == []


def test_the_page_asks_for_the_address_and_answers_the_same_for_every_one(family):
    browser = Browser(family)
    login = browser.get("/connexion")
    assert 'href="/identifiant-oublie">Identifiant oublié ?</a>' in login.text
    assert 'href="/identifiant-oublie"' in browser.get("/mot-de-passe-oublie").text
    page = browser.get("/identifiant-oublie")
    assert page.status == 200 and "<h1>Identifiant oublié</h1>" in page.text and 'type="email"' in page.text
    wrong = browser.post("/identifiant-oublie", {"email": "pas-une-adresse"})
    assert wrong.status == 400 and "Cette adresse mail n&#39;est pas valide." in wrong.text
    assert 'value="pas-une-adresse"' in wrong.text
    empty = browser.post("/identifiant-oublie", {"email": " "})
    assert empty.status == 400 and "Ce champ est obligatoire." in empty.text
    answers = []
    for address in (FAMILY, "personne@laposte.net"):
        browser.get("/identifiant-oublie")
        answers.append(browser.post("/identifiant-oublie", {"email": address}))
    assert {a.status for a in answers} == {200}
    assert "un mail vient d&#39;y être envoyé avec leurs identifiants" in answers[0].text
    assert answers[0].text.replace(FAMILY, "") == answers[1].text.replace("personne@laposte.net", "")
    family.deliver_queued_mail()
    assert [mail.to[0].casefold() for mail in reminders(family)] == [FAMILY]


def test_the_page_refuses_a_forged_post(family):
    answer = Browser(family).post("/identifiant-oublie", {"email": FAMILY}, csrf=False)
    assert answer.status == 403 and "expiré" in answer.text
    assert family.queued() == []


def test_accounts_validated_before_the_index_are_listed_once_backfilled(family, capsys):
    """A table written by the version before this one: no account carries its mailbox key until the one-off run of
    tools/backfill_recovery_mailbox.py."""
    for identifier in ("jdupont12", "ldupont", "pdupont", "amartin", "cdupont", "bmartin"):
        family.ddb.update_item(
            TableName=family.store.table_name,
            Key={"pk": {"S": f"ACCOUNT#{identifier}"}, "sk": {"S": "ACCOUNT"}},
            UpdateExpression="REMOVE recovery_mailbox",
        )
    before = len(family.mails())
    forgot(family, FAMILY)
    assert reminders(family, before) == []
    versions = {i: family.store.get_account(i).version for i in ("jdupont12", "ldupont", "pdupont", "amartin")}
    capsys.readouterr()  # forget the handlers' metrics lines

    if family.backend == "moto":  # the tool builds its own client, which only moto's mock answers here
        spec = importlib.util.spec_from_file_location("backfill", ROOT / "tools" / "backfill_recovery_mailbox.py")
        tool = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tool)
        assert tool.main(["--table", family.store.table_name, "--region", REGION]) == 0
        assert capsys.readouterr().out.startswith("4 account(s) given their mailbox key; 0 changed meanwhile")
    else:
        assert family.store.backfill_recovery_mailboxes() == (4, 0)
    assert family.store.backfill_recovery_mailboxes() == (0, 0)  # safe to run again
    # Nothing else changed: a write based on an earlier read still goes through.
    assert {i: family.store.get_account(i).version for i in versions} == versions
    forgot(family, FAMILY)
    [mail] = reminders(family, before)
    assert sorted(listed(mail)) == ["jdupont12", "ldupont", "pdupont"]  # not the pending one, nor the one without


def test_the_consumer_counts_mails_sent_and_requests_that_mailed_nothing(family, emitted):
    forgot(family, FAMILY)
    forgot(family, "personne@laposte.net")
    totals = emitted.totals()
    assert totals["IdentifierMailsSent"] == 1 and totals["IdentifierMailsRefused"] == 1
    assert totals["MailsSent"] == 1 and "ResetMailsSent" not in totals


def test_a_forgotten_identifier_takes_the_same_time_whatever_the_address(real_engine):
    """Measured on DynamoDB Local, as the forgotten password is (test_abuse.py): the median answer times for an
    unknown address, an address waiting for its link and a validated address of two accounts stay within half of
    one DynamoDB request of each other, in one of three rounds of 200 requests per kind, interleaved."""
    world = real_engine
    stored = hash_password(NEW_PASSWORD)
    kinds = {
        "unknown": [f"personne{i}@laposte.net" for i in range(8)],
        "pending": [f"attente{i}@laposte.net" for i in range(8)],
        "validated": [f"famille{i}@laposte.net" for i in range(8)],
    }
    for kind in ("pending", "validated"):
        for index, address in enumerate(kinds[kind]):
            for child in ("a", "b"):
                identifier = f"{kind}{child}{index}"
                world.provision(identifier)
                account = world.store.get_account(identifier)
                account.status = Status.ACTIVE if kind == "validated" else Status.PENDING_VALIDATION
                account.password_hash, account.provisional_password_hash = stored, None
                account.email, account.email_verified = address, kind == "validated"
                world.store.transaction().save_account(account).commit()

    def timed(address):
        started = time.perf_counter()
        answer = world.call("POST", "/api/identifier/forgot", {"email": address})
        elapsed = time.perf_counter() - started
        assert answer.status == 202, answer.text
        return elapsed

    gaps = []
    for _round in range(3):
        times = {kind: [] for kind in kinds}
        turn = 0
        for _hour in range(5):
            for index in range(8):
                for _ in range(5):  # the anonymous allowance: 5 an hour per address
                    order = list(kinds)[turn % 3 :] + list(kinds)[: turn % 3]
                    turn += 1
                    for kind in order:
                        times[kind].append(timed(kinds[kind][index]))
                discard_queued_mail(world)
            world.clock.advance(hours=1)
        one_request = []
        for _ in range(100):
            started = time.perf_counter()
            world.store.get_account("validateda0")
            one_request.append(time.perf_counter() - started)
        medians = {kind: statistics.median(values) for kind, values in times.items()}
        gap = max(medians.values()) - min(medians.values())
        request_time = statistics.median(one_request)
        print(
            ", ".join(f"median {kind} {median * 1000:.2f} ms" for kind, median in medians.items())
            + f", gap {gap * 1000:.2f} ms, one DynamoDB request {request_time * 1000:.2f} ms"
        )
        gaps.append(gap / request_time)
        if gap < 0.5 * request_time:
            break
    assert min(gaps) < 0.5, gaps


def test_the_page_says_when_the_hour_is_spent_for_that_address(family):
    browser = Browser(family)
    for _ in range(family.services.settings.mails_per_hour):
        browser.get("/identifiant-oublie")
        assert browser.post("/identifiant-oublie", {"email": "adam@laposte.net"}).status == 200
    browser.get("/identifiant-oublie")
    refused = browser.post("/identifiant-oublie", {"email": "Adam@laposte.net"})
    assert refused.status == 429 and refused.header("Retry-After") == "3600"
    assert "Trop de demandes ont été faites pour cette adresse mail" in refused.text
    assert 'value="Adam@laposte.net"' in refused.text
