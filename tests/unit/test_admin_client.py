"""The CLI's HTTP client: SigV4 for API Gateway with the user's credentials, retries that keep the same request."""

import json

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ent_admin.api import Answer, ApiError, Client, is_local, region_of

CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")
URL = "https://abc123.execute-api.eu-west-3.amazonaws.com/prod"


class Recorder:
    def __init__(self, *answers):
        self.answers, self.requests = list(answers), []

    def __call__(self, request):
        self.requests.append(request)
        return self.answers.pop(0)


def test_requests_to_the_deployed_api_are_signed_for_execute_api():
    send = Recorder(Answer(200, {}, b'{"accounts": []}'))
    client = Client(URL, sign=True, region="eu-west-3", credentials=CREDENTIALS, send=send)
    client.call("GET", "/api/admin/accounts", query={"uai": "0341234A", "status": None})
    (request,) = send.requests
    headers = dict(request.header_items())
    assert request.full_url == URL + "/api/admin/accounts?uai=0341234A"
    authorization = headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-3/execute-api/aws4_request" in authorization
    assert headers["X-amz-security-token"] == "session-token" and headers["X-amz-date"]
    # The signature is the one botocore computes for exactly this request at that time.
    check = AWSRequest(method="GET", url=request.full_url, headers={"Accept": "application/json"})
    check.context["timestamp"] = headers["X-amz-date"]
    signer = SigV4Auth(CREDENTIALS, "execute-api", "eu-west-3")
    check.headers["X-Amz-Date"] = headers["X-amz-date"]
    check.headers["X-Amz-Security-Token"] = "session-token"
    expected = signer.signature(signer.string_to_sign(check, signer.canonical_request(check)), check)
    assert authorization.endswith(f"Signature={expected}")


def test_the_body_is_covered_by_the_signature():
    send = Recorder(Answer(201, {}, b"{}"), Answer(201, {}, b"{}"))
    client = Client(URL, sign=True, region="eu-west-3", credentials=CREDENTIALS, send=send)
    client.call("POST", "/api/admin/accounts", body={"uai": "0341234A"})
    client.call("POST", "/api/admin/accounts", body={"uai": "0341234B"})
    first, second = (dict(r.header_items())["Authorization"] for r in send.requests)
    assert first.split("Signature=")[1] != second.split("Signature=")[1]


def test_the_local_server_gets_plain_requests():
    send = Recorder(Answer(200, {}, b"{}"))
    Client("http://127.0.0.1:3000", sign=False, send=send).call("GET", "/api/admin/accounts")
    assert "Authorization" not in dict(send.requests[0].header_items())


def test_a_request_in_progress_is_sent_again_unchanged_after_the_wait_asked():
    waits = []
    busy = Answer(409, {"retry-after": "30"}, json.dumps({"error": "request_in_progress"}).encode())
    send = Recorder(busy, Answer(201, {}, b'{"ok": true}'))
    client = Client("http://127.0.0.1:3000", sign=False, send=send, sleep=waits.append)
    answer = client.call("POST", "/api/admin/accounts", body={"a": 1}, headers={"Idempotency-Key": "k" * 32})
    assert answer.json() == {"ok": True} and waits == [30.0]
    assert [r.data for r in send.requests] == [b'{"a": 1}', b'{"a": 1}']
    assert {dict(r.header_items())["Idempotency-key"] for r in send.requests} == {"k" * 32}


def test_a_refusal_is_not_retried():
    send = Recorder(Answer(400, {}, b'{"error": "invalid_request", "message": "Non."}'))
    client = Client("http://127.0.0.1:3000", sign=False, send=send, sleep=lambda _: None)
    with pytest.raises(ApiError) as raised:
        client.call("POST", "/api/admin/accounts", body={})
    assert raised.value.status == 400 and str(raised.value) == "Non." and len(send.requests) == 1


@pytest.mark.parametrize(
    ("url", "region", "local"),
    [
        (URL, "eu-west-3", False),
        ("https://comptes.ent.example.fr", None, False),
        ("http://127.0.0.1:3000", None, True),
        ("http://localhost:8080/", None, True),
    ],
)
def test_region_and_local_server_from_the_url(url, region, local):
    assert region_of(url) == region and is_local(url) is local
