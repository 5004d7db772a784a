"""Steps of a school staff member's path through the console (/etablissement), as a browser without JavaScript."""

from __future__ import annotations

import html
import re

from ent_accounts.flows import staff as staff_flows
from ent_accounts.links import Links
from ent_accounts.staff import totp
from tests.support.browser import Browser
from tests.support.links import code_in

STAFF_PASSWORD = "Cahier-Bleu-Tableau-7"
SECRET = re.compile(r'<code class="ent-secret" id="secret">([A-Z2-7 ]+)</code>')
RECOVERY = re.compile(r"<li><code>([A-Z2-9]{5}-[A-Z2-9]{5})</code></li>")


def invite(world, email="claire.martin@ac-montpellier.fr", uai="0341234A", role="administrateur", by_member=None):
    return staff_flows.invite(
        world.services,
        Links("https://ent.example.fr"),
        email=email,
        first_name="Claire",
        last_name="Martin",
        uai=uai,
        role=role,
        actor="arn:aws:iam::123456789012:role/ops",
        request_id="test",
        by_member=by_member,
    )


def invitation_code(world, email) -> str:
    mails = [mail for mail in world.mails() if email in mail.to]
    return code_in(mails[-1].html)


def secret_on(page) -> str:
    return SECRET.search(page.text).group(1).replace(" ", "")


def field_error(page, name):
    found = re.search(rf'id="{name}-error">([^<]+)<', page.text)
    return html.unescape(found.group(1)) if found else None


def enrol(world, email="claire.martin@ac-montpellier.fr", browser=None):
    """Accept the invitation mailed to `email`: password, TOTP enrolment (the code computed from the secret shown),
    recovery codes. Returns the browser (signed in), the secret and the recovery codes."""
    browser = browser or Browser(world)
    page = browser.get(f"/etablissement/invitation?code={invitation_code(world, email)}")
    assert page.status == 200, page.text
    page = browser.post(
        "/etablissement/invitation",
        {
            "code": invitation_code(world, email),
            "new_password": STAFF_PASSWORD,
            "new_password_confirmation": STAFF_PASSWORD,
        },
    )
    assert page.status == 200 and "Associer votre application" in page.text, page.text
    secret = secret_on(page)
    page = browser.post("/etablissement/activation-code", {"code": totp.code_at(secret, world.clock.now())})
    assert page.status == 200 and "Notez ces codes maintenant" in page.text, page.text
    return browser, secret, RECOVERY.findall(page.text)


def sign_in(world, email, secret=None, code=None, browser=None, password=STAFF_PASSWORD):
    """Both steps of the sign-in; `code` (else the TOTP code of now from `secret`). The last page."""
    browser = browser or Browser(world)
    browser.get("/etablissement/connexion")
    page = browser.post("/etablissement/connexion", {"email": email, "password": password})
    if "Code de connexion" not in page.text:
        return browser, page
    return browser, browser.post("/etablissement/code", {"code": code or totp.code_at(secret, world.clock.now())})
