"""3. Login cost beyond hashing: the CPU of the login function's handler for a login with the personal password,
next to argon2id's verification alone."""

from __future__ import annotations

import json
import time
from typing import Any

from bench.world import World, median
from local.harness import NEW_PASSWORD

KEYCLOAK_LOGINS_PER_VCPU = 15  # Keycloak's sizing guide: password logins per second per vCPU


def login_cost(world: World, logins: int) -> dict[str, Any]:
    from ent_accounts.passwords import verify_password

    identifier = "lcost01"
    world.provision(identifier)
    # A personal password and a validated address, through the first connection and the validation link.
    world.activate(identifier, email="l@laposte.net", password=NEW_PASSWORD)
    account = world.store.get_account(identifier)
    body = {"identifier": identifier, "password": NEW_PASSWORD}
    world.call("POST", "/api/login", body)  # warm: imports, clients, connection pool
    # Only the handler is timed: finding the function and building its event is API Gateway's work, not Lambda's.
    from local.events import LambdaContext, api_event

    target = world.functions.route("POST", "/api/login")
    login_handler = world.functions.handler(target.function.logical_id)
    context = LambdaContext(target.function.logical_id)
    headers = {"Content-Type": "application/json"}
    handler_cpu, handler_wall, verify_cpu = [], [], []
    for _ in range(logins):
        event = api_event("POST", "/api/login", resource=target.resource, headers=headers, body=json.dumps(body))
        cpu, wall = time.process_time(), time.perf_counter()
        answer = login_handler(event, context)
        handler_cpu.append(time.process_time() - cpu)
        handler_wall.append(time.perf_counter() - wall)
        if answer["statusCode"] != 200:
            raise RuntimeError(f"login: {answer['statusCode']} {answer['body'][:300]}")
        cpu = time.process_time()
        if not verify_password(account.password_hash, NEW_PASSWORD):
            raise RuntimeError("the password does not verify")
        verify_cpu.append(time.process_time() - cpu)
    handler, verify = median(handler_cpu), median(verify_cpu)
    return {
        "logins": logins,
        "handler_cpu_ms": round(handler * 1000, 2),
        "handler_wall_ms": round(median(handler_wall) * 1000, 2),
        "argon2_verify_cpu_ms": round(verify * 1000, 2),
        "ratio": round(handler / verify, 3),
        "target_ratio": 1.2,
        "logins_per_second_per_core": round(1 / handler, 1),
        "keycloak_logins_per_second_per_vcpu": KEYCLOAK_LOGINS_PER_VCPU,
    }
