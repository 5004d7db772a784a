"""Requests a school tool sends (the /api/admin/ routes), for the integration tests."""

from __future__ import annotations

import base64
import uuid

UAI = "0341234A"
OTHER_UAI = "0751234B"


def new_key() -> str:
    return uuid.uuid4().hex


def row(last_name, first_name, role="eleve", birth_date=None, school_class=None) -> dict:
    return {
        "last_name": last_name,
        "first_name": first_name,
        "role": role,
        "birth_date": birth_date,
        "class": school_class,
    }


def post_accounts(world, rows, uai=UAI, key=None):
    headers = {"Idempotency-Key": key or new_key()}
    return world.call("POST", "/api/admin/accounts", {"uai": uai, "accounts": rows}, headers=headers)


def created(world, rows, uai=UAI) -> list[dict]:
    answer = post_accounts(world, rows, uai)
    assert answer.status == 201, answer.text
    return answer.json()["accounts"]


def create_one(world, last_name="Dupont", first_name="Jeanne", **extra) -> dict:
    (account,) = created(world, [row(last_name, first_name, **extra)], extra.pop("uai", UAI))
    return account


def reset(world, identifier, uai=UAI):
    return world.call("POST", f"/api/admin/accounts/{identifier}/password-reset?uai={uai}")


def letters_pdf(answer) -> bytes:
    assert answer.status == 200, answer.text
    assert answer.header("Content-Type") == "application/pdf"
    return base64.b64decode(answer.text)  # the function's answer; API Gateway sends the bytes


def items_text(world) -> str:
    return repr(world.items())
