"""Bad input on the school routes gets a clear French 400 in the documented shape: never a 500."""

from __future__ import annotations

import io

import pypdf
import pytest

from tests.integration.school import UAI, create_one, letters_pdf, new_key, row
from tests.integration.test_bad_input import NOT_AN_OBJECT, assert_clear_400

BODIES = {
    "/api/admin/accounts": {"uai": UAI, "accounts": [row("Dupont", "Jeanne")]},
    "/api/admin/letters": {"uai": UAI, "class": "4e B"},
}


def post(world, path, body):
    return world.call("POST", path, body, headers={"Idempotency-Key": new_key(), "Content-Type": "application/json"})


@pytest.mark.parametrize("path", sorted(BODIES))
def test_bodies_that_are_not_json_objects(world, path):
    for raw in NOT_AN_OBJECT:
        assert_clear_400(post(world, path, raw.encode("utf-8", "surrogateescape") if raw == "\udcff" else raw))


def test_wrong_types_in_the_import(world):
    for bad in [None, 12, [], {}, True, "x" * 5000, [{}], ["texte"], [None]]:
        check_import_fields(world, bad)


def check_import_fields(world, bad):
    for name in ("uai", "accounts"):
        answer = post(world, "/api/admin/accounts", {**BODIES["/api/admin/accounts"], name: bad})
        assert_clear_400(answer)
        assert all(field.startswith(name) for field in answer.json()["fields"]), answer.json()
    for name in ("last_name", "first_name", "birth_date", "role", "class"):
        answer = post(world, "/api/admin/accounts", {"uai": UAI, "accounts": [{**row("Dupont", "Jeanne"), name: bad}]})
        assert answer.status in (201, 400), (name, bad, answer.text)
        if answer.status == 400:
            assert_clear_400(answer)
            assert answer.json()["message"].startswith("Rien n'a été enregistré")


def test_wrong_types_in_a_letters_request(world):
    for bad in [12, [], {}, True, "x" * 5000, ["x" * 100], list(range(501))]:
        for name in ("class", "role", "identifiers", "school_name"):
            answer = post(world, "/api/admin/letters", {**BODIES["/api/admin/letters"], name: bad})
            assert answer.status in (400, 404), (name, bad, answer.text)
            if answer.status == 400:
                assert_clear_400(answer)


def test_odd_identifiers_in_paths_are_simply_not_found(world):
    for identifier in ["x" * 300, "%00", "..", "jdupont%2F..", "é"]:
        for method, path in [("GET", "/api/admin/accounts/{}"), ("DELETE", "/api/admin/accounts/{}")]:
            answer = world.call(method, path.format(identifier) + f"?uai={UAI}")
            assert answer.status == 404, answer.text


def test_a_school_name_is_one_line_of_text(world):
    create_one(world, school_class="4e B")
    for brk in ["\n", "\r", "\r\n", "\t", "\x00", "\x1b[2J", "\x85", "\u2028", "\u2029", "\u202e"]:
        name = f"Collège Molière{brk}Mot de passe provisoire : 000000000000"
        answer = post(world, "/api/admin/letters", {**BODIES["/api/admin/letters"], "school_name": name})
        assert_clear_400(answer, "school_name")
        assert "sur une seule ligne" in answer.json()["fields"]["school_name"], answer.json()
    answer = post(world, "/api/admin/letters", {**BODIES["/api/admin/letters"], "school_name": "x" * 121})
    assert_clear_400(answer, "school_name")
    assert "au plus 120 caractères" in answer.json()["fields"]["school_name"]

    answer = post(world, "/api/admin/letters", {**BODIES["/api/admin/letters"], "school_name": " Lycée  n° 2 & Curie "})
    (page,) = pypdf.PdfReader(io.BytesIO(letters_pdf(answer))).pages
    assert "Lycée n° 2 & Curie (0341234A)" in page.extract_text()
