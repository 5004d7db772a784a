"""The school staff's pages (/etablissement/<uai>/…) through the console's function, on moto and DynamoDB Local:
each role's limits, a school's pages closed to another school's staff (404, nothing changed), CSRF refused."""

from __future__ import annotations

import io

import pypdf

from tests.integration.school import letters_pdf
from tests.support.staff import enrol, invite

UAI = "0341234A"
OTHER = "0751234B"


def staff(world, role="gestionnaire", uai=UAI, email="claire.martin@ac-montpellier.fr"):
    invite(world, email=email, uai=uai, role=role)
    browser, _, _ = enrol(world, email=email)
    return browser


def school_with_students(world):
    world.provision("jdupont12", first_name="Jeanne", last_name="Dupont", school_class="4e B")
    world.provision("lmartin11", first_name="Léo", last_name="Martin", school_class="4e B")
    world.provision("pdurand10", uai=OTHER, first_name="Paul", last_name="Durand", school_class="3e A")


def test_the_home_links_each_school_to_its_dashboard(world):
    school_with_students(world)
    browser = staff(world)
    home = browser.get("/etablissement")
    assert f'href="/etablissement/{UAI}"' in home.text
    dashboard = browser.get(f"/etablissement/{UAI}")
    assert dashboard.status == 200 and "Tableau de bord" in dashboard.text
    assert "2 comptes" in dashboard.text and "Se déconnecter" in dashboard.text
    assert "Gérer son compte" not in dashboard.text  # the staff header, not the students'


def test_signed_out_the_pages_send_to_the_staff_sign_in(world):
    school_with_students(world)
    from tests.support.browser import Browser

    page = Browser(world).get(f"/etablissement/{UAI}/comptes/jdupont12")
    assert "Connexion du personnel" in page.text and "Dupont" not in page.text


def test_a_reader_sees_the_lists_but_can_neither_reset_nor_delete(world):
    school_with_students(world)
    browser = staff(world, role="lecteur")
    listing = browser.get(f"/etablissement/{UAI}/comptes?q=jeanne")
    assert listing.status == 200 and "Dupont" in listing.text and "Martin</" not in listing.text
    account = browser.get(f"/etablissement/{UAI}/comptes/jdupont12")
    assert account.status == 200 and "Jeanne" in account.text
    assert "reinitialiser" not in account.text and "supprimer" not in account.text
    before = world.store.get_account("jdupont12")
    forged = browser.post(f"/etablissement/{UAI}/comptes/jdupont12/reinitialiser", {})
    assert forged.status == 403 and "rôle" in forged.text
    assert world.store.get_account("jdupont12") == before
    assert browser.get(f"/etablissement/{UAI}/comptes/jdupont12/supprimer").status == 403
    forged = browser.post(f"/etablissement/{UAI}/comptes/jdupont12/supprimer", {"confirmation": "jdupont12"})
    assert forged.status == 403 and world.store.get_account("jdupont12") is not None


def test_a_manager_resets_with_a_new_letter_and_deletes_after_confirming(world):
    school_with_students(world)
    browser = staff(world, role="gestionnaire")
    account = browser.get(f"/etablissement/{UAI}/comptes/jdupont12")
    assert "reinitialiser" in account.text
    answer = browser.post(f"/etablissement/{UAI}/comptes/jdupont12/reinitialiser", {})
    pdf = letters_pdf(answer)
    (page,) = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert "jdupont12" in page.extract_text()
    events = [event.type for event in world.store.account_events("jdupont12")]
    assert events[0] == "password_reset_by_school"
    member = world.store.staff_member_by_email("claire.martin@ac-montpellier.fr")
    assert world.store.account_events("jdupont12")[0].details["by"] == f"staff:{member.member_id}"

    confirm = browser.get(f"/etablissement/{UAI}/comptes/jdupont12/supprimer")
    assert "Supprimer le compte de Jeanne Dupont (4e B)" in confirm.text
    wrong = browser.post(f"/etablissement/{UAI}/comptes/jdupont12/supprimer", {"confirmation": "lmartin11"})
    assert wrong.status == 400 and world.store.get_account("jdupont12") is not None
    done = browser.post(f"/etablissement/{UAI}/comptes/jdupont12/supprimer", {"confirmation": "jdupont12"})
    assert done.status == 200 and "Martin" in done.text
    assert world.store.get_account("jdupont12") is None and world.store.get_account("lmartin11") is not None


def test_an_administrator_may_reset_too(world):
    school_with_students(world)
    browser = staff(world, role="administrateur")
    browser.get(f"/etablissement/{UAI}/comptes/lmartin11")
    assert letters_pdf(browser.post(f"/etablissement/{UAI}/comptes/lmartin11/reinitialiser", {}))


def test_another_schools_pages_and_accounts_are_not_found_and_nothing_changes(world):
    school_with_students(world)
    browser = staff(world, role="administrateur")
    for path in (
        f"/etablissement/{OTHER}",
        f"/etablissement/{OTHER}/comptes",
        f"/etablissement/{OTHER}/comptes/pdurand10",
        f"/etablissement/{UAI}/comptes/pdurand10",  # the other school's student under our school's address
        f"/etablissement/{OTHER}/comptes/pdurand10/supprimer",
    ):
        page = browser.get(path)
        assert page.status == 404, path
        assert "Durand" not in page.text
    unknown = browser.get(f"/etablissement/{UAI}/comptes/nobody99")
    before = world.store.get_account("pdurand10")
    for path, fields in (
        (f"/etablissement/{OTHER}/comptes/pdurand10/reinitialiser", {}),
        (f"/etablissement/{UAI}/comptes/pdurand10/reinitialiser", {}),
        (f"/etablissement/{OTHER}/comptes/pdurand10/supprimer", {"confirmation": "pdurand10"}),
        (f"/etablissement/{UAI}/comptes/pdurand10/supprimer", {"confirmation": "pdurand10"}),
    ):
        browser.get(f"/etablissement/{UAI}")  # a page of ours with the form token
        answer = browser.post(path, fields)
        assert answer.status == 404 and answer.text == unknown.text, path  # the page of an unknown account
    assert world.store.get_account("pdurand10") == before


def test_a_post_without_the_forms_token_is_refused_and_changes_nothing(world):
    school_with_students(world)
    browser = staff(world, role="gestionnaire")
    browser.get(f"/etablissement/{UAI}/comptes/jdupont12")
    before = world.store.get_account("jdupont12")
    answer = browser.post(f"/etablissement/{UAI}/comptes/jdupont12/reinitialiser", {}, csrf=False)
    assert answer.status == 403 and "La page a expiré" in answer.text
    answer = browser.post(
        f"/etablissement/{UAI}/comptes/jdupont12/supprimer", {"confirmation": "jdupont12", "csrf_token": "0" * 64}
    )
    assert answer.status == 403
    assert world.store.get_account("jdupont12") == before
