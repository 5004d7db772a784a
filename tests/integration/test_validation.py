"""Validation links (page and API) and re-sending the validation mail."""

from __future__ import annotations

import threading

import pytest

from tests.integration.helpers import NEW_PASSWORD, first_connection, last_code, login
from tests.support.links import code_in
from tests.support.store_helpers import audit_events


@pytest.fixture
def pending(world):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email="jeanne@laposte.net")
    return world


def resend(world, email=None, password=NEW_PASSWORD, identifier="jdupont12"):
    body = {"identifier": identifier, "password": password}
    if email is not None:
        body["email"] = email
    return world.call("POST", "/api/validation-mail", body)


def test_the_link_page_validates_and_a_second_click_is_harmless(pending):
    code = last_code(pending)
    page = pending.call("GET", f"/valider-adresse-mail?code={code}")
    assert page.status == 200 and page.header("Content-Type").startswith("text/html")
    assert '<html lang="fr"' in page.text
    assert "Ton compte a été validé. Tu peux maintenant accéder à tes services en ligne." in page.text
    assert page.header("Referrer-Policy") == "no-referrer"
    assert "frame-ancestors 'none'" in page.header("Content-Security-Policy")
    again = pending.call("GET", f"/valider-adresse-mail?code={code}")
    assert again.status == 200 and "déjà validé" in again.text
    api = pending.call("POST", "/api/validate-email", {"code": code})
    assert api.json() == {"status": "already_validated", "purpose": "account_activation"}
    assert login(pending, "jdupont12", NEW_PASSWORD).json()["status"] == "authenticated"


def test_the_api_validates_once_then_says_already_validated(pending):
    code = last_code(pending)
    assert pending.call("POST", "/api/validate-email", {"code": code}).json() == {
        "status": "validated",
        "purpose": "account_activation",
    }
    account = pending.store.get_account("jdupont12")
    assert account.status == "ACTIVE" and account.email_verified and account.validation_deadline is None
    assert [e["type"] for e in audit_events(pending.store, "jdupont12")] == ["first_connection", "email_validated"]


@pytest.mark.parametrize("code", ["", "abc", "A" * 43, "<script>alert(1)</script>", "x" * 200])
def test_forged_codes_get_a_clear_page_and_410(pending, code):
    page = pending.call("GET", f"/valider-adresse-mail?code={code}")
    assert page.status == 410 and page.header("Content-Type").startswith("text/html")
    assert "<script>" not in page.text
    assert "Ce lien n'est pas valide" in page.text
    api = pending.call("POST", "/api/validate-email", {"code": code})
    assert api.status in (400, 410) and api.json()["error"] in ("invalid_request", "invalid_or_expired_code")
    assert pending.store.get_account("jdupont12").status == "PENDING_VALIDATION"


def test_a_link_after_the_deadline_says_expired(pending):
    code = last_code(pending)
    pending.clock.advance(days=90)  # 2027-02-28 14:37 is 90 days after 2026-11-30 14:37
    pending.clock.advance(seconds=1)
    page = pending.call("GET", f"/valider-adresse-mail?code={code}")
    assert page.status == 410 and "supprimé" in page.text
    assert pending.call("POST", "/api/validate-email", {"code": code}).status == 410


def test_the_link_works_one_second_before_the_deadline(pending):
    code = last_code(pending)
    pending.clock.advance(days=90, seconds=-1)
    assert pending.call("POST", "/api/validate-email", {"code": code}).json()["status"] == "validated"


def test_resend_sends_a_new_link_and_keeps_the_deadline(pending):
    first_code = last_code(pending)
    pending.clock.advance(days=40)
    answer = resend(pending)
    assert answer.status == 202 and answer.json() == {"status": "sent"}
    mails = pending.mails()
    assert len(mails) == 2 and mails[1].to == ["jeanne@laposte.net"]
    assert "28 février 2027" in mails[1].html  # the deadline did not move
    assert code_in(mails[1].html) != first_code
    assert pending.store.get_account("jdupont12").validation_deadline.isoformat() == "2027-02-28T14:37:00+00:00"
    # The first link still works: both were sent to the same address.
    assert pending.call("POST", "/api/validate-email", {"code": first_code}).json()["status"] == "validated"


def test_resend_to_a_corrected_address_kills_the_old_links(pending):
    old_code = last_code(pending)
    assert resend(pending, email="jeanne.dupont@laposte.net").status == 202
    new_mail = pending.mails()[-1]
    assert new_mail.to == ["jeanne.dupont@laposte.net"]
    assert pending.call("POST", "/api/validate-email", {"code": old_code}).status == 410
    assert pending.call("POST", "/api/validate-email", {"code": code_in(new_mail.html)}).status == 200
    assert pending.store.get_account("jdupont12").email == "jeanne.dupont@laposte.net"
    assert not any(i["pk"]["S"].endswith(old_code) for i in pending.items())


def test_resend_refuses_wrong_credentials_and_accounts_not_pending(world):
    first_connection(world, "jdupont12", world.provision("jdupont12"))  # no e-mail: active
    world.provision("amartin")
    assert resend(world, password="Mauvais-mot-2").json()["error"] == "invalid_credentials"
    assert resend(world, identifier="personne").json()["error"] == "invalid_credentials"
    assert resend(world, identifier="amartin", password=world.provisional_of["amartin"]).status == 401
    answer = resend(world)
    assert answer.status == 409 and answer.json()["error"] == "not_pending"
    assert world.mails() == []


def test_a_resend_while_ses_refuses_is_answered_and_its_mail_leaves_later(pending):
    """The outbox: the corrected address is stored with its mail; SES refusing only delays the mail."""
    pending.services.mailer.sender = "noreply@unverified.example.com"
    assert resend(pending, email="autre@laposte.net").status == 202
    assert pending.store.get_account("jdupont12").email == "autre@laposte.net"
    assert [mail.to for mail in pending.mails()] == [["jeanne@laposte.net"]]  # the first one only, so far
    pending.services.mailer.sender = "noreply@ent.example.fr"
    pending.deliver_outbox()
    assert pending.mails()[-1].to == ["autre@laposte.net"]
    assert pending.call("POST", "/api/validate-email", {"code": last_code(pending)}).status == 200


def test_validation_clears_the_ttl(pending):
    pending.call("POST", "/api/validate-email", {"code": last_code(pending)})
    pending.clock.advance(days=365)  # long after the old deadline, the account is still there
    assert pending.store.get_account("jdupont12") is not None
    [item] = [i for i in pending.items() if i["sk"]["S"] == "ACCOUNT"]
    assert "expires_at" not in item and "expiry_shard" not in item


def test_a_double_click_on_resend_sends_one_or_two_links_that_all_work(real_engine):
    """Both clicks answered 202. When they raced, the loser's transaction wrote nothing (its mail never existed): one
    mail; when the second came after the first, two. Every link mailed works."""
    world = real_engine
    first_connection(world, "jdupont12", world.provision("jdupont12"), email="jeanne@laposte.net")
    barrier, answers = threading.Barrier(2), []

    def click() -> None:
        barrier.wait()
        answers.append(resend(world).status)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    world.deliver_outbox()
    assert answers == [202, 202]
    _first_link, *resent = [code_in(mail.html) for mail in world.mails()]
    assert 1 <= len(resent) <= 2
    account = world.store.get_account("jdupont12")
    assert len(account.validation_code_hashes) == 1 + len(resent)  # only links whose mail exists
    assert world.call("POST", "/api/validate-email", {"code": resent[-1]}).json()["status"] == "validated"
    for code in resent[:-1]:
        assert world.call("POST", "/api/validate-email", {"code": code}).json()["status"] == "already_validated"


def test_links_do_not_pile_up_past_five(pending):
    """Each resend adds a link; once five are out, the next one voids the older ones (the account stays small)."""
    codes = [last_code(pending)]
    for _ in range(6):
        pending.clock.advance(hours=1)  # past the hourly mail limit
        assert resend(pending).status == 202
        codes.append(code_in(pending.mails()[-1].html))
    assert len(pending.store.get_account("jdupont12").validation_code_hashes) == 2  # the 6th voided 5, the 7th added
    assert pending.call("POST", "/api/validate-email", {"code": codes[0]}).status == 410
    assert pending.call("POST", "/api/validate-email", {"code": codes[-1]}).json()["status"] == "validated"
