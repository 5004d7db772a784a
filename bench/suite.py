"""What the service costs per request and per student: `python -m bench [--quick]` (issue 8).

Ten sections, one module each, each measured next to its reference in the same run, medians of repeated runs:
cold start, DynamoDB round trips (with single sign-on's steps and their KMS calls), login cost beyond hashing, the
token endpoint's CPU, the JSON nesting scan of a 10 MB body, sweep cost, bulk import, artefact size, memory, and
the AWS units of each operation of a rentrée (bench/capacity.py, with the capacity and cost model of
bench/cost_model.py).
Prints a table and writes bench/results.json. No pass/fail: a benchmark prints numbers, the targets are printed
next to them. `--quick` is the smoke mode CI runs (tiny table, few repetitions, no `sam build`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import environment  # noqa: F401 (the paths and the embedded-AWS environment, before boto3)
from bench.bulk_import import bulk_import
from bench.capacity import capacity
from bench.cold_start import cold_start
from bench.json_scan import json_scan
from bench.login_cost import login_cost
from bench.memory import memory
from bench.oidc_cost import token_cost
from bench.round_trips import round_trips
from bench.size import artefact_size
from bench.sweep_cost import sweep_cost
from bench.world import Backend, World

RESULTS = Path(__file__).resolve().parent / "results.json"
SWEEP_ACCOUNTS = 100_000
SECTIONS = [
    "cold_start",
    "round_trips",
    "login_cost",
    "token_cost",
    "json_scan",
    "sweep_cost",
    "memory",
    "bulk_import",
    "size",
    "capacity",
]


def run(quick: bool, only: list[str] | None = None, sweep_accounts: int = SWEEP_ACCOUNTS) -> dict[str, Any]:
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
            world = World.on(backend)
            try:
                section("round_trips", lambda: round_trips(world, 3 if quick else 20))
                section("login_cost", lambda: login_cost(world, 3 if quick else 30))
                section("token_cost", lambda: token_cost(world, 3 if quick else 50))
            finally:
                world.stop()
            section("json_scan", lambda: json_scan(1 if quick else 5))
            world = World.on(backend, patient=True)
            try:
                section("sweep_cost", lambda: sweep_cost(world, 300 if quick else sweep_accounts))
            finally:
                world.stop()
            world = World.on(backend, patient=True)
            try:
                sizes = (20, 2, 50) if quick else (1000, 20, 5000)  # school's students, journeys, sweep table
                section("capacity", lambda: capacity(world, backend.name, *sizes))
            finally:
                world.stop()
        section("memory", lambda: memory(backend, 2 if quick else 5))
    finally:
        backend.stop()
    section("bulk_import", lambda: bulk_import(50 if quick else 1000, backend.name))
    section("size", (lambda: {"skipped": "--quick: no sam build"}) if quick else artefact_size)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode: tiny table, few repetitions, no sam build")
    parser.add_argument("--sweep-accounts", type=int, default=SWEEP_ACCOUNTS, help="table size of the sweep bench")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run these sections only")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    started = time.perf_counter()
    results = run(args.quick, args.only, args.sweep_accounts)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(render(results))
    print(f"\nwritten to {args.output}")


def render(results: dict[str, Any]) -> str:
    from bench.table import render as render_table

    return render_table(results)
