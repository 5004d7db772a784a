"""Steps of the leaflet's path, as a student's browser or the ENT portal would call them."""

from __future__ import annotations

from tests.support.links import code_in

NEW_PASSWORD = "Soleil-Vert-2026"
BIRTH_DATE = "2011-05-14"


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
    first_connection(world, identifier, world.provisional_of[identifier], email=email)
    if email:
        answer = world.call("POST", "/api/validate-email", {"code": last_code(world)})
        assert answer.status == 200, answer.text


def last_code(world, to=None):
    mails = [mail for mail in world.mails() if to is None or to in mail.to]
    return code_in(mails[-1].html)


def dynamodb_requests(world, action):
    """`action`'s result and the DynamoDB requests it sent, in order (a botocore event hook on the store's client)."""
    calls = []

    def count(model, **_):
        calls.append(model.name)

    world.ddb.meta.events.register("before-call.dynamodb.*", count)
    try:
        return action(), calls
    finally:
        world.ddb.meta.events.unregister("before-call.dynamodb.*", count)
