"""Password policy and hashing.

Personal passwords: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane).
Provisional passwords: random (about 70 bits) and short-lived, so SHA-256 is enough and keeps bulk imports fast.

Policy (CNIL deliberation 2022-100, case 2: a password of at least 50 bits of entropy together with a
restriction of access after failed attempts): at least 8 characters from at least 3 of the 4 kinds
(lower case, upper case, digits, other characters), at most 128 characters, not built on the identifier, the
names or the school's name, and not one of the values NIST SP 800-63B asks to refuse (commonly used, expected or
compromised: the 100,000 most common breached passwords, French words and names, keyboard runs; blocklist.py).
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from ent_accounts.codes import same_secret
from ent_accounts.wording import Message, Say

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_KINDS = 3
# Look-alikes removed (0/O/o, 1/l/I) so that a printed letter is typed right the first time.
PROVISIONAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
PROVISIONAL_LENGTH = 12  # 12 × log2(55) ≈ 69 bits

_GUESSABLE = (
    "Un mot, un prénom, une suite de touches ou un mot de passe connu reste facile à deviner, même avec des "
    "chiffres ou des symboles autour."
)
# Said to the account's holder, student or parent (wording.py); the web layer words them for the page's audience.
COMMON_MESSAGE = Say(
    f"Ce mot de passe est trop courant : choisis-en un autre. {_GUESSABLE}",
    f"Ce mot de passe est trop courant : choisissez-en un autre. {_GUESSABLE}",
    f"Ce mot de passe est trop courant : il en faut un autre. {_GUESSABLE}",
)
HAS_IDENTIFIER = Say(
    "Le mot de passe ne doit pas contenir ton identifiant.",
    "Le mot de passe ne doit pas contenir votre identifiant.",
    "Le mot de passe ne doit pas contenir l'identifiant.",
)
HAS_NAME = Say(
    "Le mot de passe ne doit pas contenir ton nom ni ton prénom.",
    "Le mot de passe ne doit pas contenir votre nom ni votre prénom.",
    "Le mot de passe ne doit pas contenir le nom ni le prénom du titulaire du compte.",
)
HAS_SCHOOL = Say(
    "Le mot de passe ne doit pas contenir le nom de ton établissement.",
    "Le mot de passe ne doit pas contenir le nom de l'établissement.",
    "Le mot de passe ne doit pas contenir le nom de l'établissement.",
)


def policy_error(
    password: str, identifier: str = "", context: tuple[str | None, ...] = (), school_name: str | None = None
) -> Message | None:
    """The French reason why a personal password is refused (a Say where it addresses the holder), or None when it
    is acceptable.

    `context`: the account holder's first and last names; `school_name`, the school's (when the caller knows it).
    """
    # Imported here: every function imports this module at cold start, only the few that set a password check one.
    from ent_accounts import blocklist

    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères."
    if len(password) > MAX_LENGTH:
        return f"Le mot de passe doit contenir au plus {MAX_LENGTH} caractères."
    if identifier and (identifier.lower() in password.lower() or blocklist.contains_context(password, (identifier,))):
        return HAS_IDENTIFIER
    if blocklist.contains_context(password, context):
        return HAS_NAME
    if blocklist.contains_context(password, (school_name,), generic=blocklist.SCHOOL_WORDS):
        return HAS_SCHOOL
    if blocklist.is_common(password) or blocklist.is_pattern(password):
        return COMMON_MESSAGE
    kinds = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if kinds < MIN_KINDS:
        return (
            "Le mot de passe doit mélanger au moins 3 types de caractères parmi : minuscules, "
            "majuscules, chiffres et caractères spéciaux."
        )
    return None


@lru_cache(maxsize=1)
def _hasher():
    # Imported on first use: only the functions that hash pay for argon2 at cold start.
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_verify_time(password: str) -> None:
    """Do the same argon2 work as a real check, so that timing never tells whether an account exists."""
    verify_password(_dummy_hash(), password)


def new_provisional_password() -> str:
    return "".join(secrets.choice(PROVISIONAL_ALPHABET) for _ in range(PROVISIONAL_LENGTH))


def hash_provisional(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def provisional_matches(provisional_hash: str, password: str) -> bool:
    return same_secret(provisional_hash, hash_provisional(password))
