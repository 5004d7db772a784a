"""A secretary's first sign-in to the school console at a phone's width: the invitation mail,
the password, the TOTP application (its code computed here from the key the page shows, on the server's clock),
the recovery codes, the home page; axe finds no serious or critical violation on any of them."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest
from playwright.sync_api import expect

from ent_accounts.staff import totp
from tests.browser.helpers import check, open_latest_mail_link

PASSWORD = "Cahier-Bleu-Tableau-7"


@pytest.fixture
def phone(chromium, server):
    # Scripts on: axe runs in the page (the console's pages need none, and ent.js is optional).
    context = chromium.new_context(base_url=server.url, locale="fr-FR", viewport={"width": 375, "height": 740})
    yield context.new_page()
    context.close()


def server_now(server) -> datetime:
    return datetime.fromisoformat(server.request("GET", "/_dev/clock").json()["now"].replace("Z", "+00:00"))


def test_first_sign_in_with_the_totp_enrolment_at_375_px(phone, server):
    email = f"secretariat.{uuid.uuid4().hex[:8]}@ac-montpellier.fr"
    invited = server.request(
        "POST",
        "/api/admin/staff",
        {"email": email, "first_name": "Claire", "last_name": "Martin", "uai": "0341234A", "role": "gestionnaire"},
    )
    assert invited.status == 201, invited.text
    open_latest_mail_link(phone, email)
    phone.wait_for_url(re.compile(r"/etablissement/invitation\?code="))
    check(phone, "staff-invitation-375px", "Activation de votre compte")
    phone.locator("#new_password").fill(PASSWORD)
    phone.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    phone.get_by_role("button", name="Continuer").click()

    phone.wait_for_url(re.compile(r"/etablissement/activation-code$"))
    check(phone, "staff-enrolment-375px", "Application d'authentification")
    secret = phone.locator("#secret").inner_text().replace(" ", "")
    phone.get_by_label("Code affiché par l'application").fill(totp.code_at(secret, server_now(server)))
    phone.get_by_role("button", name="Valider").click()

    expect(phone.get_by_role("heading", name="Notez ces codes maintenant")).to_be_visible()
    check(phone, "staff-recovery-codes-375px", "Codes de secours")
    assert phone.locator("#codes-de-secours li").count() == 10
    phone.get_by_role("link", name="J'ai noté mes codes : continuer").click()

    phone.wait_for_url(re.compile(r"/etablissement$"))
    check(phone, "staff-home-375px", "Accueil de la console")
    expect(phone.get_by_text("Bonjour Claire")).to_be_visible()
    expect(phone.get_by_text("0341234A")).to_be_visible()
    logout = phone.get_by_role("banner").get_by_role("button", name="Se déconnecter")
    expect(logout).to_be_visible()
    logout.click()
    phone.wait_for_url(re.compile(r"/etablissement/connexion\?fin=deconnexion$"))
    check(phone, "staff-login-375px", "Connexion du personnel")
    phone.goto("/etablissement")
    phone.wait_for_url(re.compile(r"/etablissement/connexion"))  # signed out: the home page is out of reach


def test_at_a_desk_the_phone_scans_the_enrolment_qr_code_and_its_code_is_accepted(chromium, server):
    """On a computer's screen the authenticator application reads the key off the QR code: scanned here from a
    screenshot of the page (zxing-cpp, the decoder of many phone applications), it gives the key the page writes
    out, for this member, and the code computed from what was scanned opens the account."""
    import io
    from urllib.parse import parse_qs, unquote, urlsplit

    import zxingcpp
    from PIL import Image

    email = f"direction.{uuid.uuid4().hex[:8]}@ac-montpellier.fr"
    invited = server.request(
        "POST",
        "/api/admin/staff",
        {"email": email, "first_name": "Marc", "last_name": "Petit", "uai": "0341234A", "role": "administrateur"},
    )
    assert invited.status == 201, invited.text
    context = chromium.new_context(base_url=server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    try:
        desk = context.new_page()
        open_latest_mail_link(desk, email)
        desk.locator("#new_password").fill(PASSWORD)
        desk.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
        desk.get_by_role("button", name="Continuer").click()
        desk.wait_for_url(re.compile(r"/etablissement/activation-code$"))
        check(desk, "staff-enrolment", "Application d'authentification")

        qr_code = desk.locator("#qr-code svg")
        box = qr_code.bounding_box()
        assert box and box["width"] >= 200  # large enough for a camera at arm's length
        scanned = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_code.screenshot())))
        assert [found.format for found in scanned] == [zxingcpp.BarcodeFormat.QRCode]
        uri = urlsplit(scanned[0].text)
        query = {name: values[0] for name, values in parse_qs(uri.query).items()}
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert unquote(uri.path) == f"/ENT établissements:{email}"
        assert query["secret"] == desk.locator("#secret").inner_text().replace(" ", "")
        assert (query["issuer"], query["digits"], query["period"]) == ("ENT établissements", "6", "30")

        desk.get_by_label("Code affiché par l'application").fill(totp.code_at(query["secret"], server_now(server)))
        desk.get_by_role("button", name="Valider").click()
        expect(desk.get_by_role("heading", name="Notez ces codes maintenant")).to_be_visible()
    finally:
        context.close()
