"""The single-logout side of two CAS clients no one here wrote, on loopback: Apache httpd with mod_auth_cas (Debian's
`libapache2-mod-auth-cas`, `CASSSOEnabled On`) and a PHP page with phpCAS (Debian's `php-cas`, served by `php -S`).

Only what receives a logout request is exercised: each holds a session made as it makes one when a ticket validates
(mod_auth_cas: its cache entry and the ticket → entry map, in the format it writes; phpCAS: the PHP session whose id
is the hash of the ticket), and the test checks that the LogoutRequest this service posts ends it. The sign-in
through a real CAS server, pages and browser included, is the relying parties' tier (tests/relying_parties).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from local.dynamodb_local import free_port
from tests.support.apache import MODULES, httpd
from tests.support.apache import worker_user as worker_user_lines

MOD_AUTH_CAS = MODULES / "mod_auth_cas.so"
PHPCAS = Path(os.environ.get("PHPCAS", "/usr/share/php/CAS.php"))
APACHE_MODULES = ("mpm_event", "authn_core", "authz_core", "authz_user", "auth_cas")
START_SECONDS = 20


def mod_auth_cas_unavailable() -> str | None:
    if httpd() is None or not MOD_AUTH_CAS.exists():
        return "no apache2 with mod_auth_cas here: `apt-get install apache2 libapache2-mod-auth-cas` (.ci/run does)"
    return None


def phpcas_unavailable() -> str | None:
    if shutil.which("php") is None or not PHPCAS.exists():
        return "no php with phpCAS here: `apt-get install php-cli php-cas`"
    return None


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # any answer: it is up
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {START_SECONDS} s")


def _stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


class ModAuthCas:
    """httpd protecting /pronote/ with mod_auth_cas, single sign out on."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = Path(tempfile.mkdtemp(prefix="apache-cas-"))
        self.cache = self.root / "cas-cache"
        self.process: subprocess.Popen | None = None

    @property
    def error_log(self) -> Path:
        return self.root / "logs" / "error.log"

    def start(self) -> None:
        for folder in ("logs", "run", "htdocs/pronote", "cas-cache"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        (self.root / "htdocs" / "index.html").write_text("ok\n")
        (self.root / "htdocs" / "pronote" / "eleve.html").write_text("<p>Pronote</p>\n")
        modules = "\n".join(f"LoadModule {name}_module {MODULES}/mod_{name}.so" for name in APACHE_MODULES)
        (self.root / "httpd.conf").write_text(
            APACHE_CONFIG.format(root=self.root, port=self.port, modules=modules, user=worker_user_lines())
        )
        for path in (self.root, *self.root.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        self._own_cache()
        command = [httpd(), "-d", str(self.root), "-f", str(self.root / "httpd.conf"), "-DFOREGROUND"]
        log = self.root / "logs" / "stdout.log"
        self.process = subprocess.Popen(
            command,
            stdout=open(log, "w"),  # noqa: SIM115 (kept for the process)
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends httpd and its children, nothing else
        )
        _wait_until_up(self.url + "/", self.process, log)

    def stop(self) -> None:
        _stop(self.process)
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def session(self, user: str, ticket: str) -> str:
        """A session as mod_auth_cas opens one when `ticket` validates: its cache entry (named by a random cookie
        value) and the map from the ticket's MD5 to that name. Its cookie value."""
        cookie = secrets.token_hex(16)
        now = time.time_ns() // 1000  # apr_time_t: microseconds
        (self.cache / cookie).write_text(
            '<cacheEntry xmlns="http://uconn.edu/cas/mod_auth_cas">\n'
            f"<user>{user}</user>\n<issued>{now}</issued>\n<lastactive>{now}</lastactive>\n"
            f"<path>/pronote/</path>\n<ticket>{ticket}</ticket>\n</cacheEntry>\n"
        )
        (self.cache / f".{hashlib.md5(ticket.encode()).hexdigest()}").write_text(cookie)  # noqa: S324 (its format)
        self._own_cache()
        return cookie

    def opens(self, cookie: str) -> bool:
        """Whether the cookie still opens the protected page (else mod_auth_cas sends the browser to the CAS login)."""
        request = urllib.request.Request(f"{self.url}/pronote/eleve.html", headers={"Cookie": f"MOD_AUTH_CAS={cookie}"})
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=5) as answer:
                return answer.status == 200
        except urllib.error.HTTPError as error:
            error.close()
            return False

    def _own_cache(self) -> None:
        """As root, httpd's worker (www-data) must read and delete the entries: they are its own."""
        if os.geteuid() != 0:
            return
        import pwd

        user = next(line.split()[1] for line in worker_user_lines().splitlines() if line.startswith("User"))
        uid = pwd.getpwnam(user).pw_uid
        for path in (self.cache, *self.cache.iterdir()):
            os.chown(path, uid, -1)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


APACHE_CONFIG = """\
# Written by tests/support/cas_logout_receivers.py: a self-contained httpd, nothing read from /etc/apache2.
ServerRoot "{root}"
ServerName 127.0.0.1:{port}
Listen 127.0.0.1:{port}
PidFile "{root}/run/httpd.pid"
DefaultRuntimeDir "{root}/run"
Mutex file:{root}/run default
{modules}
{user}
StartServers 1
ServerLimit 1
ThreadsPerChild 8
MaxRequestWorkers 8
ErrorLog "{root}/logs/error.log"
LogLevel warn auth_cas:info
DocumentRoot "{root}/htdocs"
<Directory "{root}/htdocs">
    Require all granted
</Directory>
# Never reached here: the sessions are made as a validation would make them.
CASLoginURL http://127.0.0.1:9/cas/login
CASValidateURL https://127.0.0.1:9/cas/serviceValidate
CASCookiePath {root}/cas-cache/
CASSSOEnabled On
<Location "/pronote/">
    AuthType CAS
    Require valid-user
</Location>
"""


class PhpCas:
    """`php -S` serving /pronote/index.php, a page that hands logout requests to phpCAS: `handleLogoutRequests
    (false)` (no check of the caller's host name), or with phpCAS's default check when the URL says `?check=1`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = Path(tempfile.mkdtemp(prefix="phpcas-"))
        self.sessions = self.root / "sessions"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        (self.root / "pronote").mkdir(parents=True)
        self.sessions.mkdir()
        (self.root / "pronote" / "index.php").write_text(PHP_PAGE.format(phpcas=PHPCAS, told=self.root / "told"))
        log = self.root / "php.log"
        self.process = subprocess.Popen(
            ["php", "-d", f"session.save_path={self.sessions}", "-S", f"127.0.0.1:{self.port}", "-t", str(self.root)],
            stdout=open(log, "w"),  # noqa: SIM115 (kept for the process)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_until_up(self.url + "/pronote/index.php", self.process, log)

    def stop(self) -> None:
        _stop(self.process)
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def session(self, user: str, ticket: str) -> Path:
        """A session as phpCAS opens one when `ticket` validates (with its default changeSessionID): the PHP session
        whose id is the SHA-256 of the ticket, holding the user."""
        path = self.sessions / f"sess_{hashlib.sha256(ticket.encode()).hexdigest()}"
        path.write_text(f'phpCAS|a:1:{{s:4:"user";s:{len(user)}:"{user}";}}')
        return path

    def told(self) -> list[str]:
        """The tickets phpCAS handed to the page's single sign-out callback."""
        path = self.root / "told"
        return path.read_text().split() if path.exists() else []


PHP_PAGE = """\
<?php
error_reporting(E_ALL & ~E_DEPRECATED);
require_once '{phpcas}';
phpCAS::client(CAS_VERSION_3_0, 'cas.example.fr', 443, '/cas', 'http://127.0.0.1:' . $_SERVER['SERVER_PORT']);
phpCAS::setSingleSignoutCallback(function ($ticket) {{
    file_put_contents('{told}', $ticket . "\\n", FILE_APPEND);
}});
phpCAS::handleLogoutRequests(isset($_GET['check']));
echo 'Pronote';
"""
