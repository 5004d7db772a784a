"""What the school console's views read from the store, on moto and DynamoDB Local: an account's audit trail
(newest first, past its retention left out), its family, the parents a deletion takes with it, and another school's
account answered as absent."""

import pytest

from ent_accounts.accounts import Role
from ent_accounts.console.account_page import account_page_for, delete_confirmation_for
from ent_accounts.console.chase import chase_list_for, reminder_letters_for
from ent_accounts.console.dashboard import dashboard_for
from ent_accounts.console.listing import account_list_for
from ent_accounts.console.paths import SchoolPaths
from ent_accounts.errors import NotFound
from ent_accounts.flows.school import reset_by_school

UAI = "0341234A"
SCHOOL = SchoolPaths(UAI)


def test_the_trail_is_read_newest_first_and_in_french(world):
    world.provision("jdupont12")
    world.store.record_event("jdupont12", "login_failed", "r1", failures="1")
    world.clock.advance(minutes=5)
    reset_by_school(world.services, UAI, "jdupont12", "r2", "secretariat@0341234A")
    events = world.store.account_events("jdupont12")
    assert [e.type for e in events] == ["password_reset_by_school", "login_failed"]
    assert events[0].details == {"by": "secretariat@0341234A"} and events[1].details == {"failures": "1"}
    page = account_page_for(world.services, UAI, "jdupont12", SCHOOL, {"view"})
    assert [entry.label for entry in page.trail] == [
        "Mot de passe réinitialisé par l'établissement",
        "Échec de connexion (mot de passe erroné)",
    ]
    assert world.store.account_events("jdupont12", limit=1)[0].type == "password_reset_by_school"


def test_events_past_their_retention_are_not_shown(world):
    world.provision("jdupont12")
    world.store.record_event("jdupont12", "login_failed", "r1", failures="1")
    world.clock.advance(days=world.store.audit_retention_days + 1)
    assert world.store.account_events("jdupont12") == []


def test_another_school_s_account_is_not_found(world):
    world.provision("jdupont12", uai="0759999Z")
    with pytest.raises(NotFound):
        account_page_for(world.services, UAI, "jdupont12", SCHOOL, {"view"})
    with pytest.raises(NotFound):
        delete_confirmation_for(world.services, UAI, "jdupont12", SCHOOL)


def test_the_confirmation_names_the_parents_left_without_a_child(world):
    world.provision("jdupont12")
    world.provision("adupont12", first_name="Anna")
    world.provision("mdupont", role=Role.PARENT, first_name="Marie", birth_date=None)
    world.provision("pdupont", role=Role.PARENT, first_name="Pierre", birth_date=None)
    world.store.transaction().link("mdupont", "jdupont12", UAI).commit()  # Jeanne's only
    world.store.transaction().link("pdupont", "jdupont12", UAI).link("pdupont", "adupont12", UAI).commit()
    confirm = delete_confirmation_for(world.services, UAI, "jdupont12", SCHOOL)
    assert confirm.question == "Supprimer le compte de Jeanne Dupont ?"
    assert confirm.deleted_with == ["Marie Dupont"]
    page = account_page_for(world.services, UAI, "jdupont12", SCHOOL, {"view"})
    assert [member.name for member in page.family] == ["Marie Dupont", "Pierre Dupont"]


def first_connection_with_email(world, identifier: str, email: str) -> None:
    """The first connection done with an address, its link not used: the account waits for validation."""
    from local.harness import BIRTH_DATE, NEW_PASSWORD

    login = {"identifier": identifier, "password": world.provisional_of[identifier]}
    token = world.expect("POST", "/api/login", login)["challenge_token"]
    body = {"challenge_token": token, "new_password": NEW_PASSWORD, "birth_date": BIRTH_DATE, "email": email}
    world.expect("POST", "/api/first-connection", body)


def test_the_dashboard_list_and_chase_read_the_school_index(world):
    world.provision("jdupont12")
    world.provision("zlebihan", first_name="Zoé", last_name="Le Bihan", school_class="4e B")
    world.provision("amartin", first_name="Arthur", last_name="Martin", school_class="4e B")
    world.provision("other", uai="0759999Z")
    world.activate("zlebihan", email="zoe@example.com")
    first_connection_with_email(world, "amartin", "arthur@example.com")
    view = dashboard_for(world.services, UAI, SCHOOL)
    assert view.students.counts == (1, 1, 1)  # the other school's account is not counted
    assert [row.identifier for row in account_list_for(world.services, UAI, SCHOOL, {"q": "zoe"}).rows] == ["zlebihan"]
    chase = chase_list_for(world.services, UAI, SCHOOL, {"semaines": "13"}, {"letters"})
    assert [row.identifier for row in chase.pending] == ["amartin"] and chase.provisional_count == 1
    (reminder,) = reminder_letters_for(world.services, UAI, "https://x.example/connexion", {"semaines": "13"})
    assert (reminder.identifier, reminder.deadline) == (
        "amartin",
        world.store.get_account("amartin").validation_deadline,
    )
