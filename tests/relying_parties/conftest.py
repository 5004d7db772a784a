"""The real relying parties' tier: one local server per module (`server`, tests/support/live_fixtures.py), the clients
each module starts (Apache with mod_auth_openidc or mod_auth_cas, PHP with phpCAS), Chromium for the pages a person
sees through them."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ent_accounts.cas.attributes import CATALOG
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
    """A failed test shows what the servers said: each client's log (Apache's error log, where mod_auth_openidc and
    mod_auth_cas log why they refused an answer; PHP's and phpCAS's trace) and the local server's log (the
    functions' errors)."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name, value in item.funcargs.items():
        if callable(getattr(value, "log_tail", None)):
            report.sections.append((f"{name}: log (tail)", value.log_tail()))
    server = item.funcargs.get("server")
    if server is not None:
        log = ROOT / ".cache" / f"local-server-{urlsplit(server.url).port}.log"
        if log.exists():
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-60:]
            report.sections.append(("local server log (tail)", "\n".join(tail)))


@pytest.fixture(scope="module")
def php(server):
    """phpCAS's pages (tests/support/phpcas.py), registered as a CAS service that receives every attribute."""
    from tests.relying_parties.helpers import PHPCAS_ID, PHPCAS_NAME, register_service
    from tests.support import phpcas

    if phpcas.unavailable():
        pytest.skip(phpcas.unavailable())
    started = phpcas.PhpCas()
    try:
        register_service(server, PHPCAS_ID, PHPCAS_NAME, started.service_urls, cas_attributes=list(CATALOG))
        started.start(server.url)
        yield started
    finally:
        started.clean()


@pytest.fixture(scope="module")
def cas_apache(server):
    """mod_auth_cas's pages (tests/support/mod_auth_cas.py), registered as a CAS service that receives some
    attributes (MOD_AUTH_CAS_RELEASED), not all."""
    from tests.relying_parties.helpers import (
        MOD_AUTH_CAS_ID,
        MOD_AUTH_CAS_NAME,
        MOD_AUTH_CAS_RELEASED,
        register_service,
    )
    from tests.support import mod_auth_cas

    if mod_auth_cas.unavailable():
        pytest.skip(mod_auth_cas.unavailable())
    started = mod_auth_cas.ModAuthCas()
    try:
        register_service(
            server, MOD_AUTH_CAS_ID, MOD_AUTH_CAS_NAME, started.service_urls, cas_attributes=MOD_AUTH_CAS_RELEASED
        )
        started.start(server.url)
        yield started
    finally:
        started.clean()
