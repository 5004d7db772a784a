"""The pages, driven as a browser without JavaScript would: forms, redirects, cookies, errors next to fields."""

from __future__ import annotations

import copy
import dataclasses
import html
import re
from datetime import date

import pytest

from tests.integration.helpers import NEW_PASSWORD, activate, active_student
from tests.support.browser import Browser
from tests.support.links import code_in


def field_error(page, name):
    found = re.search(rf'id="{name}-error">([^<]+)<', page.text)
    return html.unescape(found.group(1)) if found else None


def test_the_leaflet_journey_through_the_pages(world):
    provisional = world.provision("jdupont12", birth_date=date(2011, 5, 14))
    browser = Browser(world)
    assert "Connexion" in browser.get("/").text  # the base URL leads to the login page
    page = browser.post("/connexion", {"identifier": "jdupont12", "password": provisional})
    assert page.status == 200 and "Choisis ton mot de passe" in page.text and "jdupont12" in page.text

    page = browser.post(
        "/premiere-connexion",
        {
            "new_password": NEW_PASSWORD,
            "new_password_confirmation": NEW_PASSWORD,
            "birth_date": "2011-05-14",
            "email": "jeanne@laposte.net",
        },
    )
    assert "Compte en attente de validation" in page.text
    assert "jeanne@laposte.net" in page.text and "28 février 2027" in page.text
    assert "__Host-first_connection" not in browser.cookies  # the challenge is spent and forgotten

    page = browser.post("/compte-en-attente", {"action": "resend"})
    assert "Un nouveau mail de validation vient d" in page.text and len(world.mails()) == 2
    page = browser.post("/compte-en-attente", {"action": "correct", "email": "jeanne.dupont@laposte.net"})
    assert page.status == 200 and world.mails()[-1].to == ["jeanne.dupont@laposte.net"]

    page = browser.get(f"/valider-adresse-mail?code={code_in(world.mails()[-1].html)}")
    assert "Ton compte a été validé" in page.text
    browser.get("/connexion")
    page = browser.post("/connexion", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    assert "<h1>Bureau</h1>" in page.text and "Gérer son compte" in page.text
    page = browser.get("/mon-compte")
    assert "Adresse validée" in page.text and "jeanne.dupont@laposte.net" in page.text
    page = browser.post("/deconnexion", {})
    assert "<h1>Connexion</h1>" in page.text and "Déconnexion effectuée" in page.text
    page = browser.get("/bureau")  # signed out: back to the login page, without a word about a session
    assert page.text.count("<h1>Connexion</h1>") == 1 and "fr-alert" not in page.text


def test_a_session_that_ended_sends_back_to_the_login_page_saying_so(world):
    active_student(world)
    browser = Browser(world)
    browser.get("/connexion")
    assert "<h1>Bureau</h1>" in browser.post("/connexion", {"identifier": "jdupont12", "password": NEW_PASSWORD}).text
    world.clock.advance(minutes=world.services.settings.session_idle_minutes + 1)
    page = browser.get("/mon-compte")
    assert "<h1>Connexion</h1>" in page.text and "La session a pris fin" in html.unescape(page.text)
    assert "La session a pris fin" not in html.unescape(browser.get("/mon-compte").text)  # the cookie is gone


def test_errors_appear_next_to_their_fields_and_typed_values_stay(world):
    provisional = world.provision("jdupont12", birth_date=date(2011, 5, 14))
    browser = Browser(world)
    browser.get("/connexion")
    page = browser.post("/connexion", {"identifier": "jdupont12", "password": "Mauvais-Mot-1"})
    assert page.status == 401
    assert field_error(page, "password") == "Identifiant ou mot de passe incorrect."
    assert 'value="jdupont12"' in page.text and "Mauvais-Mot-1" not in page.text
    assert 'href="#password"' in page.text  # the summary at the top links to the field

    browser.post("/connexion", {"identifier": "jdupont12", "password": provisional})
    page = browser.post(
        "/premiere-connexion",
        {
            "new_password": "faible",
            "new_password_confirmation": "faible",
            "birth_date": "15/05/2011",
            "email": "jeanne@laposte.net",
        },
    )
    assert page.status == 400
    assert "au moins 8 caractères" in field_error(page, "new_password")
    page = browser.post(
        "/premiere-connexion",
        {
            "new_password": NEW_PASSWORD,
            "new_password_confirmation": NEW_PASSWORD,
            "birth_date": "15/05/2011",
            "email": "jeanne@laposte.net",
        },
    )
    mismatch = "La date de naissance ne correspond pas à celle connue de ton établissement."
    assert field_error(page, "birth_date") == mismatch
    assert 'value="jeanne@laposte.net"' in page.text and NEW_PASSWORD not in page.text
    page = browser.post(
        "/premiere-connexion",
        {"new_password": NEW_PASSWORD, "new_password_confirmation": "Autre-1a", "birth_date": "2011-05-14"},
    )
    assert field_error(page, "new_password_confirmation") == "Les deux mots de passe ne sont pas identiques."


def test_the_birth_date_is_read_day_first_as_the_hint_says(world):
    """14052011 typed on a phone's number pad is 14 May 2011 (a browser's date field read 03092011 month first)."""
    provisional = world.provision("jdupont12", birth_date=date(2011, 5, 14))
    browser = Browser(world)
    browser.get("/connexion")
    browser.post("/connexion", {"identifier": "jdupont12", "password": provisional})
    page = browser.get("/premiere-connexion")
    assert 'id="birth_date" name="birth_date" type="text"' in page.text and "JJ/MM/AAAA" in page.text
    empty = {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD, "birth_date": ""}
    page = browser.post("/premiere-connexion", empty)
    assert field_error(page, "birth_date") == "Indique ta date de naissance, au format JJ/MM/AAAA."
    page = browser.post("/premiere-connexion", {**empty, "birth_date": "14052011"})
    assert page.status in (200, 303), page.text
    assert world.store.get_account("jdupont12").birth_date == date(2011, 5, 14)


def test_every_error_of_the_first_connection_form_shows_at_once(world):
    """abc / abd / chloe@: the password too short, the two different and the address wrong, said together."""
    provisional = world.provision("jdupont12", birth_date=date(2011, 5, 14))
    browser = Browser(world)
    browser.get("/connexion")
    browser.post("/connexion", {"identifier": "jdupont12", "password": provisional})
    form = {"new_password": "abc", "new_password_confirmation": "abd", "birth_date": "", "email": "chloe@"}
    page = browser.post("/premiere-connexion", form)
    assert page.status == 400
    assert field_error(page, "new_password") == "Le mot de passe doit contenir au moins 8 caractères."
    assert field_error(page, "new_password_confirmation") == "Les deux mots de passe ne sont pas identiques."
    assert field_error(page, "birth_date") == "Indique ta date de naissance, au format JJ/MM/AAAA."
    assert field_error(page, "email") == "Cette adresse mail n'est pas valide."
    page = browser.post("/premiere-connexion", {**form, "new_password": "Dupont-2011!", "birth_date": "14/05/2011"})
    assert field_error(page, "new_password") == "Le mot de passe ne doit pas contenir ton nom ni ton prénom."


def test_a_locked_account_gets_an_alert_saying_until_when(world):
    from datetime import UTC, datetime

    active_student(world)
    world.clock.set(datetime(2026, 12, 2, 13, 0, tzinfo=UTC))  # 14 h 00 in Paris
    browser = Browser(world)
    browser.get("/connexion")
    for _ in range(5):
        page = browser.post("/connexion", {"identifier": "jdupont12", "password": "Mauvais-Mot-1"})
    page = browser.post("/connexion", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    assert page.status == 429 and page.header("Retry-After")
    text = html.unescape(page.text)
    assert "Connexion bloquée pour un moment" in text and "de nouveau possible à 14 h 01" in text
    assert "erreur est à corriger" not in text


def test_the_first_connection_page_says_its_time_limit_and_a_late_form_keeps_what_was_typed(world):
    from datetime import UTC, datetime

    world.clock.set(datetime(2026, 12, 2, 13, 0, tzinfo=UTC))  # 14 h 00 in Paris
    provisional = world.provision("jdupont12", birth_date=date(2011, 5, 14))
    browser = Browser(world)
    browser.get("/connexion")
    page = browser.post("/connexion", {"identifier": "jdupont12", "password": provisional})
    assert "à envoyer avant 14 h 15" in page.text
    world.clock.advance(minutes=16)
    late = {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    assert 'name="identifier" value="jdupont12"' in page.text  # the form carries its account's identifier
    typed = {**late, "identifier": "JDupont12", "birth_date": "14/05/2011", "email": "jeanne@laposte.net"}
    page = browser.post("/premiere-connexion", typed)
    text = html.unescape(page.text)
    assert "<h1>Connexion</h1>" in text and "La date de naissance et l'adresse mail saisies sont gardées" in text
    assert NEW_PASSWORD not in text and 'value="14/05/2011"' in text  # kept in the form, never the password
    assert re.search(r'<input[^>]*name="identifier"[^>]*value="jdupont12"', text)  # only the password to type
    page = browser.post(
        "/connexion",
        {
            "identifier": "jdupont12",
            "password": provisional,
            "kept_birth_date": "14/05/2011",
            "kept_email": "jeanne@laposte.net",
        },
    )
    assert "<h1>Choisis ton mot de passe</h1>" in page.text
    assert 'value="14/05/2011"' in page.text and 'value="jeanne@laposte.net"' in page.text
    page = browser.post("/premiere-connexion", {**late, "birth_date": "14/05/2011", "email": "jeanne@laposte.net"})
    account = world.store.get_account("jdupont12")
    assert account.status == "PENDING_VALIDATION" and account.email == "jeanne@laposte.net"


def test_forms_refuse_forged_and_cross_site_posts(world):
    world.provision("jdupont12")
    activate(world, "jdupont12")
    browser = Browser(world)
    browser.get("/connexion")
    assert browser.post("/connexion", {"identifier": "jdupont12", "password": NEW_PASSWORD}, csrf=False).status == 403
    cross = browser.post(
        "/connexion",
        {"identifier": "jdupont12", "password": NEW_PASSWORD},
        headers={"Origin": "https://pirate.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status == 403 and "__Host-session" not in browser.cookies


def test_page_security_headers(world):
    page = Browser(world).get("/connexion")
    csp = page.header("Content-Security-Policy")
    assert "script-src 'self';" in csp and "default-src 'none'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.header("Strict-Transport-Security").startswith("max-age=")
    assert page.header("X-Content-Type-Options") == "nosniff"
    cookie = page.header("Set-Cookie")
    assert cookie.startswith("__Host-csrf=") and "Secure" in cookie and "HttpOnly" in cookie


def test_the_address_change_page(world):
    world.provision("jdupont12")
    activate(world, "jdupont12", email="ancienne@laposte.net")
    browser = Browser(world)
    browser.get("/connexion")
    browser.post("/connexion", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    browser.get("/mon-compte")
    page = browser.post(
        "/mon-compte/adresse",
        {"current_password": NEW_PASSWORD, "new_email": "a@laposte.net", "new_email_confirmation": "b@laposte.net"},
    )
    assert field_error(page, "new_email_confirmation") == "Les deux adresses ne sont pas identiques."
    page = browser.post(
        "/mon-compte/adresse",
        {"current_password": "Mauvais-Mot-1", "new_email": "a@laposte.net", "new_email_confirmation": "a@laposte.net"},
    )
    assert field_error(page, "current_password") == "Ton mot de passe actuel est incorrect."  # no identifier typed
    page = browser.post(
        "/mon-compte/adresse",
        {"current_password": NEW_PASSWORD, "new_email": "a@laposte.net", "new_email_confirmation": "a@laposte.net"},
    )
    assert "Un courriel vient de t'être envoyé à ta nouvelle adresse" in html.unescape(page.text)  # a student: "tu"
    page = browser.get(f"/valider-adresse-mail?code={code_in(world.mails()[-2].html)}")
    assert "Ton adresse mail a été modifiée" in page.text
    browser.get("/mon-compte")
    page = browser.post(
        "/mon-compte/mot-de-passe",
        {
            "password_current": NEW_PASSWORD,
            "new_password": "Nouveau-Mot-2",
            "new_password_confirmation": "Nouveau-Mot-2",
        },
    )
    assert "Ton mot de passe a été modifié" in page.text
    assert "<h1>Bureau</h1>" in browser.get("/bureau").text  # the new session cookie replaced the old one


def test_pending_page_without_a_session_explains(world):
    page = Browser(world).get("/compte-en-attente")
    assert page.status == 401 and "il faut se connecter avec l&#39;identifiant et le mot de passe" in page.text
    page = Browser(world).get("/premiere-connexion")
    assert page.status == 401 and "mot de passe provisoire" in page.text


@pytest.mark.parametrize("path", ["dsfr.min.css", "fonts/Marianne-Regular.woff2", "icons/fr--error-fill.svg"])
def test_static_files_are_cached_for_a_year(world, path):
    from ent_accounts.web.static import asset_version

    answer = world.call("GET", f"/static/{asset_version()}/{path}")
    assert answer.status == 200
    assert answer.header("Cache-Control") == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("path", ["/Connexion", "/favicon.png", "/wp-login.php", "/connexion/de/trop"])
def test_a_mistyped_address_gets_a_french_page(world, path):
    page = Browser(world).get(path)
    assert page.status == 404 and page.header("Content-Type").startswith("text/html")
    assert "Cette adresse n'existe pas." in html.unescape(page.text) and "Missing Authentication" not in page.text


def test_a_mistyped_api_address_gets_french_json(world):
    answer = world.call("GET", "/api/nulle-part")
    assert answer.status == 404 and answer.json()["message"] == "Cette adresse n'existe pas."


def test_every_page_names_its_favicon_and_browsers_get_one_where_they_look(world):
    from ent_accounts.web.static import asset_version

    page = Browser(world).get("/connexion")
    assert f'/static/{asset_version()}/favicon.svg" type="image/svg+xml"' in page.text
    assert world.call("GET", f"/static/{asset_version()}/favicon.svg").status == 200
    icon = world.call("GET", "/favicon.ico")
    assert icon.status == 200 and icon.header("Content-Type") == "image/x-icon"


def test_the_stylesheet_fetches_nothing_the_csp_refuses_and_draws_the_icons_the_pages_use():
    """font-src 'self' refuses data: URLs (a console error per @font-face that names one); every `fr-icon-…`
    class a template uses has its drawing rule, and the SVG it names is served."""
    import re
    from pathlib import Path

    from ent_accounts.web.static import STATIC_DIR

    css = (STATIC_DIR / "dsfr.min.css").read_text(encoding="utf-8")
    assert "data:" not in css.replace("data:image", "")
    templates = Path(STATIC_DIR).parent / "templates"
    icons = {name for path in templates.rglob("*.html") for name in re.findall(r"fr-icon-[a-z0-9-]+", path.read_text())}
    assert icons
    for icon in icons:
        rule = re.search(rf"\.{icon}:before[^{{]*\{{[^}}]*mask-image:url\((icons/[^)]+)\)", css)
        assert rule, icon
        assert (STATIC_DIR / rule.group(1)).is_file()


@pytest.mark.parametrize("path", ["..%2F..%2Fstore.py", "nope.css", "fonts/..%2F..%2Faccounts.py", "x/template.py"])
def test_static_files_outside_the_folder_are_not_served(world, path):
    assert world.call("GET", f"/static/v/{path}").status == 404


FIRST_CONNECTION_FORM = {
    "new_password": NEW_PASSWORD,
    "new_password_confirmation": NEW_PASSWORD,
    "birth_date": "2011-05-14",
    "email": "jeanne@laposte.net",
}


def test_the_first_connection_form_sent_twice_shows_the_pending_page_twice(world):
    """A double click whose second request comes after the first one is done: the same page, not an error."""
    provisional = world.provision("jdupont12", birth_date=date(2011, 5, 14))
    browser = Browser(world)
    browser.get("/connexion")
    browser.post("/connexion", {"identifier": "jdupont12", "password": provisional})
    second_click = copy.copy(browser)  # the same cookies and form, sent again
    second_click.cookies = dict(browser.cookies)
    assert "Compte en attente de validation" in browser.post("/premiere-connexion", FIRST_CONNECTION_FORM).text
    page = second_click.post("/premiere-connexion", FIRST_CONNECTION_FORM)
    assert page.status == 200 and "Compte en attente de validation" in page.text
    assert len(world.mails()) == 1


def test_a_busy_table_during_the_first_connection_form_shows_the_form_again_with_retry_after(real_engine):
    from tests.support.faults import Faults

    world = real_engine
    provisional = world.provision("jdupont12", birth_date=date(2011, 5, 14))
    browser = Browser(world)
    browser.get("/connexion")
    browser.post("/connexion", {"identifier": "jdupont12", "password": provisional})
    in_flight = {"CancellationReasons": [{"Code": c} for c in ("None", "TransactionConflict", "None")]}
    Faults(world.ddb).error("TransactWriteItems", "TransactionCanceledException", details=in_flight)
    page = browser.post("/premiere-connexion", FIRST_CONNECTION_FORM)
    assert page.status == 503 and int(page.header("Retry-After")) > 0
    assert "Choisis ton mot de passe" in page.text and 'value="jeanne@laposte.net"' in page.text


def test_an_identifier_longer_than_any_school_issues_is_refused_next_to_its_field(world):
    browser = Browser(world)
    browser.get("/connexion")
    page = browser.post("/connexion", {"identifier": "\U0001f600" * 600, "password": "x"})  # 2,400 bytes
    assert page.status == 400 and field_error(page, "identifier") == "Cet identifiant est trop long."


def test_when_aws_is_busy_a_page_says_so_in_french_not_in_json(world):
    from tests.support.faults import Faults

    provisional = world.provision("jdupont12")
    browser = Browser(world)
    browser.get("/connexion")
    Faults(world.ddb).error("BatchGetItem", "ProvisionedThroughputExceededException")
    page = browser.post("/connexion", {"identifier": "jdupont12", "password": provisional})
    assert page.status == 503 and page.header("Content-Type").startswith("text/html")
    assert int(page.header("Retry-After")) > 0
    assert '<html lang="fr"' in page.text and "merci de réessayer dans quelques secondes" in page.text


@pytest.mark.parametrize(
    "url",
    [
        "/valider-adresse-mail?code=a&code=b",
        "/reinitialiser-mot-de-passe?code=a&code=b",
        "/valider-adresse-mail?code=a&code=",
    ],
)
def test_a_link_with_its_code_given_twice_gets_a_french_page(world, url):
    page = Browser(world).get(url)
    assert page.status == 400 and page.header("Content-Type").startswith("text/html")
    assert '<html lang="fr"' in page.text and "mal formée" in page.text and "invalid_request" not in page.text
    assert page.header("Content-Security-Policy")


def test_no_page_of_the_template_answers_json_to_a_repeated_parameter(world):
    from ent_accounts.web.api import MACHINE_PATHS
    from local import template

    pages = {
        route.path
        for function in template.functions().values()
        for route in function.routes
        if route.method == "GET" and not route.path.startswith((*MACHINE_PATHS, "/{"))
    }
    assert {"/valider-adresse-mail", "/reinitialiser-mot-de-passe", "/connexion"} <= pages
    for path in sorted(pages):
        answer = world.call("GET", f"{path}?code=a&code=b")  # `code` is the one query parameter pages read
        assert not (answer.header("Content-Type") or "").startswith("application/json"), (path, answer.text)


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/accessibilite", "Déclaration d'accessibilité"),
        ("/mentions-legales", "Mentions légales"),
        ("/donnees-personnelles", "Données personnelles"),
    ],
)
def test_the_footers_mandatory_pages(world, path, heading, monkeypatch):
    publisher = {"publisher_name": "Académie de Montpellier", "publisher_contact": "dpd@ac-montpellier.fr"}
    monkeypatch.setattr(world.services, "settings", dataclasses.replace(world.services.settings, **publisher))
    page = Browser(world).get(path)
    text = html.unescape(page.text)
    assert page.status == 200 and f"<h1>{heading}</h1>" in text
    assert "Académie de Montpellier" in text and 'href="mailto:dpd@ac-montpellier.fr"' in text
    for link in ("/accessibilite", "/mentions-legales", "/donnees-personnelles"):  # the footer of every page
        assert f'href="{link}"' in page.text


def test_the_personal_data_page_gives_the_retention_the_service_applies(world, monkeypatch):
    monkeypatch.setattr(
        world.services, "settings", dataclasses.replace(world.services.settings, audit_retention_days=400)
    )
    text = html.unescape(Browser(world).get("/donnees-personnelles").text)
    assert "400 jours" in text and "3 mois après le premier mail de validation" in text
    # Every retention the README gives, from the stack's own settings.
    for said in ("valable 3 mois", "dans les 15 minutes", "60 minutes", "72 heures", "oublié 24 heures"):
        assert said in text, said
    login = Browser(world).get("/connexion").text
    assert 'href="/accessibilite">Accessibilité : partiellement conforme</a>' in login


def test_a_parent_is_addressed_as_vous_and_a_student_as_tu_from_the_first_connection_to_the_validation(world):
    from ent_accounts.accounts import Role

    for identifier, role, said, not_said in (
        ("pdupont", Role.PARENT, "Choisissez votre mot de passe", "Choisis ton mot de passe"),
        ("jdupont12", Role.STUDENT, "Choisis ton mot de passe", "Choisissez votre mot de passe"),
    ):
        provisional = world.provision(identifier, role=role, first_name="Paul" if role is Role.PARENT else "Jeanne")
        browser = Browser(world)
        browser.get("/connexion")
        page = browser.post("/connexion", {"identifier": identifier, "password": provisional})
        assert said in html.unescape(page.text) and not_said not in html.unescape(page.text)
        form = {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD, "birth_date": "14/05/2011"}
        page = browser.post("/premiere-connexion", {**form, "email": f"{identifier}@laposte.net"})
        text = html.unescape(page.text)
        pending = "Vous avez jusqu'au" if role is Role.PARENT else "Tu as jusqu'au"
        assert pending in text, text
        page = browser.get(f"/valider-adresse-mail?code={code_in(world.mails()[-1].html)}")
        validated = "Votre compte a été validé" if role is Role.PARENT else "Ton compte a été validé"
        assert validated in html.unescape(page.text)
        again = browser.get(f"/valider-adresse-mail?code={code_in(world.mails()[-1].html)}")
        already = "Votre compte est déjà validé" if role is Role.PARENT else "Ton compte est déjà validé"
        assert already in html.unescape(again.text)
