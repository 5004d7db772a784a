"""The checks of a school's contact (ent_accounts/school_contact.py): what the console accepts, tidied, and the
French message of each refusal."""

from __future__ import annotations

import pytest

from ent_accounts.school_contact import (
    EMAIL_MESSAGE,
    PHONE_MESSAGE,
    WEB_PAGE_MESSAGE,
    SchoolContact,
    checked_contact,
    phone_number,
    web_page_url,
)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0467123456", "04 67 12 34 56"),
        ("04 67 12 34 56", "04 67 12 34 56"),
        ("04.67.12.34.56", "04 67 12 34 56"),
        ("04-67-12-34-56", "04 67 12 34 56"),
        ("+33 4 67 12 34 56", "+33 4 67 12 34 56"),
        ("+33467123456", "+33 4 67 12 34 56"),
        ("+262  262 12 34 56", "+262 262 12 34 56"),  # La Réunion, as the school writes it
    ],
)
def test_phone_numbers_are_kept_as_dialled(typed, kept):
    assert phone_number(typed) == kept


@pytest.mark.parametrize("typed", ["12 34", "04 67 12 34 5", "046712345678", "+33 4 67", "04 67 AB 34 56", "+33 (0)x"])
def test_numbers_that_cannot_be_dialled_are_refused(typed):
    with pytest.raises(ValueError, match="10 chiffres"):
        phone_number(typed)


@pytest.mark.parametrize(
    "typed",
    ["http://college.fr", "javascript:alert(1)", "https://localhost", "https://a b.fr", "https://x@college.fr",
     "college.fr", "https://college.fr:0/", "https://college.fr:99999/", "https://" + "a" * 300 + ".fr"],
)  # fmt: skip
def test_only_an_https_page_with_a_host_name_is_linked(typed):
    with pytest.raises(ValueError) as refused:
        web_page_url(typed)
    assert str(refused.value) == WEB_PAGE_MESSAGE


def test_a_whole_contact_is_tidied_and_a_tel_link_made():
    contact, errors = checked_contact(
        "0341234A",
        {"name": "  Collège   Jean Moulin ", "phone": "04.67.12.34.56", "email": "CE.0341234A@AC-Montpellier.fr",
         "web_page": "https://college.fr/", "hours": " Secrétariat  du lundi au vendredi "},
    )  # fmt: skip
    assert errors == {}
    assert contact == SchoolContact(
        uai="0341234A",
        name="Collège Jean Moulin",
        phone="04 67 12 34 56",
        email="CE.0341234A@ac-montpellier.fr",
        web_page="https://college.fr/",
        hours="Secrétariat du lundi au vendredi",
    )
    assert contact.phone_link == "tel:0467123456" and contact.reachable
    assert not SchoolContact(uai="0341234A", name="Collège").reachable


def test_every_refused_field_is_named_at_once():
    contact, errors = checked_contact(
        "0341234A", {"name": "Collège\nJean", "phone": "12", "email": "a@", "web_page": "ftp://x.fr", "hours": "a\tb"}
    )
    assert contact is None
    assert set(errors) == {"name", "phone", "email", "web_page", "hours"}
    assert errors["phone"] == PHONE_MESSAGE and errors["email"] == EMAIL_MESSAGE
    assert "une seule ligne" in errors["name"] and "une seule ligne" in errors["hours"]
    assert checked_contact("0341234A", {})[1] == {"name": "Le nom de l'établissement est obligatoire."}


@pytest.mark.parametrize(
    "typed",
    ["secretariat?cc=pirate%40evil.example@college.fr", "a&body=x@college.fr", "a=b@college.fr", "a@college.fr?cc=b"],
)
def test_an_address_that_would_add_recipients_or_a_body_to_the_mailto_link_is_refused(typed):
    from ent_accounts.school_contact import email_address

    with pytest.raises(ValueError, match="adresse mail n'est pas valide"):
        email_address(typed)


def test_a_failed_read_leaves_the_pages_with_the_general_words_and_is_not_retried_at_each_view():
    """Whatever the table answers, the footer's details never fail a page; the failure is kept as long as a copy."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from ent_accounts.clock import FrozenClock
    from ent_accounts.flows.school_contact import contact_for_pages
    from ent_accounts.store import StoreFailure

    class Refusing:
        reads = 0

        def school_contact(self, uai, consistent=False):
            Refusing.reads += 1
            raise StoreFailure("AccessDeniedException")

    clock = FrozenClock(datetime(2026, 9, 1, 8, tzinfo=UTC))
    services = SimpleNamespace(clock=clock, store=Refusing())
    assert contact_for_pages(services, "0341234A") is None
    assert contact_for_pages(services, "0341234A") is None and Refusing.reads == 1
    clock.advance(minutes=5)
    assert contact_for_pages(services, "0341234A") is None and Refusing.reads == 2
