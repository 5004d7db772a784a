"""A school follows, resets, reissues and deletes its own accounts, and never sees or touches another school's."""

from __future__ import annotations

import io
import re

import pypdf

from ent_accounts.flows import school as school_flows
from ent_accounts.schools import UAI_MESSAGE
from local.events import scheduled_event
from tests.integration.helpers import BIRTH_DATE, NEW_PASSWORD, first_connection, last_code, login
from tests.integration.school import (
    OTHER_UAI,
    UAI,
    create_one,
    created,
    letters_pdf,
    reset,
    row,
)
from tests.support.store_helpers import audit_events


def first_connection_done(world, account, email=None):
    """Take a created account through its first connection (and the validation link when an e-mail is given)."""
    first_connection(world, account["identifier"], account["provisional_password"], email=email)
    if email:
        assert world.call("POST", "/api/validate-email", {"code": last_code(world)}).status == 200


def test_another_school_sees_nothing_and_changes_nothing(world):
    account = create_one(world)
    before = world.items()
    for method, path in [
        ("GET", "/api/admin/accounts/jdupont"),
        ("POST", "/api/admin/accounts/jdupont/password-reset"),
        ("DELETE", "/api/admin/accounts/jdupont"),
        ("GET", "/api/admin/accounts/personne"),
    ]:
        answer = world.call(method, f"{path}?uai={OTHER_UAI}")
        assert answer.status == 404, (method, path)
        assert answer.json() == {
            "error": "not_found",
            "message": "Aucun compte de cet identifiant dans cet établissement.",
        }
    assert world.call("GET", f"/api/admin/accounts?uai={OTHER_UAI}").json()["accounts"] == []
    answer = world.call("POST", "/api/admin/letters", {"uai": OTHER_UAI, "identifiers": ["jdupont"]})
    assert answer.status == 404
    assert world.items() == before
    assert login(world, "jdupont", account["provisional_password"]).json()["status"] == "first_connection_required"


def test_the_school_code_is_checked_on_every_route(world):
    create_one(world)
    for uai in ["", "0341234", "03412345A", "ABCDEFGH", "0341234A1"]:
        for method, path, body in [
            ("GET", f"/api/admin/accounts?uai={uai}", None),
            ("GET", f"/api/admin/accounts/jdupont?uai={uai}", None),
            ("POST", f"/api/admin/accounts/jdupont/password-reset?uai={uai}", None),
            ("DELETE", f"/api/admin/accounts/jdupont?uai={uai}", None),
            ("POST", "/api/admin/letters", {"uai": uai, "class": "4e B"}),
            ("POST", "/api/admin/accounts", {"uai": uai, "accounts": [row("Martin", "Adam")]}),
        ]:
            answer = world.call(method, path, body, headers={"Idempotency-Key": "k" * 32})
            assert answer.status == 400, (method, path, answer.text)
            assert answer.json()["fields"]["uai"] == UAI_MESSAGE


def test_a_missing_school_code_is_named(world):
    answer = world.call("GET", "/api/admin/accounts")
    assert answer.status == 400 and answer.json()["fields"] == {"uai": "Ce champ est obligatoire."}


def test_the_list_shows_each_status_with_the_deadline_to_watch(world):
    waiting, pending, active = created(
        world,
        [
            row("Martin", "Adam", school_class="3e A"),
            row("Dupont", "Jeanne", birth_date=BIRTH_DATE, school_class="4e B"),
            row("Petit", "Léa", birth_date=BIRTH_DATE, school_class="4e B"),
        ],
    )
    first_connection(world, "jdupont", pending["provisional_password"], email="jeanne@laposte.net")
    first_connection_done(world, active, email="lea@laposte.net")

    listing = world.call("GET", f"/api/admin/accounts?uai={UAI}")
    assert listing.status == 200
    by_id = {a["identifier"]: a for a in listing.json()["accounts"]}
    assert [a["identifier"] for a in listing.json()["accounts"]] == ["amartin", "jdupont", "lpetit"]  # class, name
    assert by_id["amartin"]["status"] == "PROVISIONED"
    assert by_id["amartin"]["deadline"] == by_id["amartin"]["provisional_expires_at"] == "2027-02-28T14:37:00Z"
    assert by_id["jdupont"]["status"] == "PENDING_VALIDATION" and not by_id["jdupont"]["email_verified"]
    assert by_id["jdupont"]["deadline"] == by_id["jdupont"]["validation_deadline"] == "2027-02-28T14:37:00Z"
    assert by_id["lpetit"]["status"] == "ACTIVE" and by_id["lpetit"]["email_verified"]
    assert by_id["lpetit"]["deadline"] is None

    chase = world.call("GET", f"/api/admin/accounts?uai={UAI}&status=PENDING_VALIDATION").json()["accounts"]
    assert [a["identifier"] for a in chase] == ["jdupont"]
    in_class = world.call("GET", f"/api/admin/accounts?uai={UAI}&class=4e%20b").json()["accounts"]
    assert [a["identifier"] for a in in_class] == ["jdupont", "lpetit"]

    world.clock.advance(days=91)
    late = world.call("GET", f"/api/admin/accounts?uai={UAI}&status=provisioned").json()["accounts"]
    assert late[0]["identifier"] == "amartin" and late[0]["deadline_passed"] is True

    text = listing.text
    for secret in ("hash", 'password"', "laposte.net", waiting["provisional_password"], NEW_PASSWORD):
        assert secret not in text


def test_an_unknown_status_is_refused_in_french(world):
    answer = world.call("GET", f"/api/admin/accounts?uai={UAI}&status=VALIDE")
    assert answer.status == 400
    assert answer.json()["fields"] == {"status": "Le statut doit être PROVISIONED, PENDING_VALIDATION ou ACTIVE."}


def test_one_account_without_any_secret(world):
    account = create_one(world, birth_date=BIRTH_DATE, school_class="4e B")
    first_connection_done(world, account, email="jeanne@laposte.net")
    answer = world.call("GET", f"/api/admin/accounts/JDupont?uai={UAI}")
    assert answer.status == 200
    body = answer.json()
    assert body["identifier"] == "jdupont" and body["uai"] == UAI and body["status"] == "ACTIVE"
    assert body["has_email"] is True and body["email_verified"] is True and body["birth_date"] == BIRTH_DATE
    assert body["created_at"] == "2026-11-30T14:37:00Z"
    assert "laposte.net" not in answer.text and "hash" not in answer.text and NEW_PASSWORD not in answer.text


def test_a_school_reset_works_for_an_account_without_email(world):
    account = create_one(world)
    first_connection_done(world, account)  # no e-mail: nobody but the school can reset this password
    assert world.store.get_account("jdupont").email is None
    answer = reset(world, "jdupont")
    assert answer.status == 200
    body = answer.json()
    assert body["status"] == "PROVISIONED" and body["identifier"] == "jdupont"
    assert body["provisional_expires_at"] == "2027-02-28T14:37:00Z" and body["login_url"].endswith("/connexion")
    new = body["provisional_password"]
    assert new != account["provisional_password"] and len(new) == 12
    assert login(world, "jdupont", NEW_PASSWORD).status == 401  # the personal password is gone
    assert login(world, "jdupont", account["provisional_password"]).status == 401
    first_connection(world, "jdupont", new, password="Nouveau-Depart-7")
    assert login(world, "jdupont", "Nouveau-Depart-7").json()["status"] == "authenticated"
    events = [event["type"] for event in audit_events(world.store, "jdupont")]
    assert "password_reset_by_school" in events
    assert new not in repr(world.items())


def test_a_school_reset_ends_every_session(world):
    account = create_one(world)
    first_connection_done(world, account)
    sessions = [login(world, "jdupont", NEW_PASSWORD).json()["session_token"] for _ in range(2)]
    for token in sessions:
        assert world.call("GET", "/api/account", headers={"Authorization": f"Bearer {token}"}).status == 200
    assert reset(world, "jdupont").status == 200
    for token in sessions:
        answer = world.call("GET", "/api/account", headers={"Authorization": f"Bearer {token}"})
        assert answer.status == 401 and answer.json()["error"] == "not_authenticated"


def test_a_challenge_obtained_before_a_reset_is_useless(world):
    account = create_one(world, birth_date=BIRTH_DATE)
    old_challenge = login(world, "jdupont", account["provisional_password"]).json()["challenge_token"]
    assert reset(world, "jdupont").status == 200
    answer = world.call(
        "POST",
        "/api/first-connection",
        {"challenge_token": old_challenge, "new_password": NEW_PASSWORD, "birth_date": BIRTH_DATE},
    )
    assert answer.status == 401 and answer.json()["error"] == "invalid_challenge"


def test_resetting_a_pending_account_drops_the_unvalidated_address_and_its_links(world):
    account = create_one(world, birth_date=BIRTH_DATE)
    first_connection(world, "jdupont", account["provisional_password"], email="mal-tapee@laposte.net")
    link = last_code(world)
    assert reset(world, "jdupont").status == 200
    stored = world.store.get_account("jdupont")
    assert stored.status == "PROVISIONED" and stored.email is None and stored.validation_deadline is None
    assert not stored.validation_code_hashes
    assert world.call("POST", "/api/validate-email", {"code": link}).status == 410
    # Out of the sweep's index: three months later the account is still there, waiting for its first connection.
    world.clock.advance(days=93)
    world.functions.invoke("ExpireAccountsFunction", {"detail-type": "Scheduled Event"})
    assert world.store.get_account("jdupont") is not None


def test_resetting_keeps_a_validated_address(world):
    account = create_one(world, birth_date=BIRTH_DATE)
    first_connection_done(world, account, email="jeanne@laposte.net")
    assert reset(world, "jdupont").status == 200
    stored = world.store.get_account("jdupont")
    assert stored.status == "PROVISIONED" and stored.email == "jeanne@laposte.net" and stored.email_verified


def test_a_school_reset_lifts_the_lock_out(world):
    account = create_one(world)
    for _ in range(5):
        login(world, "jdupont", "Mauvais-Mot-1")
    assert login(world, "jdupont", account["provisional_password"]).status == 429
    new = reset(world, "jdupont").json()["provisional_password"]
    assert login(world, "jdupont", new).json()["status"] == "first_connection_required"


def test_deleting_an_account(world):
    account = create_one(world)
    first_connection(world, "jdupont", account["provisional_password"], email="jeanne@laposte.net")
    link = last_code(world)
    answer = world.call("DELETE", f"/api/admin/accounts/jdupont?uai={UAI}")
    assert answer.status == 204 and answer.text == ""
    assert world.store.get_account("jdupont") is None
    assert world.call("GET", f"/api/admin/accounts/jdupont?uai={UAI}").status == 404
    assert login(world, "jdupont", NEW_PASSWORD).status == 401
    assert world.call("POST", "/api/validate-email", {"code": link}).status == 410
    # Its mailed links are gone too (a used 15-minute challenge is left to its TTL: it leads to no account).
    assert [item["purpose"]["S"] for item in world.items() if item.get("purpose")] == ["challenge"]
    (event,) = [e for e in audit_events(world.store, "jdupont") if e["type"] == "account_deleted_by_school"]
    assert event["by"] == world.admin_caller and event["uai"] == UAI
    assert world.call("DELETE", f"/api/admin/accounts/jdupont?uai={UAI}").status == 404


def test_letters_are_reissued_with_new_passwords_for_the_class(world):
    accounts = created(
        world,
        [
            row("Dupont", "Jeanne", school_class="4e B"),
            row("Martin", "Adam", school_class="4e B"),
            row("Petit", "Léa", school_class="4e B"),
            row("Durand", "Paul", school_class="3e A"),
        ],
    )
    created(world, [row("Morel", "Zoé", school_class="4e B")], uai=OTHER_UAI)
    first_connection_done(world, accounts[2])  # Léa already chose her password: not reissued
    answer = world.call("POST", "/api/admin/letters", {"uai": UAI, "class": "4e b", "school_name": "Collège Molière"})
    pdf = letters_pdf(answer)
    assert answer.header("X-Letters-Count") == "2"
    assert answer.header("Content-Disposition") == 'attachment; filename="lettres-0341234A-4e-b.pdf"'
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 2
    assert "jdupont" in pages[0] and "amartin" in pages[1] and "Collège Molière (0341234A)" in pages[0]
    assert not any(name in "".join(pages) for name in ("lpetit", "pdurand", "zmorel"))
    for old, page in zip(accounts[:2], pages, strict=True):
        new = re.search(r"Mot de passe provisoire : (\S{12})", page).group(1)
        assert login(world, old["identifier"], old["provisional_password"]).status == 401
        assert login(world, old["identifier"], new).json()["status"] == "first_connection_required"
    assert world.store.get_account("lpetit").status == "ACTIVE"


def test_letters_for_chosen_accounts_or_a_role(world):
    created(world, [row("Dupont", "Jeanne"), row("Dupont", "Paul", role="parent"), row("Martin", "Adam")])
    by_id = world.call("POST", "/api/admin/letters", {"uai": UAI, "identifiers": ["AMartin", "personne"]})
    assert by_id.header("X-Letters-Count") == "1"
    parents = world.call("POST", "/api/admin/letters", {"uai": UAI, "role": "parent"})
    (page,) = pypdf.PdfReader(io.BytesIO(letters_pdf(parents))).pages
    assert "pdupont" in page.extract_text() and "Votre mot de passe provisoire" in page.extract_text()


def test_letters_need_a_selection_that_exists_and_is_not_too_large(world, monkeypatch):
    created(world, [row("Dupont", "Jeanne", school_class="4e B"), row("Martin", "Adam", school_class="4e B")])
    answer = world.call("POST", "/api/admin/letters", {"uai": UAI, "class": "6e A"})
    assert answer.status == 404 and "première connexion" in answer.json()["message"]
    monkeypatch.setattr(school_flows, "MAX_LETTERS", 1)
    answer = world.call("POST", "/api/admin/letters", {"uai": UAI, "class": "4e B"})
    assert answer.status == 400 and "au plus 1 lettres" in answer.json()["message"]


def test_letters_are_never_reissued_for_a_whole_school_by_accident(world):
    account = create_one(world)
    answer = world.call("POST", "/api/admin/letters", {"uai": UAI})
    assert answer.status == 400 and "une classe, un profil ou des identifiants" in answer.json()["message"]
    assert login(world, "jdupont", account["provisional_password"]).json()["status"] == "first_connection_required"


def test_a_validated_account_reset_by_the_school_is_never_pending_again(world):
    """Issue 12, item 5: reset, then a first connection with the same address made the account pending with a new
    deadline, and the sweep deleted it three months later."""
    account = create_one(world, birth_date=BIRTH_DATE)
    first_connection_done(world, account, email="jeanne@laposte.net")
    new = reset(world, "jdupont").json()["provisional_password"]
    before = len(world.mails())
    first_connection(world, "jdupont", new, email="Jeanne@LaPoste.net")
    stored = world.store.get_account("jdupont")
    assert stored.status == "ACTIVE" and stored.email_verified and stored.validation_deadline is None
    assert len(world.mails()) == before  # nothing to confirm: the address is the validated one
    world.clock.advance(days=200)
    assert world.functions.invoke("ExpireAccountsFunction", scheduled_event())["deleted"] == 0
    assert login(world, "jdupont", NEW_PASSWORD).status == 200


def test_a_new_address_after_a_school_reset_is_an_address_change(world):
    account = create_one(world, birth_date=BIRTH_DATE)
    first_connection_done(world, account, email="jeanne@laposte.net")
    new = reset(world, "jdupont").json()["provisional_password"]
    first_connection(world, "jdupont", new, email="nouvelle@laposte.net")
    stored = world.store.get_account("jdupont")
    assert stored.status == "ACTIVE" and stored.validation_deadline is None
    assert stored.email == "jeanne@laposte.net" and stored.pending_email == "nouvelle@laposte.net"
    notice = [m for m in world.mails() if m.to == ["jeanne@laposte.net"]][-1]
    assert "Changement d'adresse" in notice.subject  # the validated address hears of it
    assert world.call("POST", "/api/validate-email", {"code": last_code(world, "nouvelle@laposte.net")}).status == 200
    assert world.store.get_account("jdupont").email == "nouvelle@laposte.net"
    world.clock.advance(days=200)
    assert world.functions.invoke("ExpireAccountsFunction", scheduled_event())["deleted"] == 0
