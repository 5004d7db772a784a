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
    "checkbox",
    # The school console's pages (issue 19): its tables, menu, list pages, filters and file upload.
    "table",
    "navigation",
    "pagination",
    "select",
    "upload",
]
FONTS = ["Marianne-Regular", "Marianne-Medium", "Marianne-Bold", "Marianne-Regular_Italic"]
LAYER = Path(__file__).resolve().parent.parent / "layers" / "common" / "ent_accounts"
TARGET = LAYER / "static"
URL = re.compile(r"url\((?:\.\./)+(fonts|icons)/([^)]+)\)")
FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
ICON_CLASS = re.compile(r"\bfr-icon-[a-z0-9-]+")
COMMENT = re.compile(r"/\*.*?\*/", re.S)
TOP_LEVEL_RULE = re.compile(r"(?<![^}/])([^{}@]+)\{([^{}]*)\}")


def used_icons() -> set[str]:
    """The DSFR icon classes (`fr-icon-…`) the page templates name."""
    return {found for path in (LAYER / "templates").rglob("*.html") for found in ICON_CLASS.findall(path.read_text())}


def icon_rules(dist: Path, icons: set[str]) -> str:
    """The utility rules drawing these icons (mask-image of their SVG), from the DSFR's icon families; the rest of
    the families (hundreds of icons) is left out."""
    rules = []
    for path in sorted((dist / "utility" / "icons").glob("icons-*/icons-*.min.css")):
        if path.name.count(".") != 2:  # icons-user.min.css, not its .main/.legacy variants
            continue
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        for selector, body in TOP_LEVEL_RULE.findall(text):
            names = {part.split(":")[0].lstrip(".") for part in selector.split(",")}
            if names <= icons and "mask-image" in body:
                rules.append(f"{selector}{{{body}}}")
    return "\n".join(rules)


def fonts_only_used(css: str) -> str:
    """@font-face rules of the fonts the pages use, woff2 only: no `url(data:,)` left for the browser to fetch
    (the CSP's font-src 'self' refuses data: URLs, and logged one console error per rule)."""

    def keep(found: re.Match) -> str:
        rule = found.group(0)
        if not any(f"fonts/{font}.woff2" in rule for font in FONTS):
            return ""
        return rule.replace(',url(data:,) format("woff")', "")

    return FONT_FACE.sub(keep, css)


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

    css = URL.sub(relocate, css + "\n" + icon_rules(dist, used_icons()))
    css = fonts_only_used(css)
    if "data:," in css:
        raise SystemExit("a url(data:,) is left in the stylesheet: the CSP would refuse it")
    # Our own files (ent.css, ent.js) live in TARGET and are kept; the DSFR's are replaced.
    for folder in ("fonts", "icons"):
        shutil.rmtree(TARGET / folder, ignore_errors=True)
    (TARGET / "fonts").mkdir(parents=True)
    (TARGET / "icons").mkdir()
    (TARGET / "dsfr.min.css").write_text(css, encoding="utf-8")
    for kind, name in sorted(wanted):
        shutil.copy(dist / kind / name, TARGET / kind / Path(name).name)
    shutil.copy(dist.parent / "LICENSE.md", TARGET / "LICENSE.md")  # the DSFR's licence travels with its files
    shutil.copy(dist / "favicon" / "favicon.svg", TARGET / "favicon.svg")
    shutil.copy(dist / "favicon" / "favicon.ico", TARGET / "favicon.ico")
    print(f"{len(css) // 1024} KiB of CSS, {len(wanted)} files → {TARGET}")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
