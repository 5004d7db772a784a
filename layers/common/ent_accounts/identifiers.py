"""Identifiers as schools know them: first initial + last name, lower-case ASCII letters, a number on collision.

`Élodie Le Bihan-Pérez` → `elebihanperez`; the next Élodie Le Bihan-Pérez gets `elebihanperez1`, then `…2`.
Which number is free is the store's business (a counter per base and conditional writes); this module only spells.
"""

from __future__ import annotations

import unicodedata

MAX_BASE_LENGTH = 20  # the letters part; the number comes on top (jdupont1234 stays short enough to type)

# Latin letters that Unicode does not decompose into a base letter and an accent.
_SPELLED_OUT = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "ø": "o",
        "ð": "d",
        "đ": "d",
        "ħ": "h",
        "ı": "i",
        "ł": "l",
        "ŋ": "n",
        "þ": "th",
        "ŧ": "t",
    }
)


def ascii_letters(text: str) -> str:
    """Lower-case a-z only: accents dropped, ligatures spelled out; spaces, hyphens, apostrophes … removed."""
    spelled = unicodedata.normalize("NFKD", text.casefold().translate(_SPELLED_OUT))
    return "".join(char for char in spelled if "a" <= char <= "z")


def base_identifier(first_name: str, last_name: str) -> str:
    """The identifier before any number: `jdupont`. Empty when a name has no Latin letter (the row is refused)."""
    initial, surname = ascii_letters(first_name)[:1], ascii_letters(last_name)
    if not initial or not surname:
        return ""
    return (initial + surname)[:MAX_BASE_LENGTH]


def numbered(base: str, number: int) -> str:
    """The `number`-th identifier of a base: 0 is the base itself, then base1, base2 …"""
    return base if number == 0 else f"{base}{number}"
