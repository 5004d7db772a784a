"""Build the fonts the access letters embed (layers/common/ent_accounts/fonts/) from Debian's fonts-dejavu-core.

Run by a developer (`python tools/subset_letter_fonts.py [folder]`, after `apt-get install fonts-dejavu-core`; the
folder defaults to the package's fonts/); the result is committed, so neither CI nor `sam build` needs the package.
DejaVu Sans and DejaVu Sans Bold (Debian's fonts-dejavu-core 2.37) are cut down (fontTools, which fpdf2 depends on)
to the characters French schools' names and the letters' templates need: Latin in all its blocks (French,
Vietnamese, Turkish, Polish, Romanian, Czech, … names), the combining accents, the typographic punctuation, €.
Hinting and the OpenType layout tables are dropped: fpdf2 places glyphs by the cmap and their advance widths, and a
printed page does not need screen hinting. The common layer has little room (tests/test_layer_build.py).

It also writes coverage.txt: the code points both fonts show, as ranges (`0020-007E`). ent_accounts.letters reads it
to say which characters a letter cannot print, so that the name checks refuse them instead of the PDF dropping them;
tests/unit/test_letter_fonts.py checks that it says what the fonts hold. The same input gives the same bytes.
"""

from __future__ import annotations

import shutil
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
    (0x0100, 0x017F),  # Latin Extended-A: Polish, Czech, Turkish, Hungarian, Œ œ
    (0x0180, 0x024F),  # Latin Extended-B: Romanian Ș ș Ț ț, Vietnamese Ơ ơ Ư ư, African Latin
    (0x02B0, 0x02FF),  # Spacing modifier letters: ʼ (an apostrophe in some names), ˆ ˇ ˘ ˙ ˚ ˛ ˜ ˝
    (0x0300, 0x036F),  # Combining diacritical marks: accents typed as separate code points
    (0x1E00, 0x1EFF),  # Latin Extended Additional: Vietnamese (ễ ị ư ơ ạ …), Welsh, …
    (0x2000, 0x206F),  # General Punctuation: ’ – — … and the narrow no-break space before « : ; ! ? »
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
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM"]
    options.name_IDs = ["*"]  # the copyright and licence notices stay in the font
    options.glyph_names = False
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    font.flavor = None
    subset.save_font(font, str(target), options)


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
    shutil.copyfile(LICENCE, target / "LICENSE.txt")
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
