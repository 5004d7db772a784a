"""A school imports its list again (a new school year, a corrected file): the people it already has are recognised,
not created twice, their class follows the file; a real homonym can be forced; racing imports never create one
person twice."""

from __future__ import annotations

from collections import Counter

from tests.integration.school import new_key, post_accounts, row
from tests.support.containers import SIZE, Request


def students():
    return [
        row("Dupont", "Jeanne", birth_date="2011-05-14", school_class="4e B"),
        row("Le Bihan-Pérez", "Élodie", birth_date="2011-09-02", school_class="4e B"),
        row("Martin", "Adam", school_class="4e A"),  # no birth date: never recognised (may be a homonym)
    ]


def imported(world, rows):
    answer = post_accounts(world, rows)
    assert answer.status == 201, answer.text
    return answer.json()


def test_the_same_list_twice_creates_nobody_again(world):
    first = imported(world, students())
    assert [a["identifier"] for a in first["accounts"]] == ["jdupont", "elebihanperez", "amartin"]
    assert "existing" not in first and "links" not in first  # a first import answers as before
    again = students()
    again[0]["last_name"], again[0]["first_name"] = "DUPONT", "jeanne"  # spelt otherwise: the same person
    second = imported(world, again)
    assert [a["identifier"] for a in second["accounts"]] == ["amartin1"]  # no birth date: created again
    assert second.get("existing", []) == [
        {"row": 0, "identifier": "jdupont", "role": "eleve", "first_name": "jeanne", "last_name": "DUPONT",
         "class": "4e B"},
        {"row": 1, "identifier": "elebihanperez", "role": "eleve", "first_name": "Élodie",
         "last_name": "Le Bihan-Pérez", "class": "4e B"},
    ]  # fmt: skip
    assert world.store.get_account("jdupont1") is None


def test_a_new_school_year_moves_the_class(world):
    imported(world, students())
    next_year = students()
    next_year[0]["class"] = "3e A"
    next_year[1]["class"] = None  # no class in the file: the one known stays
    second = imported(world, next_year)
    moved, kept = second.get("existing", [])
    assert moved["class"] == "3e A" and moved["previous_class"] == "4e B"
    assert kept["class"] == "4e B" and "previous_class" not in kept
    assert world.store.get_account("jdupont").school_class == "3e A"


def test_a_real_homonym_is_forced(world):
    imported(world, students()[:1])
    twin = {**students()[0], "homonym": True}
    second = imported(world, [twin])
    assert [a["identifier"] for a in second["accounts"]] == ["jdupont1"] and second.get("existing", []) == []


def test_another_school_has_its_own_people(world):
    imported(world, students()[:1])
    other = post_accounts(world, students()[:1], uai="0751234B")
    assert [a["identifier"] for a in other.json()["accounts"]] == ["jdupont1"]


def test_a_deleted_student_imported_again_gets_a_new_account(world):
    imported(world, students()[:1])
    assert world.call("DELETE", "/api/admin/accounts/jdupont?uai=0341234A").status == 204
    second = imported(world, students()[:1])
    assert [a["identifier"] for a in second["accounts"]] == ["jdupont1"] and second.get("existing", []) == []
    third = imported(world, students()[:1])
    assert third["accounts"] == [] and [e["identifier"] for e in third.get("existing", [])] == ["jdupont1"]


def test_messages_name_the_line_of_the_school_file(world):
    rows = [{**r, "line": n} for r, n in zip(students(), (7, 9, 12), strict=True)]
    rows.append({**students()[0], "line": 15})
    answer = post_accounts(world, rows)
    assert answer.status == 400
    assert answer.json()["fields"] == {
        "accounts[3]": "Ligne 15 : identique à la ligne 7, un seul compte par personne "
        "(une vraie homonymie se signale par « homonym »)."
    }


def test_eight_imports_of_one_list_at_once_create_each_person_once(real_engine, containers):
    rows = [
        row(
            "Durand",
            f"Élève {chr(97 + n // 26)}{chr(97 + n % 26)}",
            birth_date=f"2011-01-{n + 1:02d}",
            school_class="5e C",
        )
        for n in range(30)
    ]
    requests = [
        Request("POST", "/api/admin/accounts", {"uai": "0341234A", "accounts": rows}, {"Idempotency-Key": new_key()})
        for _ in range(SIZE)
    ]
    outcomes = containers.at_once(real_engine, requests)
    assert Counter(outcome.status for outcome in outcomes) == {201: SIZE}, [o.body for o in outcomes]
    created = [a["identifier"] for outcome in outcomes for a in outcome.body["accounts"]]
    recognised = [e["identifier"] for outcome in outcomes for e in outcome.body.get("existing", [])]
    assert len(created) == len(set(created)) == 30  # each person created once, by one import or another
    assert sorted(set(recognised)) == sorted(created)  # the others recognised them
    for outcome in outcomes:
        assert len(outcome.body["accounts"]) + len(outcome.body.get("existing", [])) == 30
    listed = real_engine.call("GET", "/api/admin/accounts?uai=0341234A").json()["accounts"]
    assert len(listed) == 30
