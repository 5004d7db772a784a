"""Races between CAS validations and logouts, 8 processes at once on one DynamoDB Local: validations of real tickets
(`cas.validation.validate`: the ticket consumed, its login recorded on the session) while the session ends
(`sso.logout.ending_session`). Whatever the order, each validation either comes first, and the logout reads its login
back and queues its notice, or finds the session gone (INVALID_TICKET, so the service never opens a session the
logout would not end). No login is ever recorded on a deleted session (no item written back), and no notice is lost
or sent twice."""

from __future__ import annotations

from collections import Counter

import pytest

from ent_accounts.cas.validation import ValidationFailure, validate
from ent_accounts.codes import hash_token
from ent_accounts.sessions import CasLogin
from ent_accounts.sso.clients import Client
from ent_accounts.store.sessions import session_key
from tests.integration.cas import sign_in
from tests.integration.oidc import signed_in, sso_world
from tests.support.figures import record
from tests.support.oidc import ISSUER
from tests.support.store_processes import SIZE, StoreProcesses

SERVICE = "https://pronote.example.fr/pronote/eleve.html?n={n}"
ROUNDS = 6


@pytest.fixture(scope="module")
def store_processes(dynamodb_local_endpoint):
    pool = StoreProcesses(dynamodb_local_endpoint)
    yield pool
    pool.stop()


@pytest.fixture
def pronote(real_engine):
    sso_world(real_engine)
    client = Client("pronote", "Pronote", (), all_schools=True, service_urls=("https://pronote.example.fr/pronote/",))
    real_engine.store.create_client(client)
    return real_engine


def stored_item(world, token_hash: str) -> dict | None:
    """The session's item as the table holds it, whatever it holds (a login added to a deleted session would leave
    an item with no session in it)."""
    answer = world.ddb.get_item(TableName=world.store.table_name, Key=session_key(token_hash), ConsistentRead=True)
    return answer.get("Item")


def race(world, store_processes, enders: int, round_: int):
    """One session, `enders` logouts and SIZE - enders validations at once (the logouts at places that change with
    the round); (the logouts' results, each validation's login and outcome)."""
    browser = signed_in(world)
    token = browser.cookies["__Host-session"]
    token_hash = hash_token(token)
    _, late_ticket = sign_in(world, browser, service=SERVICE.format(n=99))
    places = {(round_ * 3 + k * 4) % SIZE for k in range(enders)}
    assert len(places) == enders
    calls, logins = [], {}
    for index in range(SIZE):
        if index in places:
            calls.append(("end_session", (token, f"logout-{index}", ISSUER)))
        else:
            _, ticket = sign_in(world, browser, service=SERVICE.format(n=index))
            login = CasLogin("pronote", SERVICE.format(n=index), ticket)
            logins[index] = login
            calls.append(("validate_ticket", (login.ticket, login.service)))
    results = store_processes.at_once(world, calls)
    ends = [results[index] for index in sorted(places)]
    outcomes = {logins[index]: results[index] for index in logins}
    assert stored_item(world, token_hash) is None  # ended, and nothing written back after
    # Too late now: a ticket issued before the logout, validated after it, is refused and writes nothing.
    with pytest.raises(ValidationFailure) as late:
        validate(
            world.services, ticket=late_ticket, service=SERVICE.format(n=99), renew=False, takes_proxy_tickets=False
        )
    assert late.value.code == "INVALID_TICKET" and stored_item(world, token_hash) is None
    return ends, outcomes


def check_nothing_lost(ends, outcomes) -> Counter:
    assert set(outcomes.values()) <= {"recorded", "INVALID_TICKET"}
    [ended] = [end for end in ends if end is not None]  # the session ends once
    recorded = {login for login, outcome in outcomes.items() if outcome == "recorded"}
    read_back = {CasLogin(*login) for login in ended["cas_logins"]}
    assert read_back == recorded  # every login recorded before the delete is read back by it, none after
    told = [(m["service"], m["session_index"]) for m in ended["queued"] if m["kind"] == "cas_slo"]
    assert sorted(told) == sorted((login.service, login.ticket) for login in recorded)  # each told once
    assert all(m["subject"] == "jdupont12" and m["client_id"] == "pronote" for m in ended["queued"])
    return Counter(outcomes.values())


def test_validations_racing_a_logout_are_either_told_or_refused(pronote, store_processes):
    seen: Counter = Counter()
    for round_ in range(ROUNDS):
        ends, outcomes = race(pronote, store_processes, enders=1, round_=round_)
        seen += check_nothing_lost(ends, outcomes)
    record("CAS validations raced against a logout (8 processes, DynamoDB Local)", sum(seen.values()))
    assert sum(seen.values()) == ROUNDS * (SIZE - 1)


def test_two_logouts_at_once_tell_each_recorded_service_once(pronote, store_processes):
    for round_ in range(ROUNDS // 2):
        ends, outcomes = race(pronote, store_processes, enders=2, round_=round_)
        assert sorted(end is None for end in ends) == [False, True]  # one logout ended it, the other found nothing
        check_nothing_lost(ends, outcomes)
    record("CAS validations raced against two logouts (8 processes, DynamoDB Local)", (ROUNDS // 2) * (SIZE - 2))
