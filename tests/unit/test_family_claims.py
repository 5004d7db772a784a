"""What the families look like to ENTs, as pure rules: ATEN's FrEduVecteur (one value per child for a parent), the
SDET's link attributes, each person named by what that service knows them by; nothing without `ent`."""

from __future__ import annotations

from ent_accounts.accounts import Account, Role, Status
from ent_accounts.cas.attributes import needs_family, released_attributes
from ent_accounts.oidc.claims import scope_claims


def account(identifier, first_name, role=Role.STUDENT, uai="0341234A") -> Account:
    return Account(identifier, uai, role, first_name, "Dupont", status=Status.ACTIVE, subject=f"sub-{identifier}")


MOTHER = account("mdupont", "Marie", Role.PARENT)
JEANNE, LEO = account("jdupont", "Jeanne"), account("ldupont", "Léo", uai="0751234B")


def test_a_parent_gets_one_vector_per_child_with_the_childs_id_and_school():
    claims = scope_claims(MOTHER, ("openid", "profile", "ent"), [(LEO, "pw-leo"), (JEANNE, "pw-jeanne")], "pw-marie")
    assert claims["FrEduVecteur"] == ["2|Dupont|Marie|pw-jeanne|0341234A", "2|Dupont|Marie|pw-leo|0751234B"]
    assert claims["ENTAuxPersRelEleveEleve"] == ["pw-jeanne", "pw-leo"]
    assert "ENTEleveAutoriteParentale" not in claims and "FrEduCtEleveUAI" not in claims


def test_a_student_gets_their_own_vector_and_their_responsables():
    claims = scope_claims(JEANNE, ("openid", "profile", "ent"), [(MOTHER, "pw-marie")], "pw-jeanne")
    assert claims["FrEduVecteur"] == ["4|Dupont|Jeanne|pw-jeanne|0341234A"]
    assert claims["ENTEleveAutoriteParentale"] == ["pw-marie"]
    assert "ENTAuxPersRelEleveEleve" not in claims


def test_nothing_of_the_family_without_the_ent_scope_nor_for_a_parent_without_children():
    assert scope_claims(MOTHER, ("openid", "profile"), [(JEANNE, "pw-jeanne")], "pw-marie").keys() == {
        "given_name", "family_name", "preferred_username"
    }  # fmt: skip
    assert "FrEduVecteur" not in scope_claims(MOTHER, ("openid", "ent"), [], "pw-marie")


def test_cas_names_the_children_by_identifier_and_reads_links_only_when_asked():
    names = ("FrEduVecteur", "ENTAuxPersRelEleveEleve", "ENTEleveAutoriteParentale")
    released = released_attributes(MOTHER, names, [LEO, JEANNE])
    assert released == {
        "FrEduVecteur": ["2|Dupont|Marie|jdupont|0341234A", "2|Dupont|Marie|ldupont|0751234B"],
        "ENTAuxPersRelEleveEleve": ["jdupont", "ldupont"],
    }
    assert released_attributes(JEANNE, names, [MOTHER])["ENTEleveAutoriteParentale"] == ["mdupont"]
    assert needs_family(["uid", "FrEduVecteur"]) and not needs_family(["uid", "nom", "ENTEleveClasses"])


def test_without_profile_the_vector_and_its_names_are_not_released():
    claims = scope_claims(MOTHER, ("openid", "ent"), [(JEANNE, "pw-jeanne")], "pw-marie")
    assert "FrEduVecteur" not in claims and claims["ENTAuxPersRelEleveEleve"] == ["pw-jeanne"]
    assert "FrEduVecteur" not in scope_claims(JEANNE, ("openid", "ent"), [(MOTHER, "pw-marie")], "pw-jeanne")
