"""The local server runs a function as Lambda does under load: several warm instances, one request at a time each,
up to a limit per function; and its answers leave in one write on a TCP_NODELAY socket (no Nagle stall)."""

from __future__ import annotations

import http.client
import json
import socket
import socketserver
import threading
import time

import pytest

from ent_accounts import passwords
from ent_accounts import services as services_module
from local import backends
from local.server import LocalService, serve


@pytest.fixture
def start_service(monkeypatch):
    monkeypatch.setattr("os.environ", dict(__import__("os").environ))  # the server's env changes stay here
    backend = backends.start_moto()
    started: list[LocalService] = []

    def start(instances: int | None = None) -> LocalService:
        started.append(LocalService(backend, instances=instances))
        return started[-1]

    yield start
    for service in started:
        service.stop()
    backend.stop()
    services_module.use(None)


class Gate:
    """argon2id's verification, held until released: a login that takes as long as the test wants."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.inside = 0
        self._lock = threading.Lock()
        self._entered = threading.Semaphore(0)

    def verify(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.inside += 1
        self._entered.release()
        assert self.release.wait(30), "the test never released the gate"
        with self._lock:
            self.inside -= 1
        return False

    def wait_inside(self, count: int) -> None:
        for _ in range(count):
            assert self._entered.acquire(timeout=30), "a login never reached the password check"


def logins(service: LocalService, count: int) -> tuple[list[threading.Thread], list]:
    """`count` logins sent at once from their own threads (unknown identifiers: argon2id all the same)."""
    answers: list = []

    def log_in(number: int) -> None:
        body = json.dumps({"identifier": f"inconnu{number}", "password": "pas-le-bon-mot"}).encode()
        headers = [("Content-Type", "application/json")]
        answers.append(service.invoke_http("POST", "/api/login", headers, body, "127.0.0.1", 1))

    threads = [threading.Thread(target=log_in, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads, answers


def test_the_login_page_answers_while_two_logins_of_the_same_function_hash(start_service, monkeypatch):
    service = start_service(instances=4)
    gate = Gate()
    monkeypatch.setattr(passwords, "verify_password", gate.verify)
    assert service.functions.route("GET", "/connexion").function.logical_id == "LoginFunction"
    threads, answers = logins(service, 2)
    gate.wait_inside(2)  # two instances of the login function inside argon2id at once

    status, headers, body = service.invoke_http("GET", "/connexion", [], None, "127.0.0.1", 1)
    assert status == 200 and dict(headers)["Content-Type"].startswith("text/html")
    assert '<html lang="fr"' in body.decode() and "<form" in body.decode()
    assert gate.inside == 2 and all(thread.is_alive() for thread in threads)  # answered while both still hash

    gate.release.set()
    for thread in threads:
        thread.join(timeout=30)
    # Each instance answered its own request: the logins stay JSON (an API path), not the page's HTML.
    assert [status for status, _, _ in answers] == [401, 401]
    for _, headers, body in answers:
        assert dict(headers)["Content-Type"].startswith("application/json")
        assert json.loads(body)["error"] == "invalid_credentials"
    assert service.instances["LoginFunction"].started == 3


def test_beyond_the_functions_instance_limit_a_request_waits_for_a_free_one(start_service, monkeypatch):
    service = start_service(instances=2)
    login_function = service.instances["LoginFunction"]
    gate = Gate()
    monkeypatch.setattr(passwords, "verify_password", gate.verify)
    threads, answers = logins(service, 3)
    gate.wait_inside(2)
    deadline = time.monotonic() + 30
    while login_function.waiting < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert login_function.waiting == 1 and gate.inside == 2 and login_function.started == 2

    gate.release.set()  # the first two answer, and the third takes the instance one of them leaves
    gate.wait_inside(1)
    for thread in threads:
        thread.join(timeout=30)
    assert [status for status, _, _ in answers] == [401, 401, 401]
    assert login_function.started == 2 and login_function.waiting == 0


def test_another_function_does_not_wait_for_a_busy_one(start_service, monkeypatch):
    service = start_service(instances=1)
    gate = Gate()
    monkeypatch.setattr(passwords, "verify_password", gate.verify)
    threads, answers = logins(service, 1)
    gate.wait_inside(1)
    status, _, _ = service.invoke_http("GET", "/mot-de-passe-oublie", [], None, "127.0.0.1", 1)
    assert status == 200 and gate.inside == 1
    gate.release.set()
    threads[0].join(timeout=30)
    assert answers[0][0] == 401


@pytest.fixture
def http_server(start_service, monkeypatch):
    service = start_service()
    server = serve(service, "127.0.0.1", 0)
    accepted: list[socket.socket] = []
    get_request = server.get_request

    def recorded():
        connection, address = get_request()
        accepted.append(connection)
        return connection, address

    monkeypatch.setattr(server, "get_request", recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, accepted
    server.shutdown()
    server.server_close()


def test_accepted_connections_have_nagle_off(http_server):
    server, accepted = http_server
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
    for _ in range(2):  # two answers on one kept-alive connection
        connection.request("GET", "/_dev/clock")
        assert connection.getresponse().read()
    assert len(accepted) == 1  # the server's side of this connection, still open
    assert accepted[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    connection.close()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/login", b"{}"),  # a function's JSON
        ("GET", "/connexion", None),  # a page
        ("HEAD", "/connexion", None),
        ("GET", "/favicon.ico", None),  # a static file
        ("GET", "/_dev/clock", None),  # the development routes
        ("GET", "/_dev/mail", None),
        ("GET", "/_dev/nulle-part", None),
        ("GET", "/api/nulle-part", None),  # what API Gateway answers itself
    ],
)
def test_every_answer_is_written_in_one_piece(http_server, monkeypatch, method, path, body):
    server, _ = http_server
    writes: list[int] = []
    write = socketserver._SocketWriter.write

    def counted(self, data):
        writes.append(len(data))
        return write(self, data)

    monkeypatch.setattr(socketserver._SocketWriter, "write", counted)
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
    connection.request(method, path, body, {"Content-Type": "application/json"} if body else {})
    answer = connection.getresponse()
    raw = answer.read()
    connection.close()
    assert answer.status < 500
    assert len(writes) == 1, writes  # status line, headers and body together
    assert method == "HEAD" or writes[0] > len(raw) > 0
