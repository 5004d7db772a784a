"""Password policy (French messages), argon2id hashing and provisional passwords."""

import pytest

from ent_accounts import passwords


@pytest.mark.parametrize(
    ("candidate", "fragment"),
    [
        ("Ab1!", "au moins 8 caractères"),
        ("abcdefgh", "3 types de caractères"),
        ("abcdefg1", "3 types de caractères"),
        ("A" * 100 + "a1!" + "b" * 30, "au plus 128"),
        ("Azerty123", "trop courant"),
        ("Bzerty123x", None),
        ("azerty123", "trop courant"),
        ("xjdupont12X!", "identifiant"),
    ],
)
def test_policy(candidate, fragment):
    error = passwords.policy_error(candidate, "jdupont12")
    if fragment is None:
        assert error is None
    else:
        assert fragment in error


@pytest.mark.parametrize("good", ["Soleil-2026", "vélo rouge 42", "Mot2passe!", "ÉCOLE-lycée-7"])
def test_policy_accepts_reasonable_passwords(good):
    assert passwords.policy_error(good, "jdupont12") is None


def test_argon2id_hash_and_verify():
    stored = passwords.hash_password("Soleil-2026")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(stored, "Soleil-2026")
    assert not passwords.verify_password(stored, "soleil-2026")
    assert not passwords.verify_password("not a hash", "Soleil-2026")
    assert passwords.hash_password("Soleil-2026") != stored  # salted


def test_provisional_passwords_are_random_without_look_alikes():
    drawn = {passwords.new_provisional_password() for _ in range(500)}
    assert len(drawn) == 500
    letters = set("".join(drawn))
    assert letters.isdisjoint(set("0O1lIo"))
    assert all(len(p) == 12 for p in drawn)
    bits = 12 * __import__("math").log2(len(passwords.PROVISIONAL_ALPHABET))
    assert bits >= 60


def test_provisional_hash_matches_only_the_same_password():
    password = passwords.new_provisional_password()
    stored = passwords.hash_provisional(password)
    assert password not in stored and len(stored) == 64
    assert passwords.provisional_matches(stored, password)
    assert not passwords.provisional_matches(stored, password.swapcase())
