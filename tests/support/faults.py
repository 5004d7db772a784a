"""Fault injection at botocore's HTTP layer (a `before-send` hook): AWS answers an error, or the network times
out, as many times as asked. It sits under botocore's retries, so the service's retry settings are exercised,
and no business code is patched."""

from __future__ import annotations

import json

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

from tests.support.figures import record


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_):
        yield self._body

    def read(self, *_args, **_kwargs):
        body, self._body = self._body, b""
        return body


class Faults:
    def __init__(self, client) -> None:
        self.client = client
        self.injected = 0
        self._hooks: list[tuple[str, object]] = []

    def error(
        self, operation: str, code: str, times: int = 1000, status: int = 400, details: dict | None = None
    ) -> Faults:
        """The next `times` calls of `operation` (e.g. "GetItem", "SendEmail") answer this AWS error (with the error's
        own fields in `details`, e.g. a cancelled transaction's CancellationReasons)."""
        left = {"n": times}

        def answer(request, **_):
            if left["n"] <= 0:
                return None
            left["n"] -= 1
            self.injected += 1
            record("AWS faults injected")
            fields = {"__type": code, "message": "injected fault", "Message": "injected fault", **(details or {})}
            body = json.dumps(fields).encode()
            headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code}
            return AWSResponse(request.url, status, headers, _Raw(body))

        self._register(operation, answer)
        return self

    def timeout(self, operation: str, times: int = 1000) -> Faults:
        left = {"n": times}

        def hang(request, **_):
            if left["n"] <= 0:
                return None
            left["n"] -= 1
            self.injected += 1
            record("AWS faults injected")
            raise ReadTimeoutError(endpoint_url=request.url)

        self._register(operation, hang)
        return self

    def _register(self, operation: str, handler) -> None:
        service = self.client.meta.service_model.service_name
        event = f"before-send.{service}.{operation}"
        self.client.meta.events.register_first(event, handler)
        self._hooks.append((event, handler))

    def heal(self) -> None:
        """AWS is back: remove every fault this object injected."""
        for event, handler in self._hooks:
            self.client.meta.events.unregister(event, handler)
        self._hooks.clear()
