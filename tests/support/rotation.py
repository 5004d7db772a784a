"""The signing key rotation of the README ("Signing keys and their rotation"), as the template's parameters of each
deployment, and what the template makes of them: which keys exist, which one signs, which are published."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local import backends, template

SLOTS = {"A": "OidcSigningKeyA", "B": "OidcSigningKeyB"}

# One deployment per line, each changing one parameter: a full cycle, A → B → A.
STEPS = [
    {"OidcSigningKeySlot": "A", "OidcKeyA": "on", "OidcKeyB": "off"},  # A signs alone (the defaults)
    {"OidcSigningKeySlot": "A", "OidcKeyA": "on", "OidcKeyB": "on"},  # B published, not signing yet
    {"OidcSigningKeySlot": "B", "OidcKeyA": "on", "OidcKeyB": "on"},  # B signs, A still published
    {"OidcSigningKeySlot": "B", "OidcKeyA": "off", "OidcKeyB": "on"},  # A's tokens expired: A deleted
    {"OidcSigningKeySlot": "B", "OidcKeyA": "on", "OidcKeyB": "on"},  # a new key in slot A, published
    {"OidcSigningKeySlot": "A", "OidcKeyA": "on", "OidcKeyB": "on"},  # A signs, B still published
    {"OidcSigningKeySlot": "A", "OidcKeyA": "on", "OidcKeyB": "off"},  # B deleted: back to the start
]


@dataclass
class Deployment:
    parameters: dict[str, str]
    allowed: bool  # the template's rules let it through
    keys: set[str]  # logical ids of the KMS keys that exist
    environment: dict[str, str]  # the OIDC variables every function gets
    sign_resources: list[str]  # what TokenSigningPolicy lets sign
    public_key_resources: list[str]  # what it lets read the public half of
    output: str  # the OidcSigningKeyArn output


def _resolve_list(values: Any, keys: dict[str, str]) -> list[str]:
    resolved = [backends.resolve(value, "", "", keys) for value in (values if isinstance(values, list) else [values])]
    return [value for value in resolved if value != "AWS::NoValue"]


def deploy(monkeypatch, parameters: dict[str, str], arns: dict[str, str]) -> Deployment:
    """What CloudFormation would make of `parameters`, the existing keys having the ARNs `arns` (logical id → ARN);
    a key that does not exist resolves to its placeholder ARN (backends.placeholder_key_arn), which the checks can
    then notice."""
    defaults = {**backends.parameter_defaults(), **parameters}
    monkeypatch.setattr(backends, "parameter_defaults", lambda: defaults)
    source = template.load()
    keys = {  # the signing slots (the template's other keys, such as StaffSecretsKey, are not theirs)
        logical_id
        for logical_id, resource in template.kms_keys().items()
        if logical_id in SLOTS.values() and backends.condition_holds(resource["Condition"])
    }
    existing = {logical_id: arn for logical_id, arn in arns.items() if logical_id in keys}
    variables = source["Globals"]["Function"]["Environment"]["Variables"]
    environment = {
        name: backends.resolve(variables[name], "", "", existing)
        for name in ("OIDC_SIGNING_KEY", "OIDC_PUBLISHED_KEYS")
    }
    statements = source["Resources"]["TokenSigningPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    [sign] = [statement for statement in statements if statement["Action"] == "kms:Sign"]
    [read] = [statement for statement in statements if statement["Action"] == "kms:GetPublicKey"]
    return Deployment(
        parameters,
        backends.rule_holds("SigningKeySlotIsOn"),
        keys,
        environment,
        _resolve_list(sign["Resource"], existing),
        _resolve_list(read["Resource"], existing),
        backends.resolve(source["Outputs"]["OidcSigningKeyArn"]["Value"], "", "", existing),
    )
