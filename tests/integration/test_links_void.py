"""A link lives only as long as what it was asked with: a password change or reset voids every address change asked
for before it, and a forgotten-password link dies once its address is no longer the account's. (Issue 12, item 1:
someone who once knew the password asked for their own address, the owner changed the password, and the old link
still took the account.)"""

from __future__ import annotations

import pytest

from tests.integration.helpers import NEW_PASSWORD, active_student, login, session_token
from tests.integration.school import UAI, reset
from tests.support.links import code_in

INTRUDER = "intrus@evil.example"


@pytest.fixture
def owner(world):
    return active_student(world)


def bearer(world, password=NEW_PASSWORD):
    return {"Authorization": f"Bearer {session_token(world, 'jdupont12', password)}"}


def intruder_asks_for_their_address(world) -> str:
    body = {"current_password": NEW_PASSWORD, "new_email": INTRUDER, "new_email_confirmation": INTRUDER}
    assert world.call("POST", "/api/account/email", body, headers=bearer(world)).status == 202
    [mail] = [m for m in world.mails() if m.to == [INTRUDER]]
    return code_in(mail.html)


def forgot_links(world, to):
    world.call("POST", "/api/password/forgot", {"identifier": "jdupont12"})
    drain = getattr(world, "deliver_queued_mail", None)
    if drain:
        drain()
    return [code_in(m.html) for m in world.mails() if m.to == [to] and "Réinitialisation" in m.subject]


def assert_link_is_dead_and_address_kept(world, link):
    answer = world.call("POST", "/api/validate-email", {"code": link})
    assert answer.status == 410
    account = world.store.get_account("jdupont12")
    assert account.email == "jeanne@laposte.net" and account.pending_email is None
    assert forgot_links(world, INTRUDER) == []  # the reset link never goes to the intruder


def test_a_password_change_voids_the_address_change_asked_before(owner):
    link = intruder_asks_for_their_address(owner)
    body = {"current_password": NEW_PASSWORD, "new_password": "Autre-Chemin-92"}
    assert owner.call("POST", "/api/account/password", body, headers=bearer(owner)).status == 200
    assert owner.store.get_account("jdupont12").pending_email is None
    assert_link_is_dead_and_address_kept(owner, link)


def test_a_reset_by_mail_voids_the_address_change_asked_before(owner):
    link = intruder_asks_for_their_address(owner)
    [reset_link] = forgot_links(owner, "jeanne@laposte.net")
    body = {"code": reset_link, "new_password": "Autre-Chemin-92"}
    assert owner.call("POST", "/api/password/reset", body).status == 200
    assert_link_is_dead_and_address_kept(owner, link)


def test_a_school_reset_voids_the_address_change_asked_before(owner):
    link = intruder_asks_for_their_address(owner)
    assert reset(owner, "jdupont12", UAI).status == 200
    assert owner.call("POST", "/api/validate-email", {"code": link}).status == 410
    assert owner.store.get_account("jdupont12").email == "jeanne@laposte.net"


def test_a_reset_link_dies_when_its_address_stops_being_the_accounts(owner):
    [old_link] = forgot_links(owner, "jeanne@laposte.net")
    body = {
        "current_password": NEW_PASSWORD,
        "new_email": "neuve@laposte.net",
        "new_email_confirmation": "neuve@laposte.net",
    }
    assert owner.call("POST", "/api/account/email", body, headers=bearer(owner)).status == 202
    [mail] = [m for m in owner.mails() if m.to == ["neuve@laposte.net"]]
    assert owner.call("POST", "/api/validate-email", {"code": code_in(mail.html)}).status == 200
    answer = owner.call("POST", "/api/password/reset", {"code": old_link, "new_password": "Autre-Chemin-92"})
    assert answer.status == 410
    assert login(owner, "jdupont12", NEW_PASSWORD).status == 200
