"""Password policy (French messages), argon2id hashing and provisional passwords."""

import pytest

from ent_accounts import passwords
from ent_accounts.wording import text_for


@pytest.mark.parametrize(
    ("candidate", "fragment"),
    [
        ("Ab1!", "au moins 8 caractères"),
        ("kpzwmqrt", "3 types de caractères"),
        ("kpzwmqr1", "3 types de caractères"),
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
        assert fragment in text_for(error, "eleve")
        # The same refusal said to a parent ("vous") and to a reader not known (neither).
        assert "ton " not in text_for(error, "parent") and "ton " not in text_for(error, None)


@pytest.mark.parametrize(
    "good",
    [
        "Soleil-Vert-2026",
        "vélo rouge 42",
        "Mot2passe!",
        "ÉCOLE-lycée-7",
        "Tigre-Lune-Rouge-42",  # words chosen at random make a passphrase
        "girafe cerise trombone 9",
        "Plage&Montagne77",
        "R7f!kP2x9#Lm",  # random
        "k8#Tq!z2",
        "Xk7#mQ2!pL",
    ],
)
def test_policy_accepts_reasonable_passwords(good):
    assert passwords.policy_error(good, "jdupont12", context=("Jeanne", "Dupont")) is None


@pytest.mark.parametrize(
    "common",
    [
        # Accepted before the list: commonly used values, as NIST SP 800-63B asks to refuse.
        "Azerty123!",
        "Password1!",
        "P@ssw0rd",
        "Abcd1234",
        "Aaaaaaa1",
        "Motdepasse1!",
        # Look-alikes: @ 4 → a, 0 → o, 1 ! | l → i, 3 € → e, $ 5 → s, 7 + → t, whatever the case.
        "P@$$W0RD!",
        "M0tD3P@ss3",
        "S0l3il-2024",
        "$oleil2024",
        "4z3rty!!",
        # Digits and symbols before or after a common password, word or name.
        "Doudou2012!!",
        "Bonjour123#",
        "2012Bonjour!",
        "!!Chocolat!!1",
        "Mot de passe 1!",  # separators are ignored
        # French words (accents or not), first names (prénoms) and years.
        "Papillon-77",
        "Bibliothèque2024",
        "Bibliotheque2024",
        "Lucas2012!",
        "Chloé-2014",
        "Léa2012!!",
        "Juillet1989!",
        "Marseille13!",
        "Soleil-2026",  # the password these tests used to set
        # Runs of keys (AZERTY, QWERTY), letters in order, short pieces repeated.
        "Qsdfghjk1!",
        "Wxcvbn12!",
        "Poiuytreza9!",
        "Azeaze12!",
        "Totototo1!",
        "Aaaa1111$$",
    ],
)
def test_common_passwords_words_names_and_patterns_are_refused(common):
    error = passwords.policy_error(common, "jdupont12", context=("Jeanne", "Dupont"))
    assert error is not None and "trop courant : choisis-en un autre" in text_for(error, "eleve")
    assert "trop courant : choisissez-en un autre" in text_for(error, "parent")


@pytest.mark.parametrize(
    ("candidate", "context", "fragment"),
    [
        ("Jeanne-2011!", ("Jeanne", "Dupont"), "ton nom ni ton prénom"),
        ("TigreJEANNE#7", ("Jeanne", "Dupont"), "ton nom ni ton prénom"),
        ("Dup0nt-Tigre!", ("Jeanne", "Dupont"), "ton nom ni ton prénom"),
        ("Pierre-Tigre-9", ("Jean-Pierre", "Le Goff"), "ton nom ni ton prénom"),  # a part of a compound name
        ("Legoff-Tigre-9", ("Jean-Pierre", "Le Goff"), "ton nom ni ton prénom"),
        ("Elodie.Rose.88", ("Élodie", "Martin"), "ton nom ni ton prénom"),  # accents do not matter
        ("Lea@2012!x", ("Léa", "Martin"), None),  # a 3-letter name counts only as the whole password
        ("Léa@2012!", ("Léa", "Martin"), "ton nom ni ton prénom"),
        ("Bleach-Tiger-42", ("Léa", "Martin"), None),  # "lea" inside another word is no name
        ("Jdupont!2025", ("Jeanne", "Dupont"), "identifiant"),  # the identifier less its number
        ("JDUP0NT12-Tigre", ("Jeanne", "Dupont"), "identifiant"),
    ],
)
def test_passwords_built_on_the_account_holder_are_refused(candidate, context, fragment):
    error = passwords.policy_error(candidate, "jdupont12", context=context)
    if fragment is None:
        assert error is None
    else:
        assert fragment in text_for(error, "eleve")


def test_the_school_name_is_refused_but_not_the_kind_of_school():
    school = "Lycée Victor Hugo"
    refused = passwords.policy_error("VictorHugo-42!", "lmartin", context=("Léa", "Martin"), school_name=school)
    assert "le nom de ton établissement" in text_for(refused, "eleve")
    assert "le nom de l'établissement" in text_for(refused, "parent")
    assert passwords.policy_error("Lycee-Tigre-42!", "lmartin", context=("Léa", "Martin"), school_name=school) is None


def test_argon2id_hash_and_verify():
    stored = passwords.hash_password("Soleil-Vert-2026")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(stored, "Soleil-Vert-2026")
    assert not passwords.verify_password(stored, "soleil-vert-2026")
    assert not passwords.verify_password("not a hash", "Soleil-Vert-2026")
    assert passwords.hash_password("Soleil-Vert-2026") != stored  # salted


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
