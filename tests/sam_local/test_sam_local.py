"""`sam local` on the real template, each function in its Lambda container on Docker: `sam local invoke` and
`sam local start-api` serve the leaflet's main path against DynamoDB Local and moto's SES, and a container without
its local endpoints refuses to run rather than reach real AWS. Skipped, with the reason, only where no Docker engine
answers (.ci/run installs and starts one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.dynamodb_local import available
from local.events import api_event
from local.sam import image
from local.sam.aws import TABLE
from local.sam.run import SamLocalRun
from tests.integration.helpers import BIRTH_DATE, NEW_PASSWORD


def test_sam_local_on_docker(tmp_path):
    """One test, three steps, one set-up: pytest-xdist would otherwise run the steps on both workers, each building
    the image and the template at once."""
    reason = image.docker_unavailable() or available()
    if reason:
        pytest.skip(f"sam local needs Docker and DynamoDB Local: {reason}")
    run = SamLocalRun(tmp_path)
    try:
        _invoke_serves_a_page_from_the_lambda_container(run)
        _a_container_without_its_local_endpoints_refuses_to_reach_aws(run, tmp_path)
        _the_leaflet_main_path_through_start_api(run)
    finally:
        run.stop()


def _login_page_event() -> dict:
    return api_event("GET", "/connexion", resource="/connexion")


def _invoke_serves_a_page_from_the_lambda_container(sam_local: SamLocalRun) -> None:
    result = sam_local.invoke("LoginFunction", _login_page_event())
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["statusCode"] == 200
    assert "Connexion" in answer["body"] and 'lang="fr"' in answer["body"]
    assert "python3.13" in result.stderr  # SAM ran the runtime the template names


def _a_container_without_its_local_endpoints_refuses_to_reach_aws(sam_local: SamLocalRun, tmp_path) -> None:
    """The recipe gone wrong (no endpoints in --env-vars): SAM gives the blank variables, and the function stops with
    a message instead of sending the developer's credentials to the real DynamoDB."""
    wrong = _without_endpoints(sam_local.env_vars, tmp_path / "no-endpoints.json")
    body = json.dumps({"identifier": "x", "password": "y"})
    event = api_event(
        "POST", "/api/login", resource="/api/login", headers={"Content-Type": "application/json"}, body=body
    )
    result = sam_local.invoke("LoginFunction", event, env_vars=wrong)
    assert "refusing to reach real AWS" in result.stdout + result.stderr
    assert "dynamodb.eu-west-3.amazonaws.com" not in result.stdout + result.stderr


def _the_leaflet_main_path_through_start_api(sam_local: SamLocalRun) -> None:
    sam_local.start_api()
    status, page, _ = sam_local.request("GET", "/connexion")
    assert status == 200 and "Identifiant" in page

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
    # The validation mail is written with the account, for the table's stream to hand to its sender. sam local runs
    # no stream event source: the mail's delivery is tested on the local server and in tests/integration/test_outbox.py.
    items = sam_local.aws.client("dynamodb").scan(
        TableName=TABLE,
        FilterExpression="begins_with(pk, :outbox)",
        ExpressionAttributeValues={":outbox": {"S": "OUTBOX#"}},
    )["Items"]
    assert [item["kind"]["S"] for item in items] == ["validation"]
    assert items[0]["recipient"]["S"] == "jeanne.dupont@laposte.net"

    # Until the address is validated, the personal password opens the pending page only.
    status, body, _ = sam_local.request("POST", "/api/login", {"identifier": "jdupont", "password": NEW_PASSWORD})
    assert status == 403 and json.loads(body)["error"] == "account_pending_validation", body


def _without_endpoints(env_vars: Path, target: Path) -> Path:
    """The same --env-vars file with the local endpoints removed: what a developer gets with a wrong recipe."""
    values = json.loads(env_vars.read_text())
    for section, variables in values.items():
        values[section] = {k: v for k, v in variables.items() if not k.startswith("AWS_ENDPOINT_URL")}
    target.write_text(json.dumps(values))
    return target
