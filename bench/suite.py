"""What the service costs per request and per student: `python -m bench [--quick]` (issue 8).

Seven sections, each measured next to its reference in the same run, medians of repeated runs:
cold start, DynamoDB round trips, login cost beyond hashing, sweep cost, bulk import, artefact size, memory.
Prints a table and writes bench/results.json. No pass/fail: a benchmark prints numbers, the targets are printed
next to them. `--quick` is the smoke mode CI runs (tiny table, few repetitions, no `sam build`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import import_accounts  # sets sys.path and the embedded-AWS environment, as its own run does

ROOT = import_accounts.ROOT
LAYER = ROOT / "layers" / "common"
RESULTS = Path(__file__).resolve().parent / "results.json"
PYTHON = sys.executable
REGION = "eu-west-3"
SENDER = "noreply@ent.example.fr"
# The benches' frozen clock runs a year ahead of the machine's: DynamoDB Local applies the table's TTL on expires_at
# against the real clock, and would otherwise delete the "expired" accounts before the sweep reaches them.
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=365)
NEW_PASSWORD = "Soleil-Vert-2026"  # noqa: S105 (a test password)
KEYCLOAK_LOGINS_PER_VCPU = 15  # Keycloak's sizing guide: password logins per second per vCPU
COGNITO_CREATIONS_PER_SECOND = 50  # Amazon Cognito's default quota for AdminCreateUser
LINK = re.compile(r'href="[^"]*[?&]code=([^"&]+)')


def median(values: list[float]) -> float:
    return statistics.median(values)


# --- 1. cold start --------------------------------------------------------------------------------------------------

CHILD_IMPORT = """
import sys, time
sys.path[:0] = {paths!r}
started = time.perf_counter()
import {module}
print(time.perf_counter() - started)
"""


def _child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "", **extra}
    env.pop("PYTHONPATH", None)
    return env


def _timed_import(paths: list[str], module: str, importtime: bool = False) -> tuple[float, str]:
    command = [
        PYTHON,
        *(["-X", "importtime"] if importtime else []),
        "-c",
        CHILD_IMPORT.format(paths=paths, module=module),
    ]
    done = subprocess.run(  # noqa: S603 (our own interpreter)
        command, capture_output=True, text=True, env=_child_env(), cwd=tempfile.gettempdir(), check=False
    )
    if done.returncode:
        raise RuntimeError(f"importing {module} failed: {done.stderr[-800:]}")
    return float(done.stdout.strip().splitlines()[-1]), done.stderr


def top_packages(importtime_log: str, count: int = 3) -> list[tuple[str, float]]:
    """Self time of `-X importtime` summed by top-level package: which distributions the import pays for."""
    by_package: dict[str, int] = {}
    for line in importtime_log.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line.removeprefix("import time:").split("|", 2)
        package = name.strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + int(self_us)
    ranked = sorted(by_package.items(), key=lambda item: -item[1])[:count]
    return [(package, us / 1000) for package, us in ranked]


def cold_start(repeats: int) -> dict[str, Any]:
    from local import template

    boto3_times = [_timed_import([], "boto3")[0] for _ in range(repeats)]
    boto3_ms = median(boto3_times) * 1000
    functions = {}
    for logical_id, function in template.functions().items():
        module = function.handler.rsplit(".", 1)[0]
        paths = [str(LAYER), str(function.code_dir)]
        times = [_timed_import(paths, module)[0] for _ in range(repeats)]
        _, log = _timed_import(paths, module, importtime=True)
        ms = median(times) * 1000
        functions[logical_id] = {
            "import_ms": round(ms, 1),
            "ratio_to_boto3": round(ms / boto3_ms, 2),
            "top": [{"package": name, "self_ms": round(value, 1)} for name, value in top_packages(log)],
        }
    return {"repeats": repeats, "boto3_import_ms": round(boto3_ms, 1), "functions": functions}


# --- a world like the tests': the handlers on DynamoDB Local (or moto), SES from moto --------------------------------


class Backend:
    """DynamoDB Local when it can run here (moto otherwise, said in the results), one table per use."""

    def __init__(self) -> None:
        from local import dynamodb_local

        self.reason = dynamodb_local.available()
        self.server = None if self.reason else dynamodb_local.DynamoDBLocal()
        self.name = "moto" if self.reason else "dynamodb-local"

    @property
    def endpoint(self) -> str | None:
        return self.server.endpoint if self.server else None

    def stop(self) -> None:
        if self.server:
            self.server.stop()


class World:
    def __init__(self, backend: Backend, patient: bool = False) -> None:
        import boto3
        from botocore.config import Config

        from ent_accounts import services as services_module
        from ent_accounts.clock import FrozenClock
        from ent_accounts.mail import Mailer
        from ent_accounts.mail import client_config as mail_client_config
        from ent_accounts.mail_queue import MailQueue
        from ent_accounts.services import Services
        from ent_accounts.settings import Settings
        from ent_accounts.store import Store, client_config
        from local import template
        from local.invoke import Functions

        self.ses = boto3.client("sesv2", region_name=REGION, config=mail_client_config())
        self.ses.create_email_identity(EmailIdentity="ent.example.fr")
        # The service's own client settings; `patient`: longer timeouts for a big table on DynamoDB Local, which is
        # far slower than DynamoDB at a 100,000-item scan.
        config = client_config()
        if patient:
            config = config.merge(Config(read_timeout=300, retries={"mode": "standard", "max_attempts": 5}))
        self.ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=backend.endpoint, config=config)
        if backend.server:
            # moto (here for SES) inspects every request of every client, then lets DynamoDB Local's through:
            # ≈ 0.25 ms of CPU per login that a Lambda function, without moto, never spends.
            from moto.core.models import botocore_stubber

            self.ddb.meta.events.unregister("before-send", botocore_stubber)
        self.table = f"bench-{uuid.uuid4().hex[:12]}"
        template.create_table(self.ddb, self.table)
        self.clock = FrozenClock(START)
        # The template's queues (moto): the forgotten-password request queues its mail, the consumer sends it.
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.queues = template.create_queues(self.sqs, self.table)
        self.settings = Settings(table_name=self.table, mail_sender=SENDER, mail_queue_url=self.queues["MailQueue"])
        self.store = Store(self.table, self.clock, client=self.ddb, expiry_shards=self.settings.expiry_shards)
        queue = MailQueue(self.settings.mail_queue_url, client=self.sqs)
        self.services = Services(self.settings, self.clock, self.store, Mailer(SENDER, client=self.ses), queue)
        services_module.use(self.services)
        self.functions = Functions()
        self.calls: list[str] = []
        self.ddb.meta.events.register("before-call.dynamodb.*", self._count)

    def _count(self, model, **_: Any) -> None:
        self.calls.append(model.name)

    def counted(self, action) -> tuple[Any, list[str]]:
        self.calls.clear()
        result = action()
        return result, list(self.calls)

    def call(self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> dict:
        headers = {"Content-Type": "application/json", **(headers or {})}
        answer = self.functions.invoke_http(method, url, headers=headers, body=json.dumps(body))
        if answer["statusCode"] >= 400:
            raise RuntimeError(f"{method} {url}: {answer['statusCode']} {answer['body'][:300]}")
        return json.loads(answer["body"]) if answer.get("body") else {}

    def provision(self, identifier: str) -> str:
        from ent_accounts.accounts import Account, Role, add_months
        from ent_accounts.passwords import hash_provisional, new_provisional_password

        password = new_provisional_password()
        self.store.create_account(
            Account(
                identifier=identifier,
                uai="0341234A",
                role=Role.STUDENT,
                first_name="Jeanne",
                last_name="Dupont",
                birth_date=date(2011, 5, 14),
                provisional_password_hash=hash_provisional(password),
                provisional_expires_at=add_months(self.clock.now(), 3),
                created_at=self.clock.now(),
            )
        )
        return password

    def deliver_queued_mail(self) -> None:
        """What Lambda's SQS event source does: the waiting messages, in one batch, to the queue's consumer."""
        from local.events import sqs_event

        url = self.queues["MailQueue"]
        messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        [consumer] = [f.logical_id for f in self.functions.by_id.values() if "MailQueue" in f.queues]
        answer = self.functions.invoke(consumer, sqs_event(messages))
        if answer["batchItemFailures"]:
            raise RuntimeError(f"queued mail failed: {answer}")
        for message in messages:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def last_code(self) -> str:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        return LINK.search(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages[-1].body).group(1)

    def close(self) -> None:
        from ent_accounts import services as services_module

        services_module.use(None)


# --- 2. round trips -------------------------------------------------------------------------------------------------

# The fewest DynamoDB requests the single-table model allows for each operation, and why.
MINIMUM = {
    # Every password check first claims its place in the lock-out counter with a conditional write (issue 12: guesses
    # at once from several containers all reached argon2 and some failures were lost); the claim is taken back or
    # forgotten when the password is right, inside a write the operation makes anyway where there is one.
    "login (provisional)": (
        4,
        "read account + lock-out counter (1 BatchGetItem), claim the check (1), take the claim back (1), "
        "write the challenge (1)",
    ),
    "first connection": (
        5,
        "read the challenge (1), the account + counter (1), claim the birth-date check (1), take the mail "
        "allowance (1), 1 transaction (which forgets the failures)",
    ),
    "resend": (
        4,
        "read account + counter (1), claim the check (1), take the mail allowance (1), 1 transaction (code, "
        "account, failures forgotten)",
    ),
    "validation": (3, "read the code (1), then the account it names (1), then 1 transaction"),
    "login (personal)": (
        3,
        "read account + counter (1), claim the check (1), session, audit event and failures forgotten in 1 "
        "BatchWriteItem",
    ),
    "e-mail change": (
        5,
        "session (1), account + counter (1), claim the check (1), mail allowance (1), 1 transaction",
    ),
    "forgot": (1, "take the anonymous mail allowance (1); the mail is queued (1 SQS message), the same for everyone"),
    "forgot: queued mail": (
        3,
        "off the request path: read the account (1), the address's daily allowance (1), code and audit (1 transaction)",
    ),
    "reset": (3, "read the code (1), the account (1), 1 transaction (password, code used, audit, lock-out lifted)"),
}


def sweep_minimum(world: World, deleted: int) -> tuple[float, str]:
    """The sweep's fewest requests per account deleted: one Query per shard (an index query names one partition),
    then the deletions in as few transactions as DynamoDB's 100 writes each allow (the bench's accounts have no
    code: 2 writes each, the account and its audit event)."""
    from ent_accounts.store import TRANSACTION_WRITES

    shards = world.settings.expiry_shards
    transactions = -(-deleted * 2 // TRANSACTION_WRITES)
    why = (
        f"{shards} shard queries, then {transactions} transaction(s) of up to {TRANSACTION_WRITES} writes "
        f"(each account: its delete, its codes', its audit event), over {deleted} accounts"
    )
    return round((shards + transactions) / max(deleted, 1), 2), why


def round_trips(world: World, sweep_accounts: int) -> dict[str, Any]:
    ops: dict[str, list[str]] = {}
    provisional = world.provision("jdupont12")
    answer, ops["login (provisional)"] = world.counted(
        lambda: world.call("POST", "/api/login", {"identifier": "jdupont12", "password": provisional})
    )
    challenge = answer["challenge_token"]
    body = {
        "challenge_token": challenge,
        "new_password": NEW_PASSWORD,
        "birth_date": "2011-05-14",
        "email": "jeanne.dupont@laposte.net",
    }
    _, ops["first connection"] = world.counted(lambda: world.call("POST", "/api/first-connection", body))
    _, ops["resend"] = world.counted(
        lambda: world.call("POST", "/api/validation-mail", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    )
    code = world.last_code()
    _, ops["validation"] = world.counted(lambda: world.call("POST", "/api/validate-email", {"code": code}))
    answer, ops["login (personal)"] = world.counted(
        lambda: world.call("POST", "/api/login", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    )
    headers = {"Authorization": f"Bearer {answer['session_token']}"}
    change = {
        "current_password": NEW_PASSWORD,
        "new_email": "nouvelle@laposte.net",
        "new_email_confirmation": "nouvelle@laposte.net",
    }
    _, ops["e-mail change"] = world.counted(lambda: world.call("POST", "/api/account/email", change, headers))
    _, ops["forgot"] = world.counted(lambda: world.call("POST", "/api/password/forgot", {"identifier": "jdupont12"}))
    _, ops["forgot: queued mail"] = world.counted(world.deliver_queued_mail)
    code = world.last_code()
    _, ops["reset"] = world.counted(
        lambda: world.call("POST", "/api/password/reset", {"code": code, "new_password": "Encore-Mot-3"})
    )
    # The sweep: a few expired accounts among others, requests divided by the accounts deleted.
    load_accounts(world, sweep_accounts * 10, sweep_accounts)
    summary, calls = world.counted(lambda: sweep(world))
    table = {}
    for name, calls_made in ops.items():
        table[name] = {"requests": len(calls_made), "calls": calls_made}
    table["sweep per expired account"] = {
        "requests": round(len(calls) / max(summary["deleted"], 1), 2),
        "calls": sorted(set(calls)),
        "deleted": summary["deleted"],
    }
    minimums = {**MINIMUM, "sweep per expired account": sweep_minimum(world, summary["deleted"])}
    for name, (minimum, why) in minimums.items():
        table[name]["minimum"] = minimum
        table[name]["why"] = why
    return table


def sweep(world: World) -> dict[str, int]:
    from local.events import scheduled_event

    return world.functions.invoke("ExpireAccountsFunction", scheduled_event()) or {}


# --- 3. login cost beyond hashing -----------------------------------------------------------------------------------


def login_cost(world: World, logins: int) -> dict[str, Any]:
    from ent_accounts.passwords import hash_password, verify_password

    identifier = "lcost01"
    world.provision(identifier)
    # A personal password, as first connection and validation leave it, written straight to the account.
    account = world.store.get_account(identifier)
    from ent_accounts.accounts import Status

    account.password_hash = hash_password(NEW_PASSWORD)
    account.status, account.email, account.email_verified = Status.ACTIVE, "l@laposte.net", True
    account.provisional_password_hash = None
    world.store.transaction().save_account(account).commit()
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


# --- 4. sweep cost --------------------------------------------------------------------------------------------------


def load_accounts(world: World, total: int, expired: int, threads: int = 4) -> float:
    """`total` accounts straight into the table (BatchWriteItem from a thread pool): `expired` pending accounts past
    their deadline, a tenth of the rest pending with a deadline to come, the others active."""
    from ent_accounts.accounts import Account, Role, Status

    prefix = uuid.uuid4().hex[:6]

    def item(n: int) -> dict:
        account = Account(
            identifier=f"s{prefix}{n:07d}",
            uai="0341234A",
            role=Role.STUDENT,
            first_name="Léa",
            last_name="Martin",
            birth_date=date(2011, 5, 14),
            created_at=START - timedelta(days=120),
            email="eleve@laposte.net",
            password_hash="$argon2id$bench",  # noqa: S106 (never verified)
            version=1,
        )
        if n < expired:
            account.status, account.reminder_stage = Status.PENDING_VALIDATION, 2
            account.validation_deadline = START - timedelta(days=1 + n % 20)
        elif n % 10 == 0:
            account.status = Status.PENDING_VALIDATION
            account.validation_deadline = START + timedelta(days=60 + n % 20)
        else:
            account.status, account.email_verified = Status.ACTIVE, True
        return world.store.account_item(account)

    def write(batch: list[int]) -> None:
        requests = {world.table: [{"PutRequest": {"Item": item(n)}} for n in batch]}
        while requests:
            requests = world.ddb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or None

    batches = [list(range(start, min(start + 25, total))) for start in range(0, total, 25)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write, batches))
    return time.perf_counter() - started


def _scanned(world: World, action) -> tuple[Any, int]:
    read = []

    def count(parsed, **_: Any) -> None:
        read.append(parsed.get("ScannedCount", 0))

    world.ddb.meta.events.register("after-call.dynamodb.Query", count)
    world.ddb.meta.events.register("after-call.dynamodb.Scan", count)
    try:
        return action(), sum(read)
    finally:
        world.ddb.meta.events.unregister("after-call.dynamodb.Query", count)
        world.ddb.meta.events.unregister("after-call.dynamodb.Scan", count)


def scan_sweep(world: World) -> int:
    """The naive sweep: scan the table for pending accounts past their deadline (matches only counted)."""
    found = 0
    for page in world.ddb.get_paginator("scan").paginate(
        TableName=world.table,
        FilterExpression="#status = :pending AND expires_at <= :now",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":pending": {"S": "PENDING_VALIDATION"},
            ":now": {"N": str(int(world.clock.now().timestamp()))},
        },
    ):
        found += page["Count"]
    return found


def sweep_cost(world: World, total: int) -> dict[str, Any]:
    expired = max(total // 100, 1)
    load_seconds = load_accounts(world, total, expired, threads=4)
    found, scan_read = _scanned(world, lambda: scan_sweep(world))
    started = time.perf_counter()
    summary, sweep_read = _scanned(world, lambda: sweep(world))
    sweep_seconds = time.perf_counter() - started
    deleted = summary["deleted"]
    return {
        "accounts": total,
        "expired": expired,
        "load_seconds": round(load_seconds, 1),
        "sweep": {"read": sweep_read, "deleted": deleted, "read_per_deleted": round(sweep_read / max(deleted, 1), 3)},
        "sweep_seconds": round(sweep_seconds, 2),
        "scan": {"read": scan_read, "found": found, "read_per_found": round(scan_read / max(found, 1), 1)},
        "target_read_per_deleted": 1.1,
    }


# --- 5. bulk import -------------------------------------------------------------------------------------------------


def bulk_import(count: int, backend: str) -> dict[str, Any]:
    elapsed = import_accounts.measure(backend, count)
    return {
        "accounts": count,
        "backend": backend,
        "seconds": round(elapsed, 2),
        "accounts_per_second": round(count / elapsed, 1),
        "cognito_default_quota_per_second": COGNITO_CREATIONS_PER_SECOND,
    }


# --- 6. size --------------------------------------------------------------------------------------------------------


def _tree_size(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    unzipped = sum(path.stat().st_size for path in files)
    with tempfile.TemporaryFile() as stream:
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(folder))
        zipped = stream.tell()
    return unzipped, zipped


def artefact_size() -> dict[str, Any]:
    env = _child_env(SAM_CLI_TELEMETRY="0", PYTHON=PYTHON)  # PYTHON: the pip that layers/common/Makefile runs
    sam = str(Path(PYTHON).parent / "sam")
    with tempfile.TemporaryDirectory() as build:
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 (the venv's sam)
            [sam, "build", "--build-dir", build, "--template-file", str(ROOT / "template.yaml")],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
        if done.returncode:
            return {"skipped": f"sam build failed: {done.stderr[-500:]}"}
        sizes = {}
        for folder in sorted(Path(build).iterdir()):
            if folder.is_dir():
                unzipped, zipped = _tree_size(folder)
                sizes[folder.name] = {"unzipped_kb": round(unzipped / 1e3, 1), "zipped_kb": round(zipped / 1e3, 1)}
        return {"build_seconds": round(time.perf_counter() - started, 1), "artefacts": sizes, "layer_target_kb": 10_000}


# --- 7. memory ------------------------------------------------------------------------------------------------------

PEAK_KB = """
import json, resource, sys

def peak_kb():
    # VmHWM: ru_maxrss survives execve on Linux, so a child started from a big parent would report the parent's.
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

CHILD_MEMORY = (
    PEAK_KB
    + """
sys.path[:0] = {paths!r}
from local.events import LambdaContext
base = peak_kb()
import {module} as handler_module
imported = peak_kb()
statuses = []
for _ in range({invocations}):
    answer = handler_module.{attribute}(json.loads({event!r}), LambdaContext({name!r}))
    statuses.append(answer.get("statusCode") if isinstance(answer, dict) else None)
warm = peak_kb()
print(json.dumps({{"base_kb": base, "imported_kb": imported, "warm_kb": warm, "statuses": statuses}}))
"""
)


def _memory_event(function) -> dict:
    from local.events import api_event, scheduled_event, ses_event, sns_event

    if function.schedules:
        return scheduled_event()
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
    env = _child_env(TABLE_NAME=table, AWS_ENDPOINT_URL_DYNAMODB=backend.endpoint, POWERTOOLS_METRICS_NAMESPACE="bench")
    baseline = subprocess.run(  # noqa: S603 (our own interpreter)
        [PYTHON, "-c", PEAK_KB + "import boto3\nprint(peak_kb())"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    functions = {}
    for logical_id, function in template.functions().items():
        module, attribute = function.handler.rsplit(".", 1)
        code = CHILD_MEMORY.format(
            paths=[str(ROOT), str(LAYER), str(function.code_dir)],
            module=module,
            attribute=attribute,
            invocations=invocations,
            event=json.dumps(_memory_event(function)),
            name=logical_id,
        )
        done = subprocess.run(  # noqa: S603 (our own interpreter)
            [PYTHON, "-c", code], capture_output=True, text=True, env=env, check=False
        )
        if done.returncode:
            functions[logical_id] = {"error": done.stderr[-300:]}
            continue
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        functions[logical_id] = {
            "imported_mb": round(figures["imported_kb"] / 1024, 1),
            "warm_peak_mb": round(figures["warm_kb"] / 1024, 1),
            "statuses": figures["statuses"],
            "memory_size_mb": _template_memory(logical_id),
        }
    return {
        "invocations": invocations,
        "python_with_boto3_mb": round(int(baseline.stdout) / 1024, 1),
        "functions": functions,
    }


def _template_memory(logical_id: str) -> int | None:
    from local import template

    document = template.load()
    props = document["Resources"][logical_id]["Properties"]
    return props.get("MemorySize") or document.get("Globals", {}).get("Function", {}).get("MemorySize")


# --- the run --------------------------------------------------------------------------------------------------------


def run(quick: bool, only: list[str] | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }

    def section(name: str, action) -> None:
        if only and name not in only:
            return
        started = time.perf_counter()
        print(f"… {name}", file=sys.stderr, flush=True)
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the handlers' metrics lines (EMF) go to stdout
                results[name] = action()
        except Exception as error:  # a benchmark that fails says so, the others still run
            results[name] = {"error": f"{type(error).__name__}: {error}"}
        results[name]["section_seconds"] = round(time.perf_counter() - started, 1)

    section("cold_start", lambda: cold_start(2 if quick else 7))
    from moto import mock_aws

    backend = Backend()
    results["backend"] = backend.name
    try:
        with mock_aws():
            world = World(backend)
            try:
                section("round_trips", lambda: round_trips(world, 3 if quick else 20))
                section("login_cost", lambda: login_cost(world, 3 if quick else 30))
            finally:
                world.close()
            world = World(backend, patient=True)
            try:
                section("sweep_cost", lambda: sweep_cost(world, 300 if quick else SWEEP_ACCOUNTS))
            finally:
                world.close()
        section("memory", lambda: memory(backend, 2 if quick else 5))
    finally:
        backend.stop()
    section("bulk_import", lambda: bulk_import(50 if quick else 1000, backend.name))
    section("size", (lambda: {"skipped": "--quick: no sam build"}) if quick else artefact_size)
    return results


SWEEP_ACCOUNTS = 100_000
SECTIONS = ["cold_start", "round_trips", "login_cost", "sweep_cost", "memory", "bulk_import", "size"]


def main() -> None:
    global SWEEP_ACCOUNTS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode: tiny table, few repetitions, no sam build")
    parser.add_argument("--sweep-accounts", type=int, default=SWEEP_ACCOUNTS, help="table size of the sweep bench")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run these sections only")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    SWEEP_ACCOUNTS = args.sweep_accounts
    started = time.perf_counter()
    results = run(args.quick, args.only)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(render(results))
    print(f"\nwritten to {args.output}")


def render(results: dict[str, Any]) -> str:
    from bench.table import render as render_table

    return render_table(results)
