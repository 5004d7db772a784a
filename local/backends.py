"""Where the local server's AWS lives: moto in-process (default), DynamoDB Local, or real AWS."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local import template

LOCAL_TABLE = "ent-accounts-local"
DATA_DIR = template.ROOT / ".cache" / "local-data"
REGION = "eu-west-3"


@dataclass
class Backend:
    name: str
    table_name: str
    dynamodb: Any
    ses: Any
    stop: Any = None
    kms: Any = None
    keys: dict[str, str] = field(default_factory=dict)  # the template's KMS keys here: logical id → ARN
    # Variables that win over the template's (--aws: the deployed stack's signing keys, which only the user knows).
    environment: dict[str, str] = field(default_factory=dict)


def parameter_defaults() -> dict[str, str]:
    return {name: str(spec.get("Default", "")) for name, spec in template.load().get("Parameters", {}).items()}


PSEUDO_PARAMETERS = {"AWS::Region": REGION, "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}


def placeholder_key_arn(logical_id: str) -> str:
    """The ARN CloudFormation would give one of the template's KMS keys, for a key nobody created here: well formed
    (settings accept it, functions start), unknown to any KMS (signing with it fails)."""
    key_id = uuid.uuid5(uuid.NAMESPACE_URL, f"ent-accounts/{logical_id}")
    return f"arn:aws:kms:{REGION}:{PSEUDO_PARAMETERS['AWS::AccountId']}:key/{key_id}"


def resolve(value: Any, table_name: str, api_url: str, keys: Mapping[str, str] | None = None) -> str:
    """A template value with its intrinsic functions resolved for this machine (parameters take their defaults):
    Ref (parameters, the table, resources with a Name, KMS keys), Fn::GetAtt of a KMS key's Arn, Fn::If on the
    template's Conditions, Fn::Sub. `keys`: the KMS keys created here, logical id → ARN (see `create_kms_keys`)."""
    keys = keys or {}
    if isinstance(value, dict) and "Ref" in value:
        name = value["Ref"]
        if name == "AccountsTable":
            return table_name
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        defaults = parameter_defaults()
        if name in defaults:
            return defaults[name]
        if name in template.kms_keys():  # a key's Ref is its key id
            return keys.get(name, placeholder_key_arn(name)).rsplit("/", 1)[1]
        resource_name = template.load()["Resources"].get(name, {}).get("Properties", {}).get("Name")
        return resolve(resource_name, table_name, api_url, keys) if resource_name else name
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        name, attribute = value["Fn::GetAtt"]
        if name in template.kms_keys() and attribute == "Arn":
            return keys.get(name, placeholder_key_arn(name))
        raise ValueError(f"unsupported attribute: {name}.{attribute}")
    if isinstance(value, dict) and "Fn::If" in value:
        condition, when_true, when_false = value["Fn::If"]
        return resolve(when_true if condition_holds(condition) else when_false, table_name, api_url, keys)
    if isinstance(value, dict) and "Fn::Sub" in value:
        if "${Api}" in str(value["Fn::Sub"]):
            return api_url  # the API's URL is the local server's
        text = value["Fn::Sub"]
        names = {**PSEUDO_PARAMETERS, **parameter_defaults()}
        return re.sub(r"\$\{([^}!]+)\}", lambda found: names.get(found.group(1), found.group(0)), text)
    return str(value)


def holds(expression: Any) -> bool:
    """A condition function (of Conditions or of a rule's assertion), evaluated with the parameters' defaults."""
    for key in ("Condition", "Fn::Condition"):  # JSON spelling, and the short tag !Condition as read here
        if key in expression:
            return condition_holds(expression[key])
    if "Fn::Not" in expression:
        return not holds(expression["Fn::Not"][0])
    if "Fn::And" in expression:
        return all(holds(part) for part in expression["Fn::And"])
    if "Fn::Or" in expression:
        return any(holds(part) for part in expression["Fn::Or"])
    if "Fn::Equals" in expression:
        left, right = (resolve(side, "", "") for side in expression["Fn::Equals"])
        return left == right
    raise ValueError(f"unsupported condition: {expression}")


def condition_holds(name: str) -> bool:
    """A condition of template.yaml, evaluated with the parameters' defaults."""
    return holds(template.load()["Conditions"][name])


def rule_holds(name: str) -> bool:
    """Whether a rule of template.yaml lets a deployment with the parameters' defaults through (CloudFormation
    refuses the stack change otherwise)."""
    rule = template.load()["Rules"][name]
    if "RuleCondition" in rule and not holds(rule["RuleCondition"]):
        return True
    return all(holds(assertion["Assert"]) for assertion in rule["Assertions"])


def create_kms_keys(client) -> dict[str, str]:
    """The template's KMS keys that exist with the parameters' defaults (their resource Condition holds), created
    with `client`: logical id → ARN, for `resolve`."""
    return {
        logical_id: template.create_kms_key(client, logical_id)
        for logical_id, resource in template.kms_keys().items()
        if "Condition" not in resource or condition_holds(resource["Condition"])
    }


def _fake_credentials() -> None:
    # Embedded AWS needs credentials to sign requests, never real ones.
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_KMS"):
        os.environ.pop(name, None)
    os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_SESSION_TOKEN="local")  # noqa: S106
    os.environ["AWS_DEFAULT_REGION"] = REGION


def _embedded_ses():
    import boto3

    ses = boto3.client("sesv2", region_name=REGION)
    ses.create_email_identity(EmailIdentity=parameter_defaults().get("MailIdentity", "ent.example.fr"))
    return ses


def _embedded_kms() -> tuple[Any, dict[str, str]]:
    """moto's KMS (as AWS documents it: local/moto_kms.py) with the template's signing keys: new ones at every start,
    which relying parties notice as a rotation (their next JWKS fetch)."""
    import boto3

    from local import moto_kms

    moto_kms.install()
    kms = boto3.client("kms", region_name=REGION)
    return kms, create_kms_keys(kms)


def one_moto_request_at_a_time():
    """Each request to the embedded AWS atomic, as each DynamoDB request is. moto runs a request without isolation (a
    cancelled TransactWriteItems restores a snapshot of the whole table), and the local server's function instances
    send theirs from several threads: two conditional writes could both win, a rollback erase another's write. What
    threads do between requests stays concurrent. Returns the undo."""
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.__call__
    lock = threading.RLock()

    def atomic(self, *args, **kwargs):
        with lock:
            return original(self, *args, **kwargs)

    BotocoreStubber.__call__ = atomic

    def undo() -> None:
        BotocoreStubber.__call__ = original

    return undo


def start_moto() -> Backend:
    _fake_credentials()
    import boto3
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    undo = one_moto_request_at_a_time()
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    template.create_table(dynamodb, LOCAL_TABLE)
    kms, keys = _embedded_kms()

    def stop() -> None:
        undo()
        mock.stop()

    return Backend("moto", LOCAL_TABLE, dynamodb, _embedded_ses(), stop=stop, kms=kms, keys=keys)


def _ensure_table(dynamodb) -> None:
    if LOCAL_TABLE in dynamodb.list_tables()["TableNames"]:
        return
    with contextlib.suppress(dynamodb.exceptions.ResourceInUseException):  # another server made it meanwhile
        template.create_table(dynamodb, LOCAL_TABLE)


def start_dynamodb_local(data_dir: Path = DATA_DIR, endpoint: str | None = None) -> Backend:
    """AWS's DynamoDB Local with its data kept in .cache/local-data between runs; SES and KMS stay embedded (moto).
    With `endpoint`, a DynamoDB Local already running there (started by hand, or shared by several servers): the
    table is created if missing, and the engine is left running at the end."""
    _fake_credentials()
    import boto3
    from moto import mock_aws

    from local.dynamodb_local import DynamoDBLocal, available

    server = None
    if endpoint is None:
        reason = available()
        if reason:
            raise SystemExit(f"--dynamodb-local: {reason}")
        data_dir.mkdir(parents=True, exist_ok=True)
        server = DynamoDBLocal(data_dir=data_dir)
        endpoint = server.endpoint
    try:
        dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
        _ensure_table(dynamodb)
    except BaseException:  # interrupted or failed while starting: never leave Java running
        if server:
            server.stop()
        raise
    mock = mock_aws()
    mock.start()  # SES and KMS only: requests to DynamoDB Local's address pass through
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint

    def stop() -> None:
        mock.stop()
        if server:
            server.stop()

    kms, keys = _embedded_kms()
    if server is None:
        _share_mail_link_key(keys, endpoint)
    return Backend("dynamodb-local", LOCAL_TABLE, dynamodb, _embedded_ses(), stop=stop, kms=kms, keys=keys)


def _share_mail_link_key(keys: dict[str, str], endpoint: str) -> None:
    """Servers sharing one DynamoDB Local share its stream, so a mail written by one may be sent by another: as in
    AWS, where the stack has one MailLinkKey, they need the same link key, or the link's code the sender derives
    would not match the hash the writer stored. Each server's moto KMS gets the same HMAC key material, derived from
    the shared endpoint (a local, throw-away key; AWS's never leaves KMS)."""
    import hashlib

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.kms.models import kms_backends

    if "MailLinkKey" not in keys:
        return
    backend = kms_backends[DEFAULT_ACCOUNT_ID][REGION]
    key = backend.keys[backend.any_id_to_key_id(keys["MailLinkKey"])]
    key.key_material = hashlib.sha256(f"ent-accounts local mail link key {endpoint}".encode()).digest()


def start_aws(table_name: str | None) -> Backend:
    """Real AWS with the user's credentials and a deployed table (mail really leaves through SES). Tokens are signed
    by the stack's key when OIDC_SIGNING_KEY (the stack's output OidcSigningKeyArn) is in the environment."""
    import boto3

    table_name = table_name or os.environ.get("TABLE_NAME")
    if not table_name:
        raise SystemExit("--aws needs the deployed table: --table NAME (see the stack's TableName output)")
    dynamodb = boto3.client("dynamodb")
    dynamodb.describe_table(TableName=table_name)
    signing = {name: os.environ[name] for name in ("OIDC_SIGNING_KEY", "OIDC_PUBLISHED_KEYS") if name in os.environ}
    return Backend("aws", table_name, dynamodb, boto3.client("sesv2"), kms=boto3.client("kms"), environment=signing)
