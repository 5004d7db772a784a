"""Access letters ("Compte d'accès aux services en ligne"): one printed page per account, as a PDF (fpdf2).

The French text lives in templates/letters/ (one template per role) in a tiny line markup; this module lays it out.
fpdf2 is imported on first use: only the admin function (layers/admin/requirements.txt) and the school CLI ship it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from ent_accounts.templates import render

ENCODING = "windows-1252"  # what the PDF core fonts can show: every French letter, œ, « », ’, – and —


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

    @property
    def school(self) -> str:
        return f"{self.school_name} ({self.uai})" if self.school_name else f"Établissement {self.uai}"


def letter_text(letter: Letter) -> str:
    """The letter in the templates' line markup. No value can break a line: the names were checked when they came
    in, but a line break that got through anyway would add a line of the letter's own (a fake "Mot de passe
    provisoire"), so every control character or line separator is printed as a space."""
    template = "parent.txt" if letter.role == "parent" else "eleve.txt"
    values = {name: one_line(value) if isinstance(value, str) else value for name, value in letter.__dict__.items()}
    return render(f"letters/{template}", school=one_line(letter.school), **values)


def one_line(text: str) -> str:
    """Every character that ends a line (str.splitlines splits on \\n, \\r, \\v, \\f, \\x1c-\\x1e, \\x85, \\u2028,
    \\u2029) or is a control character becomes a space."""
    return "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in text)


def render_pdf(letters: list[Letter]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title("Comptes d'accès aux services en ligne")
    pdf.set_creator("ENT accounts")
    for letter in letters:
        pdf.add_page()
        for line in letter_text(letter).splitlines():
            _draw(pdf, printable(line))
    return bytes(pdf.output())


def printable(text: str) -> str:
    """The text in what the core fonts show: a rare letter outside it loses its accent (Ł → L), never the page."""
    out = []
    for char in text:
        try:
            char.encode(ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(plain if plain and plain.isascii() else _SPACES.get(char, "?"))
    return "".join(out)


_SPACES = {"\u202f": "\u00a0", "\u2009": " ", "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d"}


def _draw(pdf, line: str) -> None:
    width = pdf.epw
    if line.startswith("# "):
        pdf.set_font("Helvetica", "B", 18)
        pdf.multi_cell(width, 9, line[2:], new_x="LMARGIN", new_y="NEXT")
    elif line.startswith("## "):
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 13)
        pdf.multi_cell(width, 8, line[3:], new_x="LMARGIN", new_y="NEXT")
    elif line.startswith("> "):
        pdf.set_font("Helvetica", "", 9)
        pdf.set_text_color(80)
        pdf.multi_cell(width, 5, line[2:], new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
    elif line.startswith("= "):
        label, _, value = line[2:].partition(" | ")
        secret = label.startswith(("Identifiant", "Mot de passe"))
        pdf.set_font("Helvetica", "", 11)
        pdf.cell(60, 9 if secret else 7, f"{label} :")
        pdf.set_font("Courier" if secret else "Helvetica", "B", 16 if secret else 11)
        pdf.cell(width - 60, 9 if secret else 7, value, new_x="LMARGIN", new_y="NEXT")
    elif line.startswith("* "):
        pdf.set_font("Helvetica", "", 10.5)
        pdf.set_x(pdf.l_margin + 4)
        pdf.multi_cell(width - 4, 5.5, line[2:], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    elif line.startswith("! "):
        pdf.ln(1)
        pdf.set_font("Helvetica", "B", 10.5)
        pdf.multi_cell(width, 5.5, line[2:], new_x="LMARGIN", new_y="NEXT")
    elif line == "---":
        pdf.ln(2)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(3)
    elif line.strip():
        pdf.set_font("Helvetica", "", 10.5)
        pdf.multi_cell(width, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.ln(3)
