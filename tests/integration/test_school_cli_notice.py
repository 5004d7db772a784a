"""A school's reset is told to the account's validated address (issue 17): a student reads it with "tu", a parent
with "vous"; an address never validated is mailed nothing (it may be a typing error: someone else's mailbox)."""

from __future__ import annotations

from tests.integration.helpers import BIRTH_DATE, first_connection, last_code
from tests.integration.school import create_one, reset

SUBJECT = "Message des services en ligne – Nouveau mot de passe provisoire donné par l'établissement"


def validated(world, account, email):
    first_connection(world, account["identifier"], account["provisional_password"], email=email)
    assert world.call("POST", "/api/validate-email", {"code": last_code(world)}).status == 200


def test_a_student_with_a_validated_address_is_told_of_the_reset(world):
    account = create_one(world, birth_date=BIRTH_DATE)
    validated(world, account, "jeanne@laposte.net")
    before = len(world.mails())
    assert reset(world, "jdupont").status == 200
    (notice,) = world.mails()[before:]
    assert notice.to == ["jeanne@laposte.net"] and notice.subject == SUBJECT
    assert "ton établissement a donné un nouveau mot de passe provisoire à ton compte" in notice.html
    assert "Bonjour Jeanne," in notice.html and "Compte concerné : <strong>jdupont</strong>" in notice.html
    assert "Si tu n&#39;as rien demandé, parles-en à ton établissement." in notice.html or (
        "Si tu n'as rien demandé, parles-en à ton établissement." in notice.html
    )
    assert "vous" not in notice.html.split("<body")[1]


def test_a_parent_is_told_with_vous(world):
    account = create_one(world, last_name="Martin", first_name="Paul", role="parent")
    validated(world, account, "paul.martin@laposte.net")
    before = len(world.mails())
    assert reset(world, account["identifier"]).status == 200
    (notice,) = world.mails()[before:]
    assert notice.to == ["paul.martin@laposte.net"]
    assert "votre établissement a donné un nouveau mot de passe provisoire" in notice.html
    assert "contactez votre établissement" in notice.html


def test_nothing_is_mailed_to_an_address_never_validated_nor_without_address(world):
    account = create_one(world, birth_date=BIRTH_DATE)
    first_connection(world, "jdupont", account["provisional_password"], email="mal-tapee@laposte.net")
    before = len(world.mails())
    assert reset(world, "jdupont").status == 200
    assert world.mails()[before:] == []
    other = create_one(world, last_name="Durand", first_name="Léa", birth_date=BIRTH_DATE)
    first_connection(world, other["identifier"], other["provisional_password"])
    assert reset(world, other["identifier"]).status == 200
    assert world.mails()[before:] == []
