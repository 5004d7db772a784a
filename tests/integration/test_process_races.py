"""Races between warm Lambda containers (one process each) on one DynamoDB Local, SIZE requests at once: the lock-out,
birth-date guesses and first connections on one challenge, address changes of one account. Whatever the number of
requests, at most what the rules allow is checked or sent, nothing counted is lost, and one state wins."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import pytest

from tests.integration.helpers import BIRTH_DATE, NEW_PASSWORD, activate, challenge, login
from tests.support.containers import SIZE, Request
from tests.support.figures import record
from tests.support.links import code_in
from tests.support.store_helpers import audit_events, login_throttle


@pytest.fixture
def active(real_engine):
    real_engine.provision("jdupont12")
    activate(real_engine, "jdupont12")
    return real_engine


def guesses(passwords, identifier="jdupont12"):
    return [Request("POST", "/api/login", {"identifier": identifier, "password": p}) for p in passwords]


def statuses(outcomes) -> Counter:
    record("races run with 8 processes (warm containers) on one DynamoDB Local")
    return Counter(outcome.status for outcome in outcomes)


def checked(world, identifier="jdupont12") -> int:
    """Guesses that reached the password: each failed one is audited."""
    return [event["type"] for event in audit_events(world.store, identifier)].count("login_failed")


def test_eight_wrong_guesses_at_once_are_all_counted_and_lock(active, containers):
    outcomes = containers.at_once(active, guesses([f"Faux-{n}-Xy" for n in range(SIZE)]))
    counted = statuses(outcomes)
    # The four free failures, then the fifth locks: the other three are refused without being checked.
    assert counted == {401: 4, 429: 4}
    throttle = login_throttle(active.store, "jdupont12")
    assert throttle.failures == 5 and throttle.locked_until is not None  # no failure lost
    assert checked(active) == 5


def test_after_a_lock_ends_one_guess_at_once_is_checked(active, containers):
    for _ in range(5):
        login(active, "jdupont12", "Mauvais-Mot-1")
    active.clock.advance(minutes=1, seconds=1)
    outcomes = containers.at_once(active, guesses([f"Faux-{n}-Xy" for n in range(SIZE)]))
    assert statuses(outcomes) == {429: SIZE}  # the one checked locks again (2 minutes); the others are refused
    assert checked(active) == 6
    assert login_throttle(active.store, "jdupont12").failures == 6


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
    assert login_throttle(active.store, "personne").failures == 5


def first_connections(token, bodies):
    return [Request("POST", "/api/first-connection", {"challenge_token": token, **body}) for body in bodies]


def test_birth_dates_guessed_at_once_are_compared_only_as_the_lock_out_allows(real_engine, containers):
    world = real_engine
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    wrong = [{"new_password": NEW_PASSWORD, "birth_date": f"2011-{m:02d}-01"} for m in range(1, SIZE + 1)]
    outcomes = containers.at_once(world, first_connections(token, wrong))
    counted = statuses(outcomes)
    # Dates are compared only as the lock-out allows (its four free failures, then the one that locks), each one
    # counted: the others are refused unchecked.
    compared = [e["type"] for e in audit_events(world.store, "jdupont12")].count("first_connection_wrong_birth_date")
    assert counted[200] == 0 and compared <= 5 and counted[400] <= 4
    assert login_throttle(world.store, "jdupont12").failures == compared
    assert counted[400] + counted[401] + counted[429] == SIZE
    # The challenge is dead after its three wrong dates, even with the right one now.
    right = {"challenge_token": token, "new_password": NEW_PASSWORD, "birth_date": BIRTH_DATE}
    again = world.call("POST", "/api/first-connection", right)
    assert again.status in (401, 429) and world.store.get_account("jdupont12").status == "PROVISIONED"


def test_first_connections_at_once_with_eight_addresses_take_the_mail_allowance(real_engine, containers):
    world = real_engine
    token = challenge(world, "jdupont12", world.provision("jdupont12"))
    bodies = [
        {"new_password": NEW_PASSWORD, "birth_date": BIRTH_DATE, "email": f"adresse{n}@laposte.net"}
        for n in range(SIZE)
    ]
    outcomes = containers.at_once(world, first_connections(token, bodies))
    counted = statuses(outcomes)
    assert counted[200] == 1  # one first connection; the others are told it is done, or to wait
    assert set(counted) <= {200, 409, 429, 503}
    mails = containers.delivered  # the outbox's, once the race committed: the winner's only
    assert len(mails) == 1 and not [mail for outcome in outcomes for mail in outcome.mails]
    account = world.store.get_account("jdupont12")
    assert account.status == "PENDING_VALIDATION"
    for mail in mails:  # only the stored address's link validates
        status = world.call("POST", "/api/validate-email", {"code": code_in(mail["html"])}).status
        assert status == (200 if mail["to"] == [account.email] else 410)


def test_address_changes_at_once_leave_one_pending_address(active, containers):
    session = login(active, "jdupont12", NEW_PASSWORD).json()["session_token"]
    headers = {"Authorization": f"Bearer {session}"}
    requests = [
        Request(
            "POST",
            "/api/account/email",
            {
                "current_password": NEW_PASSWORD,
                "new_email": f"n{n}@laposte.net",
                "new_email_confirmation": f"n{n}@laposte.net",
            },
            headers,
        )
        for n in range(SIZE)
    ]
    outcomes = containers.at_once(active, requests)
    counted = statuses(outcomes)
    assert counted[202] >= 1 and set(counted) <= {202, 409, 429, 503}
    pending = active.store.get_account("jdupont12").pending_email
    links = [mail for mail in containers.delivered if mail["to"][0].startswith("n")]
    assert links  # at least the winner's, sent by the outbox once the race committed
    for mail in links:  # only the stored pending address's link confirms
        status = active.call("POST", "/api/validate-email", {"code": code_in(mail["html"])}).status
        assert status == (200 if mail["to"] == [pending] else 410)
    assert active.store.get_account("jdupont12").email == pending
    assert login_throttle(active.store, "jdupont12").failures == 0  # right passwords are no failures


def test_one_code_redeemed_by_eight_processes_at_once_gives_tokens_once(real_engine, containers):
    """RFC 6749 §4.1.2: a code works once. Eight token requests with the same code, at the same instant, from eight
    containers: exactly one gets tokens (the conditional transaction), the others invalid_grant; and since the code
    was presented more than once, the access token it issued is revoked."""
    from tests.integration.oidc import sign_in, sso_world
    from tests.support.oidc import basic

    world = real_engine
    rp = sso_world(world)
    _, code = sign_in(world, rp)
    form = urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": rp.redirect_uri,
            "code_verifier": rp.verifier,
        }
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": basic(rp.client.client_id, rp.secret),
    }
    outcomes = containers.at_once(world, [Request("POST", "/oidc/token", form, headers) for _ in range(SIZE)])
    counted = statuses(outcomes)
    assert counted == {200: 1, 400: SIZE - 1}
    assert {outcome.body["error"] for outcome in outcomes if outcome.status == 400} == {"invalid_grant"}
    [won] = [outcome.body for outcome in outcomes if outcome.status == 200]
    assert rp.userinfo(won["access_token"]).status == 401  # revoked by the second presentations
