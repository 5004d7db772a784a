"""Mail-sending routes are limited per account per hour: nobody can flood a mailbox."""

from __future__ import annotations

from tests.integration.helpers import NEW_PASSWORD, activate, first_connection
from tests.support.store_helpers import audit_events


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


def reset_mails(world):
    world.deliver_queued_mail()
    return [mail for mail in world.mails() if "Réinitialisation" in mail.subject]


def forgot(world, identifier):
    return world.call("POST", "/api/password/forgot", {"identifier": identifier}).status


def test_forgotten_password_is_limited_even_for_unknown_identifiers(world):
    world.provision("jdupont12")
    activate(world, "jdupont12", email="jeanne@laposte.net")
    world.clock.advance(hours=1)  # the hour of the first connection's mail is over
    for identifier in ("jdupont12", "personne"):
        statuses = [forgot(world, identifier) for _ in range(6)]
        assert statuses == [202] * 5 + [429]
    assert len(reset_mails(world)) == 5


def test_anonymous_reset_requests_do_not_spend_the_owners_allowance(world):
    """Anyone may ask for reset links in a student's name; that must not block what the student does himself."""
    first_connection(world, "pending1", world.provision("pending1"), email="p@laposte.net")
    world.provision("active1")
    activate(world, "active1", email="a@laposte.net")
    for identifier in ("pending1", "active1"):
        assert [forgot(world, identifier) for _ in range(6)] == [202] * 5 + [429]  # the flood is still held back

    resend = {"identifier": "pending1", "password": NEW_PASSWORD}
    assert world.call("POST", "/api/validation-mail", resend).status == 202
    token = world.call("POST", "/api/login", {"identifier": "active1", "password": NEW_PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['session_token']}"}
    change = {"current_password": NEW_PASSWORD, "new_email": "b@laposte.net", "new_email_confirmation": "b@laposte.net"}
    assert world.call("POST", "/api/account/email", change, headers=headers).status == 202
    # The owner's own allowance still holds (the first connection's mail and one resend spent): three more, then 429.
    assert [world.call("POST", "/api/validation-mail", resend).status for _ in range(4)] == [202] * 3 + [429]
    assert [mail.to for mail in reset_mails(world)] == [["a@laposte.net"]] * 5


def test_a_shared_mailbox_gets_at_most_ten_reset_mails_a_day(world):
    """Siblings and their parent may share one address: each account has its own hourly allowance, the mailbox a
    daily one, so asking in each of their names cannot flood it."""
    family = [f"enfant{n}" for n in range(3)]
    for identifier in family:
        world.provision(identifier)
        activate(world, identifier, email="famille@laposte.net")
    for identifier in family:
        assert [forgot(world, identifier) for _ in range(5)] == [202] * 5  # 15 requests, each within its allowance
    assert len(reset_mails(world)) == 10
    events = [e for i in family for e in audit_events(world.store, i)]
    refused = [e for e in events if e["type"] == "password_reset_refused_address_limit"]
    assert len(refused) == 5
    world.clock.advance(days=1)
    assert forgot(world, "enfant0") == 202 and len(reset_mails(world)) == 11


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
