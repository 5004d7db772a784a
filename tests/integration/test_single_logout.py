"""Single logout, as a relying party sees it: a session ended, the logout queue's consumer (LogoutNotificationsFunction,
invoked with Lambda's SQS event) POSTs a signed logout token to the client's back-channel endpoint, a real HTTP server
on loopback. Its signature is checked against the signer's JWKS and its claims by the rules of OpenID Connect
Back-Channel Logout 1.0 §2.6. A client that fails is tried again, maxReceiveCount times, then the notice waits in the
failed-events queue; the queue being down never stops the person's logout."""

from __future__ import annotations

import json

import pytest

from ent_accounts.metrics import publish_metrics
from ent_accounts.sso.clients import Client
from ent_accounts.sso.logout_notifications import LogoutNotice
from local.harness import LOGOUT_QUEUE
from tests.support.faults import Faults
from tests.support.single_logout import RelyingParty, serve_client, unreachable_url, validated_logout_token

ISSUER = "https://ent.example.fr"
SID = "08a5019c-17e1-4977-8f42-65a12843ea02"


@pytest.fixture
def rp():
    server = RelyingParty()
    yield server
    server.stop()


class CountingSigner:
    """The service's own signer (KMS on moto), noting the type of each token it signs."""

    def __init__(self, signer) -> None:
        self._signer = signer
        self.signed: list[str] = []

    def sign(self, claims: dict, typ: str = "JWT") -> str:
        self.signed.append(typ)
        return self._signer.sign(claims, typ)

    def jwks(self) -> dict:
        return self._signer.jwks()


@pytest.fixture
def signer(world):
    world.services.signer = CountingSigner(world.services.signer)
    return world.services.signer


def register(world, monkeypatch, backchannel_logout_uri: str | None, client_id: str = "ent-occitanie") -> Client:
    client = Client(
        client_id,
        "ENT Occitanie",
        ("https://ent.example.org/callback",),
        backchannel_logout_uri=backchannel_logout_uri,
    )
    serve_client(world.store, client, monkeypatch)
    return client


def end_session(world, notices: list[LogoutNotice]) -> int:
    """What the request that ends a session does with its notices (the producer), inside a handler whose metrics are
    written when it ends; how many were queued."""
    return publish_metrics(lambda event, context: world.services.logout_queue.send(notices))({}, None)


def logout_notice(client_id: str = "ent-occitanie", subject: str = "Ax3k9-pairwise") -> LogoutNotice:
    return LogoutNotice.oidc_backchannel(
        issuer=ISSUER, client_id=client_id, sid=SID, subject=subject, request_id="logout-request-1"
    )


def test_the_client_receives_a_logout_token_it_can_verify(world, rp, signer, monkeypatch, emitted):
    register(world, monkeypatch, rp.url)
    assert end_session(world, [logout_notice()]) == 1
    # What waits in the queue says who to tell, never a token.
    assert world.queued(LOGOUT_QUEUE) == [logout_notice().to_message()]
    assert rp.received == []  # off the request path: nothing was posted yet
    assert emitted.totals() == {"LogoutNoticesQueued": 1}

    assert world.deliver_logout_notices() == {"delivered": 1, "failed": 0}
    [request] = rp.received
    assert request.path == "/backchannel-logout"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["cache-control"] == "no-store"
    assert list(request.form) == ["logout_token"]
    [token] = rp.logout_tokens()
    now = int(world.clock.now().timestamp())
    claims = validated_logout_token(token, signer.jwks(), issuer=ISSUER, client_id="ent-occitanie", now=now)
    assert claims["sid"] == SID and claims["sub"] == "Ax3k9-pairwise"
    assert claims["iat"] == now and claims["exp"] == now + 120
    assert world.queued(LOGOUT_QUEUE) == [] and world.queued("FailedEventsQueue") == []
    assert emitted.totals() == {"LogoutNoticesDelivered": 1}


def test_each_client_of_the_session_gets_its_own_token(world, signer, monkeypatch):
    parties = {name: RelyingParty() for name in ("ent-occitanie", "pronote", "moodle")}
    try:
        for name, party in parties.items():
            register(world, monkeypatch, party.url, client_id=name)
        notices = [logout_notice(name, subject=f"sub-for-{name}") for name in parties]
        assert world.services.logout_queue.send(notices) == 3
        assert world.deliver_logout_notices() == {"delivered": 3, "failed": 0}
        now = int(world.clock.now().timestamp())
        jtis = set()
        for name, party in parties.items():
            [token] = party.logout_tokens()
            claims = validated_logout_token(token, signer.jwks(), issuer=ISSUER, client_id=name, now=now)
            assert claims["sub"] == f"sub-for-{name}"  # each as that client knows the person (pairwise sub)
            jtis.add(claims["jti"])
        assert len(jtis) == 3
    finally:
        for party in parties.values():
            party.stop()


def test_a_204_answer_is_a_success_too(world, rp, signer, monkeypatch):
    rp.status = 204
    register(world, monkeypatch, rp.url)
    end_session(world, [logout_notice()])
    assert world.deliver_logout_notices() == {"delivered": 1, "failed": 0}
    assert world.queued("FailedEventsQueue") == []


def test_a_client_that_keeps_failing_is_retried_then_its_notice_is_dead_lettered(
    world, rp, signer, monkeypatch, emitted
):
    rp.status = 500
    register(world, monkeypatch, rp.url)
    end_session(world, [logout_notice()])
    emitted.totals()
    # Tried maxReceiveCount (5) times, each time with a new token; then SQS moves it to the failed-events queue.
    assert [world.deliver_logout_notices() for _ in range(6)] == [{"delivered": 0, "failed": 1}] * 5 + [
        {"delivered": 0, "failed": 0}
    ]
    assert len(rp.received) == 5 and len(set(rp.logout_tokens())) == 5
    assert world.queued(LOGOUT_QUEUE) == []
    assert world.queued("FailedEventsQueue") == [logout_notice().to_message()]  # the notice, never a token
    assert emitted.totals() == {"LogoutNoticesFailed": 5}


def test_a_client_that_is_down_is_told_once_it_is_back(world, signer, monkeypatch, emitted):
    down = unreachable_url()
    register(world, monkeypatch, down)
    end_session(world, [logout_notice()])
    emitted.totals()
    assert world.deliver_logout_notices() == {"delivered": 0, "failed": 1}
    assert emitted.totals() == {"LogoutNoticesFailed": 1}
    back = RelyingParty()
    try:
        register(world, monkeypatch, back.url)  # the same client, reachable again (here: at another port)
        assert world.deliver_logout_notices() == {"delivered": 1, "failed": 0}
        assert len(back.logout_tokens()) == 1
        assert emitted.totals() == {"LogoutNoticesDelivered": 1}
    finally:
        back.stop()


def test_a_redirect_is_an_answer_not_a_new_destination(world, rp, signer, monkeypatch):
    elsewhere = RelyingParty()
    try:
        rp.status, rp.location = 307, elsewhere.url  # 307 would repeat the POST, token included, somewhere else
        register(world, monkeypatch, rp.url)
        end_session(world, [logout_notice()])
        assert world.deliver_logout_notices() == {"delivered": 0, "failed": 1}
        assert len(rp.received) == 1 and elsewhere.received == []
    finally:
        elsewhere.stop()


@pytest.mark.parametrize("registered", ["deleted", "without a back-channel URI"])
def test_a_client_deleted_or_without_uri_is_not_told_and_the_notice_is_done(
    world, rp, signer, monkeypatch, emitted, registered
):
    if registered != "deleted":
        register(world, monkeypatch, None)
    else:
        serve_client(world.store, Client("other", "Autre", ("https://o.example/cb",)), monkeypatch)
    end_session(world, [logout_notice()])
    emitted.totals()
    assert world.deliver_logout_notices() == {"delivered": 1, "failed": 0}  # handled: deleted from the queue
    assert rp.received == [] and signer.signed == []
    assert world.queued(LOGOUT_QUEUE) == [] and world.queued("FailedEventsQueue") == []
    assert emitted.totals() == {}


def test_a_notice_no_one_can_read_ends_in_the_failed_events_queue(world, signer):
    world.sqs.send_message(QueueUrl=world.queue_urls[LOGOUT_QUEUE], MessageBody='{"kind": "carrier_pigeon"}')
    for _ in range(5):
        assert world.deliver_logout_notices() == {"delivered": 0, "failed": 1}
    assert world.deliver_logout_notices() == {"delivered": 0, "failed": 0}
    assert world.queued("FailedEventsQueue") == [{"kind": "carrier_pigeon"}]


@pytest.mark.parametrize("fault", ["timeout", "error"])
def test_the_queue_being_down_never_stops_the_logout(world, monkeypatch, emitted, log_lines, fault):
    faults = Faults(world.sqs)
    if fault == "timeout":
        faults.timeout("SendMessageBatch")
    else:
        faults.error("SendMessageBatch", "AWS.SimpleQueueService.Throttling", status=400)
    queued = end_session(world, [logout_notice(), logout_notice("pronote")])  # returns: no exception
    faults.heal()
    assert queued == 0
    if fault == "timeout":  # (moto still queues a request whose answer a fault replaced: only a timeout shows it)
        assert world.queued(LOGOUT_QUEUE) == []
    assert emitted.totals() == {"LogoutNoticesNotQueued": 2}
    lost = [line for line in log_lines.json() if line["message"] == "logout notice not queued"]
    assert sorted(line["client_id"] for line in lost) == ["ent-occitanie", "pronote"]


def test_no_logout_token_in_any_log_line(world, rp, signer, monkeypatch, log_lines):
    register(world, monkeypatch, rp.url)
    end_session(world, [logout_notice()])
    world.deliver_logout_notices()
    rp.status = 500  # a failing client too: its error is logged, the token is not
    end_session(world, [logout_notice()])
    world.deliver_logout_notices()
    tokens = rp.logout_tokens()
    assert len(tokens) == 2
    text = log_lines.text()
    handled = [line for line in log_lines.json() if line.get("message") == "queued message handled"]
    assert handled and handled[0]["outcome"] == "delivered (ent-occitanie)"
    assert handled[0]["correlation_id"] == "logout-request-1"  # the consumer logs under the logout's request id
    assert "ent-occitanie answered 500" in text
    for token in tokens:
        signature = token.rsplit(".", 1)[1]
        assert token not in text and signature not in text
    assert json.dumps(rp.received[0].form) not in text
