"""What a school sends: its UAI, names, classes and roles, each checked with a French answer."""

import pytest

from ent_accounts.accounts import Role
from ent_accounts.schools import class_error, name_error, normalize_uai, parse_role, tidy


@pytest.mark.parametrize(("raw", "expected"), [("0341234A", "0341234A"), (" 0341234a ", "0341234A")])
def test_uai_is_seven_digits_and_a_letter(raw, expected):
    assert normalize_uai(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", None, "034123A", "03412345A", "0341234", "A0341234", "0341234AB", "03412 4A", "０３４１２３４A"]
)
def test_malformed_uai_is_refused(raw):
    assert normalize_uai(raw) is None


@pytest.mark.parametrize("name", ["Dupont", "Le Bihan-Pérez", "N’Diaye", "d'Arc", "St. John", "Bœuf", "Wałęsa"])
def test_real_names_are_accepted(name):
    assert name_error(name) is None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "obligatoire"),
        ("Dupont2", "que des lettres"),
        ("Dupont;DROP", "que des lettres"),
        ("<script>", "que des lettres"),
        ("x" * 61, "trop long"),
        ("Петров", "alphabet latin"),
    ],
)
def test_bad_names_are_refused_in_french(name, fragment):
    assert fragment in name_error(name)


def test_tidy_collapses_spaces_and_composes_accents():
    assert tidy("  Le   Bihan\t") == "Le Bihan"
    assert tidy("E\u0301lodie") == "Élodie"


@pytest.mark.parametrize("school_class", ["4e B", "6ème 2", "CM2", "2nde-3", "TS1", "1re G/3"])
def test_classes(school_class):
    assert class_error(school_class) is None


@pytest.mark.parametrize("school_class", ["x" * 21, "4e<b>", "a\nb"])
def test_bad_classes(school_class):
    assert class_error(school_class)


@pytest.mark.parametrize(
    ("raw", "role"), [("eleve", Role.STUDENT), ("Élève", Role.STUDENT), ("PARENT", Role.PARENT), ("prof", None)]
)
def test_roles(raw, role):
    assert parse_role(raw) is role
