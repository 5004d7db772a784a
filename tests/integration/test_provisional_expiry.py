"""A provisional password works for 3 months (ProvisionalPasswordMonths), then is refused exactly like a wrong one."""

from __future__ import annotations

from datetime import UTC, datetime

import argon2

from ent_accounts.settings import Settings
from tests.integration.helpers import login
from tests.integration.school import UAI, create_one, reset, row
from tests.support.store_helpers import audit_events


def test_the_provisional_password_works_until_its_date_then_is_refused_like_a_wrong_one(world):
    account = create_one(world)
    assert account["provisional_expires_at"] == "2027-02-28T14:37:00Z"  # 30 November + 3 months, month's end
    world.clock.set(datetime(2027, 2, 28, 14, 36, 59, tzinfo=UTC))
    assert login(world, "jdupont", account["provisional_password"]).json()["status"] == "first_connection_required"

    world.clock.advance(seconds=1)
    expired = login(world, "jdupont", account["provisional_password"])
    wrong = login(world, "jdupont", "Pas-Le-Bon-1")
    unknown = login(world, "personne", "Pas-Le-Bon-1")
    assert expired.status == wrong.status == unknown.status == 401
    assert expired.json() == wrong.json() == unknown.json()
    failures = [e for e in audit_events(world.store, "jdupont") if e["type"] == "login_failed"]
    assert len(failures) == 2  # counted towards the lock-out like any wrong password


def test_an_expired_provisional_password_costs_the_same_argon2_work(world, monkeypatch):
    account = create_one(world)
    world.clock.advance(days=120)
    calls = []
    original = argon2.PasswordHasher.verify

    def counting(self, stored, password):
        calls.append(1)
        return original(self, stored, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    assert login(world, "jdupont", account["provisional_password"]).status == 401
    assert len(calls) == 1


def test_a_school_reset_gives_three_months_again(world):
    account = create_one(world)
    world.clock.advance(days=100)
    assert login(world, "jdupont", account["provisional_password"]).status == 401
    answer = reset(world, "jdupont").json()
    assert answer["provisional_expires_at"] == "2027-06-10T14:37:00Z"
    assert login(world, "jdupont", answer["provisional_password"]).json()["status"] == "first_connection_required"


def test_the_validity_is_a_parameter(world):
    world.services.settings = Settings(
        table_name=world.store.table_name,
        mail_sender="x@y.fr",
        provisional_password_months=1,
        admin_principals=world.services.settings.admin_principals,  # ops' role, which signs the stack's requests
    )
    answer = world.call(
        "POST",
        "/api/admin/accounts",
        {"uai": UAI, "accounts": [row("Martin", "Adam")]},
        headers={"Idempotency-Key": "m" * 40},
    )
    assert answer.json()["accounts"][0]["provisional_expires_at"] == "2026-12-30T14:37:00Z"


def test_an_account_without_a_recorded_validity_fails_closed(world):
    provisional = world.provision("ancien", provisional_expires_at=None)
    assert login(world, "ancien", provisional).status == 401
