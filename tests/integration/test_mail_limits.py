"""Mail-sending routes are limited per account per hour: nobody can flood a mailbox."""

from __future__ import annotations

from tests.integration.helpers import NEW_PASSWORD, activate, first_connection


def test_resending_the_validation_mail_is_limited_per_hour(world):
    first_connection(world, "jdupont12", world.provision("jdupont12"), email="jeanne@laposte.net")
    body = {"identifier": "jdupont12", "password": NEW_PASSWORD}
    statuses = [world.call("POST", "/api/validation-mail", body).status for _ in range(7)]
    assert statuses == [202] * 4 + [429] * 3  # the first connection's mail took its place in the allowance
    answer = world.call("POST", "/api/validation-mail", body)
    assert answer.json()["error"] == "too_many_requests" and answer.header("Retry-After") == "3600"
    assert len(world.mails()) == 5  # the first mail and four resends
    world.clock.advance(hours=1)
    assert world.call("POST", "/api/validation-mail", body).status == 202


def test_forgotten_password_is_limited_even_for_unknown_identifiers(world):
    world.provision("jdupont12")
    activate(world, "jdupont12", email="jeanne@laposte.net")
    world.clock.advance(hours=1)  # the hour of the first connection's mail is over
    for identifier in ("jdupont12", "personne"):
        statuses = [world.call("POST", "/api/password/forgot", {"identifier": identifier}).status for _ in range(6)]
        assert statuses == [202] * 5 + [429]
    assert len([m for m in world.mails() if "Réinitialisation" in m.subject]) == 5


def test_address_changes_count_in_the_same_allowance(world):
    world.provision("jdupont12")
    activate(world, "jdupont12")
    token = world.call("POST", "/api/login", {"identifier": "jdupont12", "password": NEW_PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['session_token']}"}
    statuses = []
    for n in range(6):
        address = f"adresse{n}@laposte.net"
        body = {"current_password": NEW_PASSWORD, "new_email": address, "new_email_confirmation": address}
        statuses.append(world.call("POST", "/api/account/email", body, headers=headers).status)
    assert statuses == [202] * 5 + [429]
