"""The forms a student or a parent fills in once signed in or from a mail's link (issue 18): every error shown at once
(the current password's too, counted toward the lock-out as the change itself would count it), said in the words of
a signed-in form, and the reset page naming its account in its holder's register."""

from __future__ import annotations

import html
import re

import pytest

from ent_accounts.accounts import Role
from tests.integration.helpers import NEW_PASSWORD
from tests.support.browser import Browser
from tests.support.links import code_in
from tests.support.store_helpers import login_throttle

TOO_SHORT = "Le mot de passe doit contenir au moins 8 caractères."
DIFFER = "Les deux mots de passe ne sont pas identiques."
WRONG_CURRENT = {
    Role.STUDENT: "Ton mot de passe actuel est incorrect.",
    Role.PARENT: "Votre mot de passe actuel est incorrect.",
}
PEOPLE = {Role.STUDENT: ("jdupont12", "Jeanne"), Role.PARENT: ("pdupont", "Paul")}


def field_errors(page) -> dict[str, str]:
    """Every message shown next to a field, by field."""
    return {name: html.unescape(text) for name, text in re.findall(r'id="([a-z_]+)-error">([^<]+)<', page.text)}


def summary(page) -> str:
    found = re.search(r'<div class="fr-alert fr-alert--error[^>]*id="erreurs".*?</div>', page.text, re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))) if found else ""


def signed_in(world, role=Role.STUDENT):
    identifier, first_name = PEOPLE[role]
    world.provision(identifier, role=role, first_name=first_name)
    world.activate(identifier, f"{identifier}@laposte.net", password=NEW_PASSWORD)
    browser = Browser(world)
    browser.get("/connexion")
    assert "<h1>Bureau</h1>" in browser.post("/connexion", {"identifier": identifier, "password": NEW_PASSWORD}).text
    browser.get("/mon-compte")
    return browser, identifier


def change_password(browser, current, new, confirmation):
    fields = {"password_current": current, "new_password": new, "new_password_confirmation": confirmation}
    return browser.post("/mon-compte/mot-de-passe", fields)


def change_address(browser, current, new, confirmation):
    fields = {"current_password": current, "new_email": new, "new_email_confirmation": confirmation}
    return browser.post("/mon-compte/adresse", fields)


# --- « Gérer son compte »: every error at once ------------------------------------------------------------------


def test_a_short_new_password_typed_differently_is_told_both(world):
    browser, identifier = signed_in(world)
    page = change_password(browser, NEW_PASSWORD, "abc", "abd")
    assert page.status == 400
    assert field_errors(page) == {"new_password": TOO_SHORT, "new_password_confirmation": DIFFER}
    assert "2 erreurs sont à corriger" in summary(page)
    assert login_throttle(world.store, identifier).failures == 0  # the right current password counts nothing


@pytest.mark.parametrize("role", [Role.STUDENT, Role.PARENT])
def test_a_wrong_current_password_is_told_with_the_new_passwords_mistakes_in_the_accounts_register(world, role):
    browser, identifier = signed_in(world, role)
    page = change_password(browser, "Mauvais-Mot-1", "abc", "abc")
    assert page.status == 400
    assert field_errors(page) == {"password_current": WRONG_CURRENT[role], "new_password": TOO_SHORT}
    said = summary(page)
    assert "Mot de passe actuel : " + WRONG_CURRENT[role] in said and "Nouveau mot de passe : " + TOO_SHORT in said
    assert "Identifiant ou mot de passe incorrect" not in html.unescape(page.text)  # no identifier typed here
    assert login_throttle(world.store, identifier).failures == 1  # a wrong guess, counted once as any other

    # The same wrong password with a good new one: refused by the change itself, in the same words.
    page = change_password(browser, "Mauvais-Mot-1", "Nouveau-Mot-2", "Nouveau-Mot-2")
    assert page.status == 401 and field_errors(page) == {"password_current": WRONG_CURRENT[role]}
    assert login_throttle(world.store, identifier).failures == 2


def test_a_right_current_password_sent_with_a_refused_form_forgets_the_failures_as_any_proven_password(world):
    browser, identifier = signed_in(world)
    for _ in range(3):
        change_password(browser, "Mauvais-Mot-1", "abc", "abc")
    assert login_throttle(world.store, identifier).failures == 3
    page = change_password(browser, NEW_PASSWORD, "abc", "abd")
    assert page.status == 400 and "password_current" not in field_errors(page)
    assert login_throttle(world.store, identifier).failures == 0
    page = change_password(browser, NEW_PASSWORD, "Nouveau-Mot-2", "Nouveau-Mot-2")
    assert "Ton mot de passe a été modifié" in page.text


def test_a_form_left_without_its_current_password_checks_none(world):
    browser, identifier = signed_in(world)
    page = change_password(browser, "", "abc", "abd")
    assert field_errors(page) == {
        "password_current": "Ce champ est obligatoire.",
        "new_password": TOO_SHORT,
        "new_password_confirmation": DIFFER,
    }
    assert login_throttle(world.store, identifier).failures == 0


def test_wrong_guesses_sent_with_refused_forms_lock_the_account_as_the_login_does(world):
    """Checking the current password along with the rest gives no more guesses than the lock-out allows: the fifth
    wrong one locks, and the page says so with the form's other mistakes, as a 429 with Retry-After."""
    browser, identifier = signed_in(world)
    for _ in range(4):
        assert change_password(browser, "Mauvais-Mot-1", "abc", "abd").status == 400
    locked = change_password(browser, "Mauvais-Mot-1", "abc", "abd")
    assert locked.status == 429 and locked.header("Retry-After")
    errors = field_errors(locked)
    assert errors["password_current"].startswith("Trop de tentatives de connexion : nouvel essai possible dans")
    assert errors["new_password"] == TOO_SHORT and errors["new_password_confirmation"] == DIFFER
    assert login_throttle(world.store, identifier).failures == 5
    # While locked, even the right password is not checked: still the lock-out, nothing more counted.
    again = change_address(browser, NEW_PASSWORD, "paul@", "paul@")
    assert again.status == 429 and field_errors(again)["new_email"] == "Cette adresse mail n'est pas valide."
    assert login_throttle(world.store, identifier).failures == 5


def test_the_address_form_tells_a_wrong_password_a_bad_address_and_a_different_confirmation_together(world):
    browser, identifier = signed_in(world, Role.PARENT)
    page = change_address(browser, "Mauvais-Mot-1", "paul@", "autre@example.org")
    assert page.status == 400
    assert field_errors(page) == {
        "current_password": WRONG_CURRENT[Role.PARENT],
        "new_email": "Cette adresse mail n'est pas valide.",
        "new_email_confirmation": "Les deux adresses ne sont pas identiques.",
    }
    assert "3 erreurs sont à corriger" in summary(page)
    assert login_throttle(world.store, identifier).failures == 1
    # The same invalid address typed twice is one mistake, not two.
    page = change_address(browser, NEW_PASSWORD, "paul@", "PAUL@")
    assert field_errors(page) == {"new_email": "Cette adresse mail n'est pas valide."}
    assert login_throttle(world.store, identifier).failures == 0
    # Only the password wrong: the change refuses it, in the signed-in form's words.
    page = change_address(browser, "Mauvais-Mot-1", "paul@laposte.net", "paul@laposte.net")
    assert page.status == 401 and field_errors(page) == {"current_password": WRONG_CURRENT[Role.PARENT]}
    assert world.store.get_account(identifier).pending_email is None


def test_the_api_says_which_password_is_wrong_too(world):
    world.provision("jdupont12", first_name="Jeanne")
    world.activate("jdupont12", password=NEW_PASSWORD)
    token = world.call("POST", "/api/login", {"identifier": "jdupont12", "password": NEW_PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['session_token']}"}
    body = {"current_password": "Mauvais-Mot-1", "new_password": "Nouveau-Mot-2"}
    answer = world.call("POST", "/api/account/password", body, headers=headers)
    assert answer.status == 401
    assert answer.json() == {
        "error": "invalid_credentials",
        "message": WRONG_CURRENT[Role.STUDENT],
        "fields": {"current_password": WRONG_CURRENT[Role.STUDENT]},
    }


# --- the page of the reset link: its account named, in its holder's register -------------------------------------


def reset_page(world, role):
    identifier, _ = PEOPLE[role]
    world.provision(identifier, role=role, first_name=PEOPLE[role][1])
    world.activate(identifier, "famille.dupont@laposte.net", password=NEW_PASSWORD)
    world.call("POST", "/api/password/forgot", {"identifier": identifier})
    world.deliver_queued_mail()
    [mail] = [m for m in world.mails() if "Réinitialisation" in m.subject]
    code = code_in(mail.html)
    browser = Browser(world)
    return browser, browser.get(f"/reinitialiser-mot-de-passe?code={code}"), code


def visible(page) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.text.split("<main", 1)[1].split("</main>", 1)[0]))


@pytest.mark.parametrize(
    ("role", "said", "not_said"),
    [
        (Role.STUDENT, ("Choisis ton nouveau mot de passe", "tes sessions", "Connecte-toi"), r"\b(vous|votre|vos)\b"),
        (Role.PARENT, ("Choisissez votre nouveau mot de passe", "vos sessions", "Connectez-vous"), r"\b(tu|ton|tes)\b"),
    ],
)
def test_the_reset_page_names_the_account_and_speaks_to_its_holder(world, role, said, not_said):
    identifier, first_name = PEOPLE[role]
    browser, page, code = reset_page(world, role)
    text = visible(page)
    assert page.status == 200 and f"Compte concerné : {identifier} ({first_name})" in re.sub(r"\s+", " ", text)
    assert said[0] in text and said[1] in text and not re.search(not_said, text, re.IGNORECASE)
    assert f"<title>{said[0]}" in page.text
    assert 'class="fr-btn fr-btn--secondary" href="/connexion">Annuler' in page.text  # a way back

    wrong = browser.post(
        "/reinitialiser-mot-de-passe",
        {"code": code, "new_password": f"{first_name}-Tigre-2011!", "new_password_confirmation": "abc"},
    )
    assert wrong.status == 400 and f"Compte concerné : {identifier}" in re.sub(r"\s+", " ", visible(wrong))
    errors = field_errors(wrong)
    assert errors["new_password_confirmation"] == DIFFER
    assert errors["new_password"] in (
        "Le mot de passe ne doit pas contenir ton nom ni ton prénom.",
        "Le mot de passe ne doit pas contenir votre nom ni votre prénom.",
    )  # the account's names, checked with the rest before the change
    assert (role is Role.STUDENT) == ("ton nom" in errors["new_password"])

    done = browser.post(
        "/reinitialiser-mot-de-passe",
        {"code": code, "new_password": "Nouveau-Mot-2", "new_password_confirmation": "Nouveau-Mot-2"},
    )
    text = re.sub(r"\s+", " ", visible(done))
    assert done.status == 200 and said[2] in text and identifier in text
    assert not re.search(not_said, text, re.IGNORECASE)
    assert 'href="/connexion">Se connecter</a>' in done.text


def test_the_reset_page_without_a_working_code_knows_nobody(world):
    _, _, code = reset_page(world, Role.STUDENT)
    for page in (
        Browser(world).get("/reinitialiser-mot-de-passe?code=faux"),
        Browser(world).get("/reinitialiser-mot-de-passe"),
    ):
        text = visible(page)
        assert page.status == 410 and "Ce lien n'est pas valide" in text and "jdupont12" not in text
        assert 'href="/connexion">Retour à la connexion</a>' in page.text
    browser = Browser(world)
    browser.get("/connexion")
    posted = browser.post("/reinitialiser-mot-de-passe", {"code": "faux", "new_password": "abc"})
    assert posted.status == 410 and "jdupont12" not in visible(posted)
    forged = Browser(world).post("/reinitialiser-mot-de-passe", {"code": "faux", "new_password": "abc"}, csrf=False)
    assert forged.status == 403
    assert login_throttle(world.store, "jdupont12").failures == 0 and code
