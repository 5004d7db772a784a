"""A school's staff page, /etablissement/<uai>/equipe: its administrator invites (the invitation mailed, accepted
by the invitee) and disables; the other roles get a 403 and another school's administrator a 404, nothing done."""

from __future__ import annotations

import re

from ent_accounts.staff.members import StaffStatus
from tests.support.staff import enrol, field_error, invite

UAI = "0341234A"
OTHER = "0751234B"
ADMIN = "claire.martin@ac-montpellier.fr"
NEWCOMER = "paul.roux@ac-montpellier.fr"


def staff(world, role="administrateur", uai=UAI, email=ADMIN):
    invite(world, email=email, uai=uai, role=role)
    browser, _, _ = enrol(world, email=email)
    return browser


def invitation(email=NEWCOMER, role="gestionnaire", first_name="Paul", last_name="Roux"):
    return {"email": email, "first_name": first_name, "last_name": last_name, "role": role}


def member_id_of(world, email):
    return world.store.staff_member_by_email(email).member_id


def test_an_administrator_invites_and_the_invitee_accepts(world):
    browser = staff(world)
    dashboard = browser.get(f"/etablissement/{UAI}")
    assert f'href="/etablissement/{UAI}/equipe"' in dashboard.text and "Équipe" in dashboard.text
    page = browser.get(f"/etablissement/{UAI}/equipe")
    assert page.status == 200 and "Claire Martin" in page.text and ADMIN in page.text
    assert page.text.count('name="membre"') == 0  # oneself: no button
    done = browser.post(f"/etablissement/{UAI}/equipe", invitation())
    assert done.status == 200 and f"Invitation envoyée à {NEWCOMER}" in done.text
    assert "Paul Roux" in done.text and "Gestionnaire" in done.text
    assert re.search(
        r"Paul Roux</th>\s*<td>[^<]+</td>\s*<td>Gestionnaire</td>\s*<td>Invitation envoyée</td>", done.text
    )
    assert [mail for mail in world.mails() if NEWCOMER in mail.to]
    newcomer, _, _ = enrol(world, email=NEWCOMER)
    assert newcomer.get(f"/etablissement/{UAI}/comptes").status == 200
    assert newcomer.get(f"/etablissement/{UAI}/equipe").status == 403  # a manager does not manage the staff
    invited = next(
        one for one in world.store.staff_events(member_id_of(world, NEWCOMER)) if one["type"] == "staff_invited"
    )
    assert invited["by"] == f"staff:{member_id_of(world, ADMIN)}"
    again = browser.get(f"/etablissement/{UAI}/equipe")
    assert re.search(r"Paul Roux</th>\s*<td>[^<]+</td>\s*<td>Gestionnaire</td>\s*<td>Actif</td>", again.text)


def test_bad_fields_and_an_existing_member_are_said_next_to_their_field(world):
    browser = staff(world)
    browser.get(f"/etablissement/{UAI}/equipe")
    page = browser.post(f"/etablissement/{UAI}/equipe", invitation(email="pas-une-adresse"))
    assert page.status == 400 and field_error(page, "email") == "Cette adresse mail n'est pas valide."
    assert 'value="Paul"' in page.text  # the form keeps what was typed
    page = browser.post(f"/etablissement/{UAI}/equipe", invitation(email="p" * 250 + "@ac-montpellier.fr"))
    assert page.status == 400 and field_error(page, "email") == "Cette adresse mail n'est pas valide."
    page = browser.post(f"/etablissement/{UAI}/equipe", invitation(email=ADMIN.upper()))
    assert page.status == 400 and "déjà partie de l'équipe" in field_error(page, "email")
    page = browser.post(f"/etablissement/{UAI}/equipe", invitation(role="directeur"))
    assert page.status == 400 and "administrateur, gestionnaire ou lecteur" in page.text
    page = browser.post(f"/etablissement/{UAI}/equipe", invitation(first_name=""))
    assert page.status == 400 and field_error(page, "first_name")
    assert world.store.staff_member_by_email(NEWCOMER) is None
    assert not [mail for mail in world.mails() if NEWCOMER in mail.to]


def test_a_manager_and_a_reader_get_403_and_nothing_is_created(world):
    invite(world, email=NEWCOMER, role="lecteur")
    for role, email in (("gestionnaire", "gestion@ac-montpellier.fr"), ("lecteur", "lecture@ac-montpellier.fr")):
        browser = staff(world, role=role, email=email)
        dashboard = browser.get(f"/etablissement/{UAI}")
        assert "/equipe" not in dashboard.text  # no link to the page
        page = browser.get(f"/etablissement/{UAI}/equipe")
        assert page.status == 403 and "rôle" in page.text
        browser.get(f"/etablissement/{UAI}")
        forged = browser.post(f"/etablissement/{UAI}/equipe", invitation(email="zoe@ac-montpellier.fr"))
        assert forged.status == 403
        forged = browser.post(f"/etablissement/{UAI}/equipe/desactiver", {"membre": member_id_of(world, NEWCOMER)})
        assert forged.status == 403
    assert world.store.staff_member_by_email("zoe@ac-montpellier.fr") is None
    assert world.store.staff_member_by_email(NEWCOMER).status is StaffStatus.INVITED


def test_another_schools_administrator_can_neither_invite_nor_disable_there(world):
    other_admin = staff(world, uai=OTHER, email="admin.b@ac-paris.fr")
    other_admin.get(f"/etablissement/{OTHER}/equipe")
    other_admin.post(f"/etablissement/{OTHER}/equipe", invitation(email="bob@ac-paris.fr", role="lecteur"))
    enrol(world, email="bob@ac-paris.fr")
    browser = staff(world)  # administrator of UAI only
    assert browser.get(f"/etablissement/{OTHER}/equipe").status == 404
    browser.get(f"/etablissement/{UAI}/equipe")
    answer = browser.post(f"/etablissement/{OTHER}/equipe", invitation(email="zoe@ac-montpellier.fr"))
    assert answer.status == 404 and "Paul" not in answer.text
    assert world.store.staff_member_by_email("zoe@ac-montpellier.fr") is None
    bob = member_id_of(world, "bob@ac-paris.fr")
    for path in (f"/etablissement/{OTHER}/equipe/desactiver", f"/etablissement/{UAI}/equipe/desactiver"):
        browser.get(f"/etablissement/{UAI}/equipe")
        assert browser.post(path, {"membre": bob}).status == 404, path
    assert world.store.get_staff_member(bob).status is StaffStatus.ACTIVE


def test_disabling_a_member_ends_their_access_but_not_oneself(world):
    browser = staff(world)
    browser.get(f"/etablissement/{UAI}/equipe")
    browser.post(f"/etablissement/{UAI}/equipe", invitation(role="lecteur"))
    reader, _, _ = enrol(world, email=NEWCOMER)
    assert reader.get(f"/etablissement/{UAI}/comptes").status == 200
    page = browser.get(f"/etablissement/{UAI}/equipe")
    assert page.text.count('name="membre"') == 1  # the reader's button, not one's own
    done = browser.post(f"/etablissement/{UAI}/equipe/desactiver", {"membre": member_id_of(world, NEWCOMER)})
    assert done.status == 200 and f"Le compte de {NEWCOMER} est désactivé" in done.text
    assert re.search(r"Paul Roux</th>\s*<td>[^<]+</td>\s*<td>Lecteur</td>\s*<td>Désactivé</td>", done.text)
    assert "Connexion du personnel" in reader.get(f"/etablissement/{UAI}/comptes").text
    mine = browser.post(f"/etablissement/{UAI}/equipe/desactiver", {"membre": member_id_of(world, ADMIN)})
    assert mine.status == 400 and "votre propre compte" in mine.text
    assert world.store.staff_member_by_email(ADMIN).status is StaffStatus.ACTIVE


def test_the_team_forms_refuse_a_post_without_the_token(world):
    browser = staff(world)
    browser.get(f"/etablissement/{UAI}/equipe")
    answer = browser.post(f"/etablissement/{UAI}/equipe", invitation(), csrf=False)
    assert answer.status == 403 and "La page a expiré" in answer.text
    assert world.store.staff_member_by_email(NEWCOMER) is None
