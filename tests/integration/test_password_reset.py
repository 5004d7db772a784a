"""Forgotten password: the same answer for everyone, a single-use link only to a validated address."""

from __future__ import annotations

import pytest

from tests.integration.helpers import NEW_PASSWORD, activate, dynamodb_requests, first_connection, login
from tests.support.browser import Browser
from tests.support.links import code_in
from tests.support.store_helpers import audit_events, login_throttle


def forgot(world, identifier):
    """Ask for a link, then let the mail queue's consumer run, as Lambda does a moment after the answer."""
    answer = world.call("POST", "/api/password/forgot", {"identifier": identifier})
    world.deliver_queued_mail()
    return answer


@pytest.fixture
def accounts(world):
    world.provision("validated")
    activate(world, "validated", email="valide@laposte.net")
    world.provision("noaddress")
    activate(world, "noaddress")
    first_connection(world, "pending", world.provision("pending"), email="pending@laposte.net")
    world.provision("provisioned")
    return world


def reset_code(world):
    [mail] = [m for m in world.mails() if "Réinitialisation" in m.subject]
    return code_in(mail.html)


def test_the_same_answer_whatever_the_identifier(accounts):
    before = len(accounts.mails())
    answers = [forgot(accounts, name) for name in ("validated", "noaddress", "pending", "provisioned", "personne")]
    assert {a.status for a in answers} == {202}
    assert len({a.text for a in answers}) == 1
    assert "l'établissement peut réinitialiser le mot de passe" in answers[0].json()["message"]
    mails = accounts.mails()[before:]
    assert [m.to for m in mails] == [["valide@laposte.net"]]  # only the validated address gets a link
    assert "validated" in mails[0].html and "/reinitialiser-mot-de-passe?code=" in mails[0].html


def test_the_request_only_queues_the_mail_which_the_queue_then_sends(accounts):
    before = len(accounts.mails())
    answer = accounts.call("POST", "/api/password/forgot", {"identifier": "Validated "})
    assert answer.status == 202
    assert len(accounts.mails()) == before  # nothing mailed while the student waits for the answer
    [message] = accounts.queued()
    assert message == {
        "kind": "password_reset",
        "identifier": "validated",
        "base_url": "https://127.0.0.1:3000",
        "request_id": message["request_id"],
    }
    assert not [item for item in accounts.items() if item.get("purpose", {}).get("S") == "password_reset"]
    assert accounts.deliver_queued_mail() == {"delivered": 1, "failed": 0}
    assert accounts.queued() == []
    [mail] = accounts.mails()[before:]
    assert mail.to == ["valide@laposte.net"]
    # The link's code was made by the consumer: the message never held it.
    assert reset_code(accounts) not in str(message)
    events = audit_events(accounts.store, "validated")
    assert events[-1]["type"] == "password_reset_requested" and events[-1]["request_id"] == message["request_id"]


def test_every_identifier_costs_the_same_requests(accounts):
    """One write to the table and one message queued, whether the account exists, has a validated address or not."""
    queue_calls = []
    accounts.sqs.meta.events.register("before-call.sqs.*", lambda model, **_: queue_calls.append(model.name))
    costs = {}
    for name in ("validated", "noaddress", "pending", "provisioned", "personne"):
        queue_calls.clear()
        answer, calls = dynamodb_requests(
            accounts, lambda name=name: accounts.call("POST", "/api/password/forgot", {"identifier": name})
        )
        assert answer.status == 202
        costs[name] = (calls, list(queue_calls))
    assert set(map(str, costs.values())) == {str((["UpdateItem"], ["SendMessage"]))}, costs


def test_the_link_page_then_the_form_set_a_new_password(accounts):
    forgot(accounts, "validated")
    code = reset_code(accounts)
    browser = Browser(accounts)
    page = browser.get(f"/reinitialiser-mot-de-passe?code={code}")
    assert page.status == 200 and 'name="new_password"' in page.text
    assert page.header("Referrer-Policy") == "no-referrer"
    fields = {"code": code, "new_password": "Nouveau-Mot-2", "new_password_confirmation": "Autre-Mot-3"}
    answer = browser.post("/reinitialiser-mot-de-passe", fields)
    assert answer.status == 400 and "ne sont pas identiques" in answer.text
    answer = browser.post("/reinitialiser-mot-de-passe", {**fields, "new_password_confirmation": "Nouveau-Mot-2"})
    assert answer.status == 200 and "<h1>Mot de passe modifié</h1>" in answer.text
    assert login(accounts, "validated", "Nouveau-Mot-2").json()["status"] == "authenticated"
    again = browser.get(f"/reinitialiser-mot-de-passe?code={code}")
    assert again.status == 410 and "a déjà servi" in again.text


def test_the_reset_form_refuses_a_forged_post(accounts):
    forgot(accounts, "validated")
    code = reset_code(accounts)
    fields = {"code": code, "new_password": "Pirate-Mot-9", "new_password_confirmation": "Pirate-Mot-9"}
    answer = Browser(accounts).post("/reinitialiser-mot-de-passe", fields, csrf=False)
    assert answer.status == 403 and "expiré" in answer.text
    assert login(accounts, "validated", "Pirate-Mot-9").status == 401


def test_reset_by_api_ends_sessions_lifts_the_lock_and_sends_a_notice(accounts):
    session = login(accounts, "validated", NEW_PASSWORD).json()["session_token"]
    for _ in range(5):
        login(accounts, "validated", "Mauvais-Mot-1")
    assert login(accounts, "validated", NEW_PASSWORD).status == 429
    forgot(accounts, "validated")
    answer = accounts.call(
        "POST", "/api/password/reset", {"code": reset_code(accounts), "new_password": "Nouveau-Mot-2"}
    )
    assert answer.status == 200 and answer.json() == {"status": "password_changed"}
    assert accounts.call("GET", "/api/account", headers={"Authorization": f"Bearer {session}"}).status == 401
    assert login(accounts, "validated", "Nouveau-Mot-2").status == 200
    assert accounts.mails()[-1].subject == "Message des services en ligne – Mot de passe modifié"


def test_reused_expired_forged_and_superseded_links(accounts):
    forgot(accounts, "validated")
    code = reset_code(accounts)
    assert (
        accounts.call("POST", "/api/password/reset", {"code": "A" * 43, "new_password": "Nouveau-Mot-2"}).status == 410
    )
    accounts.clock.advance(minutes=60, seconds=1)
    assert accounts.call("POST", "/api/password/reset", {"code": code, "new_password": "Nouveau-Mot-2"}).status == 410
    accounts.clock.advance(minutes=-2)
    ok = accounts.call("POST", "/api/password/reset", {"code": code, "new_password": "Nouveau-Mot-2"})
    assert ok.status == 200
    reused = accounts.call("POST", "/api/password/reset", {"code": code, "new_password": "Encore-Autre-3"})
    assert reused.status == 410 and reused.json()["error"] == "invalid_or_expired_code"


def test_a_password_change_kills_outstanding_reset_links(accounts):
    forgot(accounts, "validated")
    code = reset_code(accounts)
    token = login(accounts, "validated", NEW_PASSWORD).json()["session_token"]
    accounts.call(
        "POST",
        "/api/account/password",
        {"current_password": NEW_PASSWORD, "new_password": "Nouveau-Mot-2"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert accounts.call("POST", "/api/password/reset", {"code": code, "new_password": "Pirate-Mot-9"}).status == 410


def test_a_weak_new_password_is_refused_and_the_link_still_works(accounts):
    forgot(accounts, "validated")
    code = reset_code(accounts)
    weak = accounts.call("POST", "/api/password/reset", {"code": code, "new_password": "faible"})
    assert weak.status == 400 and "au moins 8" in weak.json()["fields"]["new_password"]
    assert accounts.call("POST", "/api/password/reset", {"code": code, "new_password": "Nouveau-Mot-2"}).status == 200


@pytest.mark.parametrize(
    ("password", "fragment"), [("Motdepasse1!", "trop courant"), ("Dupont-Jeanne-7", "ton nom ni ton prénom")]
)
def test_a_common_or_personal_new_password_is_refused_and_the_link_still_works(accounts, password, fragment):
    forgot(accounts, "validated")  # Jeanne Dupont's account
    code = reset_code(accounts)
    refused = accounts.call("POST", "/api/password/reset", {"code": code, "new_password": password})
    assert refused.status == 400 and fragment in refused.json()["fields"]["new_password"]
    assert accounts.call("POST", "/api/password/reset", {"code": code, "new_password": "Nouveau-Mot-2"}).status == 200


def test_a_reset_reads_the_code_and_the_account_then_writes_once(accounts):
    for _ in range(5):
        login(accounts, "validated", "Mauvais-Mot-1")
    forgot(accounts, "validated")
    body = {"code": reset_code(accounts), "new_password": "Nouveau-Mot-2"}
    answer, calls = dynamodb_requests(accounts, lambda: accounts.call("POST", "/api/password/reset", body))
    assert answer.status == 200
    # The lock-out counter is deleted inside the transaction (password, code used, audit, sessions ended).
    assert calls == ["GetItem", "GetItem", "TransactWriteItems"]
    assert login_throttle(accounts.store, "validated").failures == 0
    assert login(accounts, "validated", "Nouveau-Mot-2").status == 200
