"""The local server builds the same API Gateway proxy events and reads answers as API Gateway does."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.events import api_event, match_resource, scheduled_event, sqs_event
from local.server import to_http

SAM = Path(sys.executable).parent / "sam"


def shape(value):
    """Keys and types of a JSON value, with null standing for "absent or empty" as API Gateway sends it."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def generate_event(service: str, kind: str) -> dict:
    if not SAM.exists():
        pytest.fail("aws-sam-cli is not installed in the virtualenv")
    result = subprocess.run(
        [str(SAM), "local", "generate-event", service, kind],
        capture_output=True,
        text=True,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def sam_event():
    return generate_event("apigateway", "aws-proxy")


def test_same_keys_and_types_as_sam_generate_event(sam_event):
    ours = api_event(
        "POST",
        "/path/to/resource?foo=bar",
        resource="/{proxy+}",
        body=b'{"test":"body"}',
        headers=[("Content-Type", "application/octet-stream"), ("User-Agent", "Custom User Agent String")],
    )
    ours["stageVariables"] = {"baz": "qux"}  # API Gateway sends null without stage variables; sam's sample has some
    expected, got = shape(sam_event), shape(ours)
    for key, kind in expected.items():
        if key in ("headers", "multiValueHeaders"):
            assert isinstance(got[key], dict)
            continue
        assert key in got, key
        if key == "requestContext":
            for inner, inner_kind in kind.items():
                assert got[key][inner] == inner_kind, inner
        else:
            assert got[key] == kind, key
    assert base64.b64decode(ours["body"]) == b'{"test":"body"}' and ours["isBase64Encoded"] is True


def test_query_strings_headers_and_path_parameters():
    event = api_event(
        "GET",
        "/api/admin/accounts/jdupont?uai=0341234A&status=a&status=b",
        resource="/api/admin/accounts/{identifier}",
        headers=[("Cookie", "session=abc"), ("Accept", "text/html"), ("Accept", "application/json")],
    )
    assert event["pathParameters"] == {"identifier": "jdupont"}
    assert event["queryStringParameters"] == {"uai": "0341234A", "status": "b"}  # the last value, as API Gateway
    assert event["multiValueQueryStringParameters"]["status"] == ["a", "b"]
    assert event["multiValueHeaders"]["Accept"] == ["text/html", "application/json"]
    assert event["headers"]["Cookie"] == "session=abc"
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert event["requestContext"]["resourcePath"] == "/api/admin/accounts/{identifier}"


def test_form_posts_are_text_and_invalid_utf8_is_base64():
    form = api_event(
        "POST",
        "/connexion",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"identifier=jdupont&password=%C3%A9",
    )
    assert form["body"] == "identifier=jdupont&password=%C3%A9" and form["isBase64Encoded"] is False
    broken = api_event("POST", "/api/login", headers={"Content-Type": "application/json"}, body=b"\xff\xfe")
    assert broken["isBase64Encoded"] is True and base64.b64decode(broken["body"]) == b"\xff\xfe"


def test_resource_matching():
    assert match_resource("/api/login", "/api/login") == {}
    assert match_resource("/api/login", "/api/login/x") is None
    assert match_resource("/a/{id}/b", "/a/x%20y/b") == {"id": "x%20y"}


def test_answers_keep_every_set_cookie_and_decode_base64():
    status, headers, body = to_http(
        {
            "statusCode": 200,
            "headers": {"Content-Type": "application/pdf"},
            "multiValueHeaders": {"Set-Cookie": ["a=1; Path=/", "b=2; Path=/"]},
            "body": base64.b64encode(b"%PDF-1.7").decode(),
            "isBase64Encoded": True,
        }
    )
    assert status == 200 and body == b"%PDF-1.7"
    assert [value for name, value in headers if name == "Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]
    with pytest.raises(ValueError):
        to_http({"body": "no status"})


def test_scheduled_event_shape():
    event = scheduled_event()
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert isinstance(event["resources"], list) and event["detail"] == {}


def test_sqs_batches_have_the_shape_of_sam_generate_event():
    """What the local mail queue and the tests hand to the queue's consumer, against SAM's sample of Lambda's event."""
    sample = generate_event("sqs", "receive-message")
    ours = sqs_event([{"Body": "Hello from SQS!"}], "arn:aws:sqs:eu-west-3:123456789012:MyQueue")
    assert shape(ours) == shape(sample)
    [record], [expected] = ours["Records"], sample["Records"]
    assert record["md5OfBody"] == expected["md5OfBody"]
    assert {key: record[key] for key in ("eventSource", "eventSourceARN", "awsRegion", "body")} == {
        key: expected[key] for key in ("eventSource", "eventSourceARN", "awsRegion", "body")
    }
