"""Apache httpd with mod_auth_cas protecting a page: a CAS client that no one here wrote, on loopback.

Debian's `libapache2-mod-auth-cas` (1.2, Apereo's module). `ModAuthCas.start()` writes its own config into a temporary
folder (nothing of /etc/apache2 is read), as tests/support/apache.py does for mod_auth_openidc, and serves two virtual
hosts, one per way of validating a ticket, since the module's validation settings are per server:
- `p3_url` validates at the CAS server's `/cas/p3/serviceValidate` (CAS 3.0 XML with its attributes;
  `CASVersion 2` is the module's name for every XML answer),
- `saml_url` posts a SAML 1.1 request to `/cas/samlValidate?TARGET=<service>` (`CASValidateSAML On`).

What the config says, and why:
- `/protected/` needs a CAS sign-in (`AuthType CAS`); its page is a server-side include that shows what the module
  hands to the application: `REMOTE_USER`, and the attributes it received as request headers (`CASAuthNHeader` must
  be set for the module to add them at all; `CASAttributePrefix CAS-`, since httpd 2.4 drops a header whose name has
  an underscore, such as the default `CAS_`, from the variables a page sees). Multi-valued attributes are joined with
  ",". `CASScrubRequestHeaders On`: a browser cannot send `CAS-*` headers of its own.
- `CASSSOEnabled On`: the CAS server's single-logout POST (`logoutRequest=<samlp:LogoutRequest>`) to the service URL
  ends the module's session for that ticket. The module reads at most 1023 bytes of that POST's body.
- The page's "Sign out" link goes to the CAS server's `/cas/logout?service=<logged_out_url>`: the module has no
  logout of its own, it learns of the logout by the single-logout POST.
- Plain http on loopback: the module only warns that CASValidateURL "should be HTTPS" (the 1.2 source checks the
  scheme and logs, nothing more), and its curl allows http. `CASCertificatePath` must name a file or folder that
  exists even then.
- The service URL the module sends is built from `ServerName` and the connection's port:
  `http://127.0.0.1:<port>/protected/`, exactly what the CAS service registers.
- `/renew/` (the same page) has `CASRenew /renew/`: the module sends `renew=true` to /cas/login and to the
  validation, so the server must ask for the password even during a single sign-on session, and only a ticket from
  that fresh password validates.
- Cookie names differ per virtual host and location (`MOD_AUTH_CAS_P3`, `MOD_AUTH_CAS_SAML`, `..._RENEW`): the
  browser does not separate ports.
"""

from __future__ import annotations

import os
import pwd
from urllib.parse import quote

from local.dynamodb_local import free_port
from tests.support.apache import MODULES, ApacheError, Httpd, httpd, worker_user

CAS = MODULES / "mod_auth_cas.so"
MODULE_NAMES = ("mpm_event", "authn_core", "authz_core", "authz_user", "alias", "include", "auth_cas")
FLAVOURS = ("p3", "saml")
ATTRIBUTE_PREFIX = "HTTP_CAS_"  # the header CAS-<name> as the page's variable (upper case, "-" as "_")


def unavailable() -> str | None:
    """Why this machine cannot run the harness, or None when it can."""
    if httpd() is None:
        return "no apache2 on this machine: `apt-get install apache2 libapache2-mod-auth-cas` (.ci/run does)"
    missing = [name for name in MODULE_NAMES if not (MODULES / f"mod_{name}.so").exists()]
    if missing:
        names = ", ".join(missing)
        return f"Apache modules missing from {MODULES}: {names} (`apt-get install libapache2-mod-auth-cas`)"
    return None


class ModAuthCas(Httpd):
    """One httpd, two virtual hosts (p3, saml). Its ports are chosen before the CAS service is registered, as the
    service URLs contain them."""

    prefix = "apache-cas-"

    def __init__(self) -> None:
        super().__init__()
        self.saml_port = free_port()
        self.saml_url = f"http://127.0.0.1:{self.saml_port}"
        self.p3_url = self.url
        self.cas_url = ""

    def protected_url(self, flavour: str = "p3") -> str:
        return f"{self._base(flavour)}/protected/"

    def renew_url(self, flavour: str = "p3") -> str:
        return f"{self._base(flavour)}/renew/"

    def logged_out_url(self, flavour: str = "p3") -> str:
        return f"{self._base(flavour)}/deconnecte"

    def logout_url(self, flavour: str = "p3") -> str:
        """The page's "Sign out": the CAS server's logout, back to this host's signed-out page."""
        return f"{self.cas_url}/cas/logout?service={quote(self.logged_out_url(flavour), safe='')}"

    @property
    def service_urls(self) -> list[str]:
        """What the CAS service registers: the protected pages (tickets are validated for them, the single-logout
        POST goes there) and the signed-out pages (where /cas/logout sends the browser back)."""
        pages = (self.protected_url, self.renew_url, self.logged_out_url)
        return [page(flavour) for flavour in FLAVOURS for page in pages]

    @property
    def answering(self) -> tuple[str, ...]:
        return (self.p3_url + "/", self.saml_url + "/")

    def start(self, cas_url: str, *, debug: bool = True) -> None:
        """Serve the pages of a CAS server at `cas_url` (its /cas/... endpoints are below it)."""
        reason = unavailable()
        if reason:
            raise ApacheError(reason)
        self.cas_url = cas_url.rstrip("/")
        self._write(debug)
        self._launch()

    def _base(self, flavour: str) -> str:
        return {"p3": self.p3_url, "saml": self.saml_url}[flavour]

    def _write(self, debug: bool) -> None:
        for folder in ("logs", "run", "htdocs/protected", "cas-cache/p3", "cas-cache/saml"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        htdocs = self.root / "htdocs"
        (htdocs / "index.html").write_text(PUBLIC_PAGE)
        (htdocs / "deconnecte.html").write_text(LOGGED_OUT_PAGE)
        for flavour in FLAVOURS:
            (htdocs / "protected" / f"{flavour}.shtml").write_text(
                PROTECTED_PAGE.format(flavour=flavour, logout=self.logout_url(flavour))
            )
        hosts = [
            HOST.format(
                root=self.root,
                port=port,
                flavour=flavour,
                cookie=f"MOD_AUTH_CAS_{flavour.upper()}",
                cas=self.cas_url,
                validate=validate,
                saml="On" if flavour == "saml" else "Off",
                debug="On" if debug else "Off",
            )
            for flavour, port, validate in (
                ("p3", self.port, "/cas/p3/serviceValidate"),
                ("saml", self.saml_port, "/cas/samlValidate"),
            )
        ]
        (self.root / "httpd.conf").write_text(
            CONFIG.format(
                root=self.root,
                listen="\n".join(f"Listen 127.0.0.1:{port}" for port in (self.port, self.saml_port)),
                modules="\n".join(f"LoadModule {n}_module {MODULES}/mod_{n}.so" for n in MODULE_NAMES),
                user=worker_user(),
                log_level="debug" if debug else "info",
                hosts="\n".join(hosts),
            )
        )
        for path in (self.root, *self.root.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        if os.geteuid() == 0:  # the worker writes the module's session files
            worker = pwd.getpwnam(worker_user().split()[1])
            for folder in (self.root / "cas-cache", *(self.root / "cas-cache").iterdir()):
                os.chown(folder, worker.pw_uid, worker.pw_gid)


CONFIG = """\
# Written by tests/support/mod_auth_cas.py: a self-contained httpd, nothing read from /etc/apache2.
ServerRoot "{root}"
ServerName 127.0.0.1
{listen}
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
LogLevel warn auth_cas:{log_level}
DocumentRoot "{root}/htdocs"
<Directory "{root}/htdocs">
    Options +Includes
    Require all granted
</Directory>
AliasMatch "^/$" "{root}/htdocs/index.html"
AliasMatch "^/deconnecte$" "{root}/htdocs/deconnecte.html"
<LocationMatch "^/(deconnecte)?$">
    ForceType "text/html; charset=utf-8"
</LocationMatch>
{hosts}
"""

HOST = """\
<VirtualHost 127.0.0.1:{port}>
    ServerName 127.0.0.1
    CASLoginURL {cas}/cas/login
    CASValidateURL {cas}{validate}
    CASVersion 2
    CASValidateSAML {saml}
    CASSSOEnabled On
    CASDebug {debug}
    CASCookiePath "{root}/cas-cache/{flavour}/"
    CASCertificatePath "{root}/htdocs"
    CASAttributePrefix CAS-
    CASTimeout 3600
    CASIdleTimeout 1800
    AliasMatch "^/(protected|renew)/" "{root}/htdocs/protected/{flavour}.shtml"
    <LocationMatch "^/(protected|renew)/">
        AuthType CAS
        CASAuthNHeader CAS-User
        CASScrubRequestHeaders On
        Require valid-user
        ForceType "text/html; charset=utf-8"
        SetOutputFilter INCLUDES
    </LocationMatch>
    <Location "/protected/">
        CASCookie {cookie}
    </Location>
    <Location "/renew/">
        CASCookie {cookie}_RENEW
        CASRenew /renew/
    </Location>
</VirtualHost>
"""

PUBLIC_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>CAS service</title></head>
<body><h1>mod_auth_cas test service</h1><p><a href="/protected/">Protected page</a></p></body></html>
"""

LOGGED_OUT_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>CAS service: signed out</title></head>
<body><h1>Signed out of the CAS service</h1><p><a href="/protected/">Protected page</a></p></body></html>
"""

# printenv lists every variable, the attribute headers among them (HTTP_CAS_*); the test reads those lines.
PROTECTED_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>CAS service: signed in</title></head>
<body>
<h1>Signed in through mod_auth_cas ({flavour})</h1>
<p>REMOTE_USER: <span id="remote-user"><!--#echo var="REMOTE_USER" --></span></p>
<h2>Variables</h2>
<pre id="variables"><!--#printenv --></pre>
<p><a id="logout" href="{logout}">Sign out</a></p>
</body></html>
"""


def attributes(variables: str) -> dict[str, str]:
    """The attributes a page received, from its printenv text: {upper-case name: value} (HTTP_CAS_USER is the user the
    module sets with CASAuthNHeader, not an attribute)."""
    found = {}
    for line in variables.splitlines():
        name, _, value = line.partition("=")
        if name.startswith(ATTRIBUTE_PREFIX) and name != "HTTP_CAS_USER":
            found[name.removeprefix(ATTRIBUTE_PREFIX)] = value
    return found
