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


SIECLE = (
    "NOM;PRENOM;DATE NAISS;DIVISION;Nom resp. 1;Prénom resp. 1;Courriel resp. 1\r\n"
    "Le Bihan-Pérez;Élodie;14/05/2011;4e B;Le Bihan;Anne;anne.lebihan@laposte.net\r\n"
    "N’Diaye;Zoé;02/03/2012;4e B;;;\r\n"
)
BAD_LINE = "Durand;;;4e B;;;\r\n"  # no first name


def upload(browser, uai, content: bytes, filename="eleves.csv", role="eleve", csrf=True):
    """The upload form posted as a browser posts it (multipart/form-data)."""
    import re

    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', browser.page.text).group(1) if csrf else ""
    boundary = "----ent-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="profil"\r\n\r\n{role}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="fichier"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    headers = browser._headers({"Content-Type": f"multipart/form-data; boundary={boundary}"})
    answer = browser.world.call("POST", f"/etablissement/{uai}/import", b"".join(parts), headers=headers)
    browser._keep_cookies(answer)
    browser.page = answer
    return answer


def hidden(page, name):
    import html as html_module
    import re

    return html_module.unescape(re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1))


def test_a_manager_imports_a_file_after_its_preview_and_downloads_the_letters(world):
    browser = staff(world, role="gestionnaire")
    assert browser.get(f"/etablissement/{UAI}/import").status == 200
    refused = upload(browser, UAI, (SIECLE + BAD_LINE).encode("cp1252", "replace"))
    assert refused.status == 400 and "Rien n'a été créé" in refused.text and "Ligne" in refused.text
    assert "Créer les comptes</button>" not in refused.text
    assert world.store.school_accounts(UAI) == []
    preview = upload(browser, UAI, SIECLE.encode("utf-8"))
    assert preview.status == 200 and "Le fichier peut être importé" in preview.text, preview.text
    assert "DATE NAISS" in preview.text and world.store.school_accounts(UAI) == []
    fields = {"lignes": hidden(preview, "lignes"), "cle": hidden(preview, "cle")}
    result = browser.post(f"/etablissement/{UAI}/import/creer", fields)
    assert result.status == 200 and "3 comptes créés" in result.text, result.text
    again = browser.post(f"/etablissement/{UAI}/import/creer", fields)  # a double click: replayed, not redone
    assert "3 comptes créés" in again.text and len(world.store.school_accounts(UAI)) == 3
    pdf = letters_pdf(browser.post(f"/etablissement/{UAI}/import/lettres", fields))
    texts = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    assert len(texts) == 3 and any("Élodie" in text for text in texts) and any("Anne" in text for text in texts)


def test_a_reader_may_not_import_and_an_upload_without_its_token_is_refused(world):
    browser = staff(world, role="lecteur")
    assert browser.get(f"/etablissement/{UAI}/import").status == 403
    browser.get(f"/etablissement/{UAI}")
    assert upload(browser, UAI, SIECLE.encode()).status == 403
    manager = staff(world, role="gestionnaire", email="paul.roux@ac-montpellier.fr")
    manager.get(f"/etablissement/{UAI}/import")
    answer = upload(manager, UAI, SIECLE.encode(), csrf=False)
    assert answer.status == 403 and "La page a expiré" in answer.text
    assert world.store.school_accounts(UAI) == []


def test_rows_that_are_not_a_previews_are_refused_in_french(world):
    browser = staff(world, role="gestionnaire")
    browser.get(f"/etablissement/{UAI}/import")
    answer = browser.post(f"/etablissement/{UAI}/import/creer", {"lignes": "[{", "cle": "a" * 32})
    assert answer.status == 400 and "aperçu" in answer.text
    browser.get(f"/etablissement/{UAI}/import")
    answer = browser.post(f"/etablissement/{UAI}/import/creer", {"lignes": "[]", "cle": "court"})
    assert answer.status == 400
    assert world.store.school_accounts(UAI) == []


def test_a_file_over_4_mb_is_refused_before_it_is_read(world):
    browser = staff(world, role="gestionnaire")
    browser.get(f"/etablissement/{UAI}/import")
    answer = upload(browser, UAI, b"Nom;Prenom\r\n" + b"x" * (4 * 1024 * 1024 + 100 * 1024))
    assert answer.status == 413 and "trop gros" in answer.text


def test_the_chase_list_its_reminders_and_a_class_letters_again(world):
    from tests.integration.helpers import first_connection

    school_with_students(world)
    first_connection(world, "jdupont12", world.provisional_of["jdupont12"], email="jeanne@laposte.net")
    reader = staff(world, role="lecteur", email="paul.roux@ac-montpellier.fr")
    chase = reader.get(f"/etablissement/{UAI}/a-relancer?semaines=13")
    assert chase.status == 200 and "Dupont" in chase.text
    reminders = reader.get(f"/etablissement/{UAI}/a-relancer/lettres.pdf?semaines=13")
    (page,) = pypdf.PdfReader(io.BytesIO(letters_pdf(reminders))).pages
    assert "Jeanne" in page.extract_text()
    nobody = reader.get(f"/etablissement/{UAI}/a-relancer/lettres.pdf?semaines=13&classe=6e%20Z")
    assert nobody.status == 404 and "Aucun compte" in nobody.text
    assert reader.get(f"/etablissement/{UAI}/lettres").status == 403
    reader.get(f"/etablissement/{UAI}")
    before = world.store.get_account("lmartin11")
    assert reader.post(f"/etablissement/{UAI}/lettres", {"classe": "4e B", "profil": "eleve"}).status == 403
    assert world.store.get_account("lmartin11") == before

    manager = staff(world, role="gestionnaire")
    page = manager.get(f"/etablissement/{UAI}/lettres")
    assert page.status == 200 and "4e B" in page.text
    pdf = letters_pdf(manager.post(f"/etablissement/{UAI}/lettres", {"classe": "4e B", "profil": "eleve"}))
    (letter,) = pypdf.PdfReader(io.BytesIO(pdf)).pages  # Léo's only: Jeanne did her first connection
    assert "lmartin11" in letter.extract_text()
    assert world.store.get_account("lmartin11").provisional_password_hash != before.provisional_password_hash


def test_a_member_of_two_schools_has_each_schools_role_in_it(world):
    school_with_students(world)
    browser = staff(world, role="gestionnaire")
    invite(world, uai=OTHER, role="lecteur")  # the same address: a role at a second school
    home = browser.get("/etablissement")
    assert f'href="/etablissement/{UAI}"' in home.text and f'href="/etablissement/{OTHER}"' in home.text
    assert "pdurand10" in browser.get(f"/etablissement/{OTHER}/comptes").text
    page = browser.get(f"/etablissement/{OTHER}/comptes/pdurand10")
    assert page.status == 200 and "reinitialiser" not in page.text
    before = world.store.get_account("pdurand10")
    assert browser.post(f"/etablissement/{OTHER}/comptes/pdurand10/reinitialiser", {}).status == 403
    assert world.store.get_account("pdurand10") == before
    browser.get(f"/etablissement/{UAI}/comptes/jdupont12")
    assert letters_pdf(browser.post(f"/etablissement/{UAI}/comptes/jdupont12/reinitialiser", {}))


def test_a_uai_typed_in_lower_case_opens_the_schools_pages_at_their_address(world):
    school_with_students(world)
    browser = staff(world, role="gestionnaire")
    typed = world.call("GET", "/etablissement/0341234a/comptes?q=jeanne&classe=4e+B", headers=browser._headers())
    assert typed.status == 301
    assert typed.header("Location").endswith(f"/etablissement/{UAI}/comptes?q=jeanne&classe=4e+B")
    listing = browser.get("/etablissement/0341234a/comptes?q=jeanne")
    assert listing.status == 200 and "Dupont" in listing.text and "Martin</" not in listing.text
    answer = browser.post("/etablissement/0341234a/comptes/jdupont12/reinitialiser", {})  # a form sent so
    assert answer.status == 200 and answer.header("Content-Type") == "application/pdf"
    assert browser.get("/etablissement/0751234b").status == 404  # another school's, in any case
    assert world.call("GET", "/etablissement/0341234aa", headers=browser._headers()).status == 404  # no UAI at all
