"""Letters print every name as the school wrote it, a parent's letter names the children, and a character the
letters' font cannot show is refused when it comes in, with a French message naming it."""

import io
import sys
import unicodedata

import pypdf
import pytest

from ent_accounts.letters import Letter, child_line, letter_text, printable, render_pdf, unprintable
from ent_accounts.schools import class_error, name_error, school_name_error
from tests.unit.test_letters import letter, pages_text

NAMES = [
    ("Nguyễn Thị", "Hương"),
    ("Çağlar", "Şahin"),
    ("Łukasz", "Wróbel"),
    ("Ștefan", "Țurcanu"),
    ("Zoë", "Lefèvre-Œuvray"),
    ("Đặng Quốc", "Bảo"),
]
CHILDREN = (
    "Jean Dupont (4e B)",
    "Nguyễn Thị Hương (6e A)",
    "Çağlar Şahin (CM2)",
    "Ștefan Țurcanu (2nde 3)",
    "Zoë Lefèvre-Œuvray (1re G/3)",
    "Đặng Quốc Bảo (Tle 2)",
)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("role", ["eleve", "parent"])
def test_every_name_prints_with_its_diacritics(role):
    letters = [letter(f"id{n}", first_name=first, last_name=last, role=role) for n, (first, last) in enumerate(NAMES)]
    pages = pages_text(render_pdf(letters))
    assert len(pages) == len(NAMES)
    for (first, last), text in zip(NAMES, pages, strict=True):
        lines = text.splitlines()
        assert f"Nom : {last}" in lines and f"Prénom : {first}" in lines, lines[:6]


def test_a_name_typed_with_separate_accents_prints_composed():
    (text,) = pages_text(render_pdf([letter(first_name="Nguye\u0302\u0303n Thi\u0323", last_name="Hu\u031bo\u031bng")]))
    assert "Prénom : Nguyễn Thị" in text and "Nom : Hương" in text


def test_the_school_and_the_class_print_as_written():
    (text,) = pages_text(render_pdf([letter(school_name="Lycée Ștefan cel Mare – Œuvre n° 2", school_class="1re Ș")]))
    assert "Lycée Ștefan cel Mare – Œuvre n° 2 (0341234A)" in text and "Classe : 1re Ș" in text


def test_a_parents_letter_names_each_child_on_one_page():
    parent = letter(role="parent", school_class=None, children=CHILDREN)
    (text,) = pages_text(render_pdf([parent]))
    lines = text.splitlines()
    at = lines.index("Responsable de : Jean Dupont (4e B)")
    assert lines[at - 1] == "Profil : Parent"
    assert lines[at + 1 : at + len(CHILDREN)] == list(CHILDREN[1:])
    assert lines[at + len(CHILDREN)].startswith("Identifiant : ")


def test_a_parent_of_many_children_gets_one_page_naming_the_first_ones():
    children = tuple(f"Enfant{n} Dupont (CM{n})" for n in range(1, 13))
    eight, twelve = letter("p8", role="parent", children=children[:8]), letter("p12", role="parent", children=children)
    pages = pages_text(render_pdf([eight, twelve]))
    assert len(pages) == 2
    assert all(child in pages[0] for child in children[:8])
    assert all(child in pages[1] for child in children[:7]) and children[7] not in pages[1]
    assert "et 5 autres enfants" in pages[1].splitlines()


def test_many_children_and_long_names_stay_on_one_page_each():
    long = "de La Tour d'Auvergne-Lauraguais de Montmorency-Laval"
    parents = [
        letter("p1", role="parent", school_class=None, children=tuple(f"Élodie {long} (4e B)" for _ in range(6))),
        letter("p2", role="parent", school_class=None, last_name=long, first_name="Nguyễn Thị Hương", children=()),
        letter("p3", role="parent", school_class=None, children=CHILDREN),
    ]
    pages = pages_text(render_pdf(parents))
    assert len(pages) == 3
    assert flat(pages[0]).count(f"Élodie {long} (4e B)") == 6  # a long line is made smaller, never cut
    assert f"Nom : {long}" in pages[1]
    assert "Responsable de" not in pages[1]


def test_the_text_reads_back_as_written():
    (text,) = pages_text(render_pdf([letter(role="parent")]))
    assert "Votre mot de passe provisoire est valable jusqu'au 28 février 2027." in text  # no doubled spaces


def test_a_students_letter_names_no_child():
    text = letter_text(letter(children=("Jean Dupont (4e B)",)))
    assert "Responsable de" not in text and "Jean Dupont" not in text


def test_a_child_line_cannot_add_a_line_of_its_own():
    fake = "Jean\n= Mot de passe provisoire | 000000000000"
    parent = letter(role="parent", school_class=None, children=(fake, "Léa\u2028Dupont"))
    (text,) = pages_text(render_pdf([parent]))
    passwords = [line for line in text.splitlines() if line.startswith("Mot de passe provisoire")]
    assert passwords == ["Mot de passe provisoire : 7TM2gmtVPHNe"]
    assert "Léa Dupont" in text


def test_the_font_is_embedded_once_per_pdf_not_per_page():
    pdf = render_pdf([letter(f"eleve{n}", first_name=NAMES[n % 6][0]) for n in range(40)])
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    embedded = {
        font["/FontDescriptor"]["/FontFile2"].indirect_reference.idnum
        for page in reader.pages
        for font in (
            descendant.get_object()
            for ref in page["/Resources"]["/Font"].values()
            if "/DescendantFonts" in ref.get_object()
            for descendant in ref.get_object()["/DescendantFonts"]
        )
    }
    assert len(embedded) == 2  # DejaVu Sans and DejaVu Sans Bold, whatever the number of pages


# --- What the font cannot show: refused when it comes in --------------------------------------------------------


@pytest.mark.parametrize("name", [part for pair in NAMES for part in pair] + ["N’Diaye", "Wałęsa", "Dvořák"])
def test_the_names_french_schools_have_are_accepted(name):
    assert name_error(name) is None


def test_a_name_partly_in_another_script_is_refused_naming_the_characters():
    assert name_error("Wang 王芳") == (
        "Les caractères « 王 », « 芳 » ne peuvent pas être imprimés sur la lettre d'accès : écrivez ce nom en "
        "lettres latines, comme sur les papiers officiels."
    )
    assert name_error("Ivan Петров") == (
        "Les caractères « П », « е », « т », « р », « о » ne peuvent pas être imprimés sur la lettre d'accès : "
        "écrivez ce nom en lettres latines, comme sur les papiers officiels."
    )
    assert "« ㄱ »" in name_error("Kimㄱ") and "Le caractère « ㄱ » ne peut pas être imprimé" in name_error("Kimㄱ")


def test_a_class_or_a_school_name_the_letters_cannot_print_is_refused():
    assert "Le caractère « 王 » ne peut pas être imprimé" in class_error("6e 王")
    assert "« 🌟 »" in school_name_error("Collège Étoile 🌟")
    assert school_name_error("Lycée Ștefan cel Mare – Œuvre n° 2") is None


def test_whatever_the_name_checks_accept_prints_unchanged():
    """Every letter or accent of Unicode that a name may hold: either the check refuses it, or the letter prints it
    as it is. Nothing in between (a name accepted and then printed wrong)."""
    accepted = 0
    for code in range(0x20, sys.maxunicode + 1):
        char = chr(code)
        if not (char.isalpha() or unicodedata.category(char) == "Mn"):
            continue
        name = unicodedata.normalize("NFC", f"Ab{char}")
        if name_error(name) is None:
            accepted += 1
            assert printable(name) == name and not unprintable(name), hex(code)
    assert accepted > 600  # the Latin letters of names and their accents (625 with these fonts)


def test_the_letters_say_which_characters_they_cannot_print():
    assert unprintable("Nguyễn Thị Hương Łukasz Ștefan Œuvray €") == []
    assert unprintable("Li 王王 Wei 伟") == ["王", "伟"]


def test_a_child_is_named_with_the_class_when_there_is_one():
    assert child_line("Jean", "Dupont", "4e B") == "Jean Dupont (4e B)"
    assert child_line("Zoë", "Lefèvre-Œuvray", None) == "Zoë Lefèvre-Œuvray"


def test_a_letter_names_no_child_unless_told():
    assert Letter.__dataclass_fields__["children"].default == () and letter().children == ()
