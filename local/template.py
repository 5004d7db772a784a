"""Read template.yaml: functions, their routes, handlers and environment, and the table definition.

The template is the one source of truth: the local server and the tests take everything from here.
"""

from __future__ import annotations

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


@lru_cache(maxsize=4)
def load(path: Path = TEMPLATE) -> dict:
    with open(path, encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_CfnLoader)  # noqa: S506 (a SafeLoader)


def functions(path: Path = TEMPLATE) -> dict[str, Function]:
    template = load(path)
    global_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        env = {**global_env, **props.get("Environment", {}).get("Variables", {})}
        function = Function(logical_id, ROOT / props["CodeUri"], props["Handler"], env)
        for event in props.get("Events", {}).values():
            if event["Type"] == "Api":
                function.routes.append(Route(event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
            elif event["Type"] in ("Schedule", "ScheduleV2"):
                function.schedules.append(str(event["Properties"]["Schedule"]))
            elif event["Type"] == "SNS":
                topic = event["Properties"]["Topic"]
                function.topics.append(topic["Ref"] if isinstance(topic, dict) and "Ref" in topic else str(topic))
        found[logical_id] = function
    return found


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
