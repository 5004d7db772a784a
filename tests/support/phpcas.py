"""phpCAS (Debian's `php-cas`, Apereo's PHP client, 1.6) in a page served by PHP's own web server, on loopback: a CAS
client that no one here wrote.

`PhpCas.start()` writes the pages into a temporary folder and runs `php -S 127.0.0.1:<port>` on it (PHP's built-in
server, with a few workers so that a single-logout POST is served while a browser waits). Two pages, one per way
phpCAS validates a ticket:
- `/cas3/`: `CAS_VERSION_3_0`, validation at `/cas/p3/serviceValidate` (XML, with the attributes),
- `/saml/`: `SAML_VERSION_1_1`, a SAML 1.1 request POSTed to `/cas/samlValidate?TARGET=<service>`.

Each page does what phpCAS's own examples do, in this order: `handleLogoutRequests()` (a single-logout POST
`logoutRequest=<samlp:LogoutRequest>` ends the PHP session of the ticket in its SessionIndex; phpCAS accepts it only
from the CAS server's host, by default the hostname given to `phpCAS::client`, here 127.0.0.1), then `?logout` (phpCAS
forgets the session and sends the browser to `/cas/logout?service=<signed-out page>`), then `forceAuthentication()`,
then the page: the user and the attributes phpCAS received, as JSON.

How phpCAS 1.6 is pointed at a loopback http server: `phpCAS::client()` builds `https://host:port/uri/...` for every
endpoint, so each one is set explicitly (`setServerLoginURL` with its `service=`, as phpCAS then uses that URL as it
is; `setServerServiceValidateURL`, `setServerSamlValidateURL`, `setServerLogoutURL`), and `setNoCasServerValidation()`
(no TLS, so no certificate to check). The service base URL (`phpCAS::client`'s fifth argument since 1.6) is this
server's `http://127.0.0.1:<port>`: the service URL phpCAS sends is that plus the page's path. Each page has its own
session cookie name (the browser does not separate ports or paths here). phpCAS's trace goes to `phpcas.log`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from local.dynamodb_local import free_port

PHPCAS = Path(os.environ.get("PHPCAS", "/usr/share/php/CAS/source/CAS.php"))  # Debian's php-cas
FLAVOURS = {"cas3": "3.0", "saml": "S1"}  # page → phpCAS's server version (CAS_VERSION_3_0, SAML_VERSION_1_1)
START_SECONDS = 20
WORKERS = 4


def php() -> str | None:
    return shutil.which("php")


def unavailable() -> str | None:
    """Why this machine cannot run the harness, or None when it can."""
    if php() is None:
        return "no php on this machine: `apt-get install php-cli php-cas php-curl php-xml` (.ci/run does)"
    if not PHPCAS.exists():
        return f"no phpCAS at {PHPCAS}: `apt-get install php-cas` (.ci/run does)"
    checked = subprocess.run(
        [php(), "-r", 'echo extension_loaded("curl") && extension_loaded("dom") ? "ok" : "missing";'],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if checked.stdout.strip() != "ok":
        return "PHP lacks curl or dom, which phpCAS needs: `apt-get install php-curl php-xml` (.ci/run does)"
    return None


class PhpCasError(RuntimeError):
    pass


class PhpCas:
    """PHP's server and its folder. The port is chosen before the CAS service is registered (the service URLs
    contain it)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logged_out_url = f"{self.url}/deconnecte.html"
        self.root = Path(tempfile.mkdtemp(prefix="phpcas-"))
        self.process: subprocess.Popen | None = None

    def page_url(self, flavour: str = "cas3") -> str:
        return f"{self.url}/{flavour}/"

    def logout_url(self, flavour: str = "cas3") -> str:
        return f"{self.page_url(flavour)}?logout"

    @property
    def service_urls(self) -> list[str]:
        """What the CAS service registers: the pages (tickets are validated for them, the single-logout POST goes
        there) and the signed-out page (where /cas/logout sends the browser back)."""
        return [*(self.page_url(flavour) for flavour in FLAVOURS), self.logged_out_url]

    @property
    def log(self) -> Path:
        return self.root / "phpcas.log"

    def start(self, cas_url: str) -> None:
        reason = unavailable()
        if reason:
            raise PhpCasError(reason)
        self._write(cas_url.rstrip("/"))
        command = [
            php(),
            *(f"-d{setting}" for setting in self._settings()),
            "-S",
            f"127.0.0.1:{self.port}",
            "-t",
            str(self.root / "htdocs"),
        ]
        self.process = subprocess.Popen(
            command,
            cwd=self.root,
            env={**os.environ, "PHP_CLI_SERVER_WORKERS": str(WORKERS)},
            stdout=open(self.root / "server.log", "w"),  # noqa: SIM115 (kept for the process)
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the server and its workers, nothing else
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PhpCasError(f"php -S exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise PhpCasError(f"php -S did not answer on {self.url} within {START_SECONDS} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None

    def clean(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 60) -> str:
        """The end of PHP's log and of phpCAS's trace (what the CAS server answered, why phpCAS refused it)."""
        found = []
        for path in (self.root / "server.log", self.root / "php-errors.log", self.log):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                found.append(f"--- {path.name} ---\n" + "\n".join(text))
        return "\n".join(found) or "(no log written)"

    def _settings(self) -> list[str]:
        """The machine's php.ini (Debian's loads the extensions installed) with what these pages need over it."""
        return [
            f"session.save_path={self.root / 'sessions'}",
            "session.use_strict_mode=1",
            "session.cookie_httponly=1",
            "session.cookie_samesite=Lax",
            "display_errors=0",
            "log_errors=1",
            f"error_log={self.root / 'php-errors.log'}",
            "error_reporting=E_ALL",
        ]

    def _write(self, cas_url: str) -> None:
        for folder in ("htdocs", "sessions", *(f"htdocs/{flavour}" for flavour in FLAVOURS)):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        cas = urlsplit(cas_url)
        config = {
            "phpcas": str(PHPCAS),
            "cas": cas_url + "/cas",
            "cas_host": cas.hostname,
            "cas_port": cas.port or 80,
            "base_url": self.url,
            "logged_out_url": self.logged_out_url,
            "log": str(self.log),
        }
        (self.root / "config.json").write_text(json.dumps(config, indent=2))
        (self.root / "page.php").write_text(PAGE)
        htdocs = self.root / "htdocs"
        (htdocs / "index.html").write_text(PUBLIC_PAGE)
        (htdocs / "deconnecte.html").write_text(LOGGED_OUT_PAGE)
        for flavour, version in FLAVOURS.items():
            (htdocs / flavour / "index.php").write_text(
                ENTRY.format(flavour=json.dumps(flavour), version=json.dumps(version))
            )


ENTRY = """\
<?php
// Written by tests/support/phpcas.py.
const FLAVOUR = {flavour};
const SERVER_VERSION = {version};
require __DIR__ . '/../../page.php';
"""

PAGE = r"""<?php
// Written by tests/support/phpcas.py: the phpCAS page, as phpCAS's examples write one.
declare(strict_types=1);

$config = json_decode(file_get_contents(__DIR__ . '/config.json'), true, 8, JSON_THROW_ON_ERROR);
require_once $config['phpcas'];

// phpCAS::setLogger takes a PSR-3 logger and only calls info(): its trace goes to a file the tests show on failure.
final class TraceFile
{
    public function __construct(private string $path)
    {
    }

    public function info($message, array $context = []): void
    {
        error_log($message . "\n", 3, $this->path);
    }
}

session_name('PHPCAS_' . strtoupper(FLAVOUR));
phpCAS::setLogger(new TraceFile($config['log']));
phpCAS::setVerbose(true);
phpCAS::client(SERVER_VERSION, $config['cas_host'], (int) $config['cas_port'], '/cas', $config['base_url']);
$cas = $config['cas'];
phpCAS::setServerLoginURL($cas . '/login?service=' . urlencode(phpCAS::getServiceURL()));
phpCAS::setServerServiceValidateURL($cas . '/p3/serviceValidate');
phpCAS::setServerSamlValidateURL($cas . '/samlValidate');
phpCAS::setServerLogoutURL($cas . '/logout');
phpCAS::setNoCasServerValidation();

phpCAS::handleLogoutRequests();
if (isset($_GET['logout'])) {
    phpCAS::logoutWithRedirectService($config['logged_out_url']);
}
phpCAS::forceAuthentication();

$user = htmlspecialchars(phpCAS::getUser());
$flags = JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR;
$attributes = htmlspecialchars(json_encode((object) phpCAS::getAttributes(), $flags));
$flavour = FLAVOUR;
header('Content-Type: text/html; charset=utf-8');
header('Cache-Control: no-store');
echo <<<HTML
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>phpCAS service: signed in</title></head>
<body>
<h1>Signed in through phpCAS ({$flavour})</h1>
<p>User: <span id="user">{$user}</span></p>
<h2>Attributes</h2>
<pre id="attributes">{$attributes}</pre>
<p><a id="logout" href="?logout">Sign out</a></p>
</body></html>
HTML;
"""

PUBLIC_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>phpCAS service</title></head>
<body><h1>phpCAS test service</h1><p><a href="/cas3/">CAS 3.0 page</a> · <a href="/saml/">SAML 1.1 page</a></p>
</body></html>
"""

LOGGED_OUT_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>phpCAS service: signed out</title></head>
<body><h1>Signed out of the phpCAS service</h1><p><a href="/cas3/">CAS 3.0 page</a></p></body></html>
"""
