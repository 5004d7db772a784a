"""The local server's handling of handler failures, cold starts, queued mail and logout notices, in-process."""

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
    started = LocalService(backend)
    yield started
    started.stop()
    backend.stop()
    services_module.use(None)


def test_a_failing_handler_is_a_502_with_the_traceback_only_in_the_log(service, monkeypatch, caplog):
    def broken(event, context):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service.functions, "start_instance", lambda logical_id: broken)
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


def test_unknown_paths_get_the_french_not_found_and_unknown_methods_answer_like_api_gateway(service):
    status, headers, body = service.invoke_http("GET", "/Connexion", [], None, "127.0.0.1", 1)
    assert status == 404 and dict(headers)["Content-Type"].startswith("text/html")
    assert "Cette adresse n&#39;existe pas." in body.decode()
    status, _, body = service.invoke_http("GET", "/api/nulle-part", [], None, "127.0.0.1", 1)
    assert status == 404 and json.loads(body)["message"] == "Cette adresse n'existe pas."
    # A declared resource without that method: API Gateway answers it itself, before any function.
    status, _, body = service.invoke_http("DELETE", "/connexion", [], None, "127.0.0.1", 1)
    assert status == 403 and json.loads(body)["message"] == "Cette adresse n'accepte pas cette demande."
    status, headers, body = service.invoke_http("DELETE", "/connexion", [("Accept", "text/html")], None, "x", 1)
    assert status == 403 and dict(headers)["Content-Type"].startswith("text/html")
    assert '<html lang="fr">' in body.decode() and "Demande refusée" in body.decode()


def validated_account(service, identifier="jdupont12", email="jeanne@laposte.net"):
    from datetime import date

    from ent_accounts.accounts import Account, Role, Status

    account = Account(identifier, "0341234A", Role.STUDENT, "Jeanne", "Dupont", Status.ACTIVE, date(2011, 5, 14))
    account.email, account.email_verified, account.created_at = email, True, service.clock.now()
    service.services.store.create_account(account)


def test_a_forgotten_password_is_answered_then_its_mail_arrives_from_the_queue(service):
    validated_account(service)
    body = json.dumps({"identifier": "jdupont12"}).encode()
    headers = [("Content-Type", "application/json")]
    status, _, _ = service.invoke_http("POST", "/api/password/forgot", headers, body, "127.0.0.1", 1)
    assert status == 202
    assert service.mail_queue.wait_idle(timeout=10)  # the background thread handed the message to the function
    service.outbox.flush(timeout=10)  # … which wrote the link and its mail to the outbox, sent from the stream
    [mail] = service.mailbox.newest_first()
    assert mail.to == ["jeanne@laposte.net"] and "Réinitialisation" in mail.subject and "?code=" in mail.html


def test_a_queued_message_that_keeps_failing_is_dead_lettered(service, caplog):
    service.mail_queue.retry_delay = 0
    with caplog.at_level(logging.ERROR, logger="local"):
        service.mail_queue.send({"kind": "unheard_of"})
        assert service.mail_queue.wait_idle(timeout=10)
    [dead] = service.mail_queue.dead_letters
    assert dead["receives"] == 5 and json.loads(dead["Body"]) == {"kind": "unheard_of"}
    assert "failed 5 times: dead-lettered" in caplog.text


def a_client_told_at(service, monkeypatch, url: str):
    """A registered client whose back-channel endpoint is `url`, and the signer the consumer signs with."""
    from ent_accounts.sso.clients import Client
    from tests.support.single_logout import LocalSigner, serve_client

    service.services.signer = LocalSigner()
    client = Client("demo-ent", "ENT de démonstration", ("http://127.0.0.1:3000/cb",), backchannel_logout_uri=url)
    serve_client(service.services.store, client, monkeypatch)
    return service.services.signer


def notice():
    from ent_accounts.sso.logout_notifications import LogoutNotice

    return LogoutNotice.oidc_backchannel(issuer="http://127.0.0.1:3000", client_id="demo-ent", sid="s-1", subject="u")


def test_a_logout_notice_reaches_the_clients_back_channel_endpoint_from_the_queue(service, monkeypatch):
    from tests.support.single_logout import RelyingParty, validated_logout_token

    rp = RelyingParty()
    try:
        signer = a_client_told_at(service, monkeypatch, rp.url)
        assert service.services.logout_queue.send([notice()]) == 1  # through the wrapper, as a logout sends it
        assert service.logout_queue.wait_idle(timeout=10)  # the background thread handed it to the consumer
        [token] = rp.logout_tokens()
        now = int(service.clock.now().timestamp())
        claims = validated_logout_token(
            token, signer.jwks(), issuer="http://127.0.0.1:3000", client_id="demo-ent", now=now
        )
        assert claims["sid"] == "s-1" and service.logout_queue.dead_letters == []
    finally:
        rp.stop()


def test_a_logout_notice_for_a_client_that_is_down_is_retried_then_dead_lettered(service, monkeypatch, caplog):
    from tests.support.single_logout import unreachable_url

    a_client_told_at(service, monkeypatch, unreachable_url())
    service.logout_queue.retry_delay = 0
    with caplog.at_level(logging.ERROR, logger="local"):
        service.services.logout_queue.send([notice()])
        assert service.logout_queue.wait_idle(timeout=10)
    [dead] = service.logout_queue.dead_letters
    assert dead["receives"] == 5 and json.loads(dead["Body"]) == notice().to_message()
    assert service.mail_queue.dead_letters == []  # each queue its own
