"""POST /api/login: provisional and personal passwords, and answers that never reveal an account."""

from __future__ import annotations

from tests.integration.helpers import NEW_PASSWORD, activate, first_connection, login

SAME_401 = {"error": "invalid_credentials", "message": "Identifiant ou mot de passe incorrect."}


def test_provisional_password_asks_for_first_connection_with_a_short_challenge(world):
    provisional = world.provision("jdupont12")
    answer = login(world, "  JDUPONT12 ", provisional)
    assert answer.status == 200
    body = answer.json()
    assert body["status"] == "first_connection_required"
    assert body["expires_at"] == "2026-11-30T14:52:00Z"  # 15 minutes
    assert "session_token" not in body and answer.header("Set-Cookie") is None
    # The challenge is stored only as its hash.
    assert all(body["challenge_token"] not in str(item) for item in world.items())


def test_unknown_identifier_and_wrong_passwords_get_the_same_answer(world):
    provisional = world.provision("jdupont12")
    world.provision("amartin")
    activate(world, "amartin")
    answers = [
        login(world, "personne", "Quelconque-1"),
        login(world, "jdupont12", provisional + "x"),
        login(world, "amartin", "Mauvais-mot-2"),
        login(world, "amartin", world.provisional_of.get("amartin", "")),  # provisional no longer valid
    ]
    assert [a.status for a in answers] == [401] * 4
    assert all(a.json() == SAME_401 for a in answers)


def test_personal_password_opens_a_session_stored_only_as_hash(world):
    world.provision("jdupont12")
    activate(world, "jdupont12")
    answer = login(world, "jdupont12", NEW_PASSWORD)
    assert answer.status == 200
    body = answer.json()
    assert body["status"] == "authenticated"
    assert body["expires_at"] == "2026-11-30T15:07:00Z"  # 30 minutes without use
    cookie = answer.header("Set-Cookie")
    assert f"__Host-session={body['session_token']}" in cookie and "Max-Age=43200" in cookie  # 12 hours in all
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    assert all(body["session_token"] not in str(item) for item in world.items())
    sessions = [item for item in world.items() if item["pk"]["S"].startswith("SESSION#")]
    assert len(sessions) == 1 and sessions[0]["identifier"]["S"] == "jdupont12"


def test_pending_account_is_told_to_validate_with_its_deadline(world):
    provisional = world.provision("jdupont12")
    first_connection(world, "jdupont12", provisional, email="jeanne@laposte.net")
    answer = login(world, "jdupont12", NEW_PASSWORD)
    assert answer.status == 403
    assert answer.json()["error"] == "account_pending_validation"
    assert answer.json()["validation_deadline"] == "2027-02-28T14:37:00Z"
    assert "mail" in answer.json()["message"]
    # A wrong password on a pending account says nothing about the account.
    assert login(world, "jdupont12", "Pas-le-bon-1").json() == SAME_401


def test_expired_pending_account_is_absent_even_before_the_sweep(world):
    provisional = world.provision("jdupont12")
    first_connection(world, "jdupont12", provisional, email="jeanne@laposte.net")
    world.clock.set(__import__("datetime").datetime.fromisoformat("2027-02-28T14:36:59+00:00"))
    assert login(world, "jdupont12", NEW_PASSWORD).status == 403
    world.clock.advance(seconds=2)
    answer = login(world, "jdupont12", NEW_PASSWORD)
    assert answer.status == 401 and answer.json() == SAME_401
