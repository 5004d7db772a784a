"""Build the DSFR assets the pages use from the npm package @gouvfr/dsfr (run by `make static`).

Only the core and the components the pages use are bundled into one stylesheet; only the fonts and icons it
refers to are copied. The result lives in the layer (ent_accounts/static/) and is committed, so `sam build`
needs no npm. Usage: python tools/build_dsfr.py <path to the unpacked package>/dist
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

COMPONENTS = [
    "button",
    "form",
    "input",
    "alert",
    "header",
    "footer",
    "logo",
    "link",
    "callout",
    "notice",
    "skiplink",
    "password",
    "badge",
    "tile",
]
FONTS = ["Marianne-Regular", "Marianne-Medium", "Marianne-Bold", "Marianne-Regular_Italic"]
TARGET = Path(__file__).resolve().parent.parent / "layers" / "common" / "ent_accounts" / "static"
URL = re.compile(r"url\((?:\.\./)+(fonts|icons)/([^)]+)\)")


def build(dist: Path) -> None:
    sources = [dist / "core" / "core.min.css"] + [dist / "component" / c / f"{c}.min.css" for c in COMPONENTS]
    css = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    wanted: set[tuple[str, str]] = set()

    def relocate(found: re.Match) -> str:
        kind, name = found.groups()
        if kind == "fonts" and not any(name == f"{font}.woff2" for font in FONTS):
            return "url(data:,)"  # a font the pages never use (or the .woff fallback): nothing to fetch
        wanted.add((kind, name))
        return f"url({kind}/{Path(name).name})"

    css = URL.sub(relocate, css)
    if TARGET.exists():
        shutil.rmtree(TARGET)
    (TARGET / "fonts").mkdir(parents=True)
    (TARGET / "icons").mkdir()
    (TARGET / "dsfr.min.css").write_text(css, encoding="utf-8")
    for kind, name in sorted(wanted):
        shutil.copy(dist / kind / name, TARGET / kind / Path(name).name)
    shutil.copy(Path(__file__).parent / "ent.css", TARGET / "ent.css")
    shutil.copy(dist.parent / "LICENSE.md", TARGET / "LICENSE.md")  # the DSFR's licence travels with its files
    print(f"{len(css) // 1024} KiB of CSS, {len(wanted)} files → {TARGET}")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
