"""Access letters ("Compte d'accès aux services en ligne"): one printed page per account, as a PDF (fpdf2).

The French text lives in templates/letters/ (one template per role) in a tiny line markup; this module lays it out.
fpdf2 is imported on first use: only the admin function (layers/admin/requirements.txt) and the school CLI ship it.

Names print as the school wrote them, in DejaVu Sans (fonts/, with its licence): the font is embedded once per PDF,
cut down by tools/subset_letter_fonts.py to the Latin alphabets, combining accents and punctuation (Vietnamese,
Turkish, Polish, Romanian, … names). fonts/coverage.txt lists what it shows; the name checks (schools.py) refuse
a character outside it, so that no letter drops a letter of a name.
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from ent_accounts.templates import render

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVuSans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
MONO = "Courier"  # the identifier and the password: ASCII only, in a core font where l and I, 0 and O differ
REPLACEMENT = "?"  # what a character outside the font prints as when its plain letter is outside it too


@dataclass(frozen=True)
class Letter:
    uai: str
    last_name: str
    first_name: str
    role: str  # eleve or parent
    school_class: str | None
    identifier: str
    provisional_password: str
    valid_until: datetime
    login_url: str
    school_name: str | None = None
    children: tuple[str, ...] = ()  # a parent's: one line per child as printed, "Jean Dupont (4e B)"

    @property
    def school(self) -> str:
        return f"{self.school_name} ({self.uai})" if self.school_name else f"Établissement {self.uai}"


@dataclass(frozen=True)
class ReminderLetter:
    """A printed reminder for an account whose address awaits validation: it is deleted at `deadline`. It carries
    no password (the holder chose their own at the first connection)."""

    uai: str
    last_name: str
    first_name: str
    role: str  # eleve or parent
    school_class: str | None
    identifier: str
    deadline: datetime
    login_url: str
    school_name: str | None = None

    @property
    def school(self) -> str:
        return f"{self.school_name} ({self.uai})" if self.school_name else f"Établissement {self.uai}"


def child_line(first_name: str, last_name: str, school_class: str | None = None) -> str:
    """A child as a parent's letter names them: "Jean Dupont (4e B)", or "Jean Dupont" without a class."""
    name = f"{first_name} {last_name}"
    return f"{name} ({school_class})" if school_class else name


def letter_text(letter: Letter | ReminderLetter) -> str:
    """The letter in the templates' line markup. No value can break a line: the names were checked when they came
    in, but a line break that got through anyway would add a line of the letter's own (a fake "Mot de passe
    provisoire"), so every control character or line separator is printed as a space."""
    template = "parent.txt" if letter.role == "parent" else "eleve.txt"
    if isinstance(letter, ReminderLetter):
        template = f"reminder_{template}"
    values = {name: _one_line_values(value) for name, value in letter.__dict__.items()}
    return render(f"letters/{template}", school=one_line(letter.school), **values)


def _one_line_values(value):
    if isinstance(value, str):
        return one_line(value)
    if isinstance(value, tuple):
        return tuple(one_line(item) if isinstance(item, str) else item for item in value)
    return value


def one_line(text: str) -> str:
    """Every character that ends a line (str.splitlines splits on \\n, \\r, \\v, \\f, \\x1c-\\x1e, \\x85, \\u2028,
    \\u2029) or is a control character becomes a space."""
    return "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in text)


@lru_cache(maxsize=1)
def _coverage() -> tuple[list[int], list[int]]:
    """The fonts' code point ranges (fonts/coverage.txt, written with them): their starts and their ends."""
    starts, ends = [], []
    for line in (FONTS / "coverage.txt").read_text(encoding="ascii").splitlines():
        if line and not line.startswith("#"):
            first, _, last = line.partition("-")
            starts.append(int(first, 16))
            ends.append(int(last or first, 16))
    return starts, ends


def shown(char: str) -> bool:
    """Whether the letters' fonts have this character."""
    starts, ends = _coverage()
    at = bisect.bisect_right(starts, ord(char)) - 1
    return at >= 0 and ord(char) <= ends[at]


def unprintable(text: str) -> list[str]:
    """The characters of a text (composed, as names are stored) the letters cannot print, each once, in order."""
    return list(dict.fromkeys(char for char in unicodedata.normalize("NFC", text) if not shown(char)))


def printable(text: str) -> str:
    """The text as the fonts show it. The name checks refuse what they cannot show; should a value from before
    those checks hold such a character, it prints as its plain letter when it has one, else as a visible "?",
    never as nothing and never by losing the page."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if shown(char):
            out.append(char)
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(plain if plain and all(shown(c) for c in plain) else REPLACEMENT)
    return "".join(out)


def render_pdf(letters: list[Letter | ReminderLetter]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    for style, file_name in FONT_FILES.items():
        pdf.add_font(FAMILY, style, FONTS / file_name)  # embedded once, subset to the glyphs the PDF uses
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title("Comptes d'accès aux services en ligne")
    pdf.set_creator("ENT accounts")
    for letter in letters:
        pdf.add_page()
        for line in letter_text(letter).splitlines():
            _draw(pdf, printable(line))
    return bytes(pdf.output())


def _draw(pdf, line: str) -> None:
    # Left-aligned: fpdf2 justifies a TrueType line word by word, and its text copied (or read aloud) would then
    # carry doubled spaces.
    width = pdf.epw
    if line.startswith("# "):
        pdf.set_font(FAMILY, "B", 18)
        pdf.multi_cell(width, 9, line[2:], new_x="LMARGIN", new_y="NEXT", align="L")
    elif line.startswith("## "):
        pdf.ln(2)
        pdf.set_font(FAMILY, "B", 13)
        pdf.multi_cell(width, 8, line[3:], new_x="LMARGIN", new_y="NEXT", align="L")
    elif line.startswith("> "):
        pdf.set_font(FAMILY, "", 9)
        pdf.set_text_color(80)
        pdf.multi_cell(width, 5, line[2:], new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(0)
    elif line.startswith("= "):
        label, _, value = line[2:].partition(" | ")
        secret = label.startswith(("Identifiant", "Mot de passe"))
        height = 9 if secret else 7
        pdf.set_font(FAMILY, "", 11)
        pdf.cell(60, height, f"{label} :" if label.strip() else "")
        if secret:
            pdf.set_font(MONO, "B", 16)  # ASCII: the identifier and the password alphabet
        else:
            _fit(pdf, value, width - 60, 11)
        pdf.cell(width - 60, height, value, new_x="LMARGIN", new_y="NEXT")
    elif line.startswith("* "):
        pdf.set_font(FAMILY, "", 10)
        pdf.set_x(pdf.l_margin + 4)
        pdf.multi_cell(width - 4, 5.2, line[2:], new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1)
    elif line.startswith("! "):
        pdf.ln(1)
        pdf.set_font(FAMILY, "B", 10)
        pdf.multi_cell(width, 5.2, line[2:], new_x="LMARGIN", new_y="NEXT", align="L")
    elif line == "---":
        pdf.ln(2)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(3)
    elif line.strip():
        pdf.set_font(FAMILY, "", 10)
        pdf.multi_cell(width, 5.2, line, new_x="LMARGIN", new_y="NEXT", align="L")
    else:
        pdf.ln(3)


def _fit(pdf, value: str, width: float, size: float) -> None:
    """Bold at `size`, smaller for a value too long for its cell (a 60-letter name): one line, never cut."""
    pdf.set_font(FAMILY, "B", size)
    while size > 7 and pdf.get_string_width(value) > width:
        size -= 0.5
        pdf.set_font(FAMILY, "B", size)
