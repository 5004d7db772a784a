"""Property-based fuzzing of the JSON API from its own OpenAPI document, through the local server.

Each operation gets FUZZ_EXAMPLES generated requests, half valid and half invalid: no 5xx, status codes, headers
and bodies as documented, every error body in the documented shape. `make fuzz` runs ten times more.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from ent_accounts.web.openapi import openapi_document
from tests.support.figures import record
from tests.support.server import start_server

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "110"))
# Checks that expect random valid-looking data to be accepted (a random identifier is rightly refused) or that
# need state between calls do not apply to an authentication API; every other built-in check runs.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]
OPERATIONS = sorted(
    f"{method.upper()} {path}" for path, item in json.loads(openapi_document())["paths"].items() for method in item
)


@pytest.fixture(scope="module")
def api_schema():
    server = start_server()
    yield schemathesis.openapi.from_url(f"{server.url}/api/openapi.json")
    server.stop()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_every_operation_holds_under_generated_requests(api_schema, operation_id, mode):
    method, path = operation_id.split(" ", 1)
    operation = next(
        found.ok()
        for found in api_schema.get_all_operations()
        if found.ok().method.upper() == method and found.ok().path == path
    )

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES // 2,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # report the failing request as found: shrinking takes minutes
        suppress_health_check=list(HealthCheck),
    )
    def holds(case):
        response = case.call_and_validate(excluded_checks=EXCLUDED)
        record("requests fuzzed")
        if response.status_code >= 400:
            body = response.json()
            assert set(body) >= {"error", "message"} and body["message"], body

    try:
        holds()
    except Unsatisfiable:
        # Only a session to send and nothing else (GET /api/account, POST /api/logout): no invalid input exists.
        assert mode is GenerationMode.NEGATIVE
        pytest.skip("this operation has no input that could be made invalid")
