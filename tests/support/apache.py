"""Apache httpd with mod_auth_openidc protecting a page: a relying party that no one here wrote, on loopback.

Debian's `libapache2-mod-auth-openidc` is an OpenID-certified relying party. `Apache.start()` writes a config of its
own into a temporary folder (nothing of /etc/apache2 is read: ServerRoot, PidFile, logs and the module cache all live
there), starts `apache2 -f <conf> -DFOREGROUND` on a free loopback port, and waits until it answers.

What the config says, and why:
- `/protected/` needs an OpenID Connect sign-in (`AuthType openid-connect`). Its page is a server-side include that
  shows what the module hands to the application: the `OIDC_CLAIM_*` variables, the ID token's payload and the
  userinfo answer as JSON, and `REMOTE_USER` (no CGI, so no interpreter has to be readable by the worker's user).
- `/protected/redirect_uri` is the module's own endpoint: the authorization response comes back there, the
  RP-initiated logout starts there (`?logout=<url>`), and the provider's back-channel logout tokens are POSTed there
  (`?logout=backchannel`).
- PKCE S256, `client_secret_basic`, the scopes `openid profile email ent`; the provider's metadata is read from its
  discovery document, so the issuer, endpoints and JWKS are the provider's own answers.
- Plain http on loopback: the module sets `Secure` (and `SameSite=None`) on its cookies only for https requests,
  which is what a browser expects of http://127.0.0.1; `OIDCCookieSameSite On` makes them Lax/Strict explicitly, as a
  careful deployment would. The provider and the page share the host 127.0.0.1 (ports do not separate cookies), so
  cookie names must not collide: the module's all start with `mod_auth_openidc_`.
- As root (CI), httpd serves from a `www-data` (else `nobody`) worker, as it refuses to serve as root; the folder is
  made readable for it.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from local.dynamodb_local import free_port

MODULES = Path(os.environ.get("APACHE_MODULES", "/usr/lib/apache2/modules"))
OPENIDC = MODULES / "mod_auth_openidc.so"
SCOPE = "openid profile email ent"
# The claims the protected page lists one by one (all of them are also in the ID token and userinfo JSON it shows).
SHOWN_CLAIMS = (
    "sub",
    "preferred_username",
    "given_name",
    "family_name",
    "email",
    "email_verified",
    "FrEduCtPersonAffiliation",
    "FrEduCtEleveUAI",
    "FrEduCtEleveClasse",
)
MODULE_NAMES = ("mpm_event", "authn_core", "authz_core", "authz_user", "alias", "include", "auth_openidc")
START_SECONDS = 20


def httpd() -> str | None:
    return shutil.which("apache2") or shutil.which("apache2", path="/usr/sbin:/sbin")


def unavailable() -> str | None:
    """Why this machine cannot run the harness, or None when it can."""
    if httpd() is None:
        return "no apache2 on this machine: `apt-get install apache2 libapache2-mod-auth-openidc` (.ci/run does)"
    missing = [name for name in MODULE_NAMES if not (MODULES / f"mod_{name}.so").exists()]
    if missing:
        names = ", ".join(missing)
        return f"Apache modules missing from {MODULES}: {names} (`apt-get install libapache2-mod-auth-openidc`)"
    return None


class ApacheError(RuntimeError):
    pass


class Httpd:
    """One httpd and its folder, whatever modules its config loads: the subclass writes `httpd.conf` (and the pages)
    into `root`, then `_launch()` checks the config, starts httpd and waits until every one of `answering` answers.
    tests/support/mod_auth_cas.py is the other subclass."""

    prefix = "apache-"

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = Path(tempfile.mkdtemp(prefix=self.prefix))
        self.process: subprocess.Popen | None = None

    @property
    def error_log(self) -> Path:
        return self.root / "logs" / "error.log"

    @property
    def answering(self) -> tuple[str, ...]:
        """The URLs that answer 200 once httpd serves (one per listening port)."""
        return (self.url + "/",)

    def _launch(self) -> None:
        command = [httpd(), "-d", str(self.root), "-f", str(self.root / "httpd.conf"), "-DFOREGROUND"]
        checked = subprocess.run([*command[:-1], "-t"], capture_output=True, text=True, timeout=30, check=False)
        if checked.returncode != 0:
            raise ApacheError(f"httpd refused its config:\n{checked.stderr}{checked.stdout}")
        self.process = subprocess.Popen(
            command,
            stdout=open(self.root / "logs" / "stdout.log", "w"),  # noqa: SIM115 (kept for the process)
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends httpd and its children, nothing else
        )
        deadline = time.monotonic() + START_SECONDS
        waiting = list(self.answering)
        while waiting and time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ApacheError(f"httpd exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(waiting[0], timeout=2) as answer:
                    if answer.status == 200:
                        waiting.pop(0)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        if waiting:
            self.stop()
            raise ApacheError(f"httpd did not answer on {waiting[0]} within {START_SECONDS} s:\n{self.log_tail()}")

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

    def log_tail(self, lines: int = 40) -> str:
        """The end of httpd's error log (the modules log there why they refused a response), for failure messages."""
        found = []
        for path in (self.root / "logs" / "stdout.log", self.error_log):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                found.append(f"--- {path.name} ---\n" + "\n".join(text))
        return "\n".join(found) or "(no log written)"


class Apache(Httpd):
    """mod_auth_openidc's httpd. Its port is chosen before the provider knows the client, as the redirect URIs that
    the client registers contain it."""

    prefix = "apache-openidc-"

    def __init__(self) -> None:
        super().__init__()
        self.protected_url = f"{self.url}/protected/"
        self.redirect_uri = f"{self.url}/protected/redirect_uri"
        self.backchannel_logout_uri = f"{self.redirect_uri}?logout=backchannel"
        self.logged_out_url = f"{self.url}/deconnecte"  # where the provider sends the browser back after logout

    @property
    def logout_url(self) -> str:
        """The RP-initiated logout: the module ends its session, then sends the browser to the provider's
        end_session_endpoint with id_token_hint and post_logout_redirect_uri=logged_out_url."""
        return f"{self.redirect_uri}?logout={quote(self.logged_out_url, safe='')}"

    def start(self, provider_url: str, client_id: str, client_secret: str, *, log_level: str = "info") -> None:
        reason = unavailable()
        if reason:
            raise ApacheError(reason)
        self._write(provider_url, client_id, client_secret, log_level)
        self._launch()

    def _write(self, provider_url: str, client_id: str, client_secret: str, log_level: str) -> None:
        for folder in ("logs", "run", "htdocs/protected", "cache"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        (self.root / "htdocs" / "index.html").write_text(PUBLIC_PAGE.format(protected=self.protected_url))
        (self.root / "htdocs" / "deconnecte.html").write_text(LOGGED_OUT_PAGE.format(protected=self.protected_url))
        (self.root / "htdocs" / "protected" / "claims.shtml").write_text(
            CLAIMS_PAGE.format(logout=self.logout_url, claims="\n".join(CLAIM_ROW.format(name=n) for n in SHOWN_CLAIMS))
        )
        (self.root / "httpd.conf").write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                modules="\n".join(f"LoadModule {n}_module {MODULES}/mod_{n}.so" for n in MODULE_NAMES),
                user=worker_user(),
                log_level=log_level,
                metadata_url=f"{provider_url}/.well-known/openid-configuration",
                client_id=client_id,
                client_secret=client_secret,
                redirect_uri=self.redirect_uri,
                passphrase=secrets.token_urlsafe(32),
                scope=SCOPE,
                url=self.url,
            )
        )
        # As root, the worker runs as another user: it must read the pages (the logs are opened by the parent).
        for path in (self.root, *self.root.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        os.chmod(self.root / "httpd.conf", 0o600)  # the client secret and passphrase: read by the parent only


def worker_user() -> str:
    """User/Group lines when started as root (httpd refuses to serve as root); nothing otherwise."""
    if os.geteuid() != 0:
        return ""
    for user, group in (("www-data", "www-data"), ("nobody", "nogroup")):
        try:
            pwd.getpwnam(user)
            grp.getgrnam(group)
        except KeyError:
            continue
        return f"User {user}\nGroup {group}"
    raise ApacheError("started as root, but neither www-data nor nobody exists to run httpd's workers")


CONFIG = """\
# Written by tests/support/apache.py: a self-contained httpd, nothing read from /etc/apache2.
ServerRoot "{root}"
ServerName 127.0.0.1:{port}
Listen 127.0.0.1:{port}
PidFile "{root}/run/httpd.pid"
DefaultRuntimeDir "{root}/run"
Mutex file:{root}/run default
{modules}
{user}
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
ErrorLog "{root}/logs/error.log"
LogLevel warn auth_openidc:{log_level}
DocumentRoot "{root}/htdocs"
<Directory "{root}/htdocs">
    Options +Includes
    Require all granted
</Directory>
AliasMatch "^/$" "{root}/htdocs/index.html"
AliasMatch "^/deconnecte$" "{root}/htdocs/deconnecte.html"
AliasMatch "^/protected/" "{root}/htdocs/protected/claims.shtml"
<LocationMatch "^/(deconnecte)?$">
    ForceType "text/html; charset=utf-8"
</LocationMatch>

OIDCProviderMetadataURL {metadata_url}
OIDCClientID {client_id}
OIDCClientSecret {client_secret}
OIDCProviderTokenEndpointAuth client_secret_basic
OIDCRedirectURI {redirect_uri}
OIDCCryptoPassphrase {passphrase}
OIDCScope "{scope}"
OIDCPKCEMethod S256
OIDCResponseType code
OIDCCookieSameSite On
OIDCRemoteUserClaim sub
OIDCPassClaimsAs environment
OIDCPassIDTokenAs claims payload
OIDCPassUserInfoAs claims json
OIDCDefaultLoggedOutURL {url}/deconnecte
OIDCHTTPTimeoutShort 10
OIDCHTTPTimeoutLong 20

<Location "/protected/">
    AuthType openid-connect
    Require valid-user
    ForceType "text/html; charset=utf-8"
    SetOutputFilter INCLUDES
</Location>
"""

PUBLIC_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Relying party</title></head>
<body><h1>mod_auth_openidc test relying party</h1><p><a href="{protected}">Protected page</a></p></body></html>
"""

LOGGED_OUT_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Relying party: signed out</title></head>
<body><h1>Signed out of the relying party</h1><p><a href="{protected}">Protected page</a></p></body></html>
"""

CLAIM_ROW = '<tr><th>{name}</th><td id="claim-{name}"><!--#echo var="OIDC_CLAIM_{name}" --></td></tr>'

CLAIMS_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Relying party: signed in</title></head>
<body>
<h1>Signed in through mod_auth_openidc</h1>
<p>REMOTE_USER: <span id="remote-user"><!--#echo var="REMOTE_USER" --></span></p>
<table id="claims">
{claims}
</table>
<h2>ID token payload</h2>
<pre id="id-token"><!--#echo var="OIDC_id_token_payload" --></pre>
<h2>Userinfo</h2>
<pre id="userinfo"><!--#echo var="OIDC_userinfo_json" --></pre>
<p><a id="logout" href="{logout}">Sign out</a></p>
</body></html>
"""
