"""Read template.yaml: functions, their routes, handlers and environment, the table definition and the queues.

The template is the one source of truth: the local server and the tests take everything from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation's short tags (!Ref, !Sub, …) as {"Ref": …}/{"Fn::Sub": …}."""


def _intrinsic(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


@dataclass(frozen=True)
class Route:
    method: str  # upper case, e.g. POST
    path: str  # API Gateway resource path, e.g. /api/login or /api/admin/accounts/{identifier}


@dataclass
class Function:
    logical_id: str
    code_dir: Path
    handler: str  # module.function, e.g. app.lambda_handler
    environment: dict[str, Any] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    schedules: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)  # logical ids of the SNS topics it is subscribed to
    queues: list[str] = field(default_factory=list)  # logical ids of the SQS queues whose batches it takes


@lru_cache(maxsize=4)
def load(path: Path = TEMPLATE) -> dict:
    with open(path, encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_CfnLoader)  # noqa: S506 (a SafeLoader)


# `!Ref AWS::NoValue`: CloudFormation drops the key. The template declares sam local's endpoint variables this way.
NO_VALUE = {"Ref": "AWS::NoValue"}


def runtime_version(path: Path = TEMPLATE) -> str:
    """The Lambda runtime's Python version ("3.13"): the one place that says which Python the project runs on."""
    return load(path)["Globals"]["Function"]["Runtime"].removeprefix("python")


def functions(path: Path = TEMPLATE) -> dict[str, Function]:
    template = load(path)
    global_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        env = {**global_env, **props.get("Environment", {}).get("Variables", {})}
        env = {name: value for name, value in env.items() if value != NO_VALUE}  # absent on AWS, as CloudFormation does
        function = Function(logical_id, ROOT / props["CodeUri"], props["Handler"], env)
        for event in props.get("Events", {}).values():
            if event["Type"] == "Api":
                function.routes.append(Route(event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
            elif event["Type"] in ("Schedule", "ScheduleV2"):
                function.schedules.append(str(event["Properties"]["Schedule"]))
            elif event["Type"] == "SNS":
                topic = event["Properties"]["Topic"]
                function.topics.append(topic["Ref"] if isinstance(topic, dict) and "Ref" in topic else str(topic))
            elif event["Type"] == "SQS":
                function.queues.append(_queue_of(event["Properties"]["Queue"]))
        found[logical_id] = function
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Lambda::EventSourceMapping":
            props = resource["Properties"]
            target = props["FunctionName"]
            if isinstance(target, dict) and target.get("Ref") in found and not _is_stream(props["EventSourceArn"]):
                found[target["Ref"]].queues.append(_queue_of(props["EventSourceArn"]))
    return found


def _queue_of(arn: Any) -> str:
    """The queue's logical id in `!GetAtt Queue.Arn`."""
    if isinstance(arn, dict) and "Fn::GetAtt" in arn:
        return arn["Fn::GetAtt"][0]
    raise ValueError(f"an event source that is not a queue of this template: {arn}")


@dataclass(frozen=True)
class Consumer:
    function: str  # the logical id of the function that takes the queue's batches
    batch_size: int  # at most this many messages per batch (the mapping's BatchSize; SQS's default 10)


def gateway_response(kind: str, accept: str, path: Path = TEMPLATE) -> tuple[int, str, bytes]:
    """What API Gateway answers itself for `kind` (MISSING_AUTHENTICATION_TOKEN, …), as the template's
    GatewayResponses write it: the status, and the template for the request's Accept (HTML for a browser)."""
    api = next(r for r in load(path)["Resources"].values() if r["Type"] == "AWS::Serverless::Api")
    response = api["Properties"]["GatewayResponses"][kind]
    templates = response["ResponseTemplates"]
    content_type = "text/html" if "text/html" in accept and "text/html" in templates else "application/json"
    return int(response.get("StatusCode", 403)), content_type, templates[content_type].encode("utf-8")


def queue_consumers(path: Path = TEMPLATE) -> dict[str, Consumer]:
    """Each queue a function consumes through an event source mapping (queue's logical id → its consumer)."""
    found = {}
    for resource in load(path)["Resources"].values():
        if resource["Type"] == "AWS::Lambda::EventSourceMapping":
            props = resource["Properties"]
            if _is_stream(props["EventSourceArn"]):
                continue  # the table's stream: stream_consumer()
            consumer = Consumer(props["FunctionName"]["Ref"], int(props.get("BatchSize", 10)))
            found[_queue_of(props["EventSourceArn"])] = consumer
    return found


def _is_stream(arn: Any) -> bool:
    return isinstance(arn, dict) and "Fn::GetAtt" in arn and arn["Fn::GetAtt"][1] == "StreamArn"


@dataclass(frozen=True)
class StreamConsumer:
    """The event source mapping of the table's stream (the outbox): what local/streams.py emulates."""

    function: str
    batch_size: int
    filters: tuple[dict[str, Any], ...]  # the FilterCriteria patterns (a record passes if one matches)
    max_retry_attempts: int
    failure_queue: str | None  # the OnFailure destination's logical id


def stream_consumer(path: Path = TEMPLATE) -> StreamConsumer | None:
    for resource in load(path)["Resources"].values():
        if resource["Type"] != "AWS::Lambda::EventSourceMapping":
            continue
        props = resource["Properties"]
        if not _is_stream(props["EventSourceArn"]):
            continue
        patterns = tuple(json.loads(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", []))
        destination = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        return StreamConsumer(
            props["FunctionName"]["Ref"],
            int(props.get("BatchSize", 100)),
            patterns,
            int(props.get("MaximumRetryAttempts", -1)),
            _queue_of(destination) if destination else None,
        )
    return None


def queue_properties(path: Path = TEMPLATE) -> dict[str, dict[str, Any]]:
    """Each SQS queue of the template (logical id → its properties)."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in load(path)["Resources"].items()
        if resource["Type"] == "AWS::SQS::Queue"
    }


def create_queues(client, prefix: str, path: Path = TEMPLATE) -> dict[str, str]:
    """The template's queues (visibility timeout, retention, dead-letter queue and its maxReceiveCount), named
    <prefix>-<logical id>; logical id → queue URL. Dead-letter queues are created before the queues that use them."""
    queues = queue_properties(path)
    urls: dict[str, str] = {}
    arns: dict[str, str] = {}

    def create(logical_id: str) -> None:
        if logical_id in urls:
            return
        props = queues[logical_id]
        attributes = {
            name: str(props[name]) for name in ("VisibilityTimeout", "MessageRetentionPeriod") if name in props
        }
        if "RedrivePolicy" in props:
            policy = props["RedrivePolicy"]
            target = _queue_of(policy["deadLetterTargetArn"])
            create(target)
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arns[target], "maxReceiveCount": int(policy["maxReceiveCount"])}
            )
        urls[logical_id] = client.create_queue(QueueName=f"{prefix}-{logical_id}", Attributes=attributes)["QueueUrl"]
        found = client.get_queue_attributes(QueueUrl=urls[logical_id], AttributeNames=["QueueArn"])
        arns[logical_id] = found["Attributes"]["QueueArn"]

    for logical_id in queues:
        create(logical_id)
    return urls


def table_definition(logical_id: str = "AccountsTable", path: Path = TEMPLATE) -> dict[str, Any]:
    """CreateTable arguments taken from the template's own table (keys, indexes, billing)."""
    props = load(path)["Resources"][logical_id]["Properties"]
    definition = {
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        definition["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("StreamSpecification"):
        # CloudFormation's StreamSpecification has only the view type; CreateTable also wants the switch.
        view = props["StreamSpecification"]["StreamViewType"]
        definition["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    return definition


def ttl_attribute(logical_id: str = "AccountsTable", path: Path = TEMPLATE) -> str | None:
    spec = load(path)["Resources"][logical_id]["Properties"].get("TimeToLiveSpecification", {})
    return spec.get("AttributeName") if spec.get("Enabled") else None


def create_table(client, name: str, logical_id: str = "AccountsTable") -> None:
    client.create_table(TableName=name, **table_definition(logical_id))
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    attribute = ttl_attribute(logical_id)
    if attribute:
        client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"AttributeName": attribute, "Enabled": True}
        )


def kms_keys(path: Path = TEMPLATE) -> dict[str, dict[str, Any]]:
    """Each KMS key of the template (logical id → the resource: its Condition and Properties)."""
    return {
        logical_id: resource
        for logical_id, resource in load(path)["Resources"].items()
        if resource["Type"] == "AWS::KMS::Key"
    }


def create_kms_key(client, logical_id: str, path: Path = TEMPLATE) -> str:
    """One of the template's KMS keys (its key spec and usage), created with `client`; its ARN."""
    props = kms_keys(path)[logical_id]["Properties"]
    created = client.create_key(
        KeySpec=props["KeySpec"], KeyUsage=props["KeyUsage"], Description=f"ent-accounts local {logical_id}"
    )
    return created["KeyMetadata"]["Arn"]
