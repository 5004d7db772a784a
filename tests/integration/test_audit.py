"""Audit events: one per step of an account's life, in order, kept for the retention period, never a secret."""

from __future__ import annotations

from tests.integration.helpers import NEW_PASSWORD, first_connection, last_code, login
from tests.support.links import code_in
from tests.support.store_helpers import audit_events


def test_a_whole_life_is_audited_in_order_without_secrets(world):
    provisional = world.provision("jdupont12")
    secrets = [provisional, NEW_PASSWORD, "Mauvais-Mot-1", "Nouveau-Mot-2", "Encore-Mot-3"]
    first_connection(world, "jdupont12", provisional, email="jeanne@laposte.net")
    world.call("POST", "/api/validation-mail", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    codes = [last_code(world)]
    world.call("POST", "/api/validate-email", {"code": codes[0]})
    login(world, "jdupont12", "Mauvais-Mot-1")
    session = login(world, "jdupont12", NEW_PASSWORD).json()["session_token"]
    headers = {"Authorization": f"Bearer {session}"}
    world.call(
        "POST",
        "/api/account/email",
        {"current_password": NEW_PASSWORD, "new_email": "j@laposte.net", "new_email_confirmation": "j@laposte.net"},
        headers=headers,
    )
    codes.append(code_in(next(m for m in world.mails() if m.to == ["j@laposte.net"]).html))
    world.call("POST", "/api/validate-email", {"code": codes[-1]})
    world.call(
        "POST",
        "/api/account/password",
        {"current_password": NEW_PASSWORD, "new_password": "Nouveau-Mot-2"},
        headers=headers,
    )
    world.call("POST", "/api/password/forgot", {"identifier": "jdupont12"})
    world.deliver_queued_mail()
    codes.append(code_in(world.mails()[-1].html))
    world.call("POST", "/api/password/reset", {"code": codes[-1], "new_password": "Encore-Mot-3"})

    events = audit_events(world.store, "jdupont12")
    assert [e["type"] for e in events] == [
        "first_connection",
        "validation_mail_resent",
        "email_validated",
        "login_failed",
        "login_succeeded",
        "email_change_requested",
        "email_changed",
        "password_changed",
        "password_reset_requested",
        "password_reset",
    ]
    assert all(e["request_id"] and e["time"] for e in events)
    text = str(events)
    for secret in [*secrets, *codes, session]:
        assert secret not in text
    account = world.store.get_account("jdupont12")
    assert account.password_hash not in text
    # Kept one year (AUDIT_RETENTION_DAYS), then DynamoDB's TTL removes them; reads ignore them from then on.
    world.clock.advance(days=365, hours=1)
    assert audit_events(world.store, "jdupont12") == []
