"""« Gérer son compte »: the address changes only through the link sent to it; the password needs the current one."""

from __future__ import annotations

import pytest

from tests.integration.helpers import NEW_PASSWORD, activate, dynamodb_requests, login
from tests.support.links import code_in
from tests.support.store_helpers import audit_events, login_throttle


def signed_in(world, identifier):
    return {"Authorization": f"Bearer {login(world, identifier, NEW_PASSWORD).json()['session_token']}"}


def change_email(world, headers, new, confirmation=None, password=NEW_PASSWORD):
    body = {"current_password": password, "new_email": new, "new_email_confirmation": confirmation or new}
    return world.call("POST", "/api/account/email", body, headers=headers)


@pytest.fixture
def active(world):
    world.provision("jdupont12")
    activate(world, "jdupont12", email="ancienne@laposte.net")
    return world


def test_change_confirmed_by_the_link_with_a_notice_to_the_old_address(active):
    headers = signed_in(active, "jdupont12")
    before = len(active.mails())
    answer = change_email(active, headers, "nouvelle@laposte.net")
    assert answer.status == 202 and answer.json() == {"status": "confirmation_sent"}
    confirmation, notice = active.mails()[before:]
    assert confirmation.to == ["nouvelle@laposte.net"] and "Confirmation" in confirmation.subject
    assert notice.to == ["ancienne@laposte.net"] and "nouvelle@laposte.net" not in notice.html
    view = active.call("GET", "/api/account", headers=headers).json()
    assert view["email"] == "ancienne@laposte.net" and view["pending_email"] == "nouvelle@laposte.net"

    page = active.call("GET", f"/valider-adresse-mail?code={code_in(confirmation.html)}")
    assert page.status == 200 and "Ton adresse mail a été modifiée" in page.text
    view = active.call("GET", "/api/account", headers=headers).json()
    assert view["email"] == "nouvelle@laposte.net" and view["email_verified"] and view["pending_email"] is None
    types = [e["type"] for e in audit_events(active.store, "jdupont12")]
    assert "email_change_requested" in types and types[-1] == "email_changed"


def test_adding_a_first_address_goes_through_the_same_confirmation(world):
    world.provision("amartin")
    activate(world, "amartin")  # no e-mail at first connection
    headers = signed_in(world, "amartin")
    assert change_email(world, headers, "adam@laposte.net").status == 202
    [mail] = world.mails()  # no notice: there was no address
    assert world.store.get_account("amartin").email is None
    answer = world.call("POST", "/api/validate-email", {"code": code_in(mail.html)})
    assert answer.json() == {"status": "validated", "purpose": "email_change"}
    account = world.store.get_account("amartin")
    assert account.email == "adam@laposte.net" and account.has_recovery_address


def test_addresses_must_match_and_the_password_must_be_right(active):
    headers = signed_in(active, "jdupont12")
    different = change_email(active, headers, "a@laposte.net", "b@laposte.net")
    assert different.status == 400
    assert different.json()["fields"] == {"new_email_confirmation": "Les deux adresses ne sont pas identiques."}
    bad = change_email(active, headers, "pas une adresse")
    assert bad.status == 400 and "new_email" in bad.json()["fields"]
    wrong = change_email(active, headers, "nouvelle@laposte.net", password="Mauvais-Mot-1")
    assert wrong.status == 401 and wrong.json()["error"] == "invalid_credentials"
    same = change_email(active, headers, "ancienne@laposte.net")
    assert same.status == 400
    assert (
        active.call(
            "POST",
            "/api/account/email",
            {"current_password": "x", "new_email": "a@laposte.net", "new_email_confirmation": "a@laposte.net"},
        ).status
        == 401
    )


def test_only_the_latest_requested_address_can_be_confirmed(active):
    headers = signed_in(active, "jdupont12")
    change_email(active, headers, "premiere@laposte.net")
    first = code_in(next(m for m in active.mails() if m.to == ["premiere@laposte.net"]).html)
    change_email(active, headers, "seconde@laposte.net")
    assert active.call("POST", "/api/validate-email", {"code": first}).status == 410
    second = code_in(next(m for m in active.mails() if m.to == ["seconde@laposte.net"]).html)
    assert active.call("POST", "/api/validate-email", {"code": second}).status == 200
    assert active.store.get_account("jdupont12").email == "seconde@laposte.net"


def test_change_link_lifetime(active):
    headers = signed_in(active, "jdupont12")
    change_email(active, headers, "nouvelle@laposte.net")
    code = code_in(active.mails()[-2].html)
    active.clock.advance(hours=72, seconds=1)
    assert active.call("POST", "/api/validate-email", {"code": code}).status == 410


def test_password_change_needs_the_current_password_and_a_strong_new_one(active):
    headers = signed_in(active, "jdupont12")
    wrong = active.call(
        "POST",
        "/api/account/password",
        {"current_password": "Mauvais-Mot-1", "new_password": "Nouveau-Mot-2"},
        headers=headers,
    )
    assert wrong.status == 401
    weak = active.call(
        "POST", "/api/account/password", {"current_password": NEW_PASSWORD, "new_password": "faible"}, headers=headers
    )
    assert weak.status == 400 and "new_password" in weak.json()["fields"]
    assert login(active, "jdupont12", NEW_PASSWORD).status == 200
    notice_count = len(active.mails())
    ok = active.call(
        "POST",
        "/api/account/password",
        {"current_password": NEW_PASSWORD, "new_password": "Nouveau-Mot-2"},
        headers=headers,
    )
    assert ok.status == 200
    assert active.mails()[notice_count].subject.endswith("– Mot de passe modifié")


@pytest.mark.parametrize(
    ("password", "fragment"), [("Azerty123!", "trop courant"), ("Jeanne.Tigre.7", "ton nom ni ton prénom")]
)
def test_a_common_or_personal_new_password_is_refused(active, password, fragment):
    headers = signed_in(active, "jdupont12")  # Jeanne Dupont's account
    body = {"current_password": NEW_PASSWORD, "new_password": password}
    refused = active.call("POST", "/api/account/password", body, headers=headers)
    assert refused.status == 400 and fragment in refused.json()["fields"]["new_password"]
    assert login(active, "jdupont12", password).status == 401


def test_the_session_check_reads_the_account_with_its_lock_out_counter_once(active):
    headers = signed_in(active, "jdupont12")
    answer, calls = dynamodb_requests(active, lambda: change_email(active, headers, "nouvelle@laposte.net"))
    assert answer.status == 202
    # session, account + counter (read once for the session and the password), the claim of one password check,
    # mail allowance, 1 transaction (which forgets the failures)
    assert calls == ["GetItem", "BatchGetItem", "UpdateItem", "UpdateItem", "TransactWriteItems"]
    body = {"current_password": NEW_PASSWORD, "new_password": "Nouveau-Mot-2"}
    answer, calls = dynamodb_requests(active, lambda: active.call("POST", "/api/account/password", body, headers))
    assert answer.status == 200
    assert calls == ["GetItem", "BatchGetItem", "UpdateItem", "TransactWriteItems", "PutItem"]  # … the new session


def test_a_signed_in_account_locked_out_meanwhile_cannot_change_address_or_password(active):
    headers = signed_in(active, "jdupont12")
    for _ in range(5):
        login(active, "jdupont12", "Mauvais-Mot-1")
    locked = change_email(active, headers, "nouvelle@laposte.net")
    assert locked.status == 429 and locked.header("Retry-After")
    body = {"current_password": NEW_PASSWORD, "new_password": "Nouveau-Mot-2"}
    assert active.call("POST", "/api/account/password", body, headers=headers).status == 429
    assert active.store.get_account("jdupont12").pending_email is None
    # Once the lock has passed, the right password works and forgets the failures; a wrong one still counts.
    active.clock.advance(minutes=1, seconds=1)
    wrong = change_email(active, headers, "nouvelle@laposte.net", password="Mauvais-Mot-1")
    assert wrong.status == 429  # the sixth failure locks again, for 2 minutes
    active.clock.advance(minutes=2, seconds=1)
    assert change_email(active, headers, "nouvelle@laposte.net").status == 202
    assert login_throttle(active.store, "jdupont12").failures == 0


def test_an_address_typed_twice_with_capitals_is_the_same_address(active):
    headers = signed_in(active, "jdupont12")
    before = len(active.mails())
    answer = change_email(active, headers, "Jeanne@LaPoste.NET", "Jeanne@LaPoste.NET")
    assert answer.status == 202, answer.text
    assert active.mails()[before].to == ["Jeanne@laposte.net"]  # normalised once, at input
    assert change_email(active, headers, "jeanne@laposte.net", "JEANNE@laposte.net").status == 202
    different = change_email(active, headers, "jeanne@laposte.net", "jeanne@laposte.fr")
    assert different.json()["fields"] == {"new_email_confirmation": "Les deux adresses ne sont pas identiques."}
    malformed = change_email(active, headers, "jeanne@laposte.net", "jeanne@")
    assert malformed.status == 400 and set(malformed.json()["fields"]) == {"new_email_confirmation"}


def test_a_right_password_refused_for_another_reason_is_no_failed_login(active):
    """The lock-out counts wrong passwords only: a change refused after the current password was proven right (a
    weak new password, the hour's mails spent) leaves the counter at 0, as a lock-out after four such refusals would
    lock a student out of an account whose password they know."""
    headers = signed_in(active, "jdupont12")
    for _ in range(3):
        weak = active.call(
            "POST",
            "/api/account/password",
            {"current_password": NEW_PASSWORD, "new_password": "faible"},
            headers=headers,
        )
        assert weak.status == 400
    for n in range(active.services.settings.mails_per_hour + 2):
        change_email(active, headers, f"n{n}@laposte.net")
    assert change_email(active, headers, "encore@laposte.net").status == 429
    assert login_throttle(active.store, "jdupont12").failures == 0
