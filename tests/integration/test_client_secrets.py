"""A client's secret leaves the service once, in the answer that made it: never in a log line, an audit event, another
answer or the table (only its hash); the subject salt and the hashes never leave at all. Each change is counted."""

from __future__ import annotations

from ent_accounts.sso.clients import hash_secret
from tests.integration.clients import CLIENTS, register, registration, replace, rotate, show
from tests.support.store_helpers import client_events


def test_a_secret_appears_only_in_the_answer_that_made_it(world, log_lines):
    answers = []

    def call(*args, **kwargs):
        answers.append(world.call(*args, **kwargs))
        return answers[-1]

    created = call("POST", CLIENTS, registration(pairwise_subject=True))
    first = created.json()["client_secret"]
    call("POST", CLIENTS, registration())  # 409
    call("GET", CLIENTS)
    call("GET", f"{CLIENTS}/ent-occitanie")
    call("PUT", f"{CLIENTS}/ent-occitanie", {**registration(pairwise_subject=True, client_id=...), "name": "Autre"})
    call("PUT", f"{CLIENTS}/ent-occitanie", {**registration(client_id=...), "redirect_uris": ["http://x.fr/"]})
    rotated = call("POST", f"{CLIENTS}/ent-occitanie/secret", {"grace_hours": 2})
    second = rotated.json()["client_secret"]
    call("POST", f"{CLIENTS}/ent-occitanie/secret", {"grace_hours": 900})  # 400
    call("GET", f"{CLIENTS}/ent-occitanie")
    call("DELETE", f"{CLIENTS}/ent-occitanie")

    for answer in answers:
        assert "subject_salt" not in answer.text and "secret_hashes" not in answer.text
    for secret in (first, second):
        shown = [answer for answer in answers if secret in answer.text]
        assert shown == [created if secret == first else rotated]
        assert secret not in log_lines.text() and hash_secret(secret) not in log_lines.text()
        assert hash_secret(secret) not in "".join(answer.text for answer in answers)
        assert secret not in str(world.items())  # kept hashed only
        assert secret not in str(client_events(world.store, "ent-occitanie"))
    assert log_lines.json(), "the handlers logged nothing: the capture is broken"
    assert any(line.get("message") == "client registered" for line in log_lines.json())


def test_the_table_keeps_the_hash_and_the_salt_but_no_answer_shows_them(world, log_lines):
    secret = register(world, pairwise_subject=True)["client_secret"]
    stored = world.store.get_client("ent-occitanie")
    assert stored.secret_hashes == (hash_secret(secret),) and hash_secret(secret) in str(world.items())
    shown = (
        show(world).text + world.call("GET", CLIENTS).text + replace(world, registration(pairwise_subject=True)).text
    )
    for hidden in (stored.subject_salt, stored.secret_hashes[0]):
        assert hidden not in shown and hidden not in log_lines.text()
        assert hidden not in str(client_events(world.store, "ent-occitanie"))


def test_each_change_of_the_registry_is_counted(world, emitted):
    register(world)
    assert emitted.totals() == {"ClientsRegistered": 1}
    replace(world, registration(name="ENT Occitanie 2"))
    assert emitted.totals() == {"ClientsUpdated": 1}
    rotate(world)
    assert emitted.totals() == {"ClientSecretsRotated": 1}
    world.call("DELETE", f"{CLIENTS}/ent-occitanie")
    assert emitted.totals() == {"ClientsDeleted": 1}
    # Refusals and reads change nothing, and count nothing.
    world.call("POST", CLIENTS, registration(name=""))
    world.call("GET", CLIENTS)
    world.call("DELETE", f"{CLIENTS}/ent-occitanie")
    rotate(world)
    assert emitted.totals() == {}
