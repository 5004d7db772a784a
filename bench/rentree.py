"""A rentrée day you can run: `python -m bench.rentree [--smoke] [--servers N] [--seconds S] [--schools K]` (issue 20).

Starts one DynamoDB Local (in memory) and `--servers` local servers sharing it (`python -m local --dynamodb-local
--dynamodb-endpoint URL --no-demo`, each with its warm instances per function), then, for at most `--seconds`, a
pool of `--clients` clients spread over the servers drives the September mix, school by school:

- import: a whole school (`--students` students) through `POST /api/admin/accounts` (the local caller is unsigned
  and holds every school);
- provisional login (`POST /api/login` with the letter's password, answered with a challenge), then first connection
  (`POST /api/first-connection`, new password and e-mail; each queues one validation mail);
- validation: the link read from the servers' mailboxes (`/_dev/mail.json`), then GET;
- login: with the new password, once per validated student, then again and again (the 8 a.m. sign-in, by half as
  many more clients) until the time is up.

Reported per operation: count, throughput, p50/p95/p99 latency, errors (expected 0, each printed); the mails queued
(accepted first connections) and sent (in the mailboxes). Left out: single sign-on through OIDC (each server's demo
client has its own secret, and `--no-demo` has none), and DynamoDB requests and capacity units per operation, which
bench/capacity.py measures in-process (`python -m bench --only capacity`) rather than across processes here.

No pass/fail: a benchmark prints numbers (the smoke test only checks the report's shape and that errors are 0).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from bench.local_server import FIRST_NAMES, NEW_PASSWORD, Client, _start

OPERATIONS = ("import", "provisional login", "first connection", "validation", "login")
BATCH = 30  # students whose first connections are made before their mails are read
MAIL_WAIT_SECONDS = 5.0  # how long a batch's validation mails may take to arrive (more when SES is throttled)
DRAIN_SECONDS = 120.0  # after the rush, how long the outbox has to send what is still queued
_LINK = re.compile(r'href="([^"]+valider-adresse-mail[^"]+)"')


def _rows(count: int) -> list[dict]:
    return [
        {
            "last_name": f"{FIRST_NAMES[n % 26]}-{FIRST_NAMES[n // 26 % 26]}",
            "first_name": FIRST_NAMES[n // 676 % 26],
            "role": "eleve",
            "birth_date": f"2011-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
        }
        for n in range(count)
    ]


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


class Rush:
    """The clients' shared state: each server's port, the timings, the errors, the students at each step."""

    def __init__(self, ports: list[int], seconds: float, students: int, mail_wait: float = MAIL_WAIT_SECONDS) -> None:
        self.ports = ports
        self.mail_wait = mail_wait
        self.students = students
        self.started = time.perf_counter()
        self.deadline = self.started + seconds
        self.timings: dict[str, list[float]] = {name: [] for name in OPERATIONS}
        self.errors: list[dict] = []
        self.mails_queued = 0
        self.validated: list[str] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def open(self) -> bool:
        return time.perf_counter() < self.deadline

    def call(self, operation: str, server: int, method: str, path: str, body=None, headers=None, expect=(200,)):
        """One request, timed under `operation`; None (and an error noted) when it does not answer as expected."""
        clients = self._local.__dict__.setdefault("clients", {})
        client = clients.get(server) or clients.setdefault(server, Client(self.ports[server]))
        sent = time.perf_counter()
        try:
            status, answer = client.request(method, path, body, headers)
        except Exception as error:  # reported, and the connection opened again
            client.close()
            clients.pop(server, None)
            self._error(operation, server, None, repr(error))
            return None
        elapsed = time.perf_counter() - sent
        if status not in expect:
            self._error(operation, server, status, answer if isinstance(answer, dict) else answer[:300].decode())
            return None
        with self._lock:
            self.timings[operation].append(elapsed)
        return answer

    def _error(self, operation: str, server: int, status: int | None, detail) -> None:
        with self._lock:
            self.errors.append({"operation": operation, "server": server, "status": status, "detail": str(detail)})

    # The day, school by school.

    def school(self, index: int, pool: ThreadPoolExecutor) -> None:
        server = index % len(self.ports)
        uai = f"{3400000 + index:07d}R"
        created = self.call(
            "import",
            server,
            "POST",
            "/api/admin/accounts",
            {"uai": uai, "accounts": _rows(self.students)},
            {"Idempotency-Key": uuid.uuid4().hex},
            expect=(201,),
        )
        if created is None:
            return
        accounts = created["accounts"]
        # Class by class: a batch's first connections, then its validation links read from the mailboxes and
        # followed while the next batch does its first connections.
        for start in range(0, len(accounts), BATCH):
            if not self.open():
                return
            batch = enumerate(accounts[start : start + BATCH], start)
            done = [
                pool.submit(self.first_connection, (server + n) % len(self.ports), account, f"{uai}-{n}")
                for n, account in batch
            ]
            addresses = {}
            for future in done:
                if (address := future.result()) is not None:
                    addresses[address[0]] = address[1]
            if not addresses or not self.open():
                continue
            links = self._links(set(addresses))
            waited_until = time.perf_counter() + self.mail_wait  # the outbox sends after the answer, paced by SES
            while len(links) < len(addresses) and time.perf_counter() < waited_until:
                time.sleep(0.25)
                links |= self._links(set(addresses) - set(links))
            for address, identifier in addresses.items():
                if address not in links:
                    self._error("validation", -1, None, f"no validation mail to {address}")
                    continue
                pool.submit(self.validation, links[address], identifier)

    def first_connection(self, server: int, account: dict, tag: str) -> tuple[str, str] | None:
        if not self.open():
            return None
        login = {"identifier": account["identifier"], "password": account["provisional_password"]}
        challenge = self.call("provisional login", server, "POST", "/api/login", login)
        if challenge is None:
            return None
        address = f"{tag.lower()}@laposte.net"
        body = {
            "challenge_token": challenge["challenge_token"],
            "new_password": NEW_PASSWORD,
            "birth_date": account["birth_date"],
            "email": address,
        }
        answer = self.call("first connection", server, "POST", "/api/first-connection", body)
        if answer is None:
            return None
        if answer.get("status") != "pending_validation":
            self._error("first connection", server, 200, f"status {answer.get('status')}, not pending_validation")
            return None
        with self._lock:
            self.mails_queued += 1
        return address, account["identifier"]

    def _links(self, addresses: set[str]) -> dict[str, str]:
        """Each address's validation link, from every server's mailbox (each server sends the mails of its own
        requests)."""
        links = {}
        for port in self.ports:
            reader = Client(port)
            try:
                _, mails = reader.request("GET", "/_dev/mail.json")
            finally:
                reader.close()
            for mail in mails:
                for to in mail["to"]:
                    if to in addresses and to not in links and (found := _LINK.search(mail["html"])):
                        links[to] = found.group(1).replace("&amp;", "&")
        return links

    def validation(self, link: str, identifier: str) -> None:
        if not self.open():
            return
        server = zlib.crc32(identifier.encode()) % len(self.ports)  # any server: they share the table
        parts = urlsplit(link)
        if self.call("validation", server, "GET", f"{parts.path}?{parts.query}") is None:
            return
        if self.login(identifier):
            with self._lock:
                self.validated.append(identifier)

    def login(self, identifier: str, server: int | None = None) -> bool:
        server = zlib.crc32(identifier.encode()) % len(self.ports) if server is None else server
        body = {"identifier": identifier, "password": NEW_PASSWORD}
        answer = self.call("login", server, "POST", "/api/login", body)
        if answer is not None and answer.get("status") != "authenticated":
            self._error("login", server, 200, f"status {answer.get('status')}, not authenticated")
            return False
        return answer is not None

    def morning(self, worker: int) -> None:
        """The 8 a.m. sign-in: validated students log in again until the time is up."""
        turn = worker
        while self.open():
            with self._lock:
                validated = list(self.validated)
            if not validated:
                time.sleep(0.05)
                continue
            self.login(validated[turn % len(validated)], turn % len(self.ports))
            turn += 1

    def mails_sent(self) -> int:
        total = 0
        for port in self.ports:
            reader = Client(port)
            try:
                total += len(reader.request("GET", "/_dev/mail.json")[1])
            finally:
                reader.close()
        return total

    def report(self, elapsed: float) -> dict:
        operations = {}
        for name, timings in self.timings.items():
            timings = sorted(timings)
            operations[name] = {
                "count": len(timings),
                "per_second": round(len(timings) / elapsed, 1),
                "p50_ms": round(_percentile(timings, 0.50) * 1000, 1),
                "p95_ms": round(_percentile(timings, 0.95) * 1000, 1),
                "p99_ms": round(_percentile(timings, 0.99) * 1000, 1),
                "errors": sum(1 for error in self.errors if error["operation"] == name),
            }
        return {"seconds": round(elapsed, 1), "operations": operations, "errors": self.errors}


def run(
    servers: int,
    seconds: float,
    schools: int,
    students: int,
    clients: int,
    instances: int | None,
    ses_rate: float | None = None,
) -> dict:
    """`ses_rate`: SES's sending rate for the whole account (mails a second), shared out between the servers."""
    from local.dynamodb_local import DynamoDBLocal, available, free_port

    if reason := available():
        raise SystemExit(f"bench.rentree needs DynamoDB Local: {reason}")
    engine = DynamoDBLocal()
    processes: list[subprocess.Popen] = []
    try:
        ports = []
        with tempfile.TemporaryDirectory(prefix="bench-rentree-") as data_dir:
            backend = ["--dynamodb-local", "--dynamodb-endpoint", engine.endpoint, "--data-dir", data_dir, "--no-demo"]
            if ses_rate:
                backend += ["--ses-max-send-rate", str(ses_rate / servers)]
            for _ in range(servers):
                port = free_port()
                process, _, output = _start(port, backend, instances)
                processes.append(process)
                if "Listening on" not in output:
                    raise SystemExit("a server did not start:\n" + output)
                ports.append(port)
            mail_wait = MAIL_WAIT_SECONDS + (2 * BATCH / ses_rate if ses_rate else 0)
            rush = Rush(ports, seconds, students, mail_wait)
            with ThreadPoolExecutor(max_workers=clients, thread_name_prefix="client") as pool:
                # Schools are imported by their own threads (each then hands its students to the pool), so the
                # pool's clients are never all waiting for a school's first connections.
                school_threads = [threading.Thread(target=rush.school, args=(index, pool)) for index in range(schools)]
                for thread in school_threads:
                    thread.start()
                morning = [threading.Thread(target=rush.morning, args=(n,)) for n in range(max(1, clients // 2))]
                for thread in morning:
                    thread.start()
                for thread in school_threads + morning:
                    thread.join()
            elapsed = time.perf_counter() - rush.started
            figures = rush.report(elapsed)
            sent, drained = rush.mails_sent(), time.perf_counter()
            while sent < rush.mails_queued and time.perf_counter() - drained < DRAIN_SECONDS:
                time.sleep(0.5)
                sent = rush.mails_sent()
            figures |= {
                "servers": servers,
                "schools": schools,
                "students_per_school": students,
                "clients": clients,
                "instances_per_function": instances,
                "ses_rate": ses_rate,
                "mails": {
                    "queued": rush.mails_queued,
                    "sent": sent,
                    "all_sent_after_rush_s": round(time.perf_counter() - drained, 1)
                    if sent >= rush.mails_queued
                    else None,
                },
                "students_validated": len(rush.validated),
            }
            return figures
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.stop()


def table(figures: dict) -> str:
    lines = [
        f"rentrée: {figures['servers']} server(s), {figures['schools']} school(s) of "
        f"{figures['students_per_school']} students, {figures['clients']} clients, {figures['seconds']} s",
        "",
        "| operation | count | per second | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, op in figures["operations"].items():
        lines.append(
            f"| {name} | {op['count']} | {op['per_second']} | {op['p50_ms']} | {op['p95_ms']} | {op['p99_ms']} "
            f"| {op['errors']} |"
        )
    mails = figures["mails"]
    lines += [
        "",
        f"SES: {figures['ses_rate'] or 'unlimited'} mails/s; mails queued {mails['queued']}, sent {mails['sent']}"
        f" (the last {mails['all_sent_after_rush_s']} s after the rush); "
        f"students validated {figures['students_validated']}",
        f"errors: {len(figures['errors'])}",
    ]
    lines += [f"  {error}" for error in figures["errors"][:50]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rentree", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny: 1 server, 1 school of 10 students, a few seconds")
    parser.add_argument("--servers", type=int, default=2, help="server processes sharing one DynamoDB Local")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the day is driven")
    parser.add_argument("--schools", type=int, default=4, help="schools imported")
    parser.add_argument("--students", type=int, default=200, help="students per school")
    parser.add_argument("--clients", type=int, default=8, help="clients at once")
    parser.add_argument("--instances", type=int, help="warm instances per function (the server's --instances)")
    parser.add_argument(
        "--ses-rate",
        type=float,
        help="SES's sending rate for the account, mails a second (shared by the servers); beyond it SES throttles",
    )
    parser.add_argument("--output", type=Path, help="write the report as JSON there")
    args = parser.parse_args(argv)
    if args.smoke:
        args.servers, args.schools, args.students, args.seconds, args.clients = 1, 1, 10, 4.0, 4
    if min(args.servers, args.schools, args.students, args.clients) < 1 or args.seconds <= 0:
        parser.error("--servers, --schools, --students, --clients and --seconds must be positive")
    if args.students > 2000:
        parser.error("--students: a school imports at most 2000 accounts at once")
    if args.ses_rate is not None and args.ses_rate <= 0:
        parser.error("--ses-rate must be positive")
    figures = run(args.servers, args.seconds, args.schools, args.students, args.clients, args.instances, args.ses_rate)
    figures["mode"] = "smoke" if args.smoke else "full"
    print(table(figures), flush=True)
    if args.output:
        args.output.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
