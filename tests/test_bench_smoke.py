"""`python -m bench --quick`, `python -m bench.local_server` and `python -m bench.rentree --smoke` keep working: they
exit 0 and write what they measure. No timing is asserted: a benchmark prints numbers, it does not pass or fail on
them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    "cold_start",
    "round_trips",
    "login_cost",
    "token_cost",
    "sweep_cost",
    "bulk_import",
    "size",
    "memory",
    "capacity",
]


def test_quick_mode_writes_every_section(tmp_path):
    output = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(output.read_text(encoding="utf-8"))
    assert results["mode"] == "quick"
    for section in SECTIONS:
        assert section in results, section
        assert "error" not in results[section], results[section]
    assert "| what | measured |" in done.stdout
    # The rentrée's operations, each with what it sent: every one reaches the table, and the mails leave.
    operations = results["capacity"]["operations"]
    assert all(op["dynamodb_requests"] > 0 and op["wru"] > 0 for op in operations.values()), operations
    assert operations["first connection (with e-mail)"]["mails"] == 1
    assert operations["logout (single logout to 2 clients)"]["lambda"]["LogoutNotificationsFunction"] == 2
    model = subprocess.run(
        [sys.executable, "-m", "bench.cost_model", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert model.returncode == 0, model.stderr[-2000:]
    assert "| **total** |" in model.stdout and "API Gateway (REST)" in model.stdout


def test_the_local_server_benchmark_runs_the_readme_command():
    done = subprocess.run(
        [sys.executable, "-m", "bench.local_server", "--logins", "2", "--seconds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "run command to 'Listening'" in done.stdout and "POST /api/login" in done.stdout
    assert "4 clients logging in at once:" in done.stdout and "while those logins run" in done.stdout
    assert "over one kept-alive connection" in done.stdout


def test_the_rentree_runs_in_smoke_mode(tmp_path):
    """One server on DynamoDB Local, one school of 10 students: every step of the day answers, no error."""
    from local.dynamodb_local import available

    if reason := available():
        pytest.skip(reason)
    output = tmp_path / "rentree.json"
    done = subprocess.run(
        # SES held to 5 mails a second: the burst of first connections is throttled, and every mail still leaves.
        [sys.executable, "-m", "bench.rentree", "--smoke", "--ses-rate", "5", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["mode"] == "smoke" and report["servers"] == 1 and report["students_per_school"] == 10
    assert report["ses_rate"] == 5
    assert report["errors"] == [], report["errors"]
    operations = report["operations"]
    assert set(operations) == {"import", "provisional login", "first connection", "validation", "login"}
    for figures in operations.values():
        assert set(figures) == {"count", "per_second", "p50_ms", "p95_ms", "p99_ms", "errors"}
        assert figures["errors"] == 0
    assert operations["import"]["count"] == 1
    # Every validation mail a first connection queued was sent, and each reached the mailbox once.
    assert report["mails"]["queued"] == operations["first connection"]["count"] == report["mails"]["sent"]
    assert "| operation | count | per second | p50 ms | p95 ms | p99 ms | errors |" in done.stdout
