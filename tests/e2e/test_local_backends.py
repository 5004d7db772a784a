"""The local server on AWS's DynamoDB Local keeps its data between runs."""

from __future__ import annotations

import pytest

from local.dynamodb_local import available
from tests.support.server import start_server


def test_dynamodb_local_keeps_accounts_between_runs(tmp_path):
    if available():
        pytest.skip(available())
    first = start_server("--dynamodb-local", "--data-dir", str(tmp_path))
    try:
        answer = first.request("POST", "/api/login", {"identifier": "jdupont", "password": first.demo["jdupont"]})
        body = {
            "challenge_token": answer.json()["challenge_token"],
            "new_password": "Soleil-Vert-2026",
            "birth_date": "2011-05-14",
        }
        assert first.request("POST", "/api/first-connection", body).json()["status"] == "active"
    finally:
        first.stop()

    second = start_server("--dynamodb-local", "--data-dir", str(tmp_path))
    try:
        assert "jdupont" not in second.demo  # printed as "first connection done", without a password
        login = second.request("POST", "/api/login", {"identifier": "jdupont", "password": "Soleil-Vert-2026"})
        assert login.json()["status"] == "authenticated"
        # Accounts still waiting get a fresh provisional password at each start.
        again = second.request("POST", "/api/login", {"identifier": "amartin", "password": second.demo["amartin"]})
        assert again.json()["status"] == "first_connection_required"
    finally:
        second.stop()
