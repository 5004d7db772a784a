"""Build the fonts the access letters embed (layers/common/ent_accounts/fonts/) from Debian's fonts-dejavu-core.

Run by a developer (`python tools/subset_letter_fonts.py [folder]`, after `apt-get install fonts-dejavu-core`; the
folder defaults to the package's fonts/); the result is committed, so neither CI nor `sam build` needs the package.
DejaVu Sans and DejaVu Sans Bold (Debian's fonts-dejavu-core 2.37) are cut down (fontTools, which fpdf2 depends on)
to the characters French schools' names and the letters' templates need: the Latin letters of names (French,
Vietnamese, Turkish, Polish, Romanian, Czech, African, … names), the combining accents, the typographic
punctuation, €. Hinting and the OpenType layout tables are dropped: fpdf2 places glyphs by the cmap and their
advance widths, and a printed page does not need screen hinting.
The common layer has little room (tests/test_layer_build.py): 36 kB a font, against 760 kB whole.

It also writes coverage.txt: the code points both fonts show, as ranges (`0020-007E`). ent_accounts.letters reads it
to say which characters a letter cannot print, so that the name checks refuse them instead of the PDF dropping them;
tests/unit/test_letter_fonts.py checks that it says what the fonts hold. The same input gives the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/truetype/dejavu")
LICENCE = Path("/usr/share/doc/fonts-dejavu-core/copyright")
TARGET = ROOT / "layers" / "common" / "ent_accounts" / "fonts"
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

BLOCKS = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement: French, German, Spanish, Portuguese, Nordic letters, « », °
    (0x0100, 0x017F),  # Latin Extended-A: Polish, Czech, Turkish, Hungarian, Baltic, Maltese letters, Œ œ
    # Latin Extended-B, the letters of names only (the whole block would be 28 kB more): African Latin alphabets
    # (Fula, Hausa, Bambara, Wolof, Lingala: Ɓ Ɗ Ɛ Ɣ Ɔ Ƙ Ɲ Ƴ), Azerbaijani Ə, Vietnamese Ơ ơ Ư ư, Croatian digraphs,
    # pinyin's tone letters (ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ), Ǻ Ǽ Ǿ, Romanian Ș ș Ț ț.
    (0x0181, 0x0181),
    (0x0186, 0x0186),
    (0x018A, 0x018A),
    (0x018F, 0x0190),
    (0x0194, 0x0194),
    (0x0198, 0x0199),
    (0x019D, 0x019D),
    (0x01A0, 0x01A1),
    (0x01AF, 0x01B0),
    (0x01B3, 0x01B4),
    (0x01C4, 0x01DC),
    (0x01E6, 0x01E7),
    (0x01EA, 0x01ED),
    (0x01F4, 0x01F5),
    (0x01F8, 0x01FF),
    (0x0218, 0x021B),
    # Their small letters in the IPA block: ɓ ɔ ɗ ə ɛ ɣ ɲ.
    (0x0253, 0x0254),
    (0x0257, 0x0257),
    (0x0259, 0x0259),
    (0x025B, 0x025B),
    (0x0263, 0x0263),
    (0x0272, 0x0272),
    (0x02BB, 0x02BF),  # ʻ ʼ ʽ ʾ ʿ: the apostrophes of Uzbek, Hawaiian names and Arabic transliterations
    (0x0300, 0x0331),  # Combining accents: typed as separate code points, or with no composed letter
    (0x1E00, 0x1EFF),  # Latin Extended Additional: Vietnamese (ễ ị ư ơ ạ …), Yoruba, Igbo, Welsh, transliterations
    (0x2000, 0x2027),  # General Punctuation: spaces, dashes, ’ “ ” • …
    (0x202F, 0x202F),  # the narrow no-break space before « : ; ! ? »
    (0x2039, 0x203A),  # ‹ ›
    (0x20AC, 0x20AC),  # €
    (0x2116, 0x2116),  # №
    (0xFFFD, 0xFFFD),  # the replacement character
]


def wanted() -> list[int]:
    return [code for start, end in BLOCKS for code in range(start, end + 1)]


def cut(source: Path, target: Path) -> None:
    options = subset.Options()
    options.hinting = False  # screen hinting: nothing for print, a third of the file
    options.layout_features = []  # fpdf2 does no shaping: GSUB/GPOS would be dead weight
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM", "MATH"]
    # Every name but the licence's text (10 kB in each font): it is in LICENSE.txt beside them, word for word; the
    # copyright notice (0) and the licence's address (14) stay in the fonts.
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 8, 11, 14, 16, 17]
    options.glyph_names = False
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    font.flavor = None
    subset.save_font(font, str(target), options)


def licence() -> str:
    """The fonts' own licence text (their name 13: Bitstream Vera's and Arev's terms, the DejaVu changes public
    domain), then Debian's copyright file for the package they come from."""
    texts = {TTFont(SOURCE / name)["name"].getDebugName(13) for name in FONTS}
    (text,) = texts  # the same in both fonts
    return (
        "DejaVu Sans and DejaVu Sans Bold, cut down by tools/subset_letter_fonts.py (glyphs kept unchanged).\n\n"
        f"The fonts' licence, as they carry it:\n\n{text.strip()}\n\n"
        f"Debian's copyright file for fonts-dejavu-core:\n\n{LICENCE.read_text(encoding='utf-8')}"
    )


def coverage(fonts: list[Path]) -> list[tuple[int, int]]:
    """The code points every font maps, merged into ranges."""
    shown = None
    for path in fonts:
        codes = set(TTFont(path).getBestCmap())
        shown = codes if shown is None else shown & codes
    ranges: list[tuple[int, int]] = []
    for code in sorted(shown or ()):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return ranges


def main(target: Path = TARGET) -> int:
    missing = [SOURCE / name for name in FONTS if not (SOURCE / name).exists()]
    if missing or not LICENCE.exists():
        print("Install Debian's fonts-dejavu-core first:", *missing, file=sys.stderr)
        return 1
    target.mkdir(parents=True, exist_ok=True)
    for name in FONTS:
        cut(SOURCE / name, target / name)
    (target / "LICENSE.txt").write_text(licence(), encoding="utf-8")
    lines = [
        f"{start:04X}-{end:04X}" if start != end else f"{start:04X}"
        for start, end in coverage([target / name for name in FONTS])
    ]
    header = "# Code points both letter fonts show (written by tools/subset_letter_fonts.py; do not edit).\n"
    (target / "coverage.txt").write_text(header + "\n".join(lines) + "\n", encoding="ascii")
    for name in FONTS:
        print(f"{name}: {(target / name).stat().st_size:,} bytes (from {(SOURCE / name).stat().st_size:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET))  # another folder: to compare with the committed
