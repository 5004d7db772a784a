"""The local server as a developer meets it: `python -m bench.local_server [--logins 40] [--clients 4] [--seconds 5]`.

Starts `python -m local` (the README's run command, embedded AWS, or `--dynamodb-local`) in a fresh process and prints
the time from the command to its "Listening" line; then, through the server's real HTTP path (API Gateway event,
handler, answer):

- `POST /api/login` with a personal password, one login at a time (median and 90th percentile);
- `--clients` clients logging in at once, each with its own account on its own kept-alive connection, for
  `--seconds`: logins per second in all (the login function's warm instances, argon2id outside the GIL);
- the login page (`GET /connexion`, served by the same function) alone, then while those logins run: its median;
- the login page over one kept-alive connection as fast as one client asks: requests per second (where a response
  written in two parts would wait for the client's delayed ACK, about 40 ms, under Nagle's algorithm).

No pass/fail: a benchmark prints numbers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEW_PASSWORD = "Soleil-Vert-2026"  # noqa: S105 (accounts on this machine)
SCHOOL = "0349876B"
FIRST_NAMES = (
    "Alice Bruno Chloé David Emma Félix Gaël Hugo Inès Jade Karim Léa Malo Nina Oscar Paul Quentin Rose Sacha Tom"
)
FIRST_NAMES = (FIRST_NAMES + " Ugo Victor Wassim Xavier Yasmine Zoé").split()


class Client:
    """One kept-alive HTTP/1.1 connection to the server, as a browser or an ENT holds one."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json"} if data is not None else {}
        self.connection.request(method, path, data, {**sent, **(headers or {})})
        answer = self.connection.getresponse()
        raw = answer.read()
        if answer.getheader("Content-Type", "").startswith("application/json"):
            return answer.status, json.loads(raw)
        return answer.status, raw

    def close(self) -> None:
        self.connection.close()


def _start(port: int, backend: list[str], instances: int | None) -> tuple[subprocess.Popen, float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {"PORT": str(port)}
    if instances is not None:
        env["LOCAL_INSTANCES"] = str(instances)
    started = time.perf_counter()
    server = subprocess.Popen(  # noqa: S603 (the README's run command, with this interpreter)
        [sys.executable, "-m", "local", *backend],
        cwd=ROOT,
        env=env | {"PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    output = []
    for line in server.stdout:
        output.append(line)
        if "Listening on" in line:
            break
    # The functions' log lines keep coming on stdout: read and dropped, or the full pipe would stop the server.
    threading.Thread(target=server.stdout.read, daemon=True).start()
    return server, time.perf_counter() - started, "".join(output)


def _accounts(client: Client, count: int) -> list[str]:
    """`count` students imported by a school, each through its first connection: their identifiers."""
    rows = [
        {"last_name": f"Banc-{FIRST_NAMES[n % 26]}", "first_name": FIRST_NAMES[n // 26 % 26], "role": "eleve"}
        | {"birth_date": f"2011-05-{n % 28 + 1:02d}"}
        for n in range(count)
    ]
    status, created = client.request(
        "POST", "/api/admin/accounts", {"uai": SCHOOL, "accounts": rows}, {"Idempotency-Key": uuid.uuid4().hex}
    )
    if status != 201:
        raise SystemExit(f"the import answered {status}: {created}")
    identifiers = []
    for account in created["accounts"]:
        _, challenge = client.request(
            "POST", "/api/login", {"identifier": account["identifier"], "password": account["provisional_password"]}
        )
        body = {
            "challenge_token": challenge["challenge_token"],
            "new_password": NEW_PASSWORD,
            "birth_date": account["birth_date"],
        }
        status, answer = client.request("POST", "/api/first-connection", body)
        if status != 200:
            raise SystemExit(f"first connection answered {status}: {answer}")
        identifiers.append(account["identifier"])
    return identifiers


def _login(client: Client, identifier: str) -> None:
    status, answer = client.request("POST", "/api/login", {"identifier": identifier, "password": NEW_PASSWORD})
    if status != 200:
        raise SystemExit(f"login answered {status}: {answer}")


def _page_timings(client: Client, until: float | None = None, count: int | None = None) -> list[float]:
    timings = []
    while (until is None or time.perf_counter() < until) and (count is None or len(timings) < count):
        sent = time.perf_counter()
        status, _ = client.request("GET", "/connexion")
        timings.append(time.perf_counter() - sent)
        if status != 200:
            raise SystemExit(f"GET /connexion answered {status}")
    return timings


def measure(
    logins: int, clients: int = 4, seconds: float = 5.0, backend: list[str] | None = None, instances: int | None = None
) -> dict[str, float]:
    from local.dynamodb_local import free_port

    port = free_port()
    server, ready, output = _start(port, backend or [], instances)
    try:
        if "Listening on" not in output:
            raise SystemExit("the server did not start:\n" + output)
        setup = Client(port)
        identifiers = _accounts(setup, clients)
        timings = []
        for _ in range(logins):
            sent = time.perf_counter()
            _login(setup, identifiers[0])
            timings.append(time.perf_counter() - sent)
        timings.sort()

        # The login page alone, then over one kept-alive connection as fast as it goes.
        prober = Client(port)
        page_alone = _page_timings(prober, count=50)
        started = time.perf_counter()
        kept_alive = _page_timings(prober, until=started + min(seconds, 2.0))
        keep_alive_rate = len(kept_alive) / (time.perf_counter() - started)

        # `clients` clients logging in at once, the login page asked meanwhile.
        counts = [0] * clients
        errors: list[BaseException] = []
        start = threading.Barrier(clients + 1)
        stop_at: list[float] = []

        def log_in(index: int) -> None:
            client = Client(port)
            try:
                start.wait()
                while time.perf_counter() < stop_at[0]:
                    _login(client, identifiers[index])
                    counts[index] += 1
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                client.close()

        threads = [threading.Thread(target=log_in, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        stop_at.append(time.perf_counter() + seconds)
        began = time.perf_counter()
        start.wait()
        time.sleep(min(0.3, seconds / 10))  # the logins under way first
        page_loaded = _page_timings(prober, until=stop_at[0])
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        if errors:
            raise SystemExit(f"a client failed: {errors[0]!r}")
        prober.close()
        setup.close()
        return {
            "ready_seconds": round(ready, 2),
            "login_median_ms": round(statistics.median(timings) * 1000, 1),
            "login_p90_ms": round(timings[int(0.9 * (len(timings) - 1))] * 1000, 1),
            "clients": clients,
            "concurrent_logins_per_second": round(sum(counts) / elapsed, 1),
            "page_alone_median_ms": round(statistics.median(page_alone) * 1000, 2),
            "page_during_logins_median_ms": round(statistics.median(page_loaded) * 1000, 2),
            "keep_alive_requests_per_second": round(keep_alive_rate, 1),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=40, help="sequential logins timed one by one")
    parser.add_argument("--clients", type=int, default=4, help="clients logging in at once")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long the clients log in")
    parser.add_argument("--dynamodb-local", action="store_true", help="the server on DynamoDB Local (default moto)")
    parser.add_argument("--instances", type=int, help="warm instances per function (the server's --instances)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-local-") as data_dir:  # a fresh table, removed afterwards
        backend = ["--dynamodb-local", "--data-dir", data_dir] if args.dynamodb_local else []
        figures = measure(args.logins, args.clients, args.seconds, backend, args.instances)
    print(f"run command to 'Listening': {figures['ready_seconds']:.2f} s", flush=True)
    print(
        f"POST /api/login (personal password, {args.logins} logins one at a time): "
        f"median {figures['login_median_ms']:.1f} ms, p90 {figures['login_p90_ms']:.1f} ms"
    )
    print(f"{args.clients} clients logging in at once: {figures['concurrent_logins_per_second']:.1f} logins/s")
    print(
        f"GET /connexion median: {figures['page_alone_median_ms']:.2f} ms alone, "
        f"{figures['page_during_logins_median_ms']:.2f} ms while those logins run"
    )
    print(f"GET /connexion over one kept-alive connection: {figures['keep_alive_requests_per_second']:.0f} requests/s")


if __name__ == "__main__":
    main()
