"""Bad input on every route gets a clear French 400 in the documented shape: never a 500, never a trace."""

from __future__ import annotations

import pytest

from tests.support.figures import record

VALID = {
    "/api/login": {"identifier": "jdupont12", "password": "Soleil-Vert-2026"},
    "/api/first-connection": {
        "challenge_token": "x" * 43,
        "new_password": "Soleil-Vert-2026",
        "birth_date": "2011-05-14",
    },
    "/api/validation-mail": {"identifier": "jdupont12", "password": "Soleil-Vert-2026"},
    "/api/validate-email": {"code": "x" * 43},
}

NOT_AN_OBJECT = ["", "{", "[]", "null", "42", '"texte"', "{'identifier': 'a'}", "\udcff"]


def assert_clear_400(answer, field=None):
    record("bad inputs tried")
    assert answer.status == 400, answer.text
    body = answer.json()
    assert body["error"] == "invalid_request"
    assert body["message"] and "Traceback" not in answer.text and "pydantic" not in answer.text
    if field:
        assert field in body["fields"], body
        assert body["fields"][field][0].isupper()  # a sentence in French, not a type name


@pytest.mark.parametrize("path", sorted(VALID))
@pytest.mark.parametrize("raw", NOT_AN_OBJECT)
def test_bodies_that_are_not_json_objects(world, path, raw):
    answer = world.call(
        "POST",
        path,
        raw.encode("utf-8", "surrogateescape") if raw == "\udcff" else raw,
        headers={"Content-Type": "application/json"},
    )
    assert_clear_400(answer)


@pytest.mark.parametrize("path", sorted(VALID))
def test_each_missing_field_is_named(world, path):
    for name in VALID[path]:
        body = {key: value for key, value in VALID[path].items() if key != name}
        answer = world.call("POST", path, body)
        assert_clear_400(answer, name)
        assert answer.json()["fields"][name] == "Ce champ est obligatoire."


@pytest.mark.parametrize("path", sorted(VALID))
@pytest.mark.parametrize("bad", [None, 12, [], {}, True, "x" * 5000])
def test_wrong_types_and_oversized_values(world, path, bad):
    for name in VALID[path]:
        answer = world.call("POST", path, {**VALID[path], name: bad})
        assert answer.status in (400, 401, 410), (name, bad, answer.text)
        assert answer.status != 500
        if answer.status == 400:
            assert_clear_400(answer)


@pytest.mark.parametrize(
    "birth_date", ["14/05/2011", "2011-13-01", "2011-02-30", "1850-01-01", "2999-01-01", "20110514"]
)
def test_bad_birth_dates(world, birth_date):
    answer = world.call("POST", "/api/first-connection", {**VALID["/api/first-connection"], "birth_date": birth_date})
    assert_clear_400(answer, "birth_date")


def test_several_bad_fields_are_all_named(world):
    answer = world.call("POST", "/api/first-connection", {"challenge_token": "", "birth_date": "hier", "email": "@"})
    assert_clear_400(answer)
    assert set(answer.json()["fields"]) == {"challenge_token", "new_password", "birth_date", "email"}


def test_unknown_route_and_method(world):
    answer = world.functions.invoke_http("GET", "/api/login")
    assert answer is None  # not in the template: API Gateway itself answers 403/404 there


def test_json_error_answers_carry_security_headers(world):
    answer = world.call("POST", "/api/login", "{")
    assert answer.header("Content-Type") == "application/json"
    assert answer.header("Cache-Control") == "no-store"
    assert answer.header("X-Content-Type-Options") == "nosniff"
