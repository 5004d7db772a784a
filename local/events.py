"""Build the events AWS gives a function: API Gateway REST proxy events, EventBridge scheduled events, SES
bounce and complaint events delivered by SNS, and batches of SQS messages."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded")


def match_resource(resource: str, path: str) -> dict[str, str] | None:
    """Path parameters when `path` matches the resource (`/accounts/{identifier}`, `/{proxy+}`), else None."""
    wanted = [part for part in resource.split("/") if part]
    given = [part for part in path.split("/") if part]
    parameters: dict[str, str] = {}
    for index, part in enumerate(wanted):
        if index >= len(given):
            return None
        if part.startswith("{") and part.endswith("+}"):  # greedy: the rest of the path
            parameters[part[1:-2]] = "/".join(given[index:])
            return parameters
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = given[index]
        elif part != given[index]:
            return None
    return parameters if len(given) == len(wanted) else None


def api_event(
    method: str,
    url: str,
    *,
    resource: str | None = None,
    headers: list[tuple[str, str]] | dict[str, str] | None = None,
    body: bytes | str | None = None,
    stage: str = "local",
    source_ip: str = "127.0.0.1",
    host: str = "127.0.0.1:3000",
    user_arn: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event, as `sam local generate-event apigateway aws-proxy` shapes it.

    `user_arn`: who signed the request, as API Gateway's AWS_IAM authorisation gives it (None: nobody signed, as on
    the local server).

    `host`: the API's own domain (`requestContext.domainName`, which API Gateway sets itself), and the Host header
    when `headers` carry none; a Host header in `headers` is passed on as the client wrote it."""
    split = urlsplit(url)
    path = split.path or "/"
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.append(("Host", host))
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    query_pairs = parse_qsl(split.query, keep_blank_values=True)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in query_pairs:
        query[name] = value
        multi_query.setdefault(name, []).append(value)

    raw = body.encode("utf-8") if isinstance(body, str) else body
    content_type = next((value for name, value in pairs if name.lower() == "content-type"), "")
    is_text = raw is None or content_type.startswith(TEXT_TYPES) or not content_type
    encoded_body: str | None
    if raw is None:
        encoded_body = None
    elif is_text:
        try:
            encoded_body, is_text = raw.decode("utf-8"), True
        except UnicodeDecodeError:
            encoded_body, is_text = base64.b64encode(raw).decode("ascii"), False
    else:
        encoded_body = base64.b64encode(raw).decode("ascii")

    resource = resource or path
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method.upper(),
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match_resource(resource, path) or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "local",
            "stage": stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "path": f"/{stage}{path}",
            "resourcePath": resource,
            "httpMethod": method.upper(),
            "protocol": "HTTP/1.1",
            "domainName": host,
            "apiId": "local",
            "identity": {
                "sourceIp": source_ip,
                "userAgent": single.get("User-Agent", ""),
                "accountId": None,
                "caller": None,
                "user": None,
                "userArn": user_arn,
                "accessKey": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
            },
        },
        "body": encoded_body,
        "isBase64Encoded": not is_text,
    }


def scheduled_event(function_arn: str = "arn:aws:events:eu-west-3:123456789012:rule/local") -> dict[str, Any]:
    """An EventBridge "Scheduled Event", as a Schedule event source delivers it."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-west-3",
        "resources": [function_arn],
        "detail": {},
    }


class LambdaContext:
    """The context object a Python handler receives (the fields Powertools and our handlers read)."""

    def __init__(self, function_name: str, memory_mb: int = 512, timeout_s: int = 10) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-3:123456789012:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def ses_event(
    event_type: str,
    send_params: dict[str, Any],
    *,
    recipients: list[str] | None = None,
    bounce_type: str = "Permanent",
    bounce_subtype: str = "General",
) -> dict[str, Any]:
    """The record SES event publishing sends for a mail (Bounce or Complaint), built from that mail's SendEmail
    parameters: its recipients, and its tags under mail.tags (name → list of values), as SES copies them."""
    to = recipients or list(send_params["Destination"].get("ToAddresses", []))
    tags = {tag["Name"]: [tag["Value"]] for tag in send_params.get("EmailTags", [])}
    if send_params.get("ConfigurationSetName"):
        tags["ses:configuration-set"] = [send_params["ConfigurationSetName"]]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    record: dict[str, Any] = {
        "eventType": event_type,
        "mail": {
            "timestamp": now,
            "source": send_params["FromEmailAddress"],
            "sendingAccountId": "123456789012",
            "messageId": str(uuid.uuid4()),
            "destination": to,
            "tags": tags,
        },
    }
    if event_type == "Bounce":
        record["bounce"] = {
            "bounceType": bounce_type,
            "bounceSubType": bounce_subtype,
            "bouncedRecipients": [
                {"emailAddress": address, "action": "failed", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1"}
                for address in to
            ],
            "timestamp": now,
            "feedbackId": str(uuid.uuid4()),
        }
    elif event_type == "Complaint":
        record["complaint"] = {
            "complainedRecipients": [{"emailAddress": address} for address in to],
            "timestamp": now,
            "feedbackId": str(uuid.uuid4()),
            "complaintFeedbackType": "abuse",
        }
    return record


def sns_event(message: dict[str, Any], topic_arn: str = "arn:aws:sns:eu-west-3:123456789012:mail-events") -> dict:
    """An SNS notification as Lambda receives it, carrying `message` as JSON."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": topic_arn,
                    "Subject": None,
                    "Message": json.dumps(message),
                    "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "MessageAttributes": {},
                },
            }
        ]
    }


def sqs_event(
    messages: list[dict[str, Any]], queue_arn: str = "arn:aws:sqs:eu-west-3:123456789012:mail-queue"
) -> dict[str, Any]:
    """A batch of SQS messages as Lambda's event source mapping hands it over. Each message is what ReceiveMessage
    answers (MessageId, ReceiptHandle, Body, Attributes), or just {"Body": ...} with the rest made up."""
    now = str(int(time.time() * 1000))
    records = []
    for message in messages:
        body = message["Body"]
        attributes = {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": now,
            "SenderId": "AROAEXAMPLE:ent-accounts",
            "ApproximateFirstReceiveTimestamp": now,
            **message.get("Attributes", {}),
        }
        records.append(
            {
                "messageId": message.get("MessageId") or str(uuid.uuid4()),
                "receiptHandle": message.get("ReceiptHandle") or base64.b64encode(uuid.uuid4().bytes).decode(),
                "body": body,
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode("utf-8")).hexdigest(),  # noqa: S324 (SQS's own checksum)
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3],
            }
        )
    return {"Records": records}
