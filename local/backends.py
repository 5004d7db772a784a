"""Where the local server's AWS lives: moto in-process (default), DynamoDB Local, or real AWS."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
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


def parameter_defaults() -> dict[str, str]:
    return {name: str(spec.get("Default", "")) for name, spec in template.load().get("Parameters", {}).items()}


PSEUDO_PARAMETERS = {"AWS::Region": REGION, "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}


def resolve(value: Any, table_name: str, api_url: str) -> str:
    """A template value with its intrinsic functions resolved for this machine (parameters take their defaults):
    Ref (parameters, the table, resources with a Name), Fn::If on the template's Conditions, Fn::Sub."""
    if isinstance(value, dict) and "Ref" in value:
        name = value["Ref"]
        if name == "AccountsTable":
            return table_name
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        defaults = parameter_defaults()
        if name in defaults:
            return defaults[name]
        resource_name = template.load()["Resources"].get(name, {}).get("Properties", {}).get("Name")
        return resolve(resource_name, table_name, api_url) if resource_name else name
    if isinstance(value, dict) and "Fn::If" in value:
        condition, when_true, when_false = value["Fn::If"]
        return resolve(when_true if condition_holds(condition) else when_false, table_name, api_url)
    if isinstance(value, dict) and "Fn::Sub" in value:
        if "${Api}" in str(value["Fn::Sub"]):
            return api_url  # the API's URL is the local server's
        text = value["Fn::Sub"]
        names = {**PSEUDO_PARAMETERS, **parameter_defaults()}
        return re.sub(r"\$\{([^}!]+)\}", lambda found: names.get(found.group(1), found.group(0)), text)
    return str(value)


def condition_holds(name: str) -> bool:
    """A condition of template.yaml, evaluated with the parameters' defaults."""

    def holds(expression: Any) -> bool:
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

    return holds(template.load()["Conditions"][name])


def _fake_credentials() -> None:
    # Embedded AWS needs credentials to sign requests, never real ones.
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        os.environ.pop(name, None)
    os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_SESSION_TOKEN="local")  # noqa: S106
    os.environ["AWS_DEFAULT_REGION"] = REGION


def _embedded_ses():
    import boto3

    ses = boto3.client("sesv2", region_name=REGION)
    ses.create_email_identity(EmailIdentity=parameter_defaults().get("MailIdentity", "ent.example.fr"))
    return ses


def start_moto() -> Backend:
    _fake_credentials()
    import boto3
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    template.create_table(dynamodb, LOCAL_TABLE)
    return Backend("moto", LOCAL_TABLE, dynamodb, _embedded_ses(), stop=mock.stop)


def start_dynamodb_local(data_dir: Path = DATA_DIR) -> Backend:
    """AWS's DynamoDB Local with its data kept in .cache/local-data between runs; SES stays embedded (moto)."""
    _fake_credentials()
    import boto3
    from moto import mock_aws

    from local.dynamodb_local import DynamoDBLocal, available

    reason = available()
    if reason:
        raise SystemExit(f"--dynamodb-local: {reason}")
    data_dir.mkdir(parents=True, exist_ok=True)
    server = DynamoDBLocal(data_dir=data_dir)
    try:
        dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=server.endpoint)
        if LOCAL_TABLE not in dynamodb.list_tables()["TableNames"]:
            template.create_table(dynamodb, LOCAL_TABLE)
    except BaseException:  # interrupted or failed while starting: never leave Java running
        server.stop()
        raise
    mock = mock_aws()
    mock.start()  # SES only: requests to DynamoDB Local's address pass through
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = server.endpoint

    def stop() -> None:
        mock.stop()
        server.stop()

    return Backend("dynamodb-local", LOCAL_TABLE, dynamodb, _embedded_ses(), stop=stop)


def start_aws(table_name: str | None) -> Backend:
    """Real AWS with the user's credentials and a deployed table (mail really leaves through SES)."""
    import boto3

    table_name = table_name or os.environ.get("TABLE_NAME")
    if not table_name:
        raise SystemExit("--aws needs the deployed table: --table NAME (see the stack's TableName output)")
    dynamodb = boto3.client("dynamodb")
    dynamodb.describe_table(TableName=table_name)
    return Backend("aws", table_name, dynamodb, boto3.client("sesv2"))
