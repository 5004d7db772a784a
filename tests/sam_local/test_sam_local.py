"""`sam local` on the real template, each function in its Lambda container on Docker: `sam local invoke` and
`sam local start-api` serve the leaflet's main path against DynamoDB Local and moto's SES, and a container without
its local endpoints refuses to run rather than reach real AWS. Skipped, with the reason, only where no Docker engine
answers (.ci/run installs and starts one)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from local.dynamodb_local import available, free_port
from local.events import api_event
from local.sam import aws, commands, image
from local.sam.queue_relay import relay_mail_queue
from local.sam.seed import seed
from tests.integration.helpers import BIRTH_DATE, NEW_PASSWORD

pytestmark = pytest.mark.xdist_group("sam_local")  # one worker builds the image and runs the containers


class SamLocal:
    def __init__(self, tmp: Path) -> None:
        self.arch = image.machine_arch()
        started = time.monotonic()
        self.runtime = image.ensure(self.arch)
        self.image_seconds = time.monotonic() - started
        started = time.monotonic()
        self.built = commands.build(self.arch)
        self.build_seconds = time.monotonic() - started
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.aws = aws.start()
        self.env_vars = self.aws.write_env_vars(tmp / "env-vars.json", self.url)
        self.demo = {account["identifier"]: account for account in seed(self.aws, self.url)}
        self.log = tmp / "start-api.log"
        self.api = None

    def start_api(self) -> None:
        self.api = commands.start_api(
            self.built, self.env_vars, arch=self.arch, port=self.port, skip_pull=self.runtime.built_here, log=self.log
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.api.poll() is None, self.log.read_text()[-3000:]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.5)
        pytest.fail(f"sam local start-api did not listen in 120 s: {self.log.read_text()[-3000:]}")

    def invoke(self, function: str, event: dict, env_vars: Path | None = None):
        return commands.invoke(
            self.built, function, event, env_vars or self.env_vars, arch=self.arch, skip_pull=self.runtime.built_here
        )

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, float]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.read().decode(), time.monotonic() - started
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), time.monotonic() - started

    def stop(self) -> None:
        if self.api is not None:
            os.killpg(self.api.pid, signal.SIGTERM)
            self.api.wait(timeout=60)
        self.aws.stop()


@pytest.fixture(scope="module")
def sam_local(tmp_path_factory):
    reason = image.docker_unavailable() or available()
    if reason:
        pytest.skip(f"sam local needs Docker and DynamoDB Local: {reason}")
    local = SamLocal(tmp_path_factory.mktemp("sam-local"))
    yield local
    local.stop()


def _login_page_event() -> dict:
    return api_event("GET", "/connexion", resource="/connexion")


def test_sam_local_invoke_serves_a_page_from_the_lambda_container(sam_local):
    result = sam_local.invoke("LoginFunction", _login_page_event())
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["statusCode"] == 200
    assert "Connexion" in answer["body"] and 'lang="fr"' in answer["body"]
    assert "python3.13" in result.stderr  # SAM ran the runtime the template names


def test_a_container_without_its_local_endpoints_refuses_to_reach_aws(sam_local, tmp_path):
    """The recipe gone wrong (no endpoints in --env-vars): SAM gives the blank variables, and the function stops with
    a message instead of sending the developer's credentials to the real DynamoDB."""
    wrong = commands.without_endpoints(sam_local.env_vars, tmp_path / "no-endpoints.json")
    body = json.dumps({"identifier": "x", "password": "y"})
    event = api_event(
        "POST", "/api/login", resource="/api/login", headers={"Content-Type": "application/json"}, body=body
    )
    result = sam_local.invoke("LoginFunction", event, env_vars=wrong)
    assert "refusing to reach real AWS" in result.stdout + result.stderr
    assert "dynamodb.eu-west-3.amazonaws.com" not in result.stdout + result.stderr


def test_the_leaflet_main_path_through_sam_local_start_api(sam_local):
    sam_local.start_api()
    status, page, cold = sam_local.request("GET", "/connexion")
    assert status == 200 and "Identifiant" in page
    status, _, warm = sam_local.request("GET", "/connexion")
    assert status == 200
    print(f"sam local start-api GET /connexion: cold {cold:.2f} s, warm {warm * 1000:.0f} ms")

    # Login with the provisional password of the school's letter: the first connection is asked for.
    student = sam_local.demo["jdupont"]
    status, body, _ = sam_local.request(
        "POST", "/api/login", {"identifier": "jdupont", "password": student["provisional_password"]}
    )
    assert status == 200, body
    token = json.loads(body)["challenge_token"]

    # First connection with an e-mail: the account waits for validation, and the mail leaves through (local) SES.
    status, body, _ = sam_local.request(
        "POST",
        "/api/first-connection",
        {
            "challenge_token": token,
            "new_password": NEW_PASSWORD,
            "birth_date": BIRTH_DATE,
            "email": "jeanne.dupont@laposte.net",
        },
    )
    assert status == 200, body
    assert json.loads(body)["status"] == "pending_validation"
    [mail] = [mail for mail in sam_local.aws.sent_mail() if mail["to"] == ["jeanne.dupont@laposte.net"]]
    assert "Activation de votre compte" in mail["subject"]
    [link] = set(re.findall(r'href="([^"]+valider-adresse-mail[^"]*)"', mail["body"]))
    assert link.startswith(sam_local.url + "/")  # the link comes back to this API

    # The link in the mail validates the address.
    status, page, _ = sam_local.request("GET", link.removeprefix(sam_local.url))
    assert status == 200, page
    assert "validé" in page

    # From now on the personal password signs in, and the provisional one no longer does.
    status, body, _ = sam_local.request("POST", "/api/login", {"identifier": "jdupont", "password": NEW_PASSWORD})
    assert status == 200, body
    assert json.loads(body)["status"] == "authenticated"
    status, body, _ = sam_local.request(
        "POST", "/api/login", {"identifier": "jdupont", "password": student["provisional_password"]}
    )
    assert status == 401, body

    # Forgotten password: the request is queued; the queue's consumer, invoked as Lambda's event source mapping
    # would, sends the reset link to the validated address.
    status, body, _ = sam_local.request("POST", "/api/password/forgot", {"identifier": "jdupont"})
    assert status == 202, body
    assert relay_mail_queue(
        sam_local.aws, sam_local.built, sam_local.env_vars, arch=sam_local.arch, skip_pull=sam_local.runtime.built_here
    )
    mails = [mail for mail in sam_local.aws.sent_mail() if mail["to"] == ["jeanne.dupont@laposte.net"]]
    assert len(mails) == 2
    assert re.search(rf'href="{re.escape(sam_local.url)}/reinitialiser-mot-de-passe[^"]*code=', mails[-1]["body"])
