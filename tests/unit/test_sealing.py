"""Sealed answers: readable with the client's key only, and tamper-evident."""

import pytest
from cryptography.exceptions import InvalidTag

from ent_accounts.sealing import seal, unseal

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def test_round_trip_and_no_clear_text():
    sealed = seal(KEY, "create-accounts#0341234A", b'{"password": "7TM2gmtVPHNe"}')
    assert "7TM2gmtVPHNe" not in sealed
    assert unseal(KEY, "create-accounts#0341234A", sealed) == b'{"password": "7TM2gmtVPHNe"}'


def test_each_seal_differs():
    assert seal(KEY, "c", b"x") != seal(KEY, "c", b"x")


@pytest.mark.parametrize(("key", "context"), [(KEY[:-1] + "1", "c"), (KEY, "other")])
def test_another_key_or_context_cannot_open(key, context):
    with pytest.raises(InvalidTag):
        unseal(key, context, seal(KEY, "c", b"secret"))


def test_tampering_is_detected():
    import base64

    raw = bytearray(base64.b64decode(seal(KEY, "c", b"secret")))
    raw[-1] ^= 1
    with pytest.raises(InvalidTag):
        unseal(KEY, "c", base64.b64encode(bytes(raw)).decode())


def test_the_replay_record_of_a_whole_school_fits_in_a_dynamodb_item():
    import json
    import secrets

    issued = [[n, f"mdelatourdauvergnela{n}", secrets.token_urlsafe(9), "2027-02-28T14:37:00Z"] for n in range(2000)]
    plain = json.dumps({"login_url": "https://comptes.ent.example.fr/connexion", "issued": issued}).encode()
    assert len(seal(KEY, "create-accounts#0341234A", plain)) < 100_000  # DynamoDB's item limit is 400 KB
