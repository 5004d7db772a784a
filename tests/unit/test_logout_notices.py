"""Single logout's pieces without AWS: the notice as queued, the queue wrapper's promise never to block a logout, and
the back-channel logout token's claims and header (OpenID Connect Back-Channel Logout 1.0 §2.4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from ent_accounts.clock import FrozenClock
from ent_accounts.sso import backchannel_logout
from ent_accounts.sso.backchannel_logout import deliver_backchannel, logout_token_claims
from ent_accounts.sso.clients import Client
from ent_accounts.sso.form_post import NotDelivered, post_form
from ent_accounts.sso.logout_notifications import OIDC_BACKCHANNEL, LogoutNotice, LogoutQueue
from tests.support.single_logout import LocalSigner, validated_logout_token

NOW = datetime(2026, 11, 30, 14, 37, tzinfo=UTC)
ISSUER = "https://ent.example.fr"


def notice(**changes) -> LogoutNotice:
    values = {
        "issuer": ISSUER,
        "client_id": "ent-occitanie",
        "sid": "08a5019c-17e1-4977-8f42-65a12843ea02",
        "subject": "Ax3k9-pairwise",
        "request_id": "req-1",
    }
    return LogoutNotice.oidc_backchannel(**{**values, **changes})


# --- the notice, as it travels through the queue ---------------------------------------------------------------------


def test_a_notice_travels_as_a_small_json_object_and_reads_back_the_same():
    sent = notice()
    message = sent.to_message()
    assert message == {
        "kind": OIDC_BACKCHANNEL,
        "client_id": "ent-occitanie",
        "subject": "Ax3k9-pairwise",
        "issuer": ISSUER,
        "sid": "08a5019c-17e1-4977-8f42-65a12843ea02",
        "request_id": "req-1",
    }
    assert LogoutNotice.from_message(json.loads(json.dumps(message))) == sent
    # A field a newer version adds does not make the message unreadable.
    assert LogoutNotice.from_message({**message, "added_later": "x"}) == sent


@pytest.mark.parametrize(
    "message",
    [
        {"kind": "carrier_pigeon", "client_id": "c", "subject": "s"},
        {"client_id": "c", "subject": "s", "issuer": ISSUER, "sid": "x"},
        {"kind": OIDC_BACKCHANNEL, "client_id": "c", "subject": "s", "issuer": ISSUER},  # no sid
        {"kind": OIDC_BACKCHANNEL, "client_id": "c", "sid": "x", "issuer": ISSUER},  # no subject
        {"kind": OIDC_BACKCHANNEL, "client_id": "c", "subject": "s", "sid": 7, "issuer": ISSUER},
    ],
)
def test_a_message_the_consumer_cannot_use_is_refused(message):
    with pytest.raises(ValueError):
        LogoutNotice.from_message(message)


# --- the queue: ten at a time, and never in the way of the logout ----------------------------------------------------


class RecordingSqs:
    def __init__(self, fail_ids=(), error: Exception | None = None) -> None:
        self.batches: list[list[dict]] = []
        self.fail_ids = set(fail_ids)
        self.error = error

    def send_message_batch(self, QueueUrl, Entries):
        if self.error:
            raise self.error
        self.batches.append(Entries)
        return {
            "Successful": [{"Id": e["Id"]} for e in Entries if e["Id"] not in self.fail_ids],
            "Failed": [{"Id": i, "Code": "InternalError", "SenderFault": False} for i in sorted(self.fail_ids)],
        }


@pytest.fixture
def counted(monkeypatch):
    found: dict[str, int] = {}
    monkeypatch.setattr(
        "ent_accounts.metrics.count", lambda name, value=1: found.__setitem__(name, found.get(name, 0) + value)
    )
    return found


def test_notices_are_queued_ten_by_ten(counted):
    sqs = RecordingSqs()
    notices = [notice(client_id=f"client-{n}") for n in range(23)]
    assert LogoutQueue("https://sqs/logout", client=sqs).send(notices) == 23
    assert [len(batch) for batch in sqs.batches] == [10, 10, 3]
    bodies = [json.loads(entry["MessageBody"]) for batch in sqs.batches for entry in batch]
    assert [body["client_id"] for body in bodies] == [f"client-{n}" for n in range(23)]
    assert counted == {"LogoutNoticesQueued": 23}


def test_nothing_to_tell_sends_nothing(counted):
    sqs = RecordingSqs()
    assert LogoutQueue("https://sqs/logout", client=sqs).send([]) == 0
    assert sqs.batches == [] and counted == {}


@pytest.mark.parametrize(
    "queue",
    [
        LogoutQueue("https://sqs/logout", client=RecordingSqs(error=TimeoutError("no answer"))),
        LogoutQueue("", client=RecordingSqs()),  # a function without LOGOUT_QUEUE_URL
    ],
)
def test_a_queue_that_fails_never_raises_and_the_loss_is_counted(queue, counted):
    assert queue.send([notice(), notice(client_id="pronote")]) == 0
    assert counted == {"LogoutNoticesNotQueued": 2}


def test_entries_sqs_refuses_in_a_batch_are_counted_and_the_others_queued(counted, log_lines):
    queue = LogoutQueue("https://sqs/logout", client=RecordingSqs(fail_ids={"1"}))
    assert queue.send([notice(client_id="a"), notice(client_id="b"), notice(client_id="c")]) == 2
    assert counted == {"LogoutNoticesQueued": 2, "LogoutNoticesNotQueued": 1}
    [warning] = [line for line in log_lines.json() if line["message"] == "logout notice not queued"]
    assert warning["client_id"] == "b" and warning["reason"] == "InternalError"


# --- the logout token ----------------------------------------------------------------------------------------------


def test_the_logout_token_holds_exactly_the_claims_of_section_2_4():
    claims = logout_token_claims(notice(), NOW)
    assert set(claims) == {"iss", "aud", "iat", "exp", "jti", "events", "sid", "sub"}  # and never a nonce
    iat = int(NOW.timestamp())
    assert claims["iss"] == ISSUER and claims["aud"] == "ent-occitanie"
    assert (claims["iat"], claims["exp"]) == (iat, iat + 120)
    assert claims["events"] == {"http://schemas.openid.net/event/backchannel-logout": {}}
    assert claims["sid"] == "08a5019c-17e1-4977-8f42-65a12843ea02" and claims["sub"] == "Ax3k9-pairwise"
    assert json.loads(json.dumps(claims)) == claims  # plain JSON: integers for times, an object for the event


def test_every_token_has_its_own_unguessable_jti():
    jtis = {logout_token_claims(notice(), NOW)["jti"] for _ in range(50)}
    assert len(jtis) == 50 and min(len(jti) for jti in jtis) >= 22  # 128 bits, URL-safe base64


class Registry:
    def __init__(self, *clients: Client) -> None:
        self.clients = {client.client_id: client for client in clients}
        self.reads: list[str] = []

    def get_client(self, client_id: str) -> Client | None:
        self.reads.append(client_id)
        return self.clients.get(client_id)


def services_with(*clients: Client):
    return SimpleNamespace(store=Registry(*clients), signer=LocalSigner(), clock=FrozenClock(NOW))


def client(uri: str | None = "https://ent.example.org/oidc/backchannel") -> Client:
    return Client("ent-occitanie", "ENT Occitanie", ("https://ent.example.org/cb",), backchannel_logout_uri=uri)


def test_the_token_is_signed_as_a_logout_token_and_posted_as_a_form(monkeypatch):
    posted = []
    monkeypatch.setattr(backchannel_logout, "post_form", lambda url, form: posted.append((url, form)) or 200)
    services = services_with(client())
    assert deliver_backchannel(services, notice()) == "delivered"
    [(url, form)] = posted
    assert url == "https://ent.example.org/oidc/backchannel" and set(form) == {"logout_token"}
    [header] = services.signer.signed
    assert header == {"alg": "RS256", "typ": "logout+jwt", "kid": "test-signing-key"}
    claims = validated_logout_token(
        form["logout_token"],
        services.signer.jwks(),
        issuer=ISSUER,
        client_id="ent-occitanie",
        now=int(NOW.timestamp()),
    )
    assert claims["sid"] == notice().sid


@pytest.mark.parametrize("status", [200, 204])
def test_200_and_204_are_success(monkeypatch, status):
    monkeypatch.setattr(backchannel_logout, "post_form", lambda url, form: status)
    assert deliver_backchannel(services_with(client()), notice()) == "delivered"


@pytest.mark.parametrize("status", [201, 302, 400, 404, 500, 503])
def test_any_other_answer_is_not_delivered(monkeypatch, status):
    monkeypatch.setattr(backchannel_logout, "post_form", lambda url, form: status)
    with pytest.raises(NotDelivered, match=f"ent-occitanie answered {status}"):
        deliver_backchannel(services_with(client()), notice())


@pytest.mark.parametrize(
    ("registered", "outcome"),
    [((), "skipped: no longer registered"), ((client(None),), "skipped: no back-channel logout URI")],
)
def test_a_client_deleted_or_without_uri_is_not_told(monkeypatch, registered, outcome):
    monkeypatch.setattr(backchannel_logout, "post_form", lambda url, form: pytest.fail("nothing may be sent"))
    services = services_with(*registered)
    assert deliver_backchannel(services, notice()) == outcome
    assert services.signer.signed == []  # not even signed: no KMS call


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://ent.example.org/x", "javascript:alert(1)", "https://"])
def test_only_http_urls_are_ever_opened(url):
    with pytest.raises(NotDelivered, match="not an http"):
        post_form(url, {"logout_token": "x"})
