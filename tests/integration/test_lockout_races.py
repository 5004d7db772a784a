"""The lock-out holds when guesses arrive at once from several warm containers (processes) on one DynamoDB Local."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.integration.helpers import NEW_PASSWORD, activate, login
from tests.support.containers import SIZE, Request
from tests.support.figures import record


@pytest.fixture
def active(real_engine):
    real_engine.provision("jdupont12")
    activate(real_engine, "jdupont12")
    return real_engine


def guesses(passwords, identifier="jdupont12"):
    return [Request("POST", "/api/login", {"identifier": identifier, "password": p}) for p in passwords]


def statuses(outcomes) -> Counter:
    record("races run")
    return Counter(outcome.status for outcome in outcomes)


def checked(world, identifier="jdupont12") -> int:
    """Guesses that reached the password: each failed one is audited."""
    return [event["type"] for event in world.store.events(identifier)].count("login_failed")


def test_eight_wrong_guesses_at_once_are_all_counted_and_lock(active, containers):
    outcomes = containers.at_once(active, guesses([f"Faux-{n}-Xy" for n in range(SIZE)]))
    counted = statuses(outcomes)
    # The four free failures, then the fifth locks: the other three are refused without being checked.
    assert counted == {401: 4, 429: 4}
    throttle = active.store.get_throttle("jdupont12")
    assert throttle.failures == 5 and throttle.locked_until is not None  # no failure lost
    assert checked(active) == 5


def test_after_a_lock_ends_one_guess_at_once_is_checked(active, containers):
    for _ in range(5):
        login(active, "jdupont12", "Mauvais-Mot-1")
    active.clock.advance(minutes=1, seconds=1)
    outcomes = containers.at_once(active, guesses([f"Faux-{n}-Xy" for n in range(SIZE)]))
    assert statuses(outcomes) == {429: SIZE}  # the one checked locks again (2 minutes); the others are refused
    assert checked(active) == 6
    assert active.store.get_throttle("jdupont12").failures == 6


@pytest.mark.parametrize("round_", range(3))
def test_the_right_password_among_seven_wrong_ones_is_checked_at_most_once(active, containers, round_):
    for _ in range(4):
        login(active, "jdupont12", "Mauvais-Mot-1")
    passwords = [f"Faux-{n}-Xy" for n in range(SIZE - 1)]
    passwords.insert(round_ * 3 % SIZE, NEW_PASSWORD)
    outcomes = containers.at_once(active, guesses(passwords))
    counted = statuses(outcomes)
    # One guess only is checked (the fifth): the right one wins only if it is that one, never after a wrong one.
    if counted[200]:
        assert counted == {200: 1, 429: SIZE - 1} and checked(active) == 4
    else:
        assert counted == {429: SIZE} and checked(active) == 5


def test_unknown_identifiers_race_the_same_way(active, containers):
    counted = statuses(containers.at_once(active, guesses([f"Faux-{n}-Xy" for n in range(SIZE)], "personne")))
    assert counted == {401: 4, 429: 4}
    assert active.store.get_throttle("personne").failures == 5
