"""The real relying parties' tier: one local server per module (`server`, tests/support/live_fixtures.py, and one
Apache for mod_auth_openidc's), Chromium for the pages a person sees through Apache."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.support.server import ROOT


@pytest.fixture
def context(chromium):
    """A fresh browser (no cookie of any server): each test is a person on their own machine."""
    opened = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    opened.set_default_timeout(15_000)  # a page that does not come fails the test soon, with the logs below
    yield opened
    opened.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test shows what the servers said: Apache's error log (mod_auth_openidc logs there why it refused a
    response) and the local server's log (the functions' errors)."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    apache = item.funcargs.get("apache")
    if apache is not None:
        report.sections.append(("Apache error log (tail)", apache.log_tail()))
    server = item.funcargs.get("server")
    if server is not None:
        log = ROOT / ".cache" / f"local-server-{urlsplit(server.url).port}.log"
        if log.exists():
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-60:]
            report.sections.append(("local server log (tail)", "\n".join(tail)))
