"""Two warm processes (two Lambda containers) presenting the same TOTP code at the same instant on one DynamoDB
Local: the last accepted step is a conditional write, so exactly one is signed in and the other refused."""

from __future__ import annotations

import pytest

from ent_accounts.flows import staff as flows
from ent_accounts.staff import totp
from tests.support.staff import STAFF_PASSWORD, enrol, invite
from tests.support.store_processes import StoreProcesses

EMAIL = "claire.martin@ac-montpellier.fr"


@pytest.fixture(scope="module")
def two_processes(dynamodb_local_endpoint):
    pool = StoreProcesses(dynamodb_local_endpoint, size=2)
    yield pool
    pool.stop()


@pytest.mark.parametrize("round_", range(3))
def test_one_code_replayed_by_two_processes_at_once_signs_in_once(real_engine, two_processes, round_):
    invite(real_engine)
    _, secret, _ = enrol(real_engine)
    real_engine.clock.advance(seconds=30)
    tokens = [flows.sign_in(real_engine.services, EMAIL, STAFF_PASSWORD, "test").token for _ in range(2)]
    code = totp.code_at(secret, real_engine.clock.now())
    results = two_processes.at_once(real_engine, [("staff_second_step", (token, code, secret)) for token in tokens])
    assert sorted(results) == ["accepted", "invalid_code"]
    member = real_engine.store.staff_member_by_email(EMAIL)
    assert member.totp_last_step == totp.step_of(real_engine.clock.now())
    signed_in = [e for e in real_engine.store.staff_events(member.member_id) if e["type"] == "staff_signed_in"]
    assert len(signed_in) == 1
