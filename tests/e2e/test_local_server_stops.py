"""A terminated local server leaves nothing running: its DynamoDB Local (Java) stops with it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local.dynamodb_local import available, free_port
from tests.support.server import ROOT, start_server


def processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(command)
    return found


def test_terminating_the_server_stops_dynamodb_local(tmp_path):
    if available():
        pytest.skip(available())
    server = start_server("--dynamodb-local", "--data-dir", str(tmp_path))
    assert any("DynamoDBLocal" in command for command in processes_mentioning(str(tmp_path)))
    server.stop()  # SIGTERM, as a test runner or a process manager sends it
    assert processes_mentioning(str(tmp_path)) == []


def test_terminating_the_server_while_it_starts_stops_dynamodb_local(tmp_path):
    """A SIGTERM that comes before the server listens (a test runner giving up, a process manager's stop)."""
    if available():
        pytest.skip(available())
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "--dynamodb-local", "--data-dir", str(tmp_path), "--port", str(free_port())],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not processes_mentioning(f"-dbPath {tmp_path}") and time.monotonic() < deadline:
        time.sleep(0.01)  # polling for Java to appear, not waiting for an outcome
    assert processes_mentioning(f"-dbPath {tmp_path}"), "DynamoDB Local never started"
    process.terminate()
    process.wait(timeout=30)
    assert processes_mentioning(f"-dbPath {tmp_path}") == []
