"""The letters' fonts as committed: DejaVu Sans with its licence, coverage.txt saying what they show, and the script
that cuts them giving the same files again."""

import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from ent_accounts import letters

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "subset_letter_fonts.py"
DEBIAN_FONTS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def test_the_fonts_ship_with_their_licence_and_their_names():
    licence = (letters.FONTS / "LICENSE.txt").read_text()
    assert "Bitstream Vera Fonts Copyright" in licence and "Arev Fonts Copyright" in licence  # the fonts' own text
    assert "Permission is hereby granted" in licence and "fonts-dejavu-core" in licence
    for style, file_name in letters.FONT_FILES.items():
        names = TTFont(letters.FONTS / file_name)["name"]
        assert names.getDebugName(1) == "DejaVu Sans"
        assert names.getDebugName(2) == ("Bold" if style == "B" else "Book")
        assert "Bitstream" in names.getDebugName(0)  # the copyright notice the licence asks to keep


def test_coverage_says_what_both_fonts_show():
    cmaps = [set(TTFont(letters.FONTS / name).getBestCmap()) for name in letters.FONT_FILES.values()]
    both = cmaps[0] & cmaps[1]
    said = {code for code in range(sys.maxunicode + 1) if letters.shown(chr(code))}
    assert said == both
    for block in [range(0x20, 0x7F), range(0xA0, 0x180), range(0x1EA0, 0x1EFA), range(0x300, 0x31C)]:
        assert set(block) <= said, block  # Latin-1, Extended-A, Vietnamese, the common combining accents
    assert {ord(char) for char in "ȘșȚțƠơƯưǎǐǒǔǜƁɓƊɗƐɛƆɔƏəŊŋʼ’–—…«»€\u202f\u00a0°№"} <= said


@pytest.mark.skipif(not DEBIAN_FONTS.exists(), reason="Debian's fonts-dejavu-core is not installed")
def test_the_script_gives_the_committed_files_again(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for name in [*letters.FONT_FILES.values(), "LICENSE.txt", "coverage.txt"]:
        assert (tmp_path / name).read_bytes() == (letters.FONTS / name).read_bytes(), name
