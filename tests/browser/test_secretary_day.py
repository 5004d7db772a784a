"""A secretary's day in the school console (issue 19, "Done when"), in Chromium against the local server: the first
sign-in with the TOTP enrolment, a SIECLE-like file with one bad line (the preview says which), the corrected file,
the import and its letters downloaded and read back, a reset for a student without an e-mail, and the dashboard's
counts once students have done their first connection through the students' own pages. axe finds no serious or
critical violation on any console page, at 1280 px (and at 375 px for the dashboard)."""

from __future__ import annotations

import io
import random
import re
import uuid

import pypdf
from playwright.sync_api import expect

from tests.browser.helpers import accept_invitation_with_totp, check, first_connection, sign_in

STUDENT_PASSWORD = "Soleil-Vert-2026"
HEADER = "NOM;PRENOM;DATE NAISS;DIVISION\r\n"
GOOD_LINES = "Le Bihan-Pérez;Élodie;14/05/2011;4e B\r\nN’Diaye;Zoé;02/03/2012;4e B\r\nMorel;Hugo;21/09/2011;4e C\r\n"
BAD_LINE = "Durand;Paul;31/02/2012;4e C\r\n"  # 31 February


def letters_of(download) -> list[tuple[str, str]]:
    """(identifier, provisional password) of each page of a downloaded letters PDF."""
    pdf = pypdf.PdfReader(io.BytesIO(open(download.path(), "rb").read()))  # noqa: SIM115 (Playwright's temp file)
    found = []
    for page in pdf.pages:
        text = page.extract_text()
        identifier = re.search(r"Identifiant\s*:?\s*(\S+)", text).group(1)
        password = re.search(r"Mot de passe provisoire\s*:?\s*(\S{12})", text).group(1)
        found.append((identifier, password))
    return found


def student_first_connection(chromium, server, identifier, password, birth_date):
    context = chromium.new_context(base_url=server.url, locale="fr-FR")
    page = context.new_page()
    sign_in(page, identifier, password)
    page.wait_for_url(re.compile(r"/premiere-connexion$"))
    first_connection(page, STUDENT_PASSWORD, birth_date)
    page.wait_for_url(re.compile(r"/(bureau|compte-en-attente)$"))
    context.close()


def test_a_secretarys_day(chromium, server, tmp_path):
    uai = f"{random.randrange(10**7):07d}S"  # a school of its own on the shared local server
    email = f"secretariat.{uuid.uuid4().hex[:8]}@ac-montpellier.fr"
    invited = server.request(
        "POST",
        "/api/admin/staff",
        {"email": email, "first_name": "Claire", "last_name": "Martin", "uai": uai, "role": "gestionnaire"},
    )
    assert invited.status == 201, invited.text
    context = chromium.new_context(
        base_url=server.url, locale="fr-FR", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()

    # First sign-in: password, TOTP application (its code from the key shown, on the server's clock), codes.
    accept_invitation_with_totp(page, server, email)
    check(page, "console-home-1280px", "Accueil de la console")

    page.get_by_role("link", name=f"Établissement {uai}").click()
    page.wait_for_url(re.compile(rf"/etablissement/{uai}$"))
    check(page, "console-dashboard-empty-1280px", "Tableau de bord")

    # The file with one bad line: the preview names the line, nothing is created.
    page.get_by_role("navigation", name="Menu de l'établissement").get_by_role(
        "link", name="Importer une liste"
    ).click()
    check(page, "console-import-1280px", "Importer une liste")
    bad = tmp_path / "eleves.csv"
    bad.write_bytes((HEADER + GOOD_LINES + BAD_LINE).encode("cp1252"))
    page.get_by_label("Fichier de la liste").set_input_files(str(bad))
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_role("heading", name=re.compile("Rien n'a été créé"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^5 "))).to_be_visible()  # the header is line 1
    check(page, "console-import-errors-1280px", "Erreur – Importer une liste")
    expect(page.get_by_role("button", name="Créer les comptes")).to_have_count(0)

    # The corrected file: its preview, the import, the letters.
    good = tmp_path / "eleves-corrige.csv"
    good.write_bytes((HEADER + GOOD_LINES + BAD_LINE.replace("31/02", "28/02")).encode("cp1252"))
    page.get_by_label("Fichier de la liste").set_input_files(str(good))
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_role("heading", name="Le fichier peut être importé")).to_be_visible()
    check(page, "console-import-preview-1280px", "Importer une liste")
    page.get_by_role("button", name="Créer les comptes").click()
    expect(page.get_by_role("heading", name="4 comptes créés")).to_be_visible()
    check(page, "console-import-result-1280px", "Importation terminée")
    with page.expect_download() as downloaded:
        page.get_by_role("button", name=re.compile("Télécharger les lettres")).click()
    letters = dict(letters_of(downloaded.value))
    assert len(letters) == 4

    # The list, and a reset for a student without an e-mail (Hugo): a new letter, the old one stops working.
    page.goto(f"/etablissement/{uai}/comptes?q=hugo")
    check(page, "console-list-1280px", "Comptes")
    page.get_by_role("link", name=re.compile("Morel")).first.click()
    check(page, "console-account-1280px", "Morel")
    with page.expect_download() as downloaded:
        page.get_by_role("button", name="Réinitialiser et imprimer une nouvelle lettre").click()
    ((hugo, hugo_password),) = letters_of(downloaded.value)
    assert hugo in letters and hugo_password != letters[hugo]
    letters[hugo] = hugo_password

    page.goto(f"/etablissement/{uai}/comptes/{hugo}/supprimer")
    check(page, "console-delete-1280px", "Supprimer")
    expect(page.get_by_role("button", name=re.compile(r"Supprimer le compte de Hugo Morel \(4e C\)"))).to_be_visible()
    page.goto(f"/etablissement/{uai}/a-relancer")
    check(page, "console-chase-1280px", "relancer")
    page.goto(f"/etablissement/{uai}/lettres")
    check(page, "console-letters-1280px", "Réimprimer des lettres")

    # Two students of 4e B do their first connection through the students' pages.
    births = {"Élodie": "2011-05-14", "Zoé": "2012-03-02"}
    for identifier, password in letters.items():
        first_name = next((name for name in births if identifier.startswith(name[0].lower().replace("é", "e"))), None)
        if first_name:
            student_first_connection(chromium, server, identifier, password, births[first_name])

    page.goto(f"/etablissement/{uai}")
    row = page.locator("#table-eleves tbody tr", has_text="4e B")
    cells = row.locator("td").all_inner_texts()
    assert sum(int(count) for count in cells[:-1]) == 2 and cells[0] == "0", cells  # none left to sign in
    other = page.locator("#table-eleves tbody tr", has_text="4e C").locator("td").all_inner_texts()
    assert other[0] == "2", other  # Hugo (reset) and Paul: their letters still to use
    check(page, "console-dashboard-1280px", "Tableau de bord")
    page.set_viewport_size({"width": 375, "height": 740})
    check(page, "console-dashboard-375px", "Tableau de bord")
    context.close()
