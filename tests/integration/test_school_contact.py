"""The school as the contact on every signed-in page (issue 18): its administrators write its name and contact in
the console (/etablissement/<uai>/coordonnees), and the pages of its students and parents name it, with its number,
address and hours, in their register; the other roles read it, another school gets a 404, two saves at once keep
one and tell the other."""

from __future__ import annotations

import html
import re

from ent_accounts.accounts import Role
from tests.integration.helpers import NEW_PASSWORD
from tests.support.browser import Browser
from tests.support.staff import enrol, field_error, invite

UAI = "0341234A"
OTHER = "0751234B"
ADMIN = "claire.martin@ac-montpellier.fr"
CONTACT = {
    "name": "Collège Jean Moulin",
    "phone": "0467123456",
    "email": "ce.0341234a@ac-montpellier.fr",
    "web_page": "https://college-jean-moulin.example.fr",
    "hours": "Secrétariat, bâtiment A, du lundi au vendredi de 8 h à 17 h",
}


def said(page) -> str:
    return html.unescape(page.text)


def footer(page) -> str:
    return said(page).split('<footer class="fr-footer"', 1)[1]


def staff(world, role="administrateur", uai=UAI, email=ADMIN):
    invite(world, email=email, uai=uai, role=role)
    browser, _, _ = enrol(world, email=email)
    return browser


def save(browser, fields=CONTACT, uai=UAI):
    page = browser.get(f"/etablissement/{uai}/coordonnees")
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    return browser.post(f"/etablissement/{uai}/coordonnees", {**fields, "version": version})


def signed_in(world, identifier, role):
    world.provision(identifier, role=role, first_name="Léa")
    world.activate(identifier, None, password=NEW_PASSWORD)
    browser = Browser(world)
    browser.get("/connexion")
    assert "<h1>Bureau</h1>" in browser.post("/connexion", {"identifier": identifier, "password": NEW_PASSWORD}).text
    return browser


def test_the_contact_an_administrator_saves_is_on_every_page_of_its_students_and_parents(world):
    admin = staff(world)
    done = save(admin)
    assert done.status == 200 and "Les coordonnées sont enregistrées" in said(done)
    assert 'value="04 67 12 34 56"' in done.text  # tidied as dialled
    assert "Collège Jean Moulin – établissement" in said(admin.get(f"/etablissement/{UAI}"))  # the console's kicker

    student = signed_in(world, "ldupont", Role.STUDENT)
    parent = signed_in(world, "pdupont", Role.PARENT)
    for browser, register in ((student, "ton établissement"), (parent, "votre établissement")):
        for path in ("/bureau", "/mon-compte"):
            text = footer(browser.get(path))
            assert f"En cas de difficulté, {register}, <strong>Collège Jean Moulin</strong>" in text, path
            assert "(Secrétariat, bâtiment A, du lundi au vendredi de 8 h à 17 h)" in text
            assert '<a class="fr-footer__content-link" href="tel:0467123456">Téléphone : 04 67 12 34 56</a>' in text
            assert 'href="mailto:ce.0341234a@ac-montpellier.fr"' in text
            assert 'href="https://college-jean-moulin.example.fr">Site de l\'établissement</a>' in text
    # Before any login nobody is known: the footer names no school.
    assert "Collège Jean Moulin" not in said(Browser(world).get("/connexion"))


def test_the_first_connection_and_pending_pages_name_the_school_too(world):
    save(staff(world), {**CONTACT, "phone": "", "email": "", "web_page": ""})
    world.provision("ldupont", role=Role.STUDENT, first_name="Léa")
    browser = Browser(world)
    browser.get("/connexion")
    page = browser.post("/connexion", {"identifier": "ldupont", "password": world.provisional_of["ldupont"]})
    assert "Première connexion" in said(page) or "première fois" in said(page)
    text = footer(page)
    assert "ton établissement, <strong>Collège Jean Moulin</strong>" in text
    assert "fr-footer__content-list" not in text  # no number, address or site: no empty list
    page = browser.post(
        "/premiere-connexion",
        {
            "new_password": NEW_PASSWORD,
            "new_password_confirmation": NEW_PASSWORD,
            "birth_date": "14/05/2011",
            "email": "lea.dupont@laposte.net",
        },
    )
    assert "en attente de validation" in said(page) and "Collège Jean Moulin" in footer(page)


def test_a_school_without_contact_keeps_the_general_words(world):
    student = signed_in(world, "ldupont", Role.STUDENT)
    text = footer(student.get("/bureau"))
    assert "l'établissement scolaire (secrétariat ou vie scolaire) aide" in text
    # Another school's contact is not this student's.
    save(staff(world, uai=OTHER, email="admin.b@ac-paris.fr"), uai=OTHER)
    assert "Collège Jean Moulin" not in footer(student.get("/mon-compte"))


def test_refused_fields_are_said_next_to_each_field_and_nothing_is_saved(world):
    admin = staff(world)
    bad = {"name": "", "phone": "12 34", "email": "secretariat@", "web_page": "http://college.fr", "hours": ""}
    page = save(admin, bad)
    assert page.status == 400 and "4 erreurs sont à corriger" in said(page)
    assert field_error(page, "name") == "Le nom de l'établissement est obligatoire."
    assert field_error(page, "phone").startswith("Le numéro de téléphone doit comporter 10 chiffres")
    assert field_error(page, "email").startswith("Cette adresse mail n'est pas valide")
    assert field_error(page, "web_page").startswith("L'adresse du site doit commencer par https://")
    assert 'value="12 34"' in page.text  # what was typed is kept
    page = save(admin, {**CONTACT, "hours": "x" * 201})
    assert page.status == 400 and "au plus 200 caractères" in field_error(page, "hours")
    assert world.store.school_contact(UAI, consistent=True) is None
    for forged in ("pas-un-nombre", "-1", "9" * 39, "١٢"):  # 39 digits: more than DynamoDB's numbers hold
        admin.get(f"/etablissement/{UAI}/coordonnees")
        page = admin.post(f"/etablissement/{UAI}/coordonnees", {**CONTACT, "version": forged})
        assert page.status == 400 and "rechargez-la" in said(page), forged
    assert world.store.school_contact(UAI, consistent=True) is None


def test_other_roles_read_it_and_cannot_change_it_and_another_school_gets_404(world):
    save(staff(world))
    for role, email in (("gestionnaire", "gestion@ac-montpellier.fr"), ("lecteur", "lecture@ac-montpellier.fr")):
        browser = staff(world, role=role, email=email)
        page = browser.get(f"/etablissement/{UAI}/coordonnees")
        assert page.status == 200 and "04 67 12 34 56" in page.text
        assert f'action="/etablissement/{UAI}/coordonnees"' not in page.text  # no form
        assert "Seul un administrateur" in said(page)
        forged = browser.post(f"/etablissement/{UAI}/coordonnees", {**CONTACT, "name": "Autre", "version": "1"})
        assert forged.status == 403
    outsider = staff(world, uai=OTHER, email="admin.b@ac-paris.fr")
    assert outsider.get(f"/etablissement/{UAI}/coordonnees").status == 404
    outsider.get(f"/etablissement/{OTHER}/coordonnees")
    forged = outsider.post(f"/etablissement/{UAI}/coordonnees", {**CONTACT, "name": "Autre", "version": "1"})
    assert forged.status == 404
    assert world.store.school_contact(UAI, consistent=True).name == "Collège Jean Moulin"


def test_two_saves_from_the_same_version_keep_the_first_and_tell_the_second(world):
    first, second = staff(world), Browser(world)
    second.cookies = dict(first.cookies)  # two tabs of one administrator
    first.get(f"/etablissement/{UAI}/coordonnees")
    second.get(f"/etablissement/{UAI}/coordonnees")
    assert first.post(f"/etablissement/{UAI}/coordonnees", {**CONTACT, "version": "0"}).status == 200
    late = second.post(f"/etablissement/{UAI}/coordonnees", {**CONTACT, "name": "Collège Moulin", "version": "0"})
    assert late.status == 409 and "modifiées pendant que vous les modifiiez" in said(late)
    assert 'value="Collège Jean Moulin"' in said(late)  # the page shows what is stored now
    stored = world.store.school_contact(UAI, consistent=True)
    assert stored.name == "Collège Jean Moulin" and stored.version == 1
    events = world.items()
    assert [one["type"]["S"] for one in events if one["pk"]["S"] == f"SCHOOL#{UAI}" and "type" in one] == [
        "school_contact_updated"
    ]


def test_a_change_reaches_pages_served_by_another_container_within_five_minutes(world):
    """The pages' copy of the contact lives five minutes in a container (flows/school_contact.py)."""
    from ent_accounts.flows import school_contact

    admin = staff(world)
    student = signed_in(world, "ldupont", Role.STUDENT)
    save(admin)
    assert "Collège Jean Moulin" in footer(student.get("/bureau"))
    # Another container changed it: this one's copy is kept until it is five minutes old.
    stored = world.store.school_contact(UAI, consistent=True)
    school_contact.update_contact(
        world.services, UAI, {**CONTACT, "name": "Collège Lucie Aubrac"}, stored.version, "ops", "req"
    )
    school_contact._copies[world.services.store][UAI] = (world.clock.now(), stored)  # as another container's copy
    assert "Collège Jean Moulin" in footer(student.get("/bureau"))
    world.clock.advance(minutes=5)
    assert "Collège Lucie Aubrac" in footer(student.get("/bureau"))


def test_eight_saves_at_once_in_eight_containers_keep_one(real_engine, containers):
    """Eight tabs of one administrator sending the form read at version 0, each served by its own warm container
    (process) on one DynamoDB Local: the conditional write keeps exactly one, the others answer 409 and wrote
    nothing (one audit event)."""
    from urllib.parse import urlencode

    from tests.support.containers import SIZE, Request

    world = real_engine
    admin = staff(world)
    page = admin.get(f"/etablissement/{UAI}/coordonnees")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{name}={value}" for name, value in admin.cookies.items()),
    }
    names = [f"Collège numéro {n}" for n in range(SIZE)]
    requests = [
        Request("POST", f"/etablissement/{UAI}/coordonnees", urlencode({**CONTACT, "name": name, "version": "0",
                                                                        "csrf_token": token}), headers)
        for name in names
    ]  # fmt: skip
    outcomes = containers.at_once(world, requests)
    assert sorted(outcome.status for outcome in outcomes) == [200] + [409] * (SIZE - 1)
    (winner,) = [name for name, outcome in zip(names, outcomes, strict=True) if outcome.status == 200]
    stored = world.store.school_contact(UAI, consistent=True)
    assert stored.name == winner and stored.version == 1
    events = [one for one in world.items() if one["pk"]["S"] == f"SCHOOL#{UAI}" and "type" in one]
    assert [one["type"]["S"] for one in events] == ["school_contact_updated"]
