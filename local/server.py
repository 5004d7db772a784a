"""The local server: every route of template.yaml, served as API Gateway would, plus developer routes under /_dev/.

HTTP request → API Gateway REST proxy event → one of the function's warm instances (local/instances.py: each its own
import of the handler, one request at a time, like a Lambda container; up to `instances` per function, started when
all are busy, waited for beyond) → HTTP answer, headers and body in one write on a TCP_NODELAY socket (no Nagle
stall on kept-alive connections). The /_dev/ routes exist only here, never in the template. What a request queues
(the forgotten-password mail, the logout notices of single logout) is handed to the queue's consumer by a background
thread (local/queues.py), as another warm container of that function would take it in AWS; the outbox items a
transaction wrote (the validation mail, the address change's, the reset link) are read from the table's stream by
another (local/streams.py).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import traceback
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from local import demo_cas, demo_rp
from local.backends import Backend, resolve
from local.durations import shift
from local.events import LambdaContext, scheduled_event
from local.instances import Instances, instances_from_env, isolate_requests
from local.invoke import Functions
from local.mailbox import Mailbox

log = logging.getLogger("local")
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
MAILBOX_WAIT = 10  # seconds the mailbox waits for queued mail still being sent before it shows what arrived


class LocalService:
    """The functions, the services they share (with a movable clock), the mailbox."""

    def __init__(self, backend: Backend, url: str = "http://127.0.0.1:3000", instances: int | None = None) -> None:
        self.backend = backend
        self.url = url
        self.functions = Functions()
        isolate_requests()  # the instances of every function share this process
        limit = instances if instances is not None else instances_from_env()
        self.instances = {
            logical_id: Instances(lambda logical_id=logical_id: self.functions.start_instance(logical_id), limit)
            for logical_id in self.functions.by_id
        }
        self._environment()
        self.queues = self._queues()
        from local.streams import DeadLetters

        self.dead_letters = DeadLetters()  # the failed-events queue: what the outbox's sender gives up on
        self.mail_queue = self.queues["MailQueue"]
        self.logout_queue = self.queues["LogoutQueue"]
        from ent_accounts import services as services_module
        from ent_accounts.clock import Clock
        from ent_accounts.services import Services
        from ent_accounts.settings import Settings
        from local.queues import LocalSqs

        self.clock = Clock()
        # The functions' queue wrappers send to the local queues as they would to SQS (their URLs, resolved here, are
        # the queues' logical ids).
        self.services = Services.from_settings(
            Settings.from_env(),
            self.clock,
            dynamodb=backend.dynamodb,
            ses=backend.ses,
            sqs=LocalSqs({**self.queues, "FailedEventsQueue": self.dead_letters}),
            kms=backend.kms,
        )
        services_module.use(self.services)
        self.mailbox = Mailbox(self.clock)
        self.mailbox.watch(backend.ses)
        self.outbox = self._outbox()
        # The demo ENT (/_dev/rp/): a relying party calling this server over HTTP, on the server's clock.
        self.relying_party = demo_rp.DemoRelyingParty(url, now=self.clock.now)
        # The demo CAS service (/_dev/cas/): a CAS client calling this server over HTTP.
        self.cas_service = demo_cas.DemoCasService(url)

    def _environment(self) -> None:
        """The functions' environment from the template (all share this process, as they share Globals)."""
        for function in self.functions.by_id.values():
            for name, value in function.environment.items():
                os.environ[name] = resolve(value, self.backend.table_name, self.url, self.backend.keys)
        os.environ.update(self.backend.environment)
        # CloudWatch metrics (EMF lines on stdout) mean nothing on this machine and would bury the server's output.
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
        # What `sam local` sets too: the functions know they are served locally (links derived from the request
        # use http, as this server does).
        os.environ["AWS_SAM_LOCAL"] = "true"

    def _queues(self) -> dict:
        """Every queue of the template that a function consumes, in memory, drained into that function; with the
        queue's maxReceiveCount and the batch size of its event source mapping."""
        from local import template
        from local.queues import LocalQueue

        queues = {}
        for queue_id, consumer in template.queue_consumers().items():
            # The consumer's own warm instance (one batch at a time, as the event source mapping here hands them
            # over): requests to the same function do not wait for it, nor it for them.
            own = Instances(lambda function=consumer.function: self.functions.start_instance(function), 1)

            def deliver(event: dict, function: str = consumer.function, own: Instances = own) -> Any:
                with own.take() as handler:
                    return handler(event, LambdaContext(function))

            redrive = template.queue_properties()[queue_id].get("RedrivePolicy", {})
            queues[queue_id] = LocalQueue(
                deliver,
                name=queue_id,
                max_receive_count=int(redrive.get("maxReceiveCount", 1)),
                batch_size=consumer.batch_size,
            )
        return queues

    def _outbox(self):
        """The table's stream handed to the outbox's sender (template.yaml, OutboxConsumer) by a background thread,
        through the consumer's own warm container (its lock)."""
        from local import template
        from local.streams import OutboxPoller, OutboxStream

        consumer = template.stream_consumer()
        # The stream consumer's own warm instance, as for the queues.
        own = Instances(lambda function=consumer.function: self.functions.start_instance(function), 1)

        def invoke(function: str, event: dict) -> Any:
            with own.take() as handler:
                return handler(event, LambdaContext(function))

        endpoint = self.backend.dynamodb.meta.endpoint_url
        local_endpoint = None if "amazonaws.com" in endpoint else endpoint  # moto in-process answers AWS's own
        stream = OutboxStream(
            self.backend.dynamodb,
            self.backend.table_name,
            invoke,
            lambda message: self.dead_letters.put(json.dumps(message)),
            endpoint=local_endpoint,
        )
        return OutboxPoller(stream)

    def invoke(self, logical_id: str, event: dict) -> Any:
        """`event` handled by a free warm instance of the function (one started if none is free, up to the limit;
        else the first to be free)."""
        with self.instances[logical_id].take() as handler:
            return handler(event, LambdaContext(logical_id))

    def stop(self) -> None:
        """Stop the queues' threads (what is still waiting is dropped, as the in-memory AWS is)."""
        self.outbox.stop()
        for queue in self.queues.values():
            queue.stop()

    def invoke_http(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        source_ip: str,
        port: int,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """`headers` go to the function as sent (Host included); the event's `domainName` is this server's own
        address, as API Gateway reports its own domain whatever Host the client wrote."""
        path = urlsplit(url).path
        target = self.functions.route(method, path)
        if target is None:
            # What API Gateway answers itself for a method that the path's resource does not declare.
            accept = next((value for name, value in headers if name.lower() == "accept"), "")
            from local import template

            status, content_type, answer = template.gateway_response("MISSING_AUTHENTICATION_TOKEN", accept)
            return status, [("Content-Type", f"{content_type}; charset=utf-8")], answer
        from local.events import api_event

        forwarded = [("X-Forwarded-Proto", "http"), ("X-Forwarded-For", source_ip), ("X-Forwarded-Port", str(port))]
        event = api_event(
            method,
            url,
            resource=target.resource,
            headers=headers + forwarded,
            body=body,
            source_ip=source_ip,
            host=urlsplit(self.url).netloc,
        )
        logical_id = target.function.logical_id
        try:
            return to_http(self.invoke(logical_id, event))
        except Exception:
            log.error("%s failed:\n%s", logical_id, traceback.format_exc())
            return 502, [("Content-Type", "application/json")], b'{"message": "Internal server error"}'

    def run_scheduled(self, logical_id: str) -> Any:
        function = self.functions.by_id.get(logical_id)
        if function is None or not function.schedules:
            raise KeyError(logical_id)
        return self.invoke(logical_id, scheduled_event(f"arn:aws:events:eu-west-3:123456789012:rule/{logical_id}"))

    def mail_event(self, request: dict) -> Any:
        """What SES would publish about the newest mail to `to`: a Bounce (default) or a Complaint, handed through SNS
        to the function subscribed to the mail events topic, as in AWS."""
        from local.events import ses_event, sns_event

        to = str(request.get("to", ""))
        event_type = str(request.get("type", "Bounce"))
        if event_type not in ("Bounce", "Complaint"):
            raise ValueError("type must be Bounce or Complaint")
        self.mail_queue.wait_idle(MAILBOX_WAIT)
        self.outbox.flush(MAILBOX_WAIT)
        sent = self.mailbox.last_request_to(to)
        if sent is None:
            raise LookupError(f"no mail was sent to {to!r}")
        subscribed = [function for function in self.functions.by_id.values() if function.topics]
        if not subscribed:
            raise LookupError("no function of the template is subscribed to an SNS topic")
        logical_id = subscribed[0].logical_id
        return self.invoke(logical_id, sns_event(ses_event(event_type, sent, recipients=[to])))

    def move_clock(self, request: dict) -> dict:
        if request.get("reset"):
            self.clock.offset = timedelta(0)
        elif "advance" in request:
            now = self.clock.now()
            self.clock.offset += shift(now, str(request["advance"])) - now
        elif "set" in request:
            from datetime import datetime

            target = datetime.fromisoformat(str(request["set"]).replace("Z", "+00:00"))
            self.clock.offset += target - self.clock.now()
        return self.clock_state()

    def clock_state(self) -> dict:
        from ent_accounts.clock import iso

        return {"now": iso(self.clock.now()), "offset_seconds": int(self.clock.offset.total_seconds())}


def to_http(answer: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """An API Gateway proxy answer as HTTP: single and multi-value headers, base64 bodies decoded."""
    if not isinstance(answer, dict) or not isinstance(answer.get("statusCode"), int):
        raise ValueError("malformed Lambda proxy response")
    headers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        for value in values:
            headers.append((name, str(value)))
        seen.add(name.lower())
    for name, value in (answer.get("headers") or {}).items():
        if name.lower() not in seen:
            headers.append((name, str(value)))
    body = answer.get("body") or ""
    raw = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode("utf-8")
    return answer["statusCode"], headers, raw


def make_handler(service: LocalService):
    class Handler(BaseHTTPRequestHandler):
        server_version = "ent-accounts-local"
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args) -> None:  # one line per request, without the query string
            log.info("%s %s → %s", self.command, urlsplit(self.path).path, args[1] if len(args) > 1 else "")

        def _body(self) -> bytes | None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                # Read what was sent before answering (up to a bound), so that the client reads the 413 instead of
                # a broken pipe; beyond the bound the connection is closed.
                remaining = min(length, 4 * MAX_BODY)
                while remaining > 0 and (chunk := self.rfile.read(min(remaining, 1 << 16))):
                    remaining -= len(chunk)
                self.close_connection = True
                raise ValueError("body too large")
            return self.rfile.read(length) if length else None

        def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            """Every answer of this server (functions, pages, static files, /_dev/): status line, headers and body in
            one write, so that a kept-alive connection never waits for the client's delayed ACK of the headers."""
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            if not hasattr(self, "_headers_buffer"):  # an HTTP/0.9 request: no status line, no headers
                self.wfile.write(body)
                return
            self._headers_buffer.append(b"\r\n")  # what end_headers adds, then the body in the same buffer
            if self.command != "HEAD":
                self._headers_buffer.append(body)
            self.flush_headers()

        def _json(self, status: int, value: Any) -> None:
            self._send(status, [("Content-Type", "application/json")], json.dumps(value, ensure_ascii=False).encode())

        def _dispatch(self) -> None:
            try:
                body = self._body()
            except ValueError:
                from local import template

                accept = self.headers.get("Accept") or ""
                status, content_type, answer = template.gateway_response("REQUEST_TOO_LARGE", accept)
                self._send(status, [("Content-Type", f"{content_type}; charset=utf-8")], answer)
                return
            path = urlsplit(self.path).path
            if path.startswith("/_dev/"):
                self._dev(path, body)
                return
            status, headers, raw = service.invoke_http(
                self.command,
                self.path,
                list(self.headers.items()),
                body,
                self.client_address[0],
                self.server.server_port,
            )
            self._send(status, headers, raw)

        def _dev(self, path: str, body: bytes | None) -> None:
            if self.command == "GET" and path == "/_dev/mail":
                service.mail_queue.wait_idle(MAILBOX_WAIT)  # a mail queued a moment ago is shown, not missed
                service.outbox.flush(MAILBOX_WAIT)
                self._send(200, [("Content-Type", "text/html; charset=utf-8")], service.mailbox.page().encode())
            elif self.command == "GET" and path == "/_dev/mail.json":
                service.mail_queue.wait_idle(MAILBOX_WAIT)
                service.outbox.flush(MAILBOX_WAIT)
                self._json(200, service.mailbox.as_json())
            elif path == "/_dev/clock" and self.command in ("GET", "POST"):
                try:
                    request = json.loads(body or b"{}") if self.command == "POST" else {}
                    self._json(200, service.move_clock(request) if request else service.clock_state())
                except (ValueError, TypeError) as error:
                    self._json(400, {"error": "invalid_request", "message": str(error)})
            elif self.command == "POST" and path == "/_dev/mail-event":
                try:
                    self._json(200, {"result": service.mail_event(json.loads(body or b"{}"))})
                except (ValueError, TypeError) as error:
                    self._json(400, {"error": "invalid_request", "message": str(error)})
                except LookupError as error:
                    self._json(404, {"error": "not_found", "message": str(error)})
            elif self.command == "POST" and path.startswith("/_dev/run/"):
                try:
                    self._json(200, {"result": service.run_scheduled(path.removeprefix("/_dev/run/"))})
                except KeyError:
                    self._json(404, {"error": "not_found", "message": "no scheduled function of that name"})
            elif path == demo_rp.PATH or path.startswith(f"{demo_rp.PATH}/"):
                self._send(*service.relying_party.handle(self.command, self.path, dict(self.headers.items()), body))
            elif path == demo_cas.PATH or path.startswith(f"{demo_cas.PATH}/"):
                self._send(*service.cas_service.handle(self.command, self.path, dict(self.headers.items()), body))
            else:
                self._json(404, {"error": "not_found", "message": "unknown development route"})

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    return Handler


class LocalHTTPServer(ThreadingHTTPServer):
    """A thread per connection (the functions' instances limit what runs at once); accepted sockets without Nagle's
    algorithm, so that what is left of an answer (an error page written in two parts by http.server) leaves at once."""

    daemon_threads = True

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


def serve(service: LocalService, host: str, port: int) -> ThreadingHTTPServer:
    return LocalHTTPServer((host, port), make_handler(service))
