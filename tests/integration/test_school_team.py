"""A school's staff page, /etablissement/<uai>/equipe: its administrator invites (the invitation mailed, accepted
by the invitee) and disables; the other roles get a 403 and another school's administrator a 404, nothing done."""

from __future__ import annotations

import html
import re

import pytest

from ent_accounts.staff.members import Role, StaffStatus
from tests.support.browser import Browser
from tests.support.links import code_in
from tests.support.staff import enrol, field_error, invite, sign_in

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


def said(page) -> str:
    """The page's HTML with its entities read (an apostrophe is &#39; in it)."""
    return html.unescape(page.text)


def member_id_of(world, email):
    return world.store.staff_member_by_email(email).member_id


def test_an_administrator_invites_and_the_invitee_accepts(world):
    browser = staff(world)
    dashboard = browser.get(f"/etablissement/{UAI}")
    assert f'href="/etablissement/{UAI}/equipe"' in dashboard.text and "Équipe" in dashboard.text
    page = browser.get(f"/etablissement/{UAI}/equipe")
    assert page.status == 200 and "Claire Martin" in page.text and ADMIN in page.text
    assert "Retirer de l'équipe" not in said(page)  # oneself: no button
    done = browser.post(f"/etablissement/{UAI}/equipe", invitation())
    assert done.status == 200 and f"Invitation envoyée à {NEWCOMER}" in done.text
    assert "Paul Roux" in done.text and "Gestionnaire" in done.text
    assert re.search(
        r"Paul Roux</th>\s*<td>[^<]+</td>\s*<td>Gestionnaire</td>\s*<td>Invitation envoyée, lien valable", done.text
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
        forged = browser.post(f"/etablissement/{UAI}/equipe/retirer", {"membre": member_id_of(world, NEWCOMER)})
        assert forged.status == 403
        asked = browser.get(f"/etablissement/{UAI}/equipe/retirer?membre={member_id_of(world, NEWCOMER)}")
        assert asked.status == 403
    assert world.store.staff_member_by_email("zoe@ac-montpellier.fr") is None
    assert world.store.staff_member_by_email(NEWCOMER).roles == {UAI: Role.LECTEUR}


def test_another_schools_administrator_can_neither_invite_nor_remove_there(world):
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
    for path in (f"/etablissement/{OTHER}/equipe/retirer", f"/etablissement/{UAI}/equipe/retirer"):
        browser.get(f"/etablissement/{UAI}/equipe")
        assert browser.post(path, {"membre": bob}).status == 404, path
        assert browser.get(f"{path}?membre={bob}").status == 404, path
    assert world.store.get_staff_member(bob).roles == {OTHER: Role.LECTEUR}


def test_removing_a_member_ends_their_access_here_only_and_never_oneself(world):
    bob = staff_elsewhere(world)
    browser = staff(world)
    browser.get(f"/etablissement/{UAI}/equipe")
    browser.post(f"/etablissement/{UAI}/equipe", invitation(role="lecteur"))
    reader, _, _ = enrol(world, email=NEWCOMER)
    invite(world, email=BOB, uai=UAI, role="gestionnaire")  # ops gave Bob a role here too
    assert reader.get(f"/etablissement/{UAI}/comptes").status == 200
    page = browser.get(f"/etablissement/{UAI}/equipe")
    assert said(page).count("Retirer de l'équipe") == 2  # the reader's and Bob's, not one's own
    asked = browser.get(f"/etablissement/{UAI}/equipe/retirer?membre={member_id_of(world, NEWCOMER)}")
    assert asked.status == 200 and "Retirer Paul Roux de l'équipe de l'établissement ?" in said(asked)
    assert "autres établissements" not in asked.text  # the reader has no other school
    assert reader.get(f"/etablissement/{UAI}/comptes").status == 200  # asking removes nothing
    done = browser.post(f"/etablissement/{UAI}/equipe/retirer", {"membre": member_id_of(world, NEWCOMER)})
    assert done.status == 200 and f"{NEWCOMER} ne fait plus partie de l'équipe de l'établissement" in said(done)
    assert "Paul Roux" not in done.text
    assert reader.get(f"/etablissement/{UAI}/comptes").status == 404
    assert world.store.staff_member_by_email(NEWCOMER).status is StaffStatus.ACTIVE  # not disabled
    removed = [e for e in world.store.staff_events(member_id_of(world, NEWCOMER)) if e["type"] == "staff_role_removed"]
    assert removed[-1]["by"] == f"staff:{member_id_of(world, ADMIN)}" and removed[-1]["uai"] == UAI
    # Bob keeps his other school: the page says so without naming it, and he still works there.
    asked = browser.get(f"/etablissement/{UAI}/equipe/retirer?membre={member_id_of(world, BOB)}")
    assert "Son compte reste ouvert pour ses autres établissements." in asked.text and OTHER not in asked.text
    browser.post(f"/etablissement/{UAI}/equipe/retirer", {"membre": member_id_of(world, BOB)})
    assert bob.get(f"/etablissement/{UAI}/comptes").status == 404
    assert bob.get(f"/etablissement/{OTHER}/comptes").status == 200
    mine = browser.post(f"/etablissement/{UAI}/equipe/retirer", {"membre": member_id_of(world, ADMIN)})
    assert mine.status == 400 and "vous retirer vous-même" in mine.text
    assert browser.get(f"/etablissement/{UAI}/equipe/retirer?membre={member_id_of(world, ADMIN)}").status == 400
    assert browser.get(f"/etablissement/{UAI}/comptes").status == 200
    assert browser.get(f"/etablissement/{UAI}/equipe/retirer?membre=zz").status == 404


def test_removing_a_pending_offer_voids_its_link(world):
    staff_elsewhere(world)
    browser = staff(world)
    browser.get(f"/etablissement/{UAI}/equipe")
    browser.post(f"/etablissement/{UAI}/equipe", invitation(email=BOB, first_name="Robert"))
    link = code_in(offer_mails(world)[-1].html)
    asked = browser.get(f"/etablissement/{UAI}/equipe/retirer?membre={member_id_of(world, BOB)}")
    assert "Retirer Robert Roux de l'équipe" in said(asked) and "autres établissements" not in asked.text
    done = browser.post(f"/etablissement/{UAI}/equipe/retirer", {"membre": member_id_of(world, BOB)})
    assert f"{BOB} ne fait plus partie de l'équipe" in said(done) and "Robert Roux" not in done.text
    assert Browser(world).get(f"/etablissement/role?code={link}").status == 410


def test_the_team_forms_refuse_a_post_without_the_token(world):
    browser = staff(world)
    browser.get(f"/etablissement/{UAI}/equipe")
    answer = browser.post(f"/etablissement/{UAI}/equipe", invitation(), csrf=False)
    assert answer.status == 403 and "La page a expiré" in answer.text
    assert world.store.staff_member_by_email(NEWCOMER) is None


# --- an existing account invited from the team page: a role offer, never a role attached silently --------------

BOB = "bob@ac-paris.fr"


def staff_elsewhere(world, email=BOB):
    """An active member of OTHER only (invited by ops, enrolled): their browser, signed in."""
    invite(world, email=email, uai=OTHER, role="lecteur")
    browser, _, _ = enrol(world, email=email)
    return browser


def offer_mails(world, email=BOB):
    return [mail for mail in world.mails() if email in mail.to and "Nouveau rôle proposé" in mail.subject]


def row(page, name, role, status):
    """The team table's row of `name`, whose status cell begins with `status`."""
    return re.search(rf"{name}</th>\s*<td>[^<]+</td>\s*<td>{role}</td>\s*<td>{status}[^<]*</td>", said(page))


def test_inviting_staff_of_another_school_offers_the_role_which_they_accept(world):
    bob = staff_elsewhere(world)
    browser = staff(world)
    browser.get(f"/etablissement/{UAI}/equipe")
    done = browser.post(f"/etablissement/{UAI}/equipe", invitation(email=BOB, role="lecteur", first_name="Robert"))
    assert done.status == 200 and f"Invitation envoyée à {BOB}." in done.text
    assert row(done, "Robert Roux", "Lecteur", "Invitation envoyée")  # the names as typed, like a new invitee
    # Not a role yet: the member sees nothing of the school until they accept.
    assert UAI not in world.store.staff_member_by_email(BOB).roles
    assert bob.get(f"/etablissement/{UAI}/comptes").status == 404
    assert UAI not in bob.get("/etablissement").text
    (mail,) = offer_mails(world)
    assert UAI in mail.html and "lecteur" in mail.html and "ignorez-le" in mail.html
    link = code_in(mail.html)
    page = Browser(world).get(f"/etablissement/role?code={link}")
    assert page.status == 200 and "Accepter ce rôle" in page.text and UAI in page.text and BOB in page.text
    accepting = Browser(world)
    accepting.get(f"/etablissement/role?code={link}")
    answer = accepting.post("/etablissement/role", {"code": link}, csrf=False)
    assert answer.status == 403 and UAI not in world.store.staff_member_by_email(BOB).roles
    accepted = accepting.post("/etablissement/role", {"code": link})
    assert accepted.status == 200 and f"Vous avez désormais le rôle lecteur dans l'établissement {UAI}" in accepted.text
    assert bob.get(f"/etablissement/{UAI}/comptes").status == 200
    assert row(browser.get(f"/etablissement/{UAI}/equipe"), "Claire Martin", "Lecteur", "Actif")  # bob's own names
    granted = [e for e in world.store.staff_events(member_id_of(world, BOB)) if e["type"] == "staff_role_granted"]
    assert granted[-1]["by"] == f"staff:{member_id_of(world, ADMIN)}" and granted[-1]["accepted"] == "yes"
    assert Browser(world).get(f"/etablissement/role?code={link}").status == 410  # the link works once
    assert accepting.post("/etablissement/role", {"code": link}).status == 410


def test_the_team_page_says_the_same_whatever_the_address_was(world):
    staff_elsewhere(world)
    invite(world, email="invitee@ac-paris.fr", uai=OTHER, role="lecteur")  # invited elsewhere, not accepted
    invite(world, email="gone@ac-paris.fr", uai=OTHER, role="lecteur")
    gone = member_id_of(world, "gone@ac-paris.fr")
    from ent_accounts.flows import staff as flows

    flows.disable(world.services, gone, "ops", "test")
    browser = staff(world)
    mails_before = len([mail for mail in world.mails() if "gone@ac-paris.fr" in mail.to])
    for email in (NEWCOMER, BOB, "invitee@ac-paris.fr", "gone@ac-paris.fr"):
        browser.get(f"/etablissement/{UAI}/equipe")
        done = browser.post(f"/etablissement/{UAI}/equipe", invitation(email=email, last_name=email[:3].upper()))
        assert done.status == 200, email
        assert f"Invitation envoyée à {email}." in done.text and "désactivé" not in done.text, email
        assert row(done, f"Paul {email[:3].upper()}", "Gestionnaire", "Invitation envoyée"), email
    # The disabled account got no mail and no role; the others their link.
    assert len([mail for mail in world.mails() if "gone@ac-paris.fr" in mail.to]) == mails_before
    assert world.store.get_staff_member(gone).roles == {OTHER: Role.LECTEUR}
    assert offer_mails(world) and offer_mails(world, "invitee@ac-paris.fr")
    # Each, invited again, is "already in the team", as a new invitee is.
    for email in (NEWCOMER, BOB, "gone@ac-paris.fr"):
        page = browser.post(f"/etablissement/{UAI}/equipe", invitation(email=email))
        assert page.status == 400 and "déjà partie de l'équipe" in field_error(page, "email"), email


def test_an_offer_link_dies_when_replaced_expired_or_the_account_disabled(world):
    from ent_accounts.flows import staff as flows

    staff_elsewhere(world)
    admin = world.store.staff_member_by_email(staff(world) and ADMIN)
    invite(world, email=BOB, uai=UAI, role="lecteur", by_member=admin)
    first = code_in(offer_mails(world)[-1].html)
    invite(world, email=BOB, uai=UAI, role="gestionnaire", by_member=admin)  # a newer offer
    second = code_in(offer_mails(world)[-1].html)
    assert Browser(world).get(f"/etablissement/role?code={first}").status == 410
    page = Browser(world).get(f"/etablissement/role?code={second}")
    assert page.status == 200 and "gestionnaire" in page.text
    world.clock.advance(hours=72, seconds=1)
    assert Browser(world).get(f"/etablissement/role?code={second}").status == 410
    invite(world, email=BOB, uai=UAI, role="lecteur", by_member=admin)
    third = code_in(offer_mails(world)[-1].html)
    accepting = Browser(world)
    assert accepting.get(f"/etablissement/role?code={third}").status == 200
    flows.disable(world.services, member_id_of(world, BOB), "ops", "test")
    refused = accepting.post("/etablissement/role", {"code": third})
    assert refused.status == 410 and "remplacé par une proposition plus récente" in refused.text
    assert UAI not in world.store.staff_member_by_email(BOB).roles


def test_ops_still_give_an_existing_member_the_role_at_once(world):
    staff_elsewhere(world)
    invited = invite(world, email=BOB, uai=UAI, role="lecteur")  # the IAM route's and the CLI's flow
    assert invited.expires_at is None and not invited.offered
    assert world.store.staff_member_by_email(BOB).roles == {OTHER: Role.LECTEUR, UAI: Role.LECTEUR}
    assert not offer_mails(world)
    gone = member_id_of(world, BOB)
    from ent_accounts.errors import InvalidRequest
    from ent_accounts.flows import staff as flows

    flows.disable(world.services, gone, "ops", "test")
    with pytest.raises(InvalidRequest):  # ops are told (the team page never is)
        invite(world, email=BOB, uai="0599999X", role="lecteur")


def test_the_team_page_says_until_when_an_invitation_works_and_when_it_ended(world):
    """A new address's invitation and an offer to staff elsewhere, in the same words: valid until (Paris time),
    then expired with the way to send it again; sent again, valid anew."""
    from datetime import UTC, datetime

    world.clock.set(datetime(2026, 12, 4, 9, 30, tzinfo=UTC))  # 10 h 30 in Paris
    staff_elsewhere(world)
    invite(world, email=ADMIN, uai=UAI, role="administrateur")
    browser, secret, _ = enrol(world, email=ADMIN)
    browser.get(f"/etablissement/{UAI}/equipe")
    browser.post(f"/etablissement/{UAI}/equipe", invitation())
    page = browser.post(f"/etablissement/{UAI}/equipe", invitation(email=BOB, role="lecteur", first_name="Robert"))
    until = "Invitation envoyée, lien valable jusqu'au 7 décembre 2026 à 10 h 30"
    assert row(page, "Paul Roux", "Gestionnaire", until) and row(page, "Robert Roux", "Lecteur", until)

    world.clock.advance(hours=72, seconds=1)
    browser = Browser(world)
    sign_in(world, ADMIN, secret, browser=browser)  # three days later: a new staff session
    page = browser.get(f"/etablissement/{UAI}/equipe")
    ended = "Invitation expirée le 7 décembre 2026 à 10 h 30 : à renvoyer avec le formulaire d'invitation"
    assert row(page, "Paul Roux", "Gestionnaire", ended) and row(page, "Robert Roux", "Lecteur", ended)

    page = browser.post(f"/etablissement/{UAI}/equipe", invitation())  # sent again: a new link, valid 72 h
    assert row(page, "Paul Roux", "Gestionnaire", "Invitation envoyée, lien valable jusqu'au 10 décembre 2026")
    assert row(page, "Robert Roux", "Lecteur", "Invitation expirée")
