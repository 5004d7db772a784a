"""Checks of template.yaml's security and operations posture, as plain functions returning the problems they find.

They read the template CloudFormation actually receives: SAM's transform expands policy templates (DynamoDBCrudPolicy),
event sources, destinations and roles, and a wildcard could hide in what it generates. Each check is tested on the
real template (no problem) and on a bad example (the problem is found), so none of them can pass by accident.
"""

from __future__ import annotations

import copy
import os
from functools import lru_cache
from typing import Any

from local import template

# AWS managed policies a function role may carry: logs (SAM's default) and X-Ray traces (Tracing: Active).
ALLOWED_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}
# Actions that IAM cannot scope to a resource. SES's suppression-list and account actions are of that kind; the
# service does not use them (SES itself suppresses through the configuration set), so none is allowed today.
UNSCOPABLE_ACTIONS: set[str] = set()
POLICY_TYPES = ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy")


@lru_cache(maxsize=1)
def transformed() -> dict[str, Any]:
    """template.yaml after the AWS::Serverless transform (code locations replaced, as `sam deploy` uploads them)."""
    from samtranslator.translator.transform import transform

    source = copy.deepcopy(template.load())
    for resource in source["Resources"].values():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = "s3://bucket/key"

    class NoManagedPolicyLookup:  # only policy *names* need IAM; the template names managed policies by ARN
        def load(self) -> dict:
            return {}

    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")
    return transform(source, {}, NoManagedPolicyLookup())


def _statements(resources: dict[str, Any]):
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents = [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        elif resource["Type"] in POLICY_TYPES:
            documents = [props["PolicyDocument"]]
        for document in documents:
            statements = document["Statement"]
            for statement in statements if isinstance(statements, list) else [statements]:
                yield logical_id, statement


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def wildcard_actions(resources: dict[str, Any]) -> list[str]:
    """Statements granting `*` or `service:*`-style actions."""
    return [
        f"{logical_id}: {action}"
        for logical_id, statement in _statements(resources)
        if statement.get("Effect") == "Allow"
        for action in _as_list(statement.get("Action", []))
        if "*" in str(action)
    ]


def wildcard_resources(resources: dict[str, Any]) -> list[str]:
    """Allow statements on Resource `*`, unless every action is one IAM cannot scope."""
    found = []
    for logical_id, statement in _statements(resources):
        if statement.get("Effect") != "Allow" or "*" not in _as_list(statement.get("Resource", [])):
            continue
        if not set(_as_list(statement["Action"])) <= UNSCOPABLE_ACTIONS:
            found.append(f"{logical_id}: {statement['Action']} on *")
    return found


def unexpected_managed_policies(resources: dict[str, Any]) -> list[str]:
    """AWS managed policies on roles beyond logs and traces (the stack's own managed policies are checked above)."""
    return [
        f"{logical_id}: {arn}"
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::IAM::Role"
        for arn in resource["Properties"].get("ManagedPolicyArns", [])
        if isinstance(arn, str) and arn not in ALLOWED_MANAGED_POLICIES
    ]


def unconditioned_service_principals(resources: dict[str, Any]) -> list[str]:
    """Resource policies letting an AWS service in without naming this account or resource (confused deputy)."""
    found = []
    for logical_id, statement in _statements(resources):
        principal = statement.get("Principal", {})
        if isinstance(principal, dict) and "Service" in principal:
            keys = {key.lower() for condition in statement.get("Condition", {}).values() for key in condition}
            if not keys & {"aws:sourceaccount", "aws:sourcearn"}:
                found.append(f"{logical_id}: {principal['Service']}")
    return found


def unauthorised_admin_routes(source: dict[str, Any]) -> list[str]:
    """/api/admin routes that anyone could call: each must be IAM-authorised (SigV4), by itself or by the API's
    default authoriser."""
    apis = {
        logical_id: resource.get("Properties", {}).get("Auth", {}).get("DefaultAuthorizer")
        for logical_id, resource in source["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Api"
    }
    found = []
    for resource in source["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for name, event in resource["Properties"].get("Events", {}).items():
            props = event.get("Properties", {})
            if event["Type"] != "Api" or not str(props.get("Path", "")).startswith("/api/admin"):
                continue
            api = props.get("RestApiId", {})
            default = apis.get(api.get("Ref")) if isinstance(api, dict) else None
            authoriser = props.get("Auth", {}).get("Authorizer", default)
            if authoriser != "AWS_IAM":
                found.append(f"{name}: {props.get('Method', '').upper()} {props['Path']}")
    return found


def table_problems(source: dict[str, Any], logical_id: str = "AccountsTable") -> list[str]:
    table = source["Resources"][logical_id]
    props = table["Properties"]
    checks = {
        "encryption (SSESpecification.SSEEnabled)": props.get("SSESpecification", {}).get("SSEEnabled") is True,
        "point-in-time recovery": props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled")
        is True,
        "DeletionPolicy Retain": table.get("DeletionPolicy") == "Retain",
        "UpdateReplacePolicy Retain": table.get("UpdateReplacePolicy") == "Retain",
        "deletion protection in prod": props.get("DeletionProtectionEnabled") == {"Fn::If": ["IsProd", True, False]},
    }
    return [name for name, holds in checks.items() if not holds]


def unencrypted_queues(source: dict[str, Any]) -> list[str]:
    return [
        logical_id
        for logical_id, resource in source["Resources"].items()
        if resource["Type"] == "AWS::SQS::Queue"
        and not (resource["Properties"].get("SqsManagedSseEnabled") or resource["Properties"].get("KmsMasterKeyId"))
    ]


def functions_without_log_retention(source: dict[str, Any]) -> list[str]:
    """Functions whose log group (/aws/lambda/<function>) is not declared with a retention: Lambda would create one
    that keeps logs forever."""
    declared = {}
    for resource in source["Resources"].values():
        if resource["Type"] == "AWS::Logs::LogGroup":
            props = resource["Properties"]
            declared[str(props.get("LogGroupName"))] = props.get("RetentionInDays")
    return [
        logical_id
        for logical_id, resource in source["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        and not declared.get(str({"Fn::Sub": f"/aws/lambda/${{{logical_id}}}"}))
    ]


def alarms(source: dict[str, Any]) -> dict[str, dict]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in source["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def alarmed_functions(alarm: dict[str, Any]) -> set[str]:
    """Functions whose metric an alarm sums (and really adds up in its expression)."""
    stats = {query["Id"]: query["MetricStat"] for query in alarm.get("Metrics", []) if "MetricStat" in query}
    expression = " ".join(query.get("Expression", "") for query in alarm.get("Metrics", []))
    return {
        dimension["Value"]["Ref"]
        for query_id, stat in stats.items()
        if query_id in expression.replace("[", " ").replace("]", " ").replace(",", " ").split()
        for dimension in stat["Metric"]["Dimensions"]
        if dimension["Name"] == "FunctionName" and isinstance(dimension["Value"], dict)
    }


# Routes that end a session, whichever function serves them: each must be able to queue its logout notices (the
# OpenID Connect and CAS logout routes count as soon as the template serves them).
SESSION_ENDING_ROUTES = {"/api/logout", "/deconnexion", "/oidc/logout", "/cas/logout"}


def session_ending_functions() -> set[str]:
    return {
        logical_id
        for logical_id, function in template.functions().items()
        if SESSION_ENDING_ROUTES & {route.path for route in function.routes}
    }
