"""The rotation of the README on moto's KMS, deployment by deployment (tests/support/rotation.py): at each step the
functions start anew with the variables the template gives them, and a relying party that fetched the JWKS at the
previous step still verifies every new token with it; the service still recognises the previous step's tokens (an
id_token_hint) until their key is retired."""

from __future__ import annotations

import itertools

import boto3
import pytest
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from moto import mock_aws

from ent_accounts.kms import client_config
from ent_accounts.services import Services
from ent_accounts.settings import Settings
from local import template
from local.harness import REGION
from tests.support.rotation import STEPS, deploy

CLAIMS = {"iss": "https://comptes.ent.example.fr", "sub": "s-1", "aud": "ent-occitanie"}


class Account:
    """The stack's KMS keys across deployments: a slot turned on gets a new key, a slot turned off has its key
    scheduled for deletion, as CloudFormation does."""

    def __init__(self, kms) -> None:
        self.kms = kms
        self.arns: dict[str, str] = {}

    def apply(self, monkeypatch, parameters: dict[str, str]):
        planned = deploy(monkeypatch, parameters, self.arns)
        for logical_id in planned.keys - set(self.arns):
            self.arns[logical_id] = template.create_kms_key(self.kms, logical_id)
        for logical_id in set(self.arns) - planned.keys:
            self.kms.schedule_key_deletion(KeyId=self.arns.pop(logical_id).rsplit("/", 1)[1], PendingWindowInDays=7)
        deployed = deploy(monkeypatch, parameters, self.arns)
        settings = Settings.from_env({"TABLE_NAME": "t", **deployed.environment})
        return Services.from_settings(settings, kms=self.kms).signer  # a new container


@pytest.fixture
def account():
    with mock_aws():
        yield Account(boto3.client("kms", region_name=REGION, config=client_config()))


def verifies(token: str, jwks: dict) -> bool:
    try:
        jws.deserialize_compact(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    except (JoseError, ValueError):
        return False
    return True


def test_a_relying_party_s_cached_jwks_keeps_working_through_a_whole_rotation(account, monkeypatch):
    signer = account.apply(monkeypatch, STEPS[0])
    cached = signer.jwks()  # what the relying party fetched
    issued = [signer.sign(CLAIMS)]
    kids = [signer.kid]
    for step in STEPS[1:]:
        signer = account.apply(monkeypatch, step)
        token = signer.sign(CLAIMS)
        assert verifies(token, cached), step  # nobody had to fetch the JWKS again
        # The hint of the previous deployment's token still verifies (its key is still published) …
        assert signer.verified_claims(issued[-1]) == CLAIMS, step
        issued.append(token)
        kids.append(signer.kid)
        cached = signer.jwks()
    # A → B → a new A: three keys signed in turn, and each retirement dropped its tokens' key.
    assert len({kid for kid, _ in itertools.groupby(kids)}) == 3
    assert signer.verified_claims(issued[0]) is None  # the first A was deleted at step 4
    assert [key["kid"] for key in signer.jwks()["keys"]] == [signer.kid]


def test_switching_the_signing_slot_in_the_deployment_that_creates_its_key_strands_relying_parties(
    account, monkeypatch
):
    """Why the rotation takes a deployment to publish the new key first: the check above can fail."""
    signer = account.apply(monkeypatch, STEPS[0])
    cached = signer.jwks()
    signer = account.apply(monkeypatch, {**STEPS[1], "OidcSigningKeySlot": "B"})
    assert not verifies(signer.sign(CLAIMS), cached)


def test_retiring_the_old_key_too_early_breaks_its_tokens(account, monkeypatch):
    account.apply(monkeypatch, STEPS[0])
    signer = account.apply(monkeypatch, STEPS[1])
    old_token = signer.sign(CLAIMS)
    signer = account.apply(monkeypatch, STEPS[3])  # B alone, skipping "B signs, A published"
    assert not verifies(old_token, signer.jwks()) and signer.verified_claims(old_token) is None
