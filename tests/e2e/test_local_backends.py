"""The local server on AWS's DynamoDB Local keeps its data between runs."""

from __future__ import annotations

import re
import time

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


def test_two_servers_share_one_dynamodb_local():
    """What a rush over several server processes needs: an account one server's school import created signs in on
    the other (and the table is created once, by whichever server starts first)."""
    if available():
        pytest.skip(available())
    import uuid

    from local.dynamodb_local import DynamoDBLocal

    engine = DynamoDBLocal()
    servers = []
    try:
        for _ in range(2):
            servers.append(start_server("--dynamodb-local", "--dynamodb-endpoint", engine.endpoint, "--no-demo"))
        first, second = servers
        rows = [{"last_name": "Partage", "first_name": "Lou", "birth_date": "2011-03-02", "role": "eleve"}]
        created = first.request(
            "POST", "/api/admin/accounts", {"uai": "0341234A", "accounts": rows}, {"Idempotency-Key": uuid.uuid4().hex}
        )
        assert created.status == 201, created.text
        [account] = created.json()["accounts"]
        answer = second.request(
            "POST", "/api/login", {"identifier": account["identifier"], "password": account["provisional_password"]}
        )
        assert answer.json()["status"] == "first_connection_required"
        # Its first connection on the second server writes the validation mail to the shared table's outbox; either
        # server's stream consumer may send it, and its link opens on the first: one mail link key for all of them.
        body = {
            "challenge_token": answer.json()["challenge_token"],
            "new_password": "Tigre-Violet-Nuage-42",
            "birth_date": "2011-03-02",
            "email": "lou.partage@laposte.net",
        }
        assert second.request("POST", "/api/first-connection", body).json()["status"] == "pending_validation"
        links = []
        for _ in range(40):
            mails = [mail for server in servers for mail in server.request("GET", "/_dev/mail.json").json()]
            links = [re.search(r'href="[^"]*valider-adresse-mail\?code=([^"&]+)', mail["html"]) for mail in mails]
            if links := [found.group(1) for found in links if found]:
                break
            time.sleep(0.25)
        [code] = links
        validated = first.request("POST", "/api/validate-email", {"code": code})
        assert validated.status == 200, validated.text
        while servers:
            servers.pop().stop()
        assert engine.process.poll() is None  # the servers left the shared engine running
    finally:
        for server in servers:
            server.stop()
        engine.stop()
