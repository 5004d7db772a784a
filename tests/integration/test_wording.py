"""One register per audience (issue 18): the same refusal says "tu" to a student and "vous" to a parent, and what
anybody may read before a login addresses nobody; the help page, linked from every page."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from ent_accounts import passwords
from ent_accounts.accounts import Role
from tests.integration.helpers import NEW_PASSWORD
from tests.support.browser import Browser
from tests.support.links import code_in
from tests.unit.test_wording import addressing

PROVISIONAL = "Kpzw-Mqrt-4821"  # a provisional password the password rules accept, to be offered as the new one
BIRTH = date(2011, 5, 14)
PEOPLE = {
    Role.STUDENT: {"identifier": "jdupont12", "first_name": "Jeanne", "name_password": "Jeanne-Tigre-2011!"},
    Role.PARENT: {"identifier": "pdupont", "first_name": "Paul", "name_password": "Paul-Tigre-2011!"},
}


@pytest.fixture
def fixed_provisional(monkeypatch):
    monkeypatch.setattr(passwords, "new_provisional_password", lambda: PROVISIONAL)


def field_error(page, name):
    found = re.search(rf'id="{name}-error">([^<]+)<', page.text)
    return html.unescape(found.group(1)) if found else None


def provision(world, role):
    person = PEOPLE[role]
    world.provision(person["identifier"], role=role, first_name=person["first_name"], birth_date=BIRTH)
    return person["identifier"]


def at_first_connection(world, role):
    identifier = provision(world, role)
    browser = Browser(world)
    browser.get("/connexion")
    page = browser.post("/connexion", {"identifier": identifier, "password": PROVISIONAL})
    assert "/premiere-connexion" in page.text or "Première connexion" in page.text
    return browser


def signed_in(world, role, email="famille.dupont@laposte.net"):
    identifier = provision(world, role)
    world.activate(identifier, email, password=NEW_PASSWORD)
    browser = Browser(world)
    browser.get("/connexion")
    assert "<h1>Bureau</h1>" in browser.post("/connexion", {"identifier": identifier, "password": NEW_PASSWORD}).text
    return browser


# --- the same refusal, said to a student and to a parent ---------------------------------------------------------

FIRST_CONNECTION = {
    Role.STUDENT: {
        "birth_date": "La date de naissance ne correspond pas à celle connue de ton établissement.",
        "new_password": "Choisis un mot de passe différent de ton mot de passe provisoire.",
        "name": "Le mot de passe ne doit pas contenir ton nom ni ton prénom.",
    },
    Role.PARENT: {
        "birth_date": "La date de naissance ne correspond pas à celle connue de l'établissement.",
        "new_password": "Choisissez un mot de passe différent de votre mot de passe provisoire.",
        "name": "Le mot de passe ne doit pas contenir votre nom ni votre prénom.",
    },
}


@pytest.mark.parametrize("role", [Role.STUDENT, Role.PARENT])
def test_the_first_connection_page_refuses_in_the_accounts_register(world, fixed_provisional, role):
    said = FIRST_CONNECTION[role]
    browser = at_first_connection(world, role)
    same = {"new_password": PROVISIONAL, "new_password_confirmation": PROVISIONAL}
    page = browser.post("/premiere-connexion", {**same, "birth_date": "15/05/2011"})
    assert page.status == 400
    assert field_error(page, "birth_date") == said["birth_date"]
    assert field_error(page, "new_password") == said["new_password"]

    named = PEOPLE[role]["name_password"]
    page = browser.post(
        "/premiere-connexion", {"new_password": named, "new_password_confirmation": named, "birth_date": "14/05/2011"}
    )
    assert field_error(page, "new_password") == said["name"]
    page = browser.post("/premiere-connexion", {"new_password": NEW_PASSWORD, "birth_date": "31/02/2011"})
    expected = "vérifie le jour" if role is Role.STUDENT else "vérifiez le jour"
    assert expected in field_error(page, "birth_date")


def test_a_parents_first_connection_sent_too_late_comes_back_in_vous(world, fixed_provisional):
    identifier = provision(world, Role.PARENT)
    browser = Browser(world)
    browser.get("/connexion")
    kept = {"kept_birth_date": "14/05/2011", "kept_email": "paul@laposte.net"}
    page = browser.post("/connexion", {"identifier": identifier, "password": PROVISIONAL, **kept})
    text = html.unescape(page.text)
    assert 'value="paul@laposte.net"' in text and "Choisissez votre mot de passe" in text
    assert "Choisis ton mot de passe" not in text


@pytest.mark.parametrize("role", [Role.STUDENT, Role.PARENT])
def test_the_first_connection_api_refuses_in_the_accounts_register(world, fixed_provisional, role):
    identifier = provision(world, role)
    login = world.call("POST", "/api/login", {"identifier": identifier, "password": PROVISIONAL})
    token = login.json()["challenge_token"]
    body = {"challenge_token": token, "new_password": PROVISIONAL, "birth_date": "2011-05-15"}
    answer = world.call("POST", "/api/first-connection", body)
    assert answer.status == 400
    fields = answer.json()["fields"]
    assert fields == {
        "birth_date": FIRST_CONNECTION[role]["birth_date"],
        "new_password": FIRST_CONNECTION[role]["new_password"],
    }


@pytest.mark.parametrize(
    ("role", "already", "pending"),
    [
        (Role.STUDENT, "C'est déjà l'adresse de ton compte.", "Ton compte est en attente de validation"),
        (Role.PARENT, "C'est déjà l'adresse de votre compte.", "Votre compte est en attente de validation"),
    ],
)
def test_account_settings_and_the_pending_login_answer_in_the_accounts_register(world, role, already, pending):
    browser = signed_in(world, role)
    browser.get("/mon-compte")
    same = "famille.dupont@laposte.net"
    page = browser.post(
        "/mon-compte/adresse",
        {"current_password": NEW_PASSWORD, "new_email": same, "new_email_confirmation": same},
    )
    assert page.status == 400 and field_error(page, "new_email") == already
    named = PEOPLE[role]["name_password"]
    page = browser.post(
        "/mon-compte/mot-de-passe",
        {"password_current": NEW_PASSWORD, "new_password": named, "new_password_confirmation": named},
    )
    assert field_error(page, "new_password") == FIRST_CONNECTION[role]["name"]

    token = world.call(
        "POST", "/api/login", {"identifier": PEOPLE[role]["identifier"], "password": NEW_PASSWORD}
    ).json()["session_token"]
    answer = world.call(
        "POST",
        "/api/account/email",
        {"current_password": NEW_PASSWORD, "new_email": same, "new_email_confirmation": same},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status == 400 and answer.json()["fields"] == {"new_email": already}

    # A pending account's login through the API: the refusal names the validation in the account's register.
    other = "jmartin" if role is Role.STUDENT else "pmartin"
    world.provision(other, role=role, birth_date=BIRTH)
    challenge = world.call("POST", "/api/login", {"identifier": other, "password": world.provisional_of[other]}).json()[
        "challenge_token"
    ]
    body = {"challenge_token": challenge, "new_password": NEW_PASSWORD, "birth_date": "2011-05-14"}
    world.call("POST", "/api/first-connection", {**body, "email": f"{other}@laposte.net"})
    refused = world.call("POST", "/api/login", {"identifier": other, "password": NEW_PASSWORD})
    assert refused.status == 403 and refused.json()["message"].startswith(pending)


@pytest.mark.parametrize(
    ("role", "said", "not_said"),
    [
        (Role.STUDENT, "Tu n'as pas reçu le mail ?", "Vous n'avez pas reçu le mail ?"),
        (Role.PARENT, "Vous n'avez pas reçu le mail ?", "Tu n'as pas reçu le mail ?"),
    ],
)
def test_the_pending_page_in_the_accounts_register(world, fixed_provisional, role, said, not_said):
    browser = at_first_connection(world, role)
    form = {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD, "birth_date": "14/05/2011"}
    page = browser.post("/premiere-connexion", {**form, "email": "famille.dupont@laposte.net"})
    text = html.unescape(page.text)
    assert "Compte en attente de validation" in text and said in text and not_said not in text
    page = browser.post("/compte-en-attente", {"action": "correct", "email": "pas une adresse"})
    assert page.status == 400 and said in html.unescape(page.text)


# --- before any login: nobody is addressed -----------------------------------------------------------------------


def visible_text(page) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.text))


def test_the_pages_anybody_may_see_before_a_login_address_nobody(world):
    world.provision("jdupont12", birth_date=BIRTH)
    seen = {}
    browser = Browser(world)
    for path in (
        "/connexion",
        "/mot-de-passe-oublie",
        "/identifiant-oublie",
        "/aide",
        "/accessibilite",
        "/mentions-legales",
        "/donnees-personnelles",
        "/reinitialiser-mot-de-passe?code=faux",
        "/valider-adresse-mail?code=faux",
        "/compte-en-attente",
        "/premiere-connexion",
        "/cette-page-n-existe-pas",
        "/bureau?code=a&code=b",
    ):
        seen[path] = Browser(world).get(path)
    browser.get("/mot-de-passe-oublie")
    seen["forgot answer"] = browser.post("/mot-de-passe-oublie", {"identifier": "jdupont12"})
    browser.get("/connexion")
    for attempt in range(6):  # wrong, then locked out
        seen[f"login {attempt}"] = browser.post("/connexion", {"identifier": "jdupont12", "password": "Faux-Mot-1"})
    assert "Trop de tentatives de connexion : nouvel essai possible dans" in visible_text(seen["login 5"])
    seen["forged post"] = Browser(world).post("/connexion", {"identifier": "x", "password": "y"}, csrf=False)
    wrong = {path: addressing(visible_text(page)) for path, page in seen.items() if addressing(visible_text(page))}
    assert wrong == {}
    # The API's answers before a login, too.
    answers = [
        world.call("POST", "/api/password/forgot", {"identifier": "jdupont12"}),
        world.call("POST", "/api/login", {"identifier": "jdupont12", "password": "Faux-Mot-1"}),
        world.call(
            "POST",
            "/api/first-connection",
            {"challenge_token": "x" * 43, "new_password": "a", "birth_date": "2011-05-14"},
        ),
        world.call("GET", "/api/account"),
    ]
    assert [addressing(answer.json()["message"]) for answer in answers] == [[], [], [], []]


# --- the help page ---------------------------------------------------------------------------------------------


def test_the_help_page_answers_the_usual_questions(world):
    page = Browser(world).get("/aide")
    text = visible_text(page)
    assert page.status == 200 and "<h1>Aide</h1>" in page.text
    assert "identifiant ATEN" in text and "Compte d'accès aux services en ligne" in text and "jdupont12" in text
    assert 'href="/mot-de-passe-oublie"' in page.text and 'href="/identifiant-oublie"' in page.text
    assert "« Message des services en ligne – Activation de votre compte »" in text
    assert "courriers indésirables" in text and "renvoyer le mail" in text and "3 mois" in text
    assert all(who in text for who in ("secrétariat", "vie scolaire", "professeur principal"))
    assert "ne peut pas répondre directement aux élèves" in text
    assert "<script" not in page.text.split("</head>", 1)[1]  # nothing on the page needs a script


def header_and_footer(page) -> tuple[str, str]:
    header = page.text.split("<header", 1)[1].split("</header>", 1)[0]
    footer = page.text.split("<footer", 1)[1].split("</footer>", 1)[0]
    return header, footer


def test_every_page_links_to_the_help_in_its_header_and_footer(world, fixed_provisional):
    pages = {path: Browser(world).get(path) for path in ("/connexion", "/mot-de-passe-oublie", "/nulle-part", "/aide")}
    browser = at_first_connection(world, Role.STUDENT)
    pages["first connection"] = browser.page
    form = {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD, "birth_date": "14/05/2011"}
    pages["pending"] = browser.post("/premiere-connexion", {**form, "email": "jeanne@laposte.net"})
    parent = signed_in(world, Role.PARENT)
    pages["desk"] = parent.get("/bureau")
    pages["my account"] = parent.get("/mon-compte")
    for name, page in pages.items():
        header, footer = header_and_footer(page)
        assert '<a class="fr-btn" href="/aide">Aide</a>' in header, name
        assert 'href="/aide">Aide</a>' in footer, name
    assert 'href="/aide">Aide</a>' in pages["/nulle-part"].text.split("<main", 1)[1]  # the error page's own link


# --- the mails, in their reader's register too (the subjects stay the leaflet's) ----------------------------------


@pytest.mark.parametrize(
    ("role", "said", "not_said"),
    [
        (
            Role.STUDENT,
            ("Tu disposes d'un délai", "clique sur le bouton", "ignore ce message"),
            r"\b(vous|votre|vos)\b",
        ),
        (
            Role.PARENT,
            ("Vous disposez d'un délai", "cliquez sur le bouton", "ignorez ce message"),
            r"\b(tu|te|ton|ta|tes|toi)\b",
        ),
    ],
)
def test_the_validation_and_reset_mails_speak_to_their_reader(world, role, said, not_said):
    identifier = provision(world, role)
    world.activate(identifier, "famille.dupont@laposte.net", password=NEW_PASSWORD)
    world.call("POST", "/api/password/forgot", {"identifier": identifier})
    world.deliver_queued_mail()
    validation, reset = world.mails()
    assert validation.subject == "Message des services en ligne – Activation de votre compte"
    assert reset.subject == "Message des services en ligne – Réinitialisation du mot de passe"
    for mail in (validation, reset):
        text = html.unescape(mail.html.split("</title>")[1])  # the title is the subject again
        assert not re.search(not_said, text, re.IGNORECASE), re.search(not_said, text, re.IGNORECASE)
    assert said[0] in html.unescape(validation.html)
    assert all(words in html.unescape(reset.html) for words in said[1:])


def test_no_mail_subject_addresses_its_reader_but_the_leaflets(world):
    """A student's mails say "tu" inside; their subjects say neither "tu" nor "vous" (the same for every reader),
    but for the activation's: the leaflet's words, which the letter tells the student to look for."""
    leaflet = "Message des services en ligne – Activation de votre compte"
    identifier = provision(world, Role.STUDENT)
    world.activate(identifier, "jeanne@laposte.net", password=NEW_PASSWORD)
    world.call("POST", "/api/password/forgot", {"identifier": identifier})
    world.deliver_queued_mail()
    token = world.call("POST", "/api/login", {"identifier": identifier, "password": NEW_PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['session_token']}"}
    body = {
        "current_password": NEW_PASSWORD,
        "new_email": "lea@laposte.net",
        "new_email_confirmation": "lea@laposte.net",
    }
    assert world.call("POST", "/api/account/email", body, headers=headers).status == 202
    body = {"current_password": NEW_PASSWORD, "new_password": "Nouveau-Mot-2"}
    assert world.call("POST", "/api/account/password", body, headers=headers).status == 200
    subjects = {mail.subject for mail in world.mails()}
    assert subjects == {
        leaflet,
        "Message des services en ligne – Réinitialisation du mot de passe",
        "Message des services en ligne – Confirmation de la nouvelle adresse mail",
        "Message des services en ligne – Changement d'adresse mail demandé",
        "Message des services en ligne – Mot de passe modifié",
    }
    assert [subject for subject in subjects if subject != leaflet and addressing(subject)] == []
    for mail in world.mails():  # the HTML part's title is the subject's own words
        assert f"<title>{mail.subject.removeprefix('Message des services en ligne – ')}</title>" in html.unescape(
            mail.html
        )


@pytest.mark.parametrize(
    ("role", "said"),
    [
        (Role.STUDENT, "donne ta date de naissance"),
        (Role.PARENT, "indiquez votre propre date de naissance (celle que connaît l'établissement, pas celle de votre"),
    ],
)
def test_the_first_connection_says_whose_birth_date_it_asks(world, fixed_provisional, role, said):
    text = re.sub(r"\s+", " ", visible_text(at_first_connection(world, role).page))
    assert said in text and "date de naissance demandée" not in text


@pytest.mark.parametrize(
    ("role", "first", "again"),
    [
        (
            Role.STUDENT,
            "Ton adresse mail a été modifiée.",
            "Cette adresse mail est déjà confirmée : c'est celle de ton",
        ),
        (
            Role.PARENT,
            "Votre adresse mail a été modifiée.",
            "Cette adresse mail est déjà confirmée : c'est celle de votre",
        ),
    ],
)
def test_an_address_change_link_opened_twice_says_the_address_is_already_confirmed(world, role, first, again):
    browser = signed_in(world, role)
    browser.get("/mon-compte")
    new = "nouvelle.adresse@laposte.net"
    page = browser.post(
        "/mon-compte/adresse", {"current_password": NEW_PASSWORD, "new_email": new, "new_email_confirmation": new}
    )
    assert page.status == 200
    [link] = [mail for mail in world.mails() if mail.to == [new]]
    pages = [Browser(world).get(f"/valider-adresse-mail?code={code_in(link.html)}") for _ in range(2)]
    assert first in visible_text(pages[0])
    text = visible_text(pages[1])
    assert pages[1].status == 200 and again in text
    assert "déjà validé" not in text
