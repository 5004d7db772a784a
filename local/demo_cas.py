"""The demo CAS service: a small CAS 3.0 client served by the local server under /_dev/cas/ (never in the template),
so that a newcomer sees CAS single sign-on and single logout work by hand.

It is a service like any other, registered as `demo-cas` (local/demo.py) with its service URL `<server>/_dev/cas/`
and every attribute of the catalog, and it talks to the service only through the protocol, over HTTP, on the
server's own URL:

- `GET /_dev/cas/`: its page. Signed out, "Se connecter avec ENT accounts (CAS)"; signed in, who (the CAS `user`),
  the attributes the validation released, and "Se déconnecter". Its service URL, so also where the CAS server
  sends the browser back with `ticket=ST-…`: the ticket is validated at /cas/p3/serviceValidate (`format=JSON`,
  with the same service URL and, when the login asked it, `renew=true`) before anything is shown.
- `GET /_dev/cas/login` (`renew=true`: always the password; `gateway=true`: only if a session answers at once): to
  /cas/login?service=…. Also its initiate-login URI, so the services page (/bureau) opens it (`iss` is ignored).
- `POST /_dev/cas/logout`: forgets this browser's session here and sends it to /cas/logout?service=…, which ends the
  single sign-on session and comes back.
- `POST` of a form `logoutRequest` to its service URL (CAS 3.0 Appendix C, single logout): the SAML LogoutRequest
  the logout queue sends when the session it signed in through ends; its sessions of that SessionIndex (the ticket
  they were validated with) are forgotten, and their page says so. Parsed with defusedxml (no entity, no DTD).

Its sessions live in memory, keyed by its own cookie `demo_cas` (Path=/_dev/cas, HttpOnly, SameSite=Lax), which no
cookie of the service shares a name with. Like the demo ENT (local/demo_rp.py), it calls the server from a /_dev/
request thread, which holds no function's lock, and holds its own lock only around its sessions, never while it
waits: its calls to /cas/… cannot wait on themselves. A logout request reaches it from the logout queue's thread.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from local.demo_rp import Http, _cookie, _header, _text, _urllib

log = logging.getLogger("local.demo_cas")

PATH = "/_dev/cas"
COOKIE = "demo_cas"
FORM = "application/x-www-form-urlencoded"
MAX_VISITS = 1000  # browsers remembered (a developer's machine: the oldest are dropped)
MAX_LOGOUT_REQUEST = 10_000  # bytes: a LogoutRequest is about 500
LABELS = {  # what each attribute is, in French, for the page
    "uid": "Identifiant",
    "nom": "Nom",
    "prenom": "Prénom",
    "mail": "Adresse mail (validée)",
    "dateNaissance": "Date de naissance",
    "FrEduCtPersonAffiliation": "Profil (EduConnect)",
    "categories": "Profil (Pronote)",
    "FrEduCtEleveUAI": "Établissement (UAI)",
    "ENTEleveClasses": "Classe",
    "authenticationDate": "Connexion à ENT accounts",
    "isFromNewLogin": "Mot de passe saisi pour cette connexion",
    "longTermAuthenticationRequestTokenUsed": "Connexion « se souvenir de moi »",
}

Answer = tuple[int, list[tuple[str, str]], bytes]


class Refused(Exception):
    """What the service will not accept, in French, for its page."""


@dataclass
class Visit:
    """This service's session of one browser."""

    asked: dict[str, bool] | None = None  # renew, gateway: a login under way
    user: str | None = None
    attributes: dict[str, Any] | None = None
    ticket: str | None = None  # the ticket it was validated with: the SessionIndex of its single logout
    notices: list[str] = field(default_factory=list)  # shown once on the next page

    def sign_out(self, notice: str) -> None:
        self.user = self.attributes = self.ticket = None
        self.notices.append(notice)


class DemoCasService:
    def __init__(self, server_url: str, http: Http | None = None) -> None:
        """`server_url`: the local server's URL, whose /cas/ is the CAS server. `http`: how requests reach it (urllib
        by default; tests give a fake CAS server)."""
        self.server = server_url.rstrip("/")
        self.base = f"{self.server}{PATH}"
        self.service = f"{self.base}/"  # the service URL every login and validation names, exactly
        self.http = http or _urllib
        self.registered = False
        self._visits: OrderedDict[str, Visit] = OrderedDict()
        self._lock = threading.Lock()

    def configure(self) -> None:
        """Say that its registration is done (local/demo.py): until then, no login starts."""
        self.registered = True

    # --- HTTP ---------------------------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes | None) -> Answer:
        """Answer a request for /_dev/cas…; never raises (a refusal is a French page, a failure a 502 page)."""
        parts = urlsplit(target)
        path = parts.path.removeprefix(PATH) or "/"
        params = {name: values[0] for name, values in parse_qs(parts.query).items()}
        form = {}
        if method == "POST" and _header(headers, "content-type").split(";")[0].strip().lower() == FORM:
            raw = (body or b"").decode("utf-8", "replace")
            form = {name: values[0] for name, values in parse_qs(raw, keep_blank_values=True).items()}
        cookie = _cookie(headers, COOKIE)
        try:
            if method == "POST" and "logoutRequest" in form:  # single logout, posted to the service URL
                return self._logout_request(form["logoutRequest"])
            if parts.path == PATH:
                return _redirect(self.service)
            if path == "/" and method in ("GET", "HEAD"):
                if "ticket" in params:
                    return self._validate(cookie, params["ticket"])
                return self._home(cookie, params)
            if path == "/login" and method in ("GET", "POST"):
                return self._login(cookie, params)
            if path == "/logout" and method == "POST":
                return self._logout(cookie)
            return _page(404, "<p>Cette page du service CAS de démonstration n'existe pas.</p>")
        except Refused as refusal:
            return _page(400, f'<p class="error">{_text(str(refusal))}</p>{_again()}')
        except Exception as error:  # the CAS server did not answer as the protocol says: shown, and logged in full
            log.exception("demo CAS service: %s %s failed", method, parts.path)
            message = (
                f"Le service CAS de démonstration n'a pas pu joindre ENT accounts : {type(error).__name__}: {error}"
            )
            return _page(502, f'<p class="error">{_text(message)}</p>{_again()}')

    # --- the pages ----------------------------------------------------------------------------------------------------

    def _home(self, cookie: str | None, params: dict[str, str]) -> Answer:
        with self._lock:
            visit = self._visits.get(cookie or "")
            if visit and visit.asked and visit.asked["gateway"]:  # back from gateway=true without a ticket
                visit.notices.append(
                    "Pas de session ENT accounts qui réponde sans rien demander (gateway) : toujours non connecté."
                )
                visit.asked = None
            if visit and "deconnecte" in params:
                visit.notices.append("Déconnecté : ENT accounts a terminé la session et renvoyé ici (/cas/logout).")
            notices, user, attributes = (visit.notices[:], visit.user, visit.attributes) if visit else ([], None, None)
            if visit:
                visit.notices.clear()
        shown = "".join(f'<p class="notice">{_text(notice)}</p>' for notice in notices)
        if not self.registered:
            shown += (
                '<p class="error">Le service CAS de démonstration n\'est pas enregistré (serveur lancé avec --no-demo '
                "ou --aws) : la connexion ne peut pas commencer.</p>"
            )
        if user is None:
            return _page(200, shown + _SIGNED_OUT)
        rows = "".join(
            f"<tr><th>{_text(LABELS.get(name, name))}</th><td><code>{_text(name)}</code></td>"
            f"<td>{_text(_shown(value))}</td></tr>"
            for name, value in (attributes or {}).items()
        )
        body = (
            f"{shown}<p>Connecté : <strong>{_text(user)}</strong> (le <code>user</code> de la validation du ticket)."
            "</p><h2>Attributs reçus</h2>"
            + (
                f"<table><thead><tr><th>Attribut</th><th>Nom CAS</th><th>Valeur</th></tr></thead><tbody>{rows}"
                "</tbody></table>"
                if rows
                else "<p>Aucun attribut.</p>"
            )
            + f'<form method="post" action="{PATH}/logout"><button type="submit">Se déconnecter</button></form>'
        )
        return _page(200, body)

    def _login(self, cookie: str | None, params: dict[str, str]) -> Answer:
        if not self.registered:
            raise Refused("Le service CAS de démonstration n'est pas enregistré : la connexion ne peut pas commencer.")
        asked = {"renew": params.get("renew") == "true", "gateway": params.get("gateway") == "true"}
        query = {"service": self.service, **{name: "true" for name, wanted in asked.items() if wanted}}
        cookie, created = self._visit(cookie, lambda visit: setattr(visit, "asked", asked))
        return _redirect(f"{self.server}/cas/login?{urlencode(query)}", created)

    def _validate(self, cookie: str | None, ticket: str) -> Answer:
        """CAS 3.0 §2.5 (p3, JSON): the ticket, for exactly the service URL the login named; `renew=true` when this
        browser's login asked it, so that a ticket from a single sign-on session is refused then. A ticket with no
        login under way here (/cas/login opened by hand) is validated too, as CAS clients do."""
        with self._lock:
            visit = self._visits.get(cookie or "")
            asked = (visit.asked if visit else None) or {"renew": False, "gateway": False}
            if visit:
                visit.asked = None
        query = {"service": self.service, "ticket": ticket, "format": "JSON"}
        if asked["renew"]:
            query["renew"] = "true"
        status, raw = self.http(
            "GET", f"{self.server}/cas/p3/serviceValidate?{urlencode(query)}", {"Accept": "application/json"}, None
        )
        if status != 200:
            raise RuntimeError(f"/cas/p3/serviceValidate answered {status}")
        answer = json.loads(raw or b"{}").get("serviceResponse", {})
        if "authenticationFailure" in answer:
            failure = answer["authenticationFailure"]
            raise Refused(
                f"ENT accounts a refusé le ticket : {failure.get('code')} ({failure.get('description', '')})."
            )
        success = answer.get("authenticationSuccess")
        if not isinstance(success, dict) or not isinstance(success.get("user"), str) or not success["user"]:
            raise RuntimeError("neither authenticationSuccess with a user nor authenticationFailure")

        def signed_in(visit: Visit) -> None:
            visit.user, visit.attributes, visit.ticket = success["user"], success.get("attributes") or {}, ticket

        _, created = self._visit(cookie, signed_in)
        return _redirect(self.service, created)

    def _logout(self, cookie: str | None) -> Answer:
        with self._lock:
            visit = self._visits.get(cookie or "")
            if visit:
                visit.user = visit.attributes = visit.ticket = None
        query = {"service": f"{self.service}?deconnecte=1"}  # a URL its registration covers: the way back
        return _redirect(f"{self.server}/cas/logout?{urlencode(query)}")

    def _logout_request(self, raw: str) -> Answer:
        """CAS 3.0 Appendix C: 200 once read (whether or not a session had that SessionIndex), 400 if unreadable."""
        try:
            session_index = logout_request_session_index(raw)
        except ValueError as error:
            log.info("demo CAS service: logout request refused (%s)", error)
            return 400, [("Content-Type", "text/plain; charset=utf-8")], f"{error}\n".encode()
        forgotten = 0
        with self._lock:
            for visit in self._visits.values():
                if visit.ticket and secrets.compare_digest(visit.ticket, session_index):
                    visit.sign_out("Session fermée : ENT accounts a signalé la déconnexion (CAS single logout).")
                    forgotten += 1
        log.info("demo CAS service: logout request, %d session(s) forgotten", forgotten)
        return 200, [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")], b"ok\n"

    # --- sessions -----------------------------------------------------------------------------------------------------

    def _visit(self, cookie: str | None, change: Callable[[Visit], None]) -> tuple[str, list[tuple[str, str]]]:
        """Change this browser's visit (made when it has none); its cookie, and the header that sets a new one."""
        with self._lock:
            visit = self._visits.get(cookie or "")
            headers = []
            if visit is None:
                cookie, visit = secrets.token_urlsafe(32), Visit()
                self._visits[cookie] = visit
                while len(self._visits) > MAX_VISITS:
                    self._visits.popitem(last=False)
                headers = [("Set-Cookie", f"{COOKIE}={cookie}; Path={PATH}; HttpOnly; SameSite=Lax")]
            change(visit)
            return cookie, headers

    def signed_in_users(self) -> list[str]:
        """The users of the sessions this service holds (for the tests)."""
        with self._lock:
            return [visit.user for visit in self._visits.values() if visit.user]


def logout_request_session_index(raw: str) -> str:
    """The SessionIndex of a SAML 2 LogoutRequest (read by local name, as the Java CAS client does); ValueError for
    anything else."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    if len(raw) > MAX_LOGOUT_REQUEST:
        raise ValueError("logoutRequest too long")
    try:
        root = fromstring(raw)
    except (ParseError, DefusedXmlException) as error:
        raise ValueError(f"logoutRequest is not XML: {type(error).__name__}") from None
    if _local(root.tag) != "LogoutRequest":
        raise ValueError("not a LogoutRequest")
    indexes = [child.text for child in root if _local(child.tag) == "SessionIndex"]
    if len(indexes) != 1 or not indexes[0] or not indexes[0].strip():
        raise ValueError("a LogoutRequest holds one SessionIndex")
    return indexes[0].strip()


# --- helpers ----------------------------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _shown(value: Any) -> str:
    values = value if isinstance(value, list) else [value]
    return ", ".join("oui" if item is True else "non" if item is False else str(item) for item in values)


def _redirect(location: str, headers: list[tuple[str, str]] | None = None) -> Answer:
    return 303, [("Location", location), ("Cache-Control", "no-store"), *(headers or [])], b""


def _again() -> str:
    return f'<p><a href="{PATH}/">Retour au service CAS de démonstration</a></p>'


_SIGNED_OUT = (
    f'<p>Non connecté.</p><p><a class="button" href="{PATH}/login">Se connecter avec ENT accounts (CAS)</a></p>'
    f'<p><a href="{PATH}/login?renew=true">Se connecter en redonnant le mot de passe (renew)</a> · '
    f'<a href="{PATH}/login?gateway=true">Essayer sans rien demander (gateway)</a></p>'
)
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
    "table{border-collapse:collapse;margin:1rem 0}th,td{text-align:left;padding:.3rem .8rem;border-bottom:1px solid "
    "#ddd}.button,button{display:inline-block;background:#000091;color:#fff;padding:.6rem 1rem;border:0;"
    "text-decoration:none;font:inherit;cursor:pointer}"
    ".notice{background:#e8edff;padding:.5rem 1rem}.error{background:#ffe9e9;padding:.5rem 1rem}"
    "header{border-bottom:1px solid #ddd;margin-bottom:1rem}"
)


def _page(status: int, body: str) -> Answer:
    page = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Service CAS de démonstration</title><style>{_STYLE}</style></head><body>"
        "<header><h1>Service CAS de démonstration</h1><p>Un service de démonstration (client CAS 3.0) servi par le "
        "serveur local, jamais déployé.</p></header>"
        f"<main>{body}</main></body></html>"
    )
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
    ]
    return status, headers, page.encode("utf-8")
