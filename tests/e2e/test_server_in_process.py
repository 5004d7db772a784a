"""The local server's handling of handler failures and cold starts, in-process."""

from __future__ import annotations

import json
import logging

import pytest

from ent_accounts import services as services_module
from local import backends
from local.server import LocalService


@pytest.fixture
def service(monkeypatch):
    monkeypatch.setattr("os.environ", dict(__import__("os").environ))  # the server's env changes stay here
    backend = backends.start_moto()
    yield LocalService(backend)
    backend.stop()
    services_module.use(None)


def test_a_failing_handler_is_a_502_with_the_traceback_only_in_the_log(service, monkeypatch, caplog):
    def broken(logical_id, event):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service.functions, "invoke", broken)
    with caplog.at_level(logging.ERROR, logger="local"):
        status, _, body = service.invoke_http("POST", "/api/login", [], b"{}", "127.0.0.1", 1)
    assert status == 502 and json.loads(body) == {"message": "Internal server error"}
    assert b"secret internals" not in body
    assert "RuntimeError: secret internals" in caplog.text and "Traceback" in caplog.text


def test_each_function_is_imported_once_and_its_cold_start_logged(service, caplog):
    with caplog.at_level(logging.INFO, logger="local"):
        for _ in range(3):
            status, _, _ = service.invoke_http("GET", "/api/openapi.json", [], None, "127.0.0.1", 1)
            assert status == 200
    assert caplog.text.count("cold start OpenApiFunction") == 1
    assert "OpenApiFunction" in service.functions.import_seconds


def test_unknown_routes_answer_like_api_gateway(service):
    status, _, body = service.invoke_http("GET", "/nulle-part", [], None, "127.0.0.1", 1)
    assert status == 403 and json.loads(body) == {"message": "Missing Authentication Token"}
