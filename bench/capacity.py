"""What each user-facing operation of a rentrée costs in AWS units: `python -m bench --only capacity` (issue 20).

Each operation runs on the in-process stack (template.yaml's handlers, bench/world.py) against DynamoDB Local (moto
when it cannot run here, said in the results), and is metered at the clients the services send through:
- DynamoDB: every request by API, with `ReturnConsumedCapacity=TOTAL` added by a botocore hook on the store's client
  (the one client every store request goes through, Table.request; the service's code is not touched, nothing is
  added when the bench does not run). On-demand read/write request units as DynamoDB reports them, except for
  transactions, whose units DynamoDB Local reports wrongly (4 WRU for one 1 KB Put, 4 for three): they are computed
  as DynamoDB bills them, 2 WRU per KB of each item written (its size before the write for an Update, a Delete or a
  ConditionCheck, read apart, uncounted). A conditional write that is refused is counted 1 WRU (DynamoDB bills it;
  the error carries no figure). Not counted: the expiry index's (GSI) write units;
- SES mails sent, SQS messages queued, KMS calls (Sign), bytes the functions log (Powertools' JSON lines and the
  EMF metrics, at the template's LogLevel INFO: what CloudWatch Logs ingests, before Lambda's own START/END/REPORT);
- Lambda: each function invocation (the API request's, and the queue consumers' it causes), with its duration on
  this machine (the handler call in this process, warm; median over the repetitions). This machine's CPU, not
  Lambda's: a Lambda function at 1,769 MB has one vCPU, less below; and its CPU time (the handler's thread);
- the bytes each operation leaves in the table for more than 30 days (audit events, accounts), from a Scan before
  and after it with the uncounted client.

The capacity and cost model built from these figures is in bench/cost_model.py.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from bench.world import World, median
from local.harness import NEW_PASSWORD

KB = 1024
CAPACITY_OPERATIONS = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def item_size(item: dict) -> int:
    """An item's size as DynamoDB counts it: attribute names plus values (UTF-8 strings, binary, numbers about one
    byte per two digits, 3 bytes of overhead for each list, map or set, 1 for each of their elements)."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def value_size(value: dict) -> int:
    [(kind, data)] = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "B":
        return len(data)
    if kind == "N":
        return math.ceil(len(data.lstrip("-").replace(".", "")) / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return 3 + sum(value_size({kind[0]: element}) + 1 for element in data)
    if kind == "L":
        return 3 + sum(value_size(element) + 1 for element in data)
    if kind == "M":
        return 3 + sum(len(name.encode()) + value_size(element) + 1 for name, element in data.items())
    return len(json.dumps(data))


class Meter:
    """Counts what one operation sends: DynamoDB requests and units, mails, queued messages, KMS calls, Lambda
    invocations and their durations. `measure(name, action)` adds one repetition of `name`."""

    def __init__(self, world: World) -> None:
        import boto3

        self.world = world
        # A second client on the same table, without the hooks: the items' sizes before a transaction writes them.
        self.probe = boto3.client("dynamodb", region_name=world.ddb.meta.region_name, endpoint_url=world.endpoint)
        self.active: dict[str, Any] | None = None
        self.storage = False  # True: each operation also measures the bytes it leaves in the table (a Scan)
        self.runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
        ddb = world.ddb.meta.events
        ddb.register("provide-client-params.dynamodb.*", self._ask_capacity)
        ddb.register("before-call.dynamodb.*", self._before_dynamodb)
        ddb.register("after-call.dynamodb.*", self._after_dynamodb)
        self._counters = [
            (client, service, self._count(service)) for client, service in ((world.sqs, "sqs"), (world.kms, "kms"))
        ]
        for client, service, count in self._counters:
            client.meta.events.register(f"before-call.{service}.*", count)
        self._unwrap = self._wrap_functions()

    # --- hooks --------------------------------------------------------------------------------------------------------

    def _ask_capacity(self, params: dict, model, **_: Any) -> None:
        if self.active is None:
            return
        if model.name in CAPACITY_OPERATIONS:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        if model.name == "TransactWriteItems":
            self.active["wru"] += self._transaction_units(params["TransactItems"])

    def _before_dynamodb(self, model, **_: Any) -> None:
        if self.active is not None:
            self.active["dynamodb"][model.name] += 1

    def _after_dynamodb(self, model, parsed: dict, http_response, **_: Any) -> None:
        if self.active is None or model.name == "TransactWriteItems":
            return
        if http_response.status_code >= 300:
            code = parsed.get("Error", {}).get("Code", "")
            if model.name in WRITES and code.endswith("ConditionalCheckFailedException"):
                self.active["wru"] += 1
                self.active["refused_writes"] += 1
            return
        consumed = parsed.get("ConsumedCapacity")
        for entry in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
            units = entry.get("CapacityUnits", 0.0)
            self.active["wru" if model.name in WRITES else "rru"] += units

    def _transaction_units(self, items: list[dict]) -> float:
        units = 0.0
        for entry in items:
            [(kind, request)] = entry.items()
            if kind == "Put":
                size = item_size(request["Item"])
            else:
                found = self.probe.get_item(TableName=request["TableName"], Key=request["Key"]).get("Item")
                size = item_size(found) if found else 0
            units += 2 * max(1, math.ceil(size / KB))
        return units

    def _count(self, service: str):
        def count(model, **_: Any) -> None:
            # SQS: the service's messages only; the receives and deletes are the harness's, for the event source.
            if self.active is not None and (service != "sqs" or model.name.startswith("SendMessage")):
                self.active[service][model.name] += 1

        return count

    def _wrap_functions(self):
        functions = self.world.functions
        original = functions.handler
        wrapped: dict[str, Any] = {}

        def handler(logical_id: str):
            real = original(logical_id)
            if logical_id not in wrapped:

                def timed(event, context, _real=real, _id=logical_id):
                    started, cpu = time.perf_counter(), time.thread_time()
                    try:
                        return _real(event, context)
                    finally:
                        if self.active is not None:
                            self.active["lambda"][_id] += 1
                            if isinstance(event, dict) and "httpMethod" in event:  # through API Gateway
                                self.active["api"][_id] += 1
                            self.active["lambda_ms"][_id].append((time.perf_counter() - started) * 1000)
                            self.active["lambda_cpu_ms"][_id].append((time.thread_time() - cpu) * 1000)

                wrapped[logical_id] = timed
            return wrapped[logical_id]

        functions.handler = handler
        return lambda: setattr(functions, "handler", original)

    # --- measuring ----------------------------------------------------------------------------------------------------

    @contextmanager
    def _counting_log_bytes(self, run: dict):
        """What the functions write to stdout (Powertools' JSON log lines and EMF metrics: CloudWatch Logs
        ingests it), counted in UTF-8 bytes: the logger's handlers' streams swapped, stdout redirected."""
        import contextlib
        import logging

        from ent_accounts.observability import logger

        class Counting:
            def write(self, text: str) -> int:
                run["log_bytes"] += len(text.encode())
                return len(text)

            def flush(self) -> None:
                pass

        counting = Counting()
        handlers = [h for h in logging.getLogger(logger.name).handlers if hasattr(h, "stream")]
        streams = [h.stream for h in handlers]
        for h in handlers:
            h.stream = counting
        try:
            with contextlib.redirect_stdout(counting):
                yield
        finally:
            for h, stream in zip(handlers, streams, strict=True):
                h.stream = stream

    @contextmanager
    def measuring(self, name: str):
        run = {
            "log_bytes": 0,
            "dynamodb": Counter(),
            "sqs": Counter(),
            "kms": Counter(),
            "lambda": Counter(),
            "api": Counter(),
            "lambda_ms": defaultdict(list),
            "lambda_cpu_ms": defaultdict(list),
            "rru": 0.0,
            "wru": 0.0,
            "refused_writes": 0,
            "mails": len(self.world.sent),
        }
        before = self.stored()["kept"] if self.storage else 0
        self.active = run
        try:
            with self._counting_log_bytes(run):
                yield
        finally:
            self.active = None
            run["kept_bytes"] = self.stored()["kept"] - before if self.storage else 0
            run["mails"] = len(self.world.sent) - run["mails"]
            self.runs[name].append(run)

    def measure(self, name: str, action):
        with self.measuring(name):
            return action()

    def stored(self) -> dict[str, int]:
        """The table's items and their bytes (as DynamoDB bills storage: item sizes, plus 100 bytes of overhead
        each), by kind (the partition key's prefix), read with the uncounted client."""
        from collections import Counter

        from ent_accounts.clock import epoch

        items: Counter = Counter()
        size: Counter = Counter()
        kept = 0  # the bytes of items kept beyond 30 days (accounts, audit events): those that fill the table
        soon = epoch(self.world.clock.now()) + 30 * 86400
        pages = self.probe.get_paginator("scan").paginate(TableName=self.world.table)
        for page in pages:
            for item in page["Items"]:
                kind = item.get("pk", {}).get("S", "?").split("#", 1)[0]
                items[kind] += 1
                bytes_ = item_size(item) + 100
                size[kind] += bytes_
                if "expires_at" not in item or int(item["expires_at"]["N"]) > soon:
                    kept += bytes_
        return {"items": sum(items.values()), "bytes": sum(size.values()), "kept": kept, "by_kind": dict(size)}

    def close(self) -> None:
        events = self.world.ddb.meta.events
        events.unregister("provide-client-params.dynamodb.*", self._ask_capacity)
        events.unregister("before-call.dynamodb.*", self._before_dynamodb)
        events.unregister("after-call.dynamodb.*", self._after_dynamodb)
        for client, service, count in self._counters:
            client.meta.events.unregister(f"before-call.{service}.*", count)
        self._unwrap()

    def report(self, per: dict[str, int] | None = None) -> dict[str, Any]:
        """Per operation: the mean of each count over its repetitions (divided by `per[name]`: an import's accounts,
        a sweep's deletions), the median duration of each function."""
        per = per or {}
        table = {}
        for name, runs in self.runs.items():
            divide = len(runs) * per.get(name, 1)

            def mean(total: float, divide: int = divide) -> float:
                return round(total / divide, 6)

            def summed(key: str, runs: list = runs) -> dict[str, float]:
                total: Counter = Counter()
                for run in runs:
                    total.update(run[key])
                return {api: mean(count) for api, count in sorted(total.items())}

            durations: dict[str, list[float]] = defaultdict(list)
            cpu: dict[str, list[float]] = defaultdict(list)
            for run in runs:
                for function, values in run["lambda_ms"].items():
                    durations[function].extend(values)
                for function, values in run["lambda_cpu_ms"].items():
                    cpu[function].extend(values)
            dynamodb = summed("dynamodb")
            table[name] = {
                "repetitions": len(runs),
                "per": per.get(name, 1),
                "dynamodb": dynamodb,
                "dynamodb_requests": round(sum(dynamodb.values()), 3),
                "rru": mean(sum(run["rru"] for run in runs)),
                "wru": mean(sum(run["wru"] for run in runs)),
                "refused_writes": mean(sum(run["refused_writes"] for run in runs)),
                "mails": mean(sum(run["mails"] for run in runs)),
                "log_bytes": mean(sum(run["log_bytes"] for run in runs)),
                # bytes left in the table for more than 30 days (account, audit events, person claims)
                "kept_bytes": mean(sum(run["kept_bytes"] for run in runs)),
                "sqs": summed("sqs"),
                "kms": summed("kms"),
                "lambda": summed("lambda"),
                "api_requests": summed("api"),  # the invocations API Gateway made (the others: queues, schedule)
                # the median of one invocation of each function, in ms (its GB-seconds: × invocations × memory)
                "lambda_ms": {function: round(median(values), 1) for function, values in sorted(durations.items())},
                # … and its CPU (this thread's: the handler's own work, without the waits on DynamoDB Local)
                "lambda_cpu_ms": {function: round(median(values), 1) for function, values in sorted(cpu.items())},
            }
        return table


# --- the operations -----------------------------------------------------------------------------------------------


def import_school(world: World, meter: Meter, students: int) -> int:
    """One school's list in requests of at most 2,000 rows: `students` students, each naming one or two
    responsables (every other student two: 1.5 parents per student), recognised by their address. Returns the
    accounts created."""
    from bench.import_accounts import school_list

    rows = school_list(students, seed=20)
    for n, row in enumerate(rows):
        letters = "".join("abcdefghijklmnopqrstuvwxyz"[int(digit)] for digit in str(n))
        row["responsables"] = [
            {"last_name": row["last_name"], "first_name": f"Paul{letters}", "email": f"p{n}a@laposte.net"},
        ]
        if n % 2 == 0:
            row["responsables"].append(
                {
                    "last_name": "Autre",
                    "first_name": f"Paul{letters}",
                    "email": f"p{n}b@laposte.net",
                    "relation": "mère",
                }
            )
    created = 0
    world.functions.handler("AdminFunction")  # a warm container
    for start in range(0, len(rows), 1000):  # 1,000 students + their 1,500 parents: 2,500 accounts per request
        body = json.dumps({"uai": "0341234A", "accounts": rows[start : start + 1000]})
        headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
        answer = meter.measure(
            "import (per account)",
            lambda body=body, headers=headers: world.request("POST", "/api/admin/accounts", body, headers),
        )
        if answer["statusCode"] != 201:
            raise RuntimeError(f"import: {answer['statusCode']} {answer['body'][:300]}")
        created += len(json.loads(answer["body"])["accounts"])
    return created


def journey(world: World, meter: Meter, n: int, oidc: dict, cas: dict, record: bool) -> None:
    """A student's rentrée, each step one operation: provisional login and first connection (with an e-mail), the
    validation mail sent again, the validation click, a login, single sign-on to an ENT (OpenID Connect, with the
    session) and to a CAS service, logout with single logout to both, a forgotten password."""
    from bench.cas_cost import _ticket
    from bench.oidc_cost import _authorize_url, _code, _pkce, _token_request

    identifier = f"brent{uuid.uuid4().hex[:6]}{n}"
    email = f"{identifier}@laposte.net"
    provisional = world.provision(identifier)

    def op(name: str, action):
        return meter.measure(name, action) if record else action()

    def ok(answer: dict, *statuses: int) -> dict:
        if answer["statusCode"] not in (statuses or (200,)):
            raise RuntimeError(f"{answer['statusCode']} {(answer.get('body') or '')[:300]}")
        return answer

    challenge = op(
        "login (provisional password)",
        lambda: world.call("POST", "/api/login", {"identifier": identifier, "password": provisional}),
    )["challenge_token"]
    first = {"challenge_token": challenge, "new_password": NEW_PASSWORD, "birth_date": "2011-05-14", "email": email}
    op("first connection (with e-mail)", lambda: world.call("POST", "/api/first-connection", first))
    op(
        "resend the validation mail",
        lambda: world.call("POST", "/api/validation-mail", {"identifier": identifier, "password": NEW_PASSWORD}),
    )
    code = world.last_code(email)
    op("validation click", lambda: world.call("POST", "/api/validate-email", {"code": code}))
    session = op(
        "login (password)",
        lambda: world.call("POST", "/api/login", {"identifier": identifier, "password": NEW_PASSWORD}),
    )["session_token"]
    cookie = {"Cookie": f"__Host-session={session}"}

    def oidc_sso() -> None:
        verifier, pkce_challenge = _pkce()
        answer = ok(world.request("GET", _authorize_url(oidc["client_id"], pkce_challenge), headers=cookie), 302)
        form, headers = _token_request(oidc["client_id"], oidc["secret"], _code(answer), verifier)
        tokens = json.loads(ok(world.request("POST", "/oidc/token", form, headers))["body"])
        ok(world.request("GET", "/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}))

    world.clock.advance(minutes=2)  # the session's idle limit is then due to be pushed back, as in real use
    op("OIDC authorize + token + userinfo (with a session)", oidc_sso)

    def cas_sso() -> None:
        service = cas["service"]
        answer = ok(world.request("GET", "/cas/login?" + urlencode({"service": service}), headers=cookie), 302)
        query = urlencode({"ticket": _ticket(answer), "service": service})
        answer = ok(world.request("GET", "/cas/p3/serviceValidate?" + query))
        if "authenticationSuccess" not in answer["body"]:
            raise RuntimeError(answer["body"][:300])

    op("CAS login + serviceValidate (with a session)", cas_sso)

    def logout() -> None:
        ok(world.request("POST", "/api/logout", headers={"Authorization": f"Bearer {session}"}), 204)
        handed = world.deliver_logout_notices()
        if handed != {"delivered": 2, "failed": 0}:
            raise RuntimeError(f"single logout: {handed}")

    op("logout (single logout to 2 clients)", logout)

    def forgot() -> None:
        world.call("POST", "/api/password/forgot", {"identifier": identifier})
        world.deliver_all_queued_mail()

    op("forgotten password (request + queued mail)", forgot)


def sweep_per_account(world: World, meter: Meter, accounts: int, expired: int) -> int:
    from bench.sweep_cost import load_accounts, sweep

    load_accounts(world, accounts, expired)
    world.functions.handler("ExpireAccountsFunction")
    summary = meter.measure("daily sweep (per expired account)", lambda: sweep(world))
    return summary["deleted"]


def register_clients(world: World, backchannel_uri: str, service_url: str) -> str:
    """An ENT (OpenID Connect, told of logouts on its back channel) and a CAS service (single logout on), both on
    loopback; returns the ENT's secret."""
    from bench.oidc_cost import REDIRECT_URI
    from ent_accounts.sso.clients import Client, hash_secret, new_client_secret

    secret = new_client_secret()
    world.store.create_client(
        Client(
            "bench-capacity",
            "ENT du bench",
            (REDIRECT_URI,),
            backchannel_logout_uri=backchannel_uri,
            all_schools=True,
            secret_hashes=(hash_secret(secret),),
        )
    )
    world.store.create_client(
        Client("bench-capacity-cas", "Pronote du bench", (), service_urls=(service_url,), all_schools=True)
    )
    return secret


def capacity(world: World, backend: str, students: int, journeys: int, sweep_accounts: int) -> dict[str, Any]:
    from tests.support.single_logout import RelyingParty

    backchannel, cas_pages = RelyingParty(), RelyingParty()
    meter = Meter(world)
    try:
        secret = register_clients(world, backchannel.url, cas_pages.at("/pronote/"))
        created = import_school(world, meter, students)
        after_import = meter.stored()
        service = cas_pages.at("/pronote/eleve.html")
        oidc = {"client_id": "bench-capacity", "secret": secret}
        meter.storage = True
        for n in range(journeys + 1):  # the first one warms every function (its cold start is not counted)
            journey(world, meter, n, oidc, {"service": service}, record=n > 0)
        meter.storage = False
        after_journeys = meter.stored()
        deleted = sweep_per_account(world, meter, sweep_accounts, max(sweep_accounts // 10, 1))
        operations = meter.report({"import (per account)": created, "daily sweep (per expired account)": deleted})
    finally:
        meter.close()
        backchannel.stop()
        cas_pages.stop()
    return {
        "backend": backend,
        "school": {"students": students, "accounts_created": created},
        "journeys": journeys,
        "sweep": {"accounts": sweep_accounts, "deleted": deleted},
        # Storage: bytes per account imported, and what one student's rentrée (a journey) leaves in the table.
        "storage": {
            "bytes_per_imported_account": round(after_import["bytes"] / max(created, 1)),
            "bytes_per_journey": round((after_journeys["bytes"] - after_import["bytes"]) / (journeys + 1)),
            "after_journeys_by_kind": after_journeys["by_kind"],
        },
        "cpu": _cpu_name(),
        "operations": operations,
    }


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):  # noqa: SIM115
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()
