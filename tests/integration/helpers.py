"""Steps of the leaflet's path, as a student's browser or the ENT portal would call them."""

from __future__ import annotations

from local.harness import BIRTH_DATE, NEW_PASSWORD
from tests.support.links import code_in


def login(world, identifier, password):
    return world.call("POST", "/api/login", {"identifier": identifier, "password": password})


def challenge(world, identifier, provisional):
    answer = login(world, identifier, provisional)
    assert answer.status == 200, answer.text
    return answer.json()["challenge_token"]


def first_connection(world, identifier, provisional, email=None, password=NEW_PASSWORD, birth_date=BIRTH_DATE):
    body = {
        "challenge_token": challenge(world, identifier, provisional),
        "new_password": password,
        "birth_date": birth_date,
    }
    if email is not None:
        body["email"] = email
    answer = world.call("POST", "/api/first-connection", body)
    assert answer.status == 200, answer.text
    return answer


def activate(world, identifier, email=None):
    """Take a provisioned account to ACTIVE: first connection, and validation when an e-mail is given."""
    world.activate(identifier, email, password=NEW_PASSWORD)


def active_student(world, identifier="jdupont12", email="jeanne@laposte.net"):
    """A student past the first connection, with a validated address."""
    world.provision(identifier)
    activate(world, identifier, email=email)
    return world


def session_token(world, identifier, password=NEW_PASSWORD):
    answer = login(world, identifier, password)
    assert answer.status == 200, answer.text
    return answer.json()["session_token"]


def last_code(world, to=None):
    mails = [mail for mail in world.mails() if to is None or to in mail.to]
    return code_in(mails[-1].html)


def dynamodb_requests(world, action):
    """`action`'s result and the DynamoDB requests it sent, in order."""
    return world.dynamodb_requests(action)
