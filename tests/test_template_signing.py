"""template.yaml's token signing: two KMS key slots driven by three parameters, evaluated for every combination as
CloudFormation would (its rule, the keys' conditions, the variables, the signing policy); the rotation of the README
as a sequence of deployments that never strands a relying party; the OIDC layer; KMS wired for sam local."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from ent_accounts import kms
from ent_accounts.local_aws_guard import ENDPOINTS
from local import backends, template
from local.sam import aws as sam_aws
from tests.support.rotation import SLOTS, STEPS, deploy

ROOT = Path(__file__).resolve().parent.parent
SOURCE = template.load()
RESOURCES = SOURCE["Resources"]
ARNS = {
    logical_id: f"arn:aws:kms:eu-west-3:123456789012:key/{n}1111111-2222-4333-8444-555555555555"
    for n, logical_id in enumerate(SLOTS.values())
}
COMBINATIONS = [
    {"OidcSigningKeySlot": slot, "OidcKeyA": a, "OidcKeyB": b}
    for slot, a, b in itertools.product("AB", ("on", "off"), ("on", "off"))
]


def slot_on(parameters: dict[str, str]) -> bool:
    return parameters[f"OidcKey{parameters['OidcSigningKeySlot']}"] == "on"


@pytest.mark.parametrize("parameters", COMBINATIONS, ids=lambda p: "-".join(p.values()))
def test_every_combination_either_is_refused_or_signs_with_its_slot_and_publishes_the_other(monkeypatch, parameters):
    deployment = deploy(monkeypatch, parameters, ARNS)
    assert deployment.allowed == slot_on(parameters)  # the rule refuses a signing slot that is off
    on = {logical_id for slot, logical_id in SLOTS.items() if parameters[f"OidcKey{slot}"] == "on"}
    assert deployment.keys == on
    if not deployment.allowed:
        return
    signing = SLOTS[parameters["OidcSigningKeySlot"]]
    others = [ARNS[logical_id] for logical_id in sorted(on - {signing})]
    assert deployment.environment == {"OIDC_SIGNING_KEY": ARNS[signing], "OIDC_PUBLISHED_KEYS": ",".join(others)}
    assert deployment.output == ARNS[signing]
    # Sign with the signing key only; the public halves of the keys that exist, and no key that does not.
    assert deployment.sign_resources == [ARNS[signing]]
    assert sorted(deployment.public_key_resources) == sorted(ARNS[logical_id] for logical_id in on)


def test_the_defaults_deploy_one_key_that_signs_alone(monkeypatch):
    defaults = {name: str(SOURCE["Parameters"][name]["Default"]) for name in STEPS[0]}
    assert defaults == STEPS[0]
    assert backends.rule_holds("SigningKeySlotIsOn")


def published(deployment) -> set[str]:
    return {deployment.environment["OIDC_SIGNING_KEY"], *deployment.environment["OIDC_PUBLISHED_KEYS"].split(",")} - {
        ""
    }


def rotation_problems(before, after) -> list[str]:
    """What a deployment from `before` to `after` would break for relying parties that cached the JWKS before it."""
    problems = []
    if not after.allowed:
        problems.append("refused by the rules")
    if after.environment["OIDC_SIGNING_KEY"] not in published(before):
        problems.append("signs with a key the relying parties' JWKS does not have yet")
    if before.environment["OIDC_SIGNING_KEY"] not in published(after):
        problems.append("drops the key of the tokens still in use")
    return problems


def test_the_rotation_publishes_a_key_before_it_signs_and_keeps_the_old_one_after(monkeypatch):
    deployments = [deploy(monkeypatch, step, ARNS) for step in STEPS]
    assert STEPS[0] == STEPS[-1]  # a full cycle
    assert {deployment.environment["OIDC_SIGNING_KEY"] for deployment in deployments} == set(ARNS.values())
    for before, after in itertools.pairwise(deployments):
        changed = [name for name in before.parameters if before.parameters[name] != after.parameters[name]]
        assert len(changed) == 1, changed  # one parameter per deployment: each step can be watched, and undone
        assert rotation_problems(before, after) == [], (before.parameters, after.parameters)


def test_the_rotation_check_catches_a_skipped_step(monkeypatch):
    start, both_on, b_signs_alone = STEPS[0], STEPS[1], {**STEPS[3]}
    assert rotation_problems(
        deploy(monkeypatch, start, ARNS), deploy(monkeypatch, {**both_on, "OidcSigningKeySlot": "B"}, ARNS)
    ) == ["signs with a key the relying parties' JWKS does not have yet"]
    # From "B published" straight to "B alone": A's tokens, still in use, stop verifying.
    assert rotation_problems(deploy(monkeypatch, both_on, ARNS), deploy(monkeypatch, b_signs_alone, ARNS)) == [
        "drops the key of the tokens still in use"
    ]
    assert rotation_problems(deploy(monkeypatch, start, ARNS), deploy(monkeypatch, {**start, "OidcKeyA": "off"}, ARNS))[
        0
    ] == ("refused by the rules")


def test_both_slots_are_rsa_signing_keys_the_account_administers():
    for logical_id in SLOTS.values():
        key = RESOURCES[logical_id]
        props = key["Properties"]
        assert (props["KeySpec"], props["KeyUsage"], props["Enabled"]) == ("RSA_2048", "SIGN_VERIFY", True)
        assert key["Condition"] == f"OidcKey{logical_id[-1]}On"
        assert key["DeletionPolicy"] == "Delete" and key["UpdateReplacePolicy"] == "Retain"
        # The deletion of a key turned off can be cancelled for a week in dev, a month in prod.
        assert props["PendingWindowInDays"] == {"Fn::If": ["IsProd", 30, 7]}
        [statement] = props["KeyPolicy"]["Statement"]
        assert statement["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
        assert "Condition" not in statement  # IAM policies (TokenSigningPolicy) decide who uses the key


def test_the_signing_policy_allows_only_what_the_signer_asks():
    policy = RESOURCES["TokenSigningPolicy"]["Properties"]["PolicyDocument"]
    assert sorted(statement["Action"] for statement in policy["Statement"]) == ["kms:GetPublicKey", "kms:Sign"]
    [sign] = [statement for statement in policy["Statement"] if statement["Action"] == "kms:Sign"]
    assert sign["Condition"] == {
        "StringEquals": {"kms:SigningAlgorithm": kms.SIGNING_ALGORITHM, "kms:MessageType": "DIGEST"}
    }
    source = (ROOT / "layers" / "common" / "ent_accounts" / "kms.py").read_text()
    assert 'MessageType="DIGEST"' in source and "SigningAlgorithm=SIGNING_ALGORITHM" in source


def test_every_function_is_told_the_keys_and_sam_local_can_point_kms_at_moto():
    variables = SOURCE["Globals"]["Function"]["Environment"]["Variables"]
    assert {"OIDC_SIGNING_KEY", "OIDC_PUBLISHED_KEYS"} <= set(variables)
    assert variables["AWS_ENDPOINT_URL_KMS"] == template.NO_VALUE and "AWS_ENDPOINT_URL_KMS" in ENDPOINTS
    local = sam_aws.LocalAws(
        SimpleNamespace(port=8000),
        None,
        "172.17.0.1",
        5000,
        {"MailQueue": "http://q", "LogoutQueue": "http://lq"},
        keys=dict(ARNS),
    )
    environment = local.function_environment("http://127.0.0.1:3000")
    assert environment["AWS_ENDPOINT_URL_KMS"] == f"http://{sam_aws.CONTAINER_HOST}:5000"
    assert environment["OIDC_SIGNING_KEY"] == ARNS["OidcSigningKeyA"]  # the key created in moto, not a placeholder
    assert environment["OIDC_PUBLISHED_KEYS"] == ""


def test_the_local_server_resolves_the_keys_it_created_and_a_placeholder_otherwise():
    variables = SOURCE["Globals"]["Function"]["Environment"]["Variables"]
    created = {"OidcSigningKeyA": ARNS["OidcSigningKeyA"]}
    assert backends.resolve(variables["OIDC_SIGNING_KEY"], "t", "u", created) == ARNS["OidcSigningKeyA"]
    placeholder = backends.resolve(variables["OIDC_SIGNING_KEY"], "t", "u")
    assert placeholder == backends.placeholder_key_arn("OidcSigningKeyA")
    from ent_accounts.settings import Settings

    assert Settings.from_env({"TABLE_NAME": "t", "OIDC_SIGNING_KEY": placeholder}).oidc_signing_key == placeholder


def test_the_oidc_layer_is_built_like_the_admin_layer_with_pinned_dependencies():
    layer = RESOURCES["OidcLayer"]
    admin = RESOURCES["AdminLayer"]
    assert layer["Metadata"] == admin["Metadata"]  # pip for Lambda's runtime and architecture
    for name in ("CompatibleRuntimes", "CompatibleArchitectures", "RetentionPolicy"):
        assert layer["Properties"][name] == admin["Properties"][name]
    assert layer["Properties"]["ContentUri"] == "layers/oidc/"

    def pins(path: str) -> dict[str, str]:
        text = (ROOT / path).read_text()
        return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, flags=re.M))

    oidc = pins("layers/oidc/requirements.txt")
    assert set(oidc) == {"joserfc", "cryptography", "cffi"}
    # Layers unpack into the same /opt/python: the packages two layers share are the same version.
    for other in ("layers/admin/requirements.txt", "layers/common/requirements.txt"):
        shared = set(oidc) & set(pins(other))
        assert {name: oidc[name] for name in shared} == {name: pins(other)[name] for name in shared}, other
    assert "-r layers/oidc/requirements.txt" in (ROOT / "requirements-dev.txt").read_text()
