"""HTTP client of the school routes: SigV4-signed for the deployed API (service execute-api, the user's AWS
credentials, as botocore finds them), unsigned for the local server."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

RETRIES = 6  # for answers that say "try again": 409 request_in_progress, 429, 5xx, network errors
_EXECUTE_API_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message") or f"Erreur {status}")
        self.status = status
        self.body = body


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def is_local(url: str) -> bool:
    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def region_of(url: str) -> str | None:
    match = _EXECUTE_API_HOST.match(urlsplit(url).hostname or "")
    return match.group(1) if match else None


class Client:
    def __init__(
        self,
        base_url: str,
        *,
        sign: bool,
        region: str | None = None,
        credentials: Any = None,
        send: Callable[[urllib.request.Request], Answer] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.sign = sign
        self.region = region
        self.credentials = credentials
        self._send = send or _send
        self._sleep = sleep

    def call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str | None] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """The answer of a 2xx; ApiError for any other, after retrying those that say "later" (same request)."""
        query = {name: value for name, value in (query or {}).items() if value is not None}
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(RETRIES + 1):
            try:
                answer = self._send(self._request(method, url, data, headers))
            except OSError:
                if attempt == RETRIES:
                    raise
                self._sleep(min(60, 2**attempt))
                continue
            if 200 <= answer.status < 300:
                return answer
            if attempt < RETRIES and _later(answer):
                self._sleep(float(answer.headers.get("retry-after") or min(60, 2**attempt)))
                continue
            try:
                payload = answer.json() or {}
            except ValueError:
                payload = {}
            raise ApiError(answer.status, payload if isinstance(payload, dict) else {})
        raise AssertionError("unreachable")

    def _request(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> urllib.request.Request:
        if self.sign:
            headers = self.signed_headers(method, url, data, headers)
        return urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 (http/https only)

    def signed_headers(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> dict[str, str]:
        """Signature Version 4 for API Gateway (service execute-api), with botocore as the AWS CLI does."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(method=method, url=url, data=data, headers=headers)
        SigV4Auth(self.credentials, "execute-api", self.region).add_auth(request)
        return dict(request.headers.items())


def _later(answer: Answer) -> bool:
    if answer.status in (429, 502, 503, 504):
        return True
    if answer.status == 409:
        try:
            return (answer.json() or {}).get("error") == "request_in_progress"
        except ValueError:
            return False
    return False


def _send(request: urllib.request.Request) -> Answer:
    if urlsplit(request.full_url).scheme not in ("http", "https"):
        raise ValueError("only http and https URLs")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (scheme checked above)
            return Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())
