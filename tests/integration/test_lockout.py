"""Lock-out after failed logins grows with the failures, lifts as time passes, and looks the same for everyone."""

from __future__ import annotations

from datetime import timedelta

import argon2
import pytest

from tests.integration.helpers import NEW_PASSWORD, activate, login
from tests.support.store_helpers import audit_events


@pytest.fixture
def active(world):
    world.provision("jdupont12")
    activate(world, "jdupont12")
    return world


def fail(world, identifier="jdupont12", times=1):
    return [login(world, identifier, "Mauvais-Mot-1") for _ in range(times)][-1]


def test_the_fifth_failure_locks_for_a_minute_then_longer(active):
    assert fail(active, times=4).status == 401
    locked = fail(active)
    assert locked.status == 429 and locked.json()["error"] == "account_locked"
    assert locked.header("Retry-After") == "60" and "1 minute" in locked.json()["message"]
    # While locked even the right password is refused, without checking it.
    assert login(active, "jdupont12", NEW_PASSWORD).status == 429
    active.clock.advance(seconds=59)
    assert login(active, "jdupont12", NEW_PASSWORD).status == 429
    active.clock.advance(seconds=1)
    sixth = fail(active)
    assert sixth.status == 429 and sixth.header("Retry-After") == "120"
    active.clock.advance(minutes=2)
    assert fail(active).header("Retry-After") == "240"


def test_a_successful_login_resets_the_count(active):
    fail(active, times=4)
    assert login(active, "jdupont12", NEW_PASSWORD).status == 200
    assert fail(active, times=4).status == 401  # four more are free again


def test_failures_are_forgotten_a_day_after_the_last(active):
    fail(active, times=4)
    active.clock.advance(hours=24, seconds=1)
    assert fail(active, times=4).status == 401


def test_unknown_identifiers_lock_exactly_the_same_way(active):
    known = [fail(active, "jdupont12").status for _ in range(6)]
    unknown = [fail(active, "personne").status for _ in range(6)]
    assert known == unknown == [401, 401, 401, 401, 429, 429]


def test_guessing_never_succeeds_and_stays_within_the_limits(active):
    statuses = [login(active, "jdupont12", f"Essai-{n}-Xy").status for n in range(200)]
    assert 200 not in statuses
    assert statuses.count(401) == 4 and statuses[4:] == [429] * 196  # refused without even checking
    # A patient attacker who waits out every lock for a whole day gets about 30 guesses checked.
    start, checked = active.clock.now(), 5
    while active.clock.now() - start < timedelta(days=1):
        answer = login(active, "jdupont12", "Encore-Faux-1")
        assert answer.status == 429
        active.clock.advance(seconds=int(answer.header("Retry-After")))
        checked += 1
    assert checked < 40
    active.clock.advance(hours=1)
    assert login(active, "jdupont12", NEW_PASSWORD).status == 200


def test_lock_and_failures_are_audited_without_secrets(active):
    fail(active, times=5)
    events = audit_events(active.store, "jdupont12")
    types = [e["type"] for e in events]
    assert types.count("login_failed") == 5 and "account_locked" in types
    assert all("Mauvais-Mot-1" not in str(e) for e in events)


def test_every_answer_costs_one_argon2_verification(active, monkeypatch):
    calls = []
    original = argon2.PasswordHasher.verify

    def counting(self, stored, password):
        calls.append(1)
        return original(self, stored, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)  # counts the library's work, changes nothing
    active.provision("nouveau")
    for identifier, password in [
        ("personne", "Quelconque-1"),
        ("jdupont12", "Mauvais-Mot-1"),
        ("jdupont12", NEW_PASSWORD),
        ("nouveau", "Mauvais-Mot-1"),
        ("nouveau", active.provisional_of["nouveau"]),
    ]:
        calls.clear()
        login(active, identifier, password)
        assert len(calls) == 1, identifier
