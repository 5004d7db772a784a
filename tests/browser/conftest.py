"""Debian's Chromium driven by Playwright against the local server (nothing is downloaded from a browser CDN)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.live_fixtures import CHROMIUM
from tests.support.server import ROOT

AXE = ROOT / ".cache" / "axe-core" / "axe.min.js"
SHOTS = ROOT / ".cache" / "screenshots"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() and shutil.which(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium` (CI does) to run these")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(base_url=server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """Serious and critical accessibility violations found by axe-core (WCAG 2.1 A and AA rules)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make setup` fetches axe-core")
    # evaluate() runs as the debugger would, so the page's CSP (no script at all) does not stop it.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
