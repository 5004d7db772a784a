"""Fixtures of the tiers that run the real thing: the local server in a subprocess (e2e, browser, relying parties),
and Debian's Chromium driven by Playwright (nothing is downloaded from a browser CDN). Each is started once per test
module, and only for the modules that ask for it."""

from __future__ import annotations

import os

import pytest

from tests.support.server import start_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As on our machines: no sandbox as root, and no background traffic to Google's hosts.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server():
    started = start_server()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()
