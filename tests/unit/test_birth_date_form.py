"""The birth date as a student types it on the first connection's page (issue 18): day first, as the hint says."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ent_accounts.web.forms import BIRTH_DATE_FORMAT, birth_date_from_form
from ent_accounts.wording import text_for


@pytest.mark.parametrize(
    "typed",
    ["03/09/2011", "3/9/2011", "03-09-2011", "03.09.2011", " 03 / 09 / 2011 ", "03092011", "2011-09-03"],
)
def test_every_way_of_writing_the_third_of_september(typed):
    assert birth_date_from_form(typed) == (date(2011, 9, 3), None)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "Indique ta date de naissance, au format JJ/MM/AAAA."),
        ("   ", "Indique ta date de naissance, au format JJ/MM/AAAA."),
        ("31/02/2011", "Le 31/02/2011 n'existe pas : vérifie le jour et le mois (JJ/MM/AAAA)."),
        ("09/13/2011", "Le 09/13/2011 n'existe pas : vérifie le jour et le mois (JJ/MM/AAAA)."),  # month first
        ("3 septembre 2011", BIRTH_DATE_FORMAT.student),
        ("03/09/11", BIRTH_DATE_FORMAT.student),
        ("0309201", BIRTH_DATE_FORMAT.student),
    ],
)
def test_what_is_not_a_date_is_said_in_french(typed, said):
    found, message = birth_date_from_form(typed)
    assert found is None and text_for(message, "eleve") == said


def test_a_parent_is_told_the_same_with_vous():
    assert text_for(birth_date_from_form("")[1], "parent") == "Indiquez la date de naissance, au format JJ/MM/AAAA."
    assert text_for(birth_date_from_form("31/02/2011")[1], "parent") == (
        "Le 31/02/2011 n'existe pas : vérifiez le jour et le mois (JJ/MM/AAAA)."
    )


def test_a_date_in_the_future_or_before_1900_is_not_plausible():
    tomorrow = date.today() + timedelta(days=1)
    assert birth_date_from_form(tomorrow.strftime("%d/%m/%Y")) == (None, "Cette date de naissance n'est pas plausible.")
    assert birth_date_from_form("31/12/1899")[1] == "Cette date de naissance n'est pas plausible."
