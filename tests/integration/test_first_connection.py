"""POST /api/first-connection: personal password, birth date, optional e-mail."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from ent_accounts.errors import AlreadyCompleted
from ent_accounts.flows.first_connection import complete_first_connection
from ent_accounts.links import Links
from ent_accounts.services import services
from tests.integration.helpers import BIRTH_DATE, NEW_PASSWORD, challenge, login
from tests.support.links import code_in
from tests.support.store_helpers import audit_events, login_throttle


def submit(world, token, password=NEW_PASSWORD, birth_date=BIRTH_DATE, email=None):
    body = {"challenge_token": token, "new_password": password, "birth_date": birth_date}
    if email is not None:
        body["email"] = email
    return world.call("POST", "/api/first-connection", body)


def test_without_email_the_account_is_active_at_once_without_recovery(world):
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    answer = submit(world, token)
    assert answer.status == 200
    assert answer.json() == {"status": "active", "recovery_email": False}
    assert world.mails() == []
    assert login(world, "jdupont12", NEW_PASSWORD).json()["status"] == "authenticated"
    account = world.store.get_account("jdupont12")
    assert account.status == "ACTIVE" and account.email is None and account.provisional_password_hash is None
    assert account.password_hash.startswith("$argon2id$")


def test_with_email_the_account_waits_and_carries_its_ttl(world):
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    answer = submit(world, token, email="Jeanne.Dupont@LaPoste.net")
    assert answer.json() == {"status": "pending_validation", "validation_deadline": "2027-02-28T14:37:00Z"}
    [mail] = world.mails()
    assert mail.to == ["Jeanne.Dupont@laposte.net"]  # domain normalised, local part kept
    [item] = [i for i in world.items() if i["sk"]["S"] == "ACCOUNT"]
    assert item["status"]["S"] == "PENDING_VALIDATION"
    assert int(item["expires_at"]["N"]) == 1803825420  # 2027-02-28T14:37:00Z, DynamoDB's TTL backstop
    assert "expiry_shard" in item


def test_birth_date_must_match_the_schools_record_and_nothing_changes(world):
    provisional = world.provision("jdupont12", birth_date=date(2011, 5, 14))
    token = challenge(world, "jdupont12", provisional)
    answer = submit(world, token, birth_date="2011-05-15", email="jeanne@laposte.net")
    assert answer.status == 400
    assert answer.json()["error"] == "invalid_request"
    assert answer.json()["fields"] == {
        "birth_date": "La date de naissance ne correspond pas à celle connue de ton établissement."
    }
    assert world.store.get_account("jdupont12").status == "PROVISIONED"
    assert world.mails() == []
    assert submit(world, token).status == 200  # the same challenge still works once corrected


def test_birth_date_is_recorded_when_the_school_had_none(world):
    token = challenge(world, "jdupont12", world.provision("jdupont12", birth_date=None))
    assert submit(world, token, birth_date="2010-01-31").status == 200
    assert world.store.get_account("jdupont12").birth_date == date(2010, 1, 31)


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("court1A", "au moins 8"),
        ("toutenminuscule", "3 types"),
        ("Azerty123", "trop courant"),
        ("Motdepasse1!", "trop courant"),
        ("P@ssw0rd", "trop courant"),
        ("Jdupont12!", "identifiant"),
        ("Jeanne-2011!", "ton nom ni ton prénom"),  # the account is Jeanne Dupont's
    ],
)
def test_weak_passwords_are_refused_next_to_the_field(world, password, fragment):
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    answer = submit(world, token, password=password)
    assert answer.status == 400
    assert fragment in answer.json()["fields"]["new_password"]


def test_the_provisional_password_cannot_become_the_personal_one(world):
    provisional = world.provision("jdupont12")
    answer = submit(world, challenge(world, "jdupont12", provisional), password=provisional)
    assert answer.status == 400 and "provisoire" in answer.json()["fields"]["new_password"]


@pytest.mark.parametrize("email", ["pas-une-adresse", "a@b", "jeanne@laposte.net\r\nBcc: x@y.fr", "é@@laposte.net"])
def test_bad_email_is_refused(world, email):
    answer = submit(world, challenge(world, "jdupont12", world.provision("jdupont12")), email=email)
    assert answer.status == 400
    assert answer.json()["fields"] == {"email": "Cette adresse mail n'est pas valide."}


def test_blank_email_means_no_email(world):
    answer = submit(world, challenge(world, "jdupont12", world.provision("jdupont12")), email="  ")
    assert answer.json()["status"] == "active"


def test_forged_and_expired_challenges_are_refused(world):
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    assert submit(world, "x" * 43).json()["error"] == "invalid_challenge"
    assert submit(world, token[:-2]).status == 401
    world.clock.advance(minutes=15, seconds=1)
    answer = submit(world, token)
    assert answer.status == 401 and answer.json()["error"] == "invalid_challenge"
    assert "mot de passe provisoire" in answer.json()["message"]


def test_the_same_form_sent_again_gets_the_same_answer_and_no_second_mail(world):
    """A double click or a browser retry once the first connection is done: answered like the first submission."""
    provisional = world.provision("jdupont12")
    first, second = challenge(world, "jdupont12", provisional), challenge(world, "jdupont12", provisional)
    done = submit(world, first, email="jeanne@laposte.net")
    assert done.status == 200 and done.json()["status"] == "pending_validation"
    for token in (first, second):
        again = submit(world, token, email="jeanne@laposte.net")
        assert again.status == 200 and again.json() == done.json()
    assert len(world.mails()) == 1
    assert world.store.get_account("jdupont12").version == 2  # nothing written again


def test_a_different_second_submission_is_told_the_first_connection_is_done(world):
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    assert submit(world, token).status == 200
    for other in [{"password": "Autre-Mot-2026"}, {"email": "jeanne@laposte.net"}]:
        answer = submit(world, token, **other)
        assert answer.status == 409 and answer.json()["error"] == "already_completed"
    # The other password was checked as a login checks it: a failure counted towards the lock-out.
    assert [e["type"] for e in audit_events(world.store, "jdupont12")].count("login_failed") == 1
    assert world.store.get_account("jdupont12").email is None


def test_a_double_click_gets_the_pending_page_twice_and_both_links_work(real_engine):
    world = real_engine
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    barrier = threading.Barrier(2)
    answers = []

    def click() -> None:
        barrier.wait()
        answers.append(submit(world, token, email="jeanne@laposte.net"))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status for a in answers] == [200, 200]
    assert {a.json()["status"] for a in answers} == {"pending_validation"}
    codes = [code_in(mail.html) for mail in world.mails()]
    assert len(codes) == 1  # the loser's transaction wrote nothing: its mail never existed
    outcomes = [world.call("POST", "/api/validate-email", {"code": code}).json()["status"] for code in codes]
    assert outcomes[0] == "validated" and outcomes[1:] in ([], ["already_validated"])
    assert world.store.get_account("jdupont12").status == "ACTIVE"


def test_two_racing_first_connections_exactly_one_wins(real_engine):
    world = real_engine
    provisional = world.provision("jdupont12")
    tokens = [challenge(world, "jdupont12", provisional) for _ in range(4)]
    barrier = threading.Barrier(len(tokens))
    outcomes: list[str] = []

    def attempt(token: str, email: str) -> None:
        barrier.wait()
        try:
            complete_first_connection(
                services(), token, NEW_PASSWORD, date(2011, 5, 14), email, Links("https://x"), "r"
            )
            outcomes.append("won")
        except AlreadyCompleted as error:
            assert error.status == 409
            outcomes.append("409")

    threads = [threading.Thread(target=attempt, args=(t, f"e{i}@laposte.net")) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409", "409", "409", "won"]
    account = world.store.get_account("jdupont12")
    assert account.status == "PENDING_VALIDATION" and account.version == 2
    # Only the winner's link is stored: the mails of the losers lead nowhere.
    codes = [i for i in world.items() if i.get("purpose", {}).get("S") == "account_activation"]
    assert len(codes) == 1 and codes[0]["email"]["S"] == account.email


def test_when_ses_refuses_the_mail_the_student_is_answered_and_the_mail_leaves_later(world):
    """The outbox: SES refusing never reaches the student; the mail waits and leaves once SES sends again."""
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    world.services.mailer.sender = "noreply@unverified.example.com"  # SES refuses an unverified sender
    answer = submit(world, token, email="jeanne@laposte.net")
    assert answer.status == 200 and answer.json()["status"] == "pending_validation"
    assert world.mails() == []
    world.services.mailer.sender = "noreply@ent.example.fr"
    world.deliver_outbox()
    assert len(world.mails()) == 1
    assert world.call("POST", "/api/validate-email", {"code": code_in(world.mails()[0].html)}).status == 200


def test_wrong_birth_dates_count_as_failed_logins_and_kill_the_challenge(world):
    """Issue 12, item 3: with a found letter, 266 dates on one challenge found the birth date."""
    token = challenge(world, "jdupont12", world.provision("jdupont12"))

    def attempt(birth_date, token=token):
        body = {"challenge_token": token, "new_password": NEW_PASSWORD, "birth_date": birth_date}
        return world.call("POST", "/api/first-connection", body)

    wrong = [attempt(f"2011-0{m}-01") for m in range(1, 4)]
    assert [a.status for a in wrong] == [400] * 3
    assert all("date de naissance" in a.json()["fields"]["birth_date"] for a in wrong)
    dead = attempt(BIRTH_DATE)  # the right date, too late: the challenge died after three wrong ones
    assert dead.status == 401 and "Trop d'essais" in dead.json()["message"]
    assert login_throttle(world.store, "jdupont12").failures == 3
    # A new challenge (a login with the provisional password forgets nothing) gets one wrong date for free, then the
    # fifth failure of the identifier locks it.
    token = challenge(world, "jdupont12", world.provisional_of["jdupont12"])
    assert attempt("2011-04-01", token).status == 400
    locked = attempt("2011-05-01", token)
    assert locked.status == 429 and locked.header("Retry-After") == "60"
    assert login(world, "jdupont12", world.provisional_of["jdupont12"]).status == 429
    world.clock.advance(minutes=1, seconds=1)
    token = challenge(world, "jdupont12", world.provisional_of["jdupont12"])
    assert attempt(BIRTH_DATE, token).status == 200  # the right date, once the lock is over, works
    assert login_throttle(world.store, "jdupont12").failures == 0  # the first connection forgets the failures


def test_a_right_birth_date_with_a_weak_password_counts_no_failure(world):
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    body = {"challenge_token": token, "new_password": "faible", "birth_date": BIRTH_DATE}
    for _ in range(6):
        assert world.call("POST", "/api/first-connection", body).status == 400
    assert login_throttle(world.store, "jdupont12").failures == 0
    body["new_password"] = NEW_PASSWORD
    assert world.call("POST", "/api/first-connection", body).status == 200
