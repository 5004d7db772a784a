"""The local server as a developer meets it: `python -m bench.local_server [--logins 40]`.

Starts `python -m local` (the README's run command, embedded AWS) in a fresh process and prints the time from the
command to its "Listening" line; then takes a demo account through its first connection over HTTP and times
`POST /api/login` with the personal password (median and 90th percentile), through the server's real HTTP path
(API Gateway event, handler, answer). No pass/fail: a benchmark prints numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEW_PASSWORD = "Soleil-Vert-2026"  # noqa: S105 (a demo account on this machine)


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (the local server)
        return answer.status, json.load(answer)


def measure(logins: int) -> dict[str, float]:
    from local.dynamodb_local import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {"PORT": str(port)}
    started = time.perf_counter()
    server = subprocess.Popen(  # the README's run command, with this interpreter
        [sys.executable, "-m", "local"],
        cwd=ROOT,
        env=env | {"PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        output = []
        for line in server.stdout:
            output.append(line)
            if "Listening on" in line:
                break
        ready = time.perf_counter() - started
        demo = re.search(r"^\s+(jdupont\S*)\s+(\S+)\s+(\d{4}-\d\d-\d\d)", "".join(output), flags=re.M)
        if demo is None:
            raise SystemExit("no demo account in the server's output:\n" + "".join(output))
        identifier, provisional, birth_date = demo.groups()
        base = f"http://127.0.0.1:{port}"
        _, challenge = _post(f"{base}/api/login", {"identifier": identifier, "password": provisional})
        body = {"challenge_token": challenge["challenge_token"], "new_password": NEW_PASSWORD, "birth_date": birth_date}
        _post(f"{base}/api/first-connection", body)
        timings = []
        for _ in range(logins):
            sent = time.perf_counter()
            status, _ = _post(f"{base}/api/login", {"identifier": identifier, "password": NEW_PASSWORD})
            timings.append(time.perf_counter() - sent)
            if status != 200:
                raise SystemExit(f"login answered {status}")
        timings.sort()
        return {
            "ready_seconds": round(ready, 2),
            "login_median_ms": round(statistics.median(timings) * 1000, 1),
            "login_p90_ms": round(timings[int(0.9 * (len(timings) - 1))] * 1000, 1),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=40)
    args = parser.parse_args()
    figures = measure(args.logins)
    print(f"run command to 'Listening': {figures['ready_seconds']:.2f} s", flush=True)
    print(
        f"POST /api/login (personal password, {args.logins} logins): median {figures['login_median_ms']:.1f} ms, "
        f"p90 {figures['login_p90_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
