"""A school's file names each student's responsables: they become parent accounts, one per person across the
children, linked to them; the school sees and edits the links; deleting a student removes them, and a parent left
with no child goes with the last one."""

from __future__ import annotations

from tests.integration.school import UAI, post_accounts, row
from tests.support.store_helpers import audit_events

BIRTH = "2011-05-14"  # what the first connections of the tests answer


def student(last_name, first_name, birth_date, school_class, *responsables, **extra):
    named = [dict(zip(("last_name", "first_name", "email"), r, strict=False)) for r in responsables]
    base = row(last_name, first_name, birth_date=birth_date, school_class=school_class)
    return {**base, **extra, "responsables": named}


def siblings():
    mother = ("Dupont", "Marie", "marie.dupont@laposte.net")
    father = ("Dupont", "Paul")  # no address: the same names for children of one surname are one person
    return [
        student("Dupont", "Jeanne", "2011-05-14", "4e B", mother, father, line=2),
        student("Dupont", "Léo", "2013-02-01", "6e A", mother, father, line=3),
        student("Martin", "Adam", "2011-03-03", "4e B", ("Martin", "Paul"), line=4),  # another Paul: another surname
    ]


def imported(world, rows, uai=UAI):
    answer = post_accounts(world, rows, uai=uai)
    assert answer.status == 201, answer.text
    return answer.json()


def children_of(answer, identifier):
    everyone = answer["accounts"] + answer.get("existing", [])
    (parent,) = [a for a in everyone if a["identifier"] == identifier]
    return [(c["identifier"], c["class"]) for c in parent["children"]]


def test_responsables_become_parents_linked_to_their_children(world):
    answer = imported(world, siblings())
    accounts = {a["identifier"]: a for a in answer["accounts"]}
    assert list(accounts) == ["jdupont", "ldupont", "amartin", "mdupont", "pdupont", "pmartin"]
    mother = accounts["mdupont"]
    assert mother["role"] == "parent" and mother["row"] == 0 and mother["provisional_password"]
    assert mother["first_name"] == "Marie" and mother["class"] is None
    assert children_of(answer, "mdupont") == [("jdupont", "4e B"), ("ldupont", "6e A")]
    assert children_of(answer, "pdupont") == [("jdupont", "4e B"), ("ldupont", "6e A")]
    assert children_of(answer, "pmartin") == [("amartin", "4e B")]
    assert "children" not in accounts["jdupont"]
    assert sorted((link["parent"], link["child"]) for link in answer.get("links", [])) == [
        ("mdupont", "jdupont"), ("mdupont", "ldupont"), ("pdupont", "jdupont"), ("pdupont", "ldupont"),
        ("pmartin", "amartin"),
    ]  # fmt: skip

    listed = {a["identifier"]: a for a in world.call("GET", f"/api/admin/accounts?uai={UAI}").json()["accounts"]}
    assert [p["identifier"] for p in listed["ldupont"]["responsables"]] == ["mdupont", "pdupont"]
    assert listed["pmartin"]["children"] == [
        {"identifier": "amartin", "first_name": "Adam", "last_name": "Martin", "class": "4e B"}
    ]
    detail = world.call("GET", f"/api/admin/accounts/jdupont?uai={UAI}").json()
    assert [p["identifier"] for p in detail["responsables"]] == ["mdupont", "pdupont"]
    parent = world.call("GET", f"/api/admin/accounts/mdupont?uai={UAI}").json()
    assert parent["children"] == [
        {"identifier": "jdupont", "first_name": "Jeanne", "last_name": "Dupont", "class": "4e B"},
        {"identifier": "ldupont", "first_name": "Léo", "last_name": "Dupont", "class": "6e A"},
    ]


def test_the_same_file_again_recognises_the_parents(world):
    imported(world, siblings())
    again = imported(world, siblings())
    assert again["accounts"] == [] and again.get("links", []) == []
    recognised = {e["identifier"]: e for e in again.get("existing", [])}
    assert sorted(recognised) == ["amartin", "jdupont", "ldupont", "mdupont", "pdupont", "pmartin"]
    assert recognised["pdupont"]["role"] == "parent" and recognised["pdupont"]["row"] == 0


def test_a_later_file_naming_a_parent_for_a_new_child_links_the_same_account(world):
    imported(world, siblings()[:1])  # Jeanne, with her mother (address) and father (none)
    newcomer = student("Dupont", "Léo", "2013-02-01", "6e A", ("Dupont", "Marie", "MARIE.dupont@laposte.net"))
    answer = imported(world, [newcomer])
    assert [a["identifier"] for a in answer["accounts"]] == ["ldupont"]
    assert [e["identifier"] for e in answer.get("existing", [])] == ["mdupont"]
    assert answer.get("links", []) == [{"parent": "mdupont", "child": "ldupont"}]
    assert children_of(answer, "mdupont") == [("ldupont", "6e A")]


def test_a_parent_without_address_is_recognised_through_the_same_child(world):
    imported(world, siblings()[:1])
    again = imported(world, [student("Dupont", "Jeanne", "2011-05-14", "3e B", ("DUPONT", "paul"))])
    assert again["accounts"] == [] and again.get("links", []) == []
    assert sorted(e["identifier"] for e in again.get("existing", [])) == ["jdupont", "pdupont"]


def test_a_parent_row_with_the_address_of_a_responsable_is_one_person(world):
    parent_row = {**row("Dupont", "Marie", role="parent"), "email": "marie.dupont@laposte.net"}
    answer = imported(world, [parent_row, *siblings()[:1]])
    assert [a["identifier"] for a in answer["accounts"]] == ["mdupont", "jdupont", "pdupont"]
    assert children_of(answer, "mdupont") == [("jdupont", "4e B")]


def test_the_school_links_and_unlinks_by_hand(world):
    imported(world, siblings())
    link = {"uai": UAI, "parent": "pmartin", "child": "jdupont"}
    added = world.call("POST", "/api/admin/links", link)
    assert added.status == 201 and added.json() == link
    assert world.call("POST", "/api/admin/links", link).status == 409
    detail = world.call("GET", f"/api/admin/accounts/jdupont?uai={UAI}").json()
    assert [p["identifier"] for p in detail["responsables"]] == ["mdupont", "pdupont", "pmartin"]
    wrong = world.call("POST", "/api/admin/links", {**link, "parent": "ldupont"})
    assert wrong.status == 400 and "parent" in wrong.json()["message"]
    assert world.call("POST", "/api/admin/links", {**link, "child": "personne"}).status == 404
    assert world.call("POST", "/api/admin/links", {**link, "uai": "0751234B"}).status == 404
    query = f"/api/admin/links?uai={UAI}&parent=pmartin&child=jdupont"
    assert world.call("DELETE", query).status == 204
    assert world.call("DELETE", query).status == 404
    assert world.store.get_account("pmartin") is not None  # unlinking by hand leaves the parent


def test_deleting_a_student_removes_the_links_and_a_parent_left_with_no_child(world):
    imported(world, siblings())
    assert world.call("DELETE", f"/api/admin/accounts/amartin?uai={UAI}").status == 204
    assert world.store.get_account("pmartin") is None  # his only child
    assert "parent_deleted_with_last_child" in [e["type"] for e in audit_events(world.store, "pmartin")]
    assert world.call("DELETE", f"/api/admin/accounts/jdupont?uai={UAI}").status == 204
    assert world.store.get_account("mdupont") is not None  # Léo is still hers
    parent = world.call("GET", f"/api/admin/accounts/mdupont?uai={UAI}").json()
    assert [c["identifier"] for c in parent["children"]] == ["ldupont"]
    assert "LINK#" not in repr([i for i in world.items() if "jdupont" in repr(i.get("pk"))])
    # The parent's identifier is never given again: a new Paul Martin gets a number.
    answer = imported(world, [student("Martin", "Adam", "2011-03-03", "4e B", ("Martin", "Paul"))])
    assert [a["identifier"] for a in answer["accounts"]] == ["amartin1", "pmartin1"]


def test_the_expiry_sweep_takes_the_links_and_a_parent_left_with_no_child(world):
    from local.events import scheduled_event
    from tests.integration.helpers import first_connection

    answer = imported(world, [student("Martin", "Adam", BIRTH, "4e B", ("Martin", "Paul"), ("Martin", "Léa"))])
    passwords = {a["identifier"]: a["provisional_password"] for a in answer["accounts"]}
    first_connection(world, "amartin", passwords["amartin"], email="adam@laposte.net")  # he never validates
    world.clock.advance(days=92)
    summary = world.functions.invoke("ExpireAccountsFunction", scheduled_event())
    assert summary["deleted"] == 1 and summary["skipped"] == 0
    for gone in ("amartin", "lmartin", "pmartin"):
        assert world.store.get_account(gone) is None, gone
    assert "parent_deleted_with_last_child" in [e["type"] for e in audit_events(world.store, "pmartin")]
    assert not [i for i in world.items() if i["sk"]["S"].startswith("LINK#")]


def test_a_parents_page_lists_their_children(world):
    from ent_accounts.accounts import Role
    from tests.integration.test_desk import signed_in

    world.provision("jdupont", school_class="4e B")
    world.provision("ldupont", first_name="Léo", birth_date=None)
    browser = signed_in(world, "pdupont", role=Role.PARENT, first_name="Paul", birth_date=None)
    page = browser.get("/bureau")
    assert "Vos enfants" in page.text and "Aucun enfant n'est encore rattaché à votre compte" in page.text
    for child in ("ldupont", "jdupont"):
        assert world.call("POST", "/api/admin/links", {"uai": UAI, "parent": "pdupont", "child": child}).status == 201
    page = browser.get("/bureau")
    assert "<li>Jeanne Dupont (4e B)</li>" in page.text and "<li>Léo Dupont</li>" in page.text
    assert page.text.index("Jeanne Dupont") < page.text.index("Léo Dupont")
    student = signed_in(world, "amartin", first_name="Adam", last_name="Martin").get("/bureau")
    assert "Vos enfants" not in student.text


def test_only_a_student_has_responsables(world):
    parent_row = {**row("Dupont", "Marie", role="parent"), "responsables": [{"last_name": "X", "first_name": "Y"}]}
    answer = post_accounts(world, [parent_row])
    assert answer.status == 400
    assert answer.json()["fields"] == {
        "accounts[0].responsables": "Ligne 2 : seul un élève a des responsables (cette ligne est un parent)."
    }
    assert world.items() == []


def test_a_parents_reissued_letter_names_their_children(world):
    import io

    import pypdf

    from tests.integration.school import letters_pdf

    imported(world, siblings())
    answer = world.call("POST", "/api/admin/letters", {"uai": UAI, "identifiers": ["mdupont", "jdupont"]})
    assert answer.status == 200 and answer.header("X-Letters-Count") == "2"
    texts = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(letters_pdf(answer))).pages]
    (mother,) = [text for text in texts if "mdupont" in text]
    (student_page,) = [text for text in texts if "mdupont" not in text]
    assert "Responsable de" in mother and "Jeanne Dupont (4e B)" in mother and "Léo Dupont (6e A)" in mother
    assert "Responsable de" not in student_page


def test_a_whole_class_with_two_parents_each_is_imported(world):
    """60 students, each with a parent with an address and one without: links fill several transactions."""
    rows = [
        student(f"Eleve{chr(65 + i // 26)}{chr(65 + i % 26)}", "Zoé", "2011-05-14", "4e B",
                (f"Eleve{chr(65 + i // 26)}{chr(65 + i % 26)}", "Marie", f"mere{i}@laposte.net"),
                (f"Eleve{chr(65 + i // 26)}{chr(65 + i % 26)}", "Paul"), line=i + 2)
        for i in range(60)
    ]  # fmt: skip
    answer = imported(world, rows)
    assert len(answer["accounts"]) == 180 and len(answer["links"]) == 120


def test_homonym_parents_of_two_families_without_address_stay_two_accounts(world):
    """Two "Jean Martin" without an address, children of one surname in two classes: nothing says they are one
    person, and merging them would show one family's child to the other."""
    rows = [
        student("Martin", "Léa", "2011-05-14", "4e A", ("Martin", "Jean"), line=2),
        student("Martin", "Hugo", "2012-09-01", "5e C", ("Martin", "Jean"), line=3),
    ]
    answer = imported(world, rows)
    parents = [a for a in answer["accounts"] if a["role"] == "parent"]
    assert len(parents) == 2 and all(len(p["children"]) == 1 for p in parents)


def test_an_import_failing_while_linking_leaves_nobody_behind(world, monkeypatch):
    from ent_accounts.errors import ServiceBusy
    from ent_accounts.store.transaction import Transaction

    commit = Transaction.commit
    calls = {"links": 0}

    def failing(self, *args, **kwargs):
        if any(name.startswith("link ") for name, _ in self._writes):
            calls["links"] += 1
            if calls["links"] == 2:
                raise ServiceBusy()
        return commit(self, *args, **kwargs)

    monkeypatch.setattr(Transaction, "commit", failing)
    rows = [
        student(f"Famille{chr(65 + i)}", "Zoé", "2011-05-14", "4e B",
                (f"Famille{chr(65 + i)}", "Marie", f"mere{i}@laposte.net"), (f"Famille{chr(65 + i)}", "Paul"),
                line=i + 2)
        for i in range(26)
    ]  # fmt: skip
    answer = post_accounts(world, rows)
    assert answer.status == 503, answer.text
    monkeypatch.setattr(Transaction, "commit", commit)
    assert world.call("GET", f"/api/admin/accounts?uai={UAI}").json()["accounts"] == []  # all rolled back
    again = imported(world, rows)
    assert len(again["accounts"]) == 78 and not again.get("existing")  # created afresh, letters for everyone
