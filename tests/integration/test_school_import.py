"""A school creates its accounts in bulk: numbered identifiers, provisional passwords shown once, all or nothing,
idempotent retries, and no identifier given twice even when imports race."""

from __future__ import annotations

import hashlib
import threading

import pytest

from ent_accounts.accounts import Role
from ent_accounts.errors import RequestInProgress
from ent_accounts.flows.provisioning import create_accounts
from ent_accounts.idempotency import run_once
from ent_accounts.schools import NewAccount
from ent_accounts.services import services
from ent_accounts.store import Transaction
from tests.integration.helpers import login
from tests.integration.school import UAI, created, items_text, new_key, post_accounts, row


def test_accounts_are_created_with_numbered_identifiers_and_one_time_passwords(world):
    rows = [
        row("Le Bihan-Pérez", "Élodie", birth_date="2011-05-14", school_class="4e B"),
        row("Dupont", "Jeanne"),
        row("DUPONT", "Jean", role="parent"),
        row("Dupont", "Julie", role="Élève", school_class=" 4e   B "),
    ]
    answer = post_accounts(world, rows, uai="0341234a")
    assert answer.status == 201, answer.text
    body = answer.json()
    assert body["uai"] == "0341234A" and body["login_url"].endswith("/connexion")
    accounts = body["accounts"]
    assert [a["identifier"] for a in accounts] == ["elebihanperez", "jdupont", "jdupont1", "jdupont2"]
    assert [a["row"] for a in accounts] == [0, 1, 2, 3]
    assert accounts[0]["birth_date"] == "2011-05-14" and accounts[3]["class"] == "4e B"
    assert accounts[3]["role"] == "eleve"
    assert {a["provisional_expires_at"] for a in accounts} == {"2027-02-28T14:37:00Z"}  # 3 months
    passwords = [a["provisional_password"] for a in accounts]
    assert len(set(passwords)) == 4 and all(len(p) == 12 for p in passwords)

    stored = world.store.get_account("elebihanperez")
    assert stored.uai == "0341234A" and stored.status == "PROVISIONED" and stored.school_class == "4e B"
    assert stored.provisional_password_hash == hashlib.sha256(passwords[0].encode()).hexdigest()
    assert stored.created_by == world.admin_caller  # the signer's IAM ARN, as API Gateway gives it
    text = items_text(world)
    assert not any(password in text for password in passwords)  # nowhere in clear, the replay record included
    for account in accounts:
        answer = login(world, account["identifier"], account["provisional_password"])
        assert answer.json()["status"] == "first_connection_required"


def test_numbers_continue_across_imports_and_skip_identifiers_taken_elsewhere(world):
    world.provision("jdupont1", uai="0751234B")  # made outside the school import (another path, another school)
    first = created(world, [row("Dupont", "Jeanne"), row("Dupont", "Jules")])
    assert [a["identifier"] for a in first] == ["jdupont", "jdupont2"]
    second = created(world, [row("Dupond", "Jacques"), row("Dupont", "Josette")])
    assert [a["identifier"] for a in second] == ["jdupond", "jdupont3"]


def test_a_deleted_identifier_is_never_given_again(world):
    (account,) = created(world, [row("Martin", "Adam")])
    assert world.call("DELETE", f"/api/admin/accounts/amartin?uai={UAI}").status == 204
    (again,) = created(world, [row("Martin", "Adam")])
    assert account["identifier"] == "amartin" and again["identifier"] == "amartin1"


def test_one_bad_row_and_nothing_is_created(world):
    rows = [row("Dupont", "Jeanne") for _ in range(5)]
    rows[1] = row("Martin", "Adam")
    rows[2] = row("Durand", "Paul", role="professeur")
    rows[4] = row("Petit", "Léa", birth_date="14/05/2011")
    rows[3] = row("Petit2", "")
    answer = post_accounts(world, rows)
    assert answer.status == 400
    body = answer.json()
    assert body["error"] == "invalid_request"
    assert body["message"] == "Rien n'a été enregistré : 3 ligne(s) à corriger (3, 4, 5)."
    assert body["fields"] == {
        "accounts[2].role": "Le profil doit être « eleve » ou « parent ».",
        "accounts[3].last_name": (
            "Un nom ne peut contenir que des lettres, des espaces, des traits d'union et des apostrophes."
        ),
        "accounts[3].first_name": "Ce champ est obligatoire.",
        "accounts[4].birth_date": "La date doit être au format AAAA-MM-JJ.",
    }
    assert world.items() == []  # no account, no counter, no idempotency record


def test_the_same_person_twice_in_one_list_is_refused(world):
    rows = [row("Dupont", "Jeanne", birth_date="2011-05-14"), row("Martin", "Adam")]
    rows.append(row("DUPONT", "jeanne", birth_date="2011-05-14", school_class="4e B"))
    rows.append(row("Martin", "Paul", role="parent"))
    rows.append(row("Martin", "Paul", role="parent"))  # homonym parents without a birth date may be two people
    answer = post_accounts(world, rows)
    assert answer.status == 400
    assert answer.json()["fields"] == {
        "accounts[2]": "Ligne 4 : identique à la ligne 2, un seul compte par personne "
        "(une vraie homonymie se signale par « homonym »)."
    }  # the header is line 1: the first row is line 2
    assert world.items() == []


def test_between_one_and_two_thousand_rows(world):
    for count in (0, 2001):
        answer = post_accounts(world, [row("Dupont", "Jeanne")] * count)
        assert answer.status == 400 and "accounts" in answer.json()["fields"]


def test_an_idempotency_key_of_enough_random_characters_is_required(world):
    for key in [None, "", "abc", "x" * 31, "é" * 40, "k" * 129, "a b" * 20]:
        headers = {} if key is None else {"Idempotency-Key": key}
        body = {"uai": UAI, "accounts": [row("Dupont", "Jeanne")]}
        answer = world.call("POST", "/api/admin/accounts", body, headers)
        assert answer.status == 400 and "Idempotency-Key" in answer.json()["fields"], key
    assert world.items() == []


def test_a_retry_with_the_same_key_gets_the_same_answer_and_creates_nothing_more(world):
    rows = [row("Dupont", "Jeanne"), row("Martin", "Adam", school_class="3e A")]
    key = new_key()
    first = post_accounts(world, rows, key=key)
    items = world.items()
    again = post_accounts(world, rows, key=key)
    assert first.status == again.status == 201
    assert again.json() == first.json()  # the same identifiers and the same provisional passwords
    assert world.items() == items
    # A new key is a new request: the same people get new accounts (the CLI keeps its key until letters exist).
    other = post_accounts(world, rows, key=new_key())
    assert [a["identifier"] for a in other.json()["accounts"]] == ["jdupont1", "amartin1"]


def test_the_same_key_with_other_rows_is_refused(world):
    key = new_key()
    assert post_accounts(world, [row("Dupont", "Jeanne")], key=key).status == 201
    answer = post_accounts(world, [row("Dupont", "Jeanne"), row("Martin", "Adam")], key=key)
    assert answer.status == 422 and answer.json()["error"] == "idempotency_key_reused"
    assert world.store.get_account("amartin") is None


def test_the_same_key_while_the_first_request_runs_is_told_to_wait(world):
    key = new_key()

    def first_request():
        # The first request has not finished when its retry arrives (the client's own time-out, for example).
        return run_once(services(), "create-accounts#0341234A", key, ["rows"], lambda: None)

    with pytest.raises(RequestInProgress) as raised:
        run_once(services(), "create-accounts#0341234A", key, ["rows"], first_request)
    assert raised.value.status == 409 and raised.value.code == "request_in_progress"
    assert raised.value.headers["Retry-After"] == "30"


def test_a_failure_half_way_removes_what_was_created_and_the_same_key_can_retry(world, monkeypatch):
    monkeypatch.setattr(world.store, "max_writes_per_transaction", 10)  # small transactions: 5 rows, their counters
    rows = [row(f"Nom{chr(97 + n)}", "Paul") for n in range(12)]  # 3 transactions
    commits = []
    original = Transaction.commit

    def third_fails(self):
        commits.append(self)
        if len(commits) == 3:
            raise RuntimeError("DynamoDB is unavailable")
        return original(self)

    monkeypatch.setattr(Transaction, "commit", third_fails)
    key = new_key()
    failed = post_accounts(world, rows, key=key)
    assert failed.status == 500 and failed.json()["error"] == "internal_error"
    assert not [item for item in world.items() if item["pk"]["S"].startswith("ACCOUNT#")]
    monkeypatch.setattr(Transaction, "commit", original)

    retried = post_accounts(world, rows, key=key)
    assert retried.status == 201
    identifiers = [a["identifier"] for a in retried.json()["accounts"]]
    assert len(set(identifiers)) == 12 and all(world.store.get_account(i) for i in identifiers)


def test_concurrent_imports_never_give_one_identifier_twice(world):
    world.provision("jdupont7")  # taken outside the counter: must be skipped, not overwritten
    schools = 4
    rows = [
        [NewAccount("Dupont", f"J{school}-{n}", Role.STUDENT) for n in range(25)]
        + [NewAccount(f"Nom{school}", "Zoé", Role.STUDENT)]
        + [NewAccount("Martin", f"A{school}-{n}", Role.STUDENT) for n in range(5)]
        for school in range(schools)
    ]
    barrier = threading.Barrier(schools)
    results, errors = {}, []

    def school_import(index):
        barrier.wait()
        try:
            results[index] = create_accounts(services(), f"034123{index}A", rows[index], "test")
        except Exception as error:  # reported below: a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=school_import, args=(index,)) for index in range(schools)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    identifiers = [one.account.identifier for issued in results.values() for one in issued]
    assert len(identifiers) == len(set(identifiers)) == schools * 31
    dupont = {i for i in identifiers if i.startswith("jdupont")}
    assert dupont == {"jdupont"} | {f"jdupont{n}" for n in range(1, 101) if n != 7}
    assert world.store.get_account("jdupont7").uai == "0341234A"  # the existing account is untouched
    assert {i for i in identifiers if i.startswith("amartin")} == {"amartin"} | {f"amartin{n}" for n in range(1, 20)}
    for issued in results.values():
        for one in issued:
            assert world.store.get_account(one.account.identifier).first_name == one.account.first_name
