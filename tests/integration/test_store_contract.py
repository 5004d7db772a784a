"""What the store promises its callers, whatever the engine (moto and DynamoDB Local): its own exceptions, never
botocore's, and a cancelled transaction that names the writes that failed."""

import pytest

from ent_accounts.store import Conflict, IdentifierTaken, ValueRefused


def test_a_cancelled_transaction_names_the_write_whose_condition_failed(world):
    world.provision("jdupont12")
    stale = world.store.get_account("jdupont12")
    world.store.transaction().save_account(world.store.get_account("jdupont12")).commit()  # someone else's change
    tx = world.store.transaction().save_account(stale, name="the student").audit("jdupont12", "test", "r")
    with pytest.raises(Conflict) as raised:
        tx.commit()
    assert raised.value.changed == {"the student"} and raised.value.failed == {"the student"}
    assert not raised.value.in_flight and not raised.value.refused


def test_an_identifier_taken_is_a_conflict_of_the_store(world):
    world.provision("jdupont12")
    account = world.store.get_account("jdupont12")
    with pytest.raises(IdentifierTaken):
        world.store.create_account(account)


def test_a_value_dynamodb_refuses_is_value_refused(world):
    with pytest.raises(ValueRefused):
        world.store.record_event("x" * 3000, "test", "r")  # a key longer than DynamoDB's 2048 bytes
