"""One register per audience (issue 18): "tu" to a student, "vous" to a parent, neither where nobody is known."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import ent_accounts
from ent_accounts import errors
from ent_accounts.accounts import Role
from ent_accounts.errors import InvalidRequest
from ent_accounts.templates import environment
from ent_accounts.wording import Say, audience_of, resolved, text_for

# A word that addresses the reader, in either register (the check over every neutral sentence).
# A verb said to the reader with its pronoun after it ("saisissez-la", "connecte-toi") addresses the reader as well.
ADDRESSING = re.compile(
    r"\b(tu|ton|ta|tes|toi|te|vous|votre|vos)\b|\bt'|\b\w+(?:ez|es|is|e)-(?:la|le|les|lui|leur|en|y|moi)\b",
    re.IGNORECASE,
)
GREETING = Say("Bonjour, tu es là.", "Bonjour, vous êtes là.", "Bonjour.")


def addressing(text: str) -> list[str]:
    """The words of `text` that address its reader, outside the « … » of a quoted title (a mail's subject)."""
    return [match.group(0) for match in ADDRESSING.finditer(re.sub(r"«[^»]*»", "", text))]


def test_each_audience_gets_its_form_and_anybody_else_the_neutral_one():
    assert GREETING.to(Role.STUDENT) == GREETING.to("eleve") == "Bonjour, tu es là."
    assert GREETING.to(Role.PARENT) == GREETING.to("parent") == "Bonjour, vous êtes là."
    assert GREETING.to(None) == GREETING.to("enseignant") == str(GREETING) == "Bonjour."
    assert text_for("Identifiant ou mot de passe incorrect.", "parent") == "Identifiant ou mot de passe incorrect."


def test_the_check_finds_either_register_but_not_inside_a_quoted_title():
    assert addressing("Connecte-toi avec ton identifiant, t'as vu ?") == ["toi", "ton", "t'"]
    assert addressing("Vos enfants") == ["Vos"]
    assert addressing("Si une adresse a été validée, saisissez-la ; écris-le ; donne-la.") == [
        "saisissez-la",
        "écris-le",
        "donne-la",
    ]
    assert addressing("Au-delà de celle-là, c'est-à-dire peut-être.") == []
    assert addressing("L'objet « Activation de votre compte » est à chercher.") == []


def test_format_fills_in_the_three_forms():
    said = Say("{n} pour toi", "{n} pour vous", "{n} pour ce compte").format(n=3)
    assert (said.student, said.parent, said.neutral) == ("3 pour toi", "3 pour vous", "3 pour ce compte")


def test_a_page_speaks_to_its_audience_else_to_its_accounts_role():
    class Account:
        role = Role.PARENT

    assert audience_of({"audience": Role.STUDENT, "account": Account()}) == "eleve"
    assert audience_of({"account": Account()}) == "parent"
    assert audience_of({}) is None
    errors_ = {"birth_date": GREETING, "email": "Ce champ est obligatoire."}
    assert resolved(errors_, "parent") == {"birth_date": "Bonjour, vous êtes là.", "email": "Ce champ est obligatoire."}
    assert resolved((GREETING, "14 h 37"), "eleve") == ("Bonjour, tu es là.", "14 h 37")
    assert resolved(GREETING, None) == "Bonjour."


def test_a_domain_error_speaks_to_the_audience_its_raiser_named():
    error = InvalidRequest("Certains champs sont à corriger.", fields={"x": GREETING}, audience="parent")
    assert error.message_for() == "Certains champs sont à corriger."
    assert error.fields_for() == {"x": "Bonjour, vous êtes là."}
    assert error.fields_for("eleve") == {"x": "Bonjour, tu es là."}
    assert InvalidRequest(GREETING).message_for() == str(InvalidRequest(GREETING)) == "Bonjour."


def test_the_templates_say_gives_the_neutral_form_to_a_page_that_knows_nobody():
    template = environment().from_string('{{ say("Choisis.", "Choisissez.", "Choix à faire.") }}')
    assert template.render() == "Choix à faire."
    assert template.render(audience="parent") == "Choisissez."
    assert template.render(audience="eleve") == "Choisis."


def _every_say_and_error():
    """Every Say defined at the top of a module of the package, and every user-facing error class's message."""
    found = []
    for module_info in pkgutil.walk_packages(ent_accounts.__path__, "ent_accounts."):
        if module_info.name.startswith(("ent_accounts.school_files", "ent_accounts.letters")):
            continue  # read by school staff ("vous"), not by students nor parents
        try:
            module = importlib.import_module(module_info.name)
        except ImportError:  # a module of the admin layer only (fpdf2, calamine)
            continue
        for name, value in vars(module).items():
            if isinstance(value, Say):
                found.append((f"{module_info.name}.{name}", value))
            elif isinstance(value, dict):
                found += [(f"{module_info.name}.{name}[{k}]", v) for k, v in value.items() if isinstance(v, Say)]
    return found


EVERY_SAY = _every_say_and_error()
# Read by students and parents (the school's and the client registry's errors, after these, say "vous" to staff).
USER_ERRORS = [
    errors.DomainError,
    errors.InvalidCredentials,
    errors.AccountPendingValidation,
    errors.InvalidChallenge,
    errors.AlreadyCompleted,
    errors.NotPending,
    errors.InvalidOrExpiredCode,
    errors.MailUnavailable,
    errors.AddressUndeliverable,
    errors.AccountLocked,
    errors.TooManyRequests,
    errors.NotAuthenticated,
    errors.ServiceBusy,
]


def test_the_messages_are_found():
    names = {name for name, _ in EVERY_SAY}
    assert "ent_accounts.flows.first_connection.BIRTH_DATE_MISMATCH" in names
    assert "ent_accounts.passwords.HAS_NAME" in names
    assert len(EVERY_SAY) >= 15


@pytest.mark.parametrize(("name", "said"), EVERY_SAY, ids=[name for name, _ in EVERY_SAY])
def test_every_neutral_form_addresses_nobody_and_the_others_their_reader(name, said):
    assert addressing(said.neutral) == [], (name, said.neutral)
    assert not re.search(r"\b(vous|votre|vos)\b", said.student, re.IGNORECASE), (name, said.student)
    assert not re.search(r"\b(tu|ton|ta|tes|toi|te)\b|\bt'", said.parent, re.IGNORECASE), (name, said.parent)


def test_what_is_said_before_any_login_addresses_nobody():
    from ent_accounts.cas.login import UNKNOWN_SERVICE
    from ent_accounts.links import ENDED_NOTICES
    from ent_accounts.oidc.authorization_request import BAD_REDIRECT, UNKNOWN_CLIENT
    from ent_accounts.sso.sign_in import SignInExpired
    from ent_accounts.web import api, forms
    from ent_accounts.web.routes import first_connection, password_reset, validate_email

    sentences = [
        api.INTERNAL_ERROR,
        api.MALFORMED_PAGE_URL,
        api.INVALID_VALUE,
        forms.EXPIRED_FORM,
        forms.REQUIRED,
        forms.IDENTIFIER_TOO_LONG,
        password_reset.FORGOT_ANSWER,
        validate_email.NOT_SIGNED_IN,
        first_connection.TOO_LATE,
        first_connection.FIRST_CONNECTION_EXPIRED,
        UNKNOWN_CLIENT,
        BAD_REDIRECT,
        UNKNOWN_SERVICE,
        SignInExpired.message,
        errors.AccountLocked(300).message_for(),
        *ENDED_NOTICES.values(),
        *(cls().message_for() if cls is not errors.AccountLocked else "" for cls in USER_ERRORS),
    ]
    wrong = [(sentence, addressing(sentence)) for sentence in sentences if addressing(sentence)]
    assert wrong == []
    assert errors.AccountLocked(300).message_for() == (
        "Trop de tentatives de connexion : nouvel essai possible dans 5 minutes."
    )
