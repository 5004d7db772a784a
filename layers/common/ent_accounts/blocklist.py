"""Passwords that are guessed first (NIST SP 800-63B, 3.1.1.2: commonly used, expected or compromised values).

A password is compared with the list after it is reduced to a skeleton: accents dropped, case folded, separators
removed and look-alikes mapped (@ and 4 → a, 0 → o, 1 ! | and l → i, 3 € → e, $ 5 → s, 7 + → t), so that
`P@ssw0rd`, `PASSWORD` and `password` are one entry. Digits and symbols in front or at the end are also tried
off (`Azerty123!` is `azerty`, `2012Lucas!` is `lucas`).

The list (`data/common_passwords.txt.gz`, built by tools/build_blocklist.py; sources and licences in
data/README.md) holds the 100,000 most common breached passwords, reduced the same way (`soleil123` is `soleil`;
those without a letter are left out, as the policy's character kinds refuse them all), and the common French words
and first names. It is read on the first check, not at import: only the requests that set a password pay for it
(about 30 ms, once per container).
"""

from __future__ import annotations

import os
import unicodedata
from functools import lru_cache

LIST_PATH = os.path.join(os.path.dirname(__file__), "data", "common_passwords.txt.gz")  # os.path: pathlib costs 4 ms
MIN_CORE = 3  # a shorter word or name alone ("le", "Jo") is not looked up: only the whole password is

LOOK_ALIKES = str.maketrans(
    {
        "@": "a",
        "4": "a",
        "0": "o",
        "1": "i",
        "!": "i",
        "|": "i",
        "l": "i",
        "3": "e",
        "€": "e",
        "$": "s",
        "5": "s",
        "7": "t",
        "+": "t",
    }
)
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
SEPARATORS = frozenset(" -_.'’")

# Keys in a row (AZERTY and QWERTY), the alphabet and digits in order: any run of 4 or more of them, forwards or
# backwards, is what people type when asked for a password.
SEQUENCES = (
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
)
MIN_SEQUENCE = 4

# Words of a school's name that say what kind of school it is, not which one.
SCHOOL_WORDS = frozenset(
    {
        "ecole",
        "college",
        "lycee",
        "groupe",
        "scolaire",
        "prive",
        "privee",
        "public",
        "publique",
        "general",
        "generale",
        "technologique",
        "professionnel",
        "professionnelle",
        "polyvalent",
        "elementaire",
        "maternelle",
        "primaire",
        "saint",
        "sainte",
    }
)


def fold(text: str) -> str:
    """Lower case (casefold), without accents or ligatures: `Élève` is `eleve`, `Cœur` is `coeur`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().translate(LIGATURES)


def skeleton(text: str) -> str:
    """What the list compares: folded, separators removed, look-alikes mapped."""
    return "".join(c for c in fold(text) if c not in SEPARATORS).translate(LOOK_ALIKES)


def strip_edges(text: str, front: bool = True, back: bool = True) -> str:
    """Without the characters other than letters in front and at the end."""
    start, end = 0, len(text)
    while front and start < end and not text[start].isalpha():
        start += 1
    while back and end > start and not text[end - 1].isalpha():
        end -= 1
    return text[start:end]


def cores(password: str) -> set[str]:
    """The folded password, and without the digits and symbols in front, at the end, or both."""
    folded = fold(password)
    variants = {strip_edges(folded, front, back) for front in (False, True) for back in (False, True)}
    return {core for core in variants if core == folded or len(core) >= MIN_CORE}


def is_common(password: str) -> bool:
    """In the list, once reduced to its skeleton, whole or without its leading and trailing digits and symbols."""
    words = _load()
    return any(skeleton(core) in words for core in cores(password))


def is_pattern(password: str) -> bool:
    """A run of keys, letters or digits in order (`Qsdfghjk1!`), or one short piece repeated (`Aaaaaaa1`)."""
    for core in cores(password):
        text = "".join(c for c in core if c not in SEPARATORS)
        if len(text) >= MIN_SEQUENCE and any(text in row or text in row[::-1] for row in SEQUENCES):
            return True
        if _repeated(skeleton(core)):
            return True
    return len(set(skeleton(password))) <= 3  # `Aaaa1111$$`


def _repeated(text: str) -> bool:
    """`abab`, `azeaze`, `totototo`: a piece of at most 3 characters over and over."""
    return len(text) >= MIN_SEQUENCE and any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size) for size in (1, 2, 3)
    )


def contains_context(password: str, values: tuple[str | None, ...], generic: frozenset[str] = frozenset()) -> bool:
    """Whether the password is built on one of these words (a name, a school's name): a word of 4 letters or
    more anywhere in it, a shorter one only as the whole password less its digits and symbols (`Léa2012!`)."""
    shape = skeleton(password)
    whole = {skeleton(core) for core in cores(password)}
    for value in values:
        words = [w for w in "".join(c if c.isalpha() else " " for c in fold(value or "")).split() if w not in generic]
        for word in {*words, "".join(words)}:
            word = skeleton(word)
            if len(word) >= 4 and word in shape:
                return True
            if len(word) >= 2 and word in whole:
                return True
    return False


def encode(entries: set[str]) -> bytes:
    """Sorted, one entry a line, each line starting with how many characters it shares with the one before (0 to
    31, written `chr(48 + n)`: `0` to `O`) then the rest, all gzipped: 30 % smaller than plain lines."""
    lines, previous = [], ""
    for entry in sorted(entries):
        shared = 0
        while shared < min(len(previous), len(entry), 31) and previous[shared] == entry[shared]:
            shared += 1
        lines.append(chr(48 + shared) + entry[shared:])
        previous = entry
    import gzip

    return gzip.compress("\n".join(lines).encode("utf-8"), compresslevel=9, mtime=0)


def decode(data: bytes) -> frozenset[str]:
    import gzip

    entries, previous = [], ""
    for line in gzip.decompress(data).decode("utf-8").split("\n"):
        previous = previous[: ord(line[0]) - 48] + line[1:]
        entries.append(previous)
    return frozenset(entries)


@lru_cache(maxsize=1)
def _load() -> frozenset[str]:
    with open(LIST_PATH, "rb") as file:
        return decode(file.read())
