"""7. Memory: the peak RSS of each handler in a process of its own, after import and after a few invocations."""

from __future__ import annotations

import json
import uuid
from typing import Any

from bench.environment import LAYER, ROOT, child_env, run_child
from bench.world import Backend
from local.harness import REGION, SENDER


def _memory_event(function) -> dict:
    from local.events import api_event, scheduled_event, ses_event, sns_event, sqs_event

    if function.schedules:
        return scheduled_event()
    if function.queues and not function.routes:  # a queue's consumer only: one notice for a client no longer there
        from ent_accounts.sso.logout_notifications import LogoutNotice

        notice = LogoutNotice.oidc_backchannel(
            issuer="https://ent.example.fr", client_id="inconnu", sid="s-1", subject="sub-1"
        )
        return sqs_event([{"Body": json.dumps(notice.to_message())}])
    if function.topics:
        params = {
            "FromEmailAddress": SENDER,
            "Destination": {"ToAddresses": ["inconnu@laposte.net"]},
            "EmailTags": [{"Name": "identifier", "Value": "inconnu01"}],
        }
        return sns_event(ses_event("Bounce", params))
    if function.logical_id == "LoginFunction":  # the work that sizes it: one argon2 verification
        body = json.dumps({"identifier": "inconnu01", "password": "Mauvais-Mot-1"})
        headers = {"Content-Type": "application/json"}
        return api_event("POST", "/api/login", resource="/api/login", headers=headers, body=body)
    route = next((route for route in function.routes if route.method == "GET"), function.routes[0])
    path = route.path.replace("{proxy+}", "dsfr.min.css").replace("{identifier}", "inconnu01")
    return api_event(route.method, path, resource=route.path)


def memory(backend: Backend, invocations: int) -> dict[str, Any]:
    import boto3

    from local import template

    if backend.endpoint is None:
        return {"skipped": "needs DynamoDB Local (a handler process of its own)"}
    table = f"bench-mem-{uuid.uuid4().hex[:8]}"
    template.create_table(boto3.client("dynamodb", region_name=REGION, endpoint_url=backend.endpoint), table)
    env = child_env(TABLE_NAME=table, AWS_ENDPOINT_URL_DYNAMODB=backend.endpoint, POWERTOOLS_METRICS_NAMESPACE="bench")
    baseline = run_child("peak_memory", json.dumps({"module": "boto3"}), env=env)
    if baseline.returncode:
        raise RuntimeError(f"python with boto3: {baseline.stderr[-300:]}")
    functions = {}
    for logical_id, function in template.functions().items():
        module, attribute = function.handler.rsplit(".", 1)
        spec = {
            "paths": [str(ROOT), str(LAYER), str(function.code_dir)],
            "module": module,
            "attribute": attribute,
            "invocations": invocations,
            "event": _memory_event(function),
            "name": logical_id,
        }
        done = run_child("peak_memory", json.dumps(spec), env=env)
        if done.returncode:
            functions[logical_id] = {"error": done.stderr[-300:]}
            continue
        figures = _last_json(done.stdout)
        functions[logical_id] = {
            "imported_mb": round(figures["imported_kb"] / 1024, 1),
            "warm_peak_mb": round(figures["warm_kb"] / 1024, 1),
            "statuses": figures["statuses"],
            "memory_size_mb": _template_memory(logical_id),
        }
    return {
        "invocations": invocations,
        "python_with_boto3_mb": round(_last_json(baseline.stdout)["imported_kb"] / 1024, 1),
        "functions": functions,
    }


def _template_memory(logical_id: str) -> int | None:
    from local import template

    document = template.load()
    props = document["Resources"][logical_id]["Properties"]
    return props.get("MemorySize") or document.get("Globals", {}).get("Function", {}).get("MemorySize")


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])
