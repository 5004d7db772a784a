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


WIDTHS = {"phone": 375, "desktop": 1280}


@pytest.fixture(params=sorted(WIDTHS))
def watched_page(request, chromium, server):
    """A page whose console errors (CSP violations, failed loads) and uncaught script errors are collected."""
    width = WIDTHS[request.param]
    context = chromium.new_context(base_url=server.url, locale="fr-FR", viewport={"width": width, "height": 800})
    opened = context.new_page()
    opened.width_name = request.param  # "phone" or "desktop"
    opened.errors = []

    def on_console(message) -> None:
        # A page answered 401 or 404 on purpose (a wrong password, a mistyped address) is logged by Chromium as a
        # failed load of the document itself: only what the page loads, or its own errors, count.
        document = message.location.get("url") == opened.url and message.text.startswith("Failed to load resource")
        if message.type == "error" and not document:
            opened.errors.append(f"{message.text} ({message.location.get('url')})")

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    context.close()
