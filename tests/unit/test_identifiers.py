"""Identifiers as schools know them: first initial + last name, lower-case ASCII, a number on collision."""

import pytest

from ent_accounts.identifiers import MAX_BASE_LENGTH, ascii_letters, base_identifier, numbered


@pytest.mark.parametrize(
    ("first_name", "last_name", "expected"),
    [
        ("Jeanne", "Dupont", "jdupont"),
        ("JEANNE", "DUPONT", "jdupont"),
        ("Élodie", "Le Bihan-Pérez", "elebihanperez"),  # the example
        ("Jean", "de La Fontaine", "jdelafontaine"),  # particles kept, spaces removed
        ("Louis", "Van der Berg", "lvanderberg"),
        ("Jeanne", "d'Arc", "jdarc"),  # apostrophe
        ("Zoé", "N’Diaye", "zndiaye"),  # typographic apostrophe
        ("Seán", "O'Brien", "sobrien"),
        ("Jean-Pierre", "Martin", "jmartin"),  # hyphenated first name: its first letter
        ("Marie Anne", "Saint-Exupéry", "msaintexupery"),
        ("Lætitia", "Bœuf", "lboeuf"),  # ligatures spelled out
        ("Jürgen", "Groß", "jgross"),
        ("Łukasz", "Wałęsa", "lwalesa"),  # letters Unicode does not decompose
        ("Ørjan", "Søndergård", "osondergard"),
        ("İlkay", "Gündoğan", "igundogan"),
        ("Çağla", "Öztürk", "cozturk"),
        ("  Anne ", " Martin  Dupuis ", "amartindupuis"),
        ("J.", "St. John", "jstjohn"),
    ],
)
def test_base_identifier(first_name, last_name, expected):
    assert base_identifier(first_name, last_name) == expected


def test_very_long_names_are_cut_to_a_typable_length():
    base = base_identifier("Marie", "de La Tour d'Auvergne-Lauraguais de Montmorency-Laval")
    assert len(base) == MAX_BASE_LENGTH
    assert base == "mdelatourdauvergnela"
    assert len(numbered(base, 1234)) == MAX_BASE_LENGTH + 4


@pytest.mark.parametrize(
    ("first_name", "last_name"), [("Иван", "Петров"), ("李", "王"), ("Anne", "---"), ("", "Dupont")]
)
def test_no_identifier_without_latin_letters(first_name, last_name):
    assert base_identifier(first_name, last_name) == ""


def test_numbering_starts_with_the_bare_base():
    assert [numbered("jdupont", n) for n in range(3)] == ["jdupont", "jdupont1", "jdupont2"]


def test_only_lower_case_ascii_letters_remain():
    assert ascii_letters("À l'École n°5 — Cœur & Co.") == "alecolencoeurco"
