"""Bad input on every route gets a clear French 400 in the documented shape: never a 500, never a trace."""

from __future__ import annotations

import json

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

TOO_DEEP = "Le corps de la requête est trop imbriqué (32 niveaux de crochets ou d'accolades au plus)."
NOT_JSON = "Le corps de la requête doit être du JSON (Content-Type: application/json)."
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


def json_routes(public_only=False):
    """Every POST route of the API that takes a JSON body (from the OpenAPI document, so none is forgotten)."""
    from ent_accounts.web.openapi import openapi_document

    paths = json.loads(openapi_document())["paths"]
    found = sorted(path for path, item in paths.items() if "requestBody" in item.get("post", {}))
    return [path for path in found if not (public_only and path.startswith("/api/admin/"))]


@pytest.mark.parametrize("path", json_routes())
def test_json_nested_deeper_than_the_limit_is_a_clear_400(world, path):
    headers = {"Content-Type": "application/json", "Idempotency-Key": "k" * 40}
    for depth in (967, 5000):  # 967: about 2 KB, enough for json.loads' RecursionError
        deep = "[" * depth + "]" * depth
        for body in (deep, '{"uai": "0341234A", "accounts": ' + deep + ', "code": ' + deep + "}"):
            answer = world.call("POST", path, body, headers=headers)
            assert_clear_400(answer)
            assert answer.json()["message"] == TOO_DEEP
    shallow = "[" * 31 + "]" * 31  # in the object: 32 levels, the limit, so an ordinary field error
    answer = world.call("POST", path, '{"uai": "0341234A", "accounts": ' + shallow + "}", headers=headers)
    assert answer.status == 400 and answer.json()["message"] != TOO_DEEP
    in_a_string = json.dumps({"code": "[" * 5000, "identifier": "\\" + "{" * 5000})  # brackets in strings count not
    answer = world.call("POST", path, in_a_string, headers=headers)
    assert answer.status != 500 and answer.json()["message"] != TOO_DEEP


NOT_JSON_TYPES = [
    None,
    "application/jsonx",
    "application/json-patch+json",
    "text/plain",  # what a cross-site form or a no-cors fetch can send
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
]


@pytest.mark.parametrize("path", json_routes(public_only=True))
def test_public_json_routes_take_only_application_json(world, path):
    for content_type in NOT_JSON_TYPES:
        headers = {"Content-Type": content_type} if content_type else {}
        answer = world.call("POST", path, json.dumps(VALID.get(path, {"code": "x" * 43})), headers=headers)
        record("bad inputs tried")
        assert answer.status == 415, (content_type, answer.text)
        assert answer.json() == {"error": "unsupported_media_type", "message": NOT_JSON}
    assert world.mails() == []
    answer = world.call("POST", path, "{}", headers={"Content-Type": "application/json; charset=utf-8"})
    assert_clear_400(answer)  # parameters are fine: the body is read, and its missing fields named
