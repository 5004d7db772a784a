"""A terminated local server leaves nothing running: its DynamoDB Local (Java) stops with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.dynamodb_local import available
from tests.support.server import start_server


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
