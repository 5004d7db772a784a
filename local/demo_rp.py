"""The demo ENT: a small OpenID Connect relying party served by the local server under /_dev/rp/ (never in the
template), so that a newcomer sees single sign-on work by hand.

It is a client like any other, registered as `demo-ent` (local/demo.py) with client_secret_basic, and it talks to
the service only through the protocol, over HTTP, on the server's own URL:

- `GET /_dev/rp/`: the demo ENT's page. Signed out, a "Se connecter avec ENT accounts" button; signed in, who, the
  ID token's claims and the userinfo answer, and "Se déconnecter" (RP-initiated logout).
- `GET|POST /_dev/rp/login`: starts the code flow (OIDC Core §3.1), with discovery, PKCE S256, `state` and `nonce`
  kept in this RP's own session. It is also the client's initiate-login URI (OIDC Core §4): the services page
  (/bureau) sends the browser here with `iss`, which must be our issuer.
- `GET /_dev/rp/callback`: the authorization response. `state` must be this browser's, `iss` our issuer (RFC 9207);
  the code is exchanged at the token endpoint (client_secret_basic, the PKCE verifier), the ID token checked against
  the JWKS (RS256; iss, aud, exp, iat, nonce), then userinfo called (its `sub` must be the ID token's).
- `POST /_dev/rp/logout`: forgets this RP's session and sends the browser to the end-session endpoint with
  `id_token_hint`, `post_logout_redirect_uri` and `state` (RP-Initiated Logout 1.0); the page checks `state` back.
- `POST /_dev/rp/backchannel-logout`: a logout token (Back-Channel Logout 1.0 §2.6: signature, typ logout+jwt, iss,
  aud, iat, exp, the event, sid, no nonce); the RP sessions of that `sid` are forgotten, and their page says so.

Its sessions live in memory, keyed by its own cookie `demo_rp` (Path=/_dev/rp, HttpOnly, SameSite=Lax), which no
cookie of the service (__Host-session, __Host-sign_in, __Host-first_connection, __Host-csrf) shares a name with.

Calling itself: the server is threaded and each function has its own lock, taken only while its handler runs. This
RP runs in the request thread of a /_dev/ route, which holds no function's lock, and holds its own lock only around
its in-memory sessions, never while it waits for the service: so its calls to /oidc/… cannot wait on itself. A
back-channel logout reaches it from the logout queue's thread, after the function that ended the session answered;
the keys it needs were fetched at sign-in (and are fetched again only for a key it does not know).

Its clock is the local server's (moved by /_dev/clock): a developer who moves the service's time moves the demo
ENT's with it, as if both machines agreed on the time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import logging
import secrets
import threading
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

log = logging.getLogger("local.demo_rp")

PATH = "/_dev/rp"
COOKIE = "demo_rp"
SCOPE = "openid profile email ent"
TIMEOUT = 10  # seconds for each call to the service
LEEWAY = 30  # seconds of clock difference tolerated on exp and iat
MAX_VISITS = 1000  # browsers remembered (a developer's machine: the oldest are dropped)
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TYPE = "logout+jwt"  # noqa: S105 (a media type)
FORM = "application/x-www-form-urlencoded"

Http = Callable[[str, str, dict[str, str], bytes | None], tuple[int, bytes]]
Answer = tuple[int, list[tuple[str, str]], bytes]


class Refused(Exception):
    """What the RP will not accept, in French, for its page (or, on the back channel, the 400's description)."""


@dataclass
class Visit:
    """This RP's session of one browser."""

    pending: dict[str, str] | None = None  # state, nonce, verifier: a sign-in under way
    id_token: str | None = None
    claims: dict[str, Any] | None = None
    userinfo: dict[str, Any] | None = None
    logout_state: str | None = None  # the `state` of an RP-initiated logout under way
    notices: list[str] = field(default_factory=list)  # shown once on the next page

    def sign_out(self, notice: str) -> None:
        self.id_token = self.claims = self.userinfo = None
        self.notices.append(notice)


class DemoRelyingParty:
    def __init__(self, server_url: str, now: Callable[[], datetime] | None = None, http: Http | None = None) -> None:
        """`server_url`: the local server's URL, which is our issuer (as the service's links say it). `http`: how
        requests reach the service (urllib by default; tests give a fake provider)."""
        self.issuer = server_url.rstrip("/")
        self.base = f"{self.issuer}{PATH}"
        self.now = now or (lambda: datetime.now(UTC))
        self.http = http or _urllib
        self.client_id: str | None = None
        self.client_secret: str | None = None
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None
        self._visits: OrderedDict[str, Visit] = OrderedDict()
        self._lock = threading.Lock()

    def configure(self, client_id: str, client_secret: str) -> None:
        """The registered client this RP is (set once it is registered: local/demo.py)."""
        self.client_id, self.client_secret = client_id, client_secret

    # --- HTTP ---------------------------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes | None) -> Answer:
        """Answer a request for /_dev/rp…; never raises (a refusal is a French page, a failure a 502 page)."""
        parts = urlsplit(target)
        path = parts.path.removeprefix(PATH) or "/"
        params = {name: values[0] for name, values in parse_qs(parts.query).items()}
        if method == "POST" and _header(headers, "content-type").split(";")[0].strip().lower() == FORM:
            params.update(
                {name: values[0] for name, values in parse_qs((body or b"").decode("utf-8", "replace")).items()}
            )
        cookie = _cookie(headers, COOKIE)
        try:
            if parts.path == PATH:
                return _redirect(f"{self.base}/")
            if path == "/backchannel-logout" and method == "POST":
                return self._backchannel_logout(params)
            if path == "/" and method in ("GET", "HEAD"):
                return self._home(cookie, params)
            if path == "/login" and method in ("GET", "POST"):
                return self._login(cookie, params)
            if path == "/callback" and method == "GET":
                return self._callback(cookie, params)
            if path == "/logout" and method == "POST":
                return self._logout(cookie)
            return _page(404, "<p>Cette page de l'ENT de démonstration n'existe pas.</p>")
        except Refused as refusal:
            return _page(400, f'<p class="error">{_text(str(refusal))}</p>{_again()}')
        except Exception as error:  # the service did not answer as the protocol says: shown, and logged in full
            log.exception("demo relying party: %s %s failed", method, parts.path)
            message = f"L'ENT de démonstration n'a pas pu joindre ENT accounts : {type(error).__name__}: {error}"
            return _page(502, f'<p class="error">{_text(message)}</p>{_again()}')

    # --- the pages ----------------------------------------------------------------------------------------------------

    def _home(self, cookie: str | None, params: dict[str, str]) -> Answer:
        with self._lock:
            visit = self._visits.get(cookie or "")
            if visit and visit.logout_state and "state" in params:
                if hmac.compare_digest(visit.logout_state, params["state"]):
                    visit.notices.append(
                        "Déconnecté : ENT accounts a terminé la session et renvoyé ici (state vérifié)."
                    )
                else:
                    visit.notices.append("Retour de déconnexion avec un state inattendu : ignoré.")
                visit.logout_state = None
            notices, claims, userinfo = (visit.notices[:], visit.claims, visit.userinfo) if visit else ([], None, None)
            if visit:
                visit.notices.clear()
        shown = "".join(f'<p class="notice">{_text(notice)}</p>' for notice in notices)
        if self.client_id is None:
            shown += (
                '<p class="error">Le client de démonstration n\'est pas enregistré (serveur lancé avec --no-demo '
                "ou --aws) : la connexion ne peut pas commencer.</p>"
            )
        if claims is None:
            return _page(200, shown + _SIGNED_OUT)
        who = " ".join(filter(None, (claims.get("given_name"), claims.get("family_name")))) or claims["sub"]
        username = claims.get("preferred_username")
        body = (
            f"{shown}<p>Connecté : <strong>{_text(who)}</strong>"
            + (f" (identifiant <code>{_text(username)}</code>)" if username else "")
            + ".</p>"
            + f"<h2>Jeton d'identité (ID token) vérifié</h2><pre>{_json(claims)}</pre>"
            + f"<h2>Réponse de userinfo</h2><pre>{_json(userinfo)}</pre>"
            + f'<form method="post" action="{PATH}/logout"><button type="submit">Se déconnecter</button></form>'
        )
        return _page(200, body)

    def _login(self, cookie: str | None, params: dict[str, str]) -> Answer:
        if self.client_id is None:
            raise Refused("Le client de démonstration n'est pas enregistré : la connexion ne peut pas commencer.")
        if "iss" in params and params["iss"] != self.issuer:  # OIDC Core §4: only an issuer this RP knows
            raise Refused(f"Fournisseur d'identité inconnu de l'ENT de démonstration : {params['iss']}")
        metadata = self._discovery()
        pending = {
            "state": secrets.token_urlsafe(32),
            "nonce": secrets.token_urlsafe(32),
            "verifier": secrets.token_urlsafe(48),  # 64 characters: RFC 7636 §4.1 asks for 43 to 128
        }
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": f"{self.base}/callback",
            "scope": SCOPE,
            "state": pending["state"],
            "nonce": pending["nonce"],
            "code_challenge": _s256(pending["verifier"]),
            "code_challenge_method": "S256",
        }
        if params.get("login_hint"):
            query["login_hint"] = params["login_hint"]
        cookie, created = self._visit(cookie, lambda visit: setattr(visit, "pending", pending))
        return _redirect(f"{metadata['authorization_endpoint']}?{urlencode(query)}", created)

    def _callback(self, cookie: str | None, params: dict[str, str]) -> Answer:
        with self._lock:  # the pending sign-in is taken: a response replayed finds nothing
            visit = self._visits.get(cookie or "")
            pending = visit.pending if visit else None
            if visit:
                visit.pending = None
        if pending is None:
            raise Refused("Aucune connexion n'est en cours dans ce navigateur pour l'ENT de démonstration.")
        if not hmac.compare_digest(params.get("state", ""), pending["state"]):
            raise Refused("Réponse refusée : son state n'est pas celui de la connexion en cours.")
        metadata = self._discovery()
        if params.get("iss") != metadata["issuer"]:  # RFC 9207 §2.4: the provider says it always sends iss
            raise Refused(f"Réponse refusée : iss {params.get('iss')!r} n'est pas {metadata['issuer']!r}.")
        if "error" in params:
            described = f" ({params['error_description']})" if params.get("error_description") else ""
            raise Refused(f"ENT accounts a refusé la connexion : {params['error']}{described}.")
        if not params.get("code"):
            raise Refused("Réponse refusée : ni code ni erreur.")
        tokens = self._exchange(metadata, params["code"], pending["verifier"])
        claims = self.verified_id_token(tokens["id_token"], pending["nonce"])
        userinfo = self._userinfo(metadata, tokens["access_token"])
        if userinfo.get("sub") != claims["sub"]:  # OIDC Core §5.3.2
            raise Refused("Réponse de userinfo refusée : son sub n'est pas celui du jeton d'identité.")

        def signed_in(visit: Visit) -> None:
            visit.id_token, visit.claims, visit.userinfo = tokens["id_token"], claims, userinfo

        cookie, _ = self._visit(cookie, signed_in)
        return _redirect(f"{self.base}/")

    def _logout(self, cookie: str | None) -> Answer:
        with self._lock:
            visit = self._visits.get(cookie or "")
            id_token = visit.id_token if visit else None
            state = secrets.token_urlsafe(32)
            if visit and id_token:
                visit.id_token = visit.claims = visit.userinfo = None
                visit.logout_state = state
        if not id_token:
            return _redirect(f"{self.base}/")
        query = {
            "id_token_hint": id_token,
            "client_id": self.client_id,
            "post_logout_redirect_uri": f"{self.base}/",
            "state": state,
        }
        return _redirect(f"{self._discovery()['end_session_endpoint']}?{urlencode(query)}")

    def _backchannel_logout(self, params: dict[str, str]) -> Answer:
        """Back-Channel Logout 1.0 §2.8: 200 when the token is valid (whether or not a session had its sid), 400
        with an OAuth error otherwise."""
        try:
            claims = self.verified_logout_token(params.get("logout_token", ""))
        except Refused as refusal:
            return _json_answer(400, {"error": "invalid_request", "error_description": str(refusal)})
        except Exception as error:  # the keys could not be read: the provider's queue retries later
            log.exception("demo relying party: back-channel logout not checked")
            return _json_answer(503, {"error": "temporarily_unavailable", "error_description": type(error).__name__})
        forgotten = 0
        with self._lock:
            for visit in self._visits.values():
                if visit.claims and (
                    (claims.get("sid") and visit.claims.get("sid") == claims["sid"])
                    or (not claims.get("sid") and visit.claims.get("sub") == claims.get("sub"))
                ):
                    visit.sign_out("Session fermée : ENT accounts a signalé la déconnexion (back-channel logout).")
                    forgotten += 1
        log.info("demo relying party: back-channel logout, %d session(s) forgotten", forgotten)
        return 200, [("Cache-Control", "no-store"), ("Content-Length", "0")], b""

    # --- the protocol -------------------------------------------------------------------------------------------------

    def _discovery(self) -> dict[str, Any]:
        if self._metadata is None:
            metadata = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            if metadata.get("issuer") != self.issuer:  # Discovery §4.3: exactly the issuer it was fetched from
                raise Refused(f"Métadonnées refusées : issuer {metadata.get('issuer')!r} n'est pas {self.issuer!r}.")
            if "S256" not in metadata.get("code_challenge_methods_supported", []):
                raise Refused("Métadonnées refusées : le fournisseur ne dit pas accepter PKCE S256.")
            self._metadata = metadata
        return self._metadata

    def _keys(self, refresh: bool = False):
        from joserfc.jwk import KeySet

        if self._jwks is None or refresh:
            self._jwks = self._get_json(self._discovery()["jwks_uri"])
        return KeySet.import_key_set(self._jwks)

    def _exchange(self, metadata: dict[str, Any], code: str, verifier: str) -> dict[str, Any]:
        """The token request (RFC 6749 §4.1.3) with client_secret_basic (§2.3.1: id and secret form-encoded first)."""
        credentials = f"{quote(self.client_id, safe='')}:{quote(self.client_secret or '', safe='')}"
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": f"{self.base}/callback",
            "code_verifier": verifier,
        }
        headers = {
            "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
            "Content-Type": FORM,
            "Accept": "application/json",
        }
        status, raw = self.http("POST", metadata["token_endpoint"], headers, urlencode(form).encode())
        answer = _json_object(raw)
        if status != 200:
            raise Refused(
                f"Échange du code refusé ({status}) : {answer.get('error')} {answer.get('error_description', '')}"
            )
        if str(answer.get("token_type", "")).lower() != "bearer" or not answer.get("id_token"):
            raise Refused("Réponse du point de jeton refusée : ni jeton Bearer ni jeton d'identité.")
        return answer

    def _userinfo(self, metadata: dict[str, Any], access_token: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        status, raw = self.http("GET", metadata["userinfo_endpoint"], headers, None)
        if status != 200:
            raise Refused(f"userinfo a refusé le jeton d'accès ({status}).")
        return _json_object(raw)

    def _decoded(self, token: str, what: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(header, claims) of a JWS signed RS256 by a key of the JWKS; a key id not seen yet fetches the JWKS again
        (the provider published a new key), once."""
        from joserfc import jwt
        from joserfc.errors import InvalidKeyIdError, JoseError

        for refresh in (False, True):
            try:
                decoded = jwt.decode(token, self._keys(refresh), algorithms=["RS256"])
                return dict(decoded.header), dict(decoded.claims)
            except InvalidKeyIdError:
                if refresh:
                    raise Refused(f"{what} refusé : aucune clé publiée ne porte son kid.") from None
            except JoseError as error:
                detail = f"{error.error} ({error.description})" if error.description else error.error
                raise Refused(f"{what} refusé : {detail}.") from None
            except (ValueError, TypeError) as error:  # not even a JWS
                raise Refused(f"{what} refusé : illisible ({type(error).__name__}).") from None
        raise AssertionError("unreachable")

    def _check_common(self, claims: dict[str, Any], what: str) -> None:
        now = int(self.now().timestamp())
        if claims.get("iss") != self.issuer:
            raise Refused(f"{what} refusé : iss {claims.get('iss')!r} n'est pas {self.issuer!r}.")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != self.client_id):
            raise Refused(f"{what} refusé : il n'est pas destiné à {self.client_id} (aud {audience!r}).")
        if not isinstance(claims.get("exp"), int) or claims["exp"] + LEEWAY <= now:
            raise Refused(f"{what} refusé : expiré (exp).")
        if not isinstance(claims.get("iat"), int) or claims["iat"] - LEEWAY > now:
            raise Refused(f"{what} refusé : émis dans le futur (iat).")

    def verified_id_token(self, token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, checked as OIDC Core §3.1.3.7 says."""
        header, claims = self._decoded(token, "Jeton d'identité")
        if header.get("typ") == LOGOUT_TOKEN_TYPE:
            raise Refused("Jeton d'identité refusé : c'est un jeton de déconnexion.")
        self._check_common(claims, "Jeton d'identité")
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
            raise Refused("Jeton d'identité refusé : son nonce n'est pas celui de la connexion en cours.")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Refused("Jeton d'identité refusé : pas de sub.")
        return claims

    def verified_logout_token(self, token: str) -> dict[str, Any]:
        """The logout token's claims, checked as Back-Channel Logout 1.0 §2.6 says."""
        if not token:
            raise Refused("logout_token manquant.")
        if token.count(".") != 2:  # not a compact JWS: no need to read the keys to refuse it
            raise Refused("Jeton de déconnexion refusé : ce n'est pas un JWS compact.")
        header, claims = self._decoded(token, "Jeton de déconnexion")
        if header.get("typ") != LOGOUT_TOKEN_TYPE:  # explicit typing (§2.4): what this service sends
            raise Refused(f"Jeton de déconnexion refusé : typ {header.get('typ')!r}, pas {LOGOUT_TOKEN_TYPE}.")
        self._check_common(claims, "Jeton de déconnexion")
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
            raise Refused("Jeton de déconnexion refusé : sans l'événement back-channel-logout.")
        if "nonce" in claims:
            raise Refused("Jeton de déconnexion refusé : il porte un nonce.")
        if not claims.get("sid") and not claims.get("sub"):
            raise Refused("Jeton de déconnexion refusé : ni sid ni sub.")
        return claims

    def _get_json(self, url: str) -> dict[str, Any]:
        status, raw = self.http("GET", url, {"Accept": "application/json"}, None)
        if status != 200:
            raise RuntimeError(f"GET {url} answered {status}")
        return _json_object(raw)

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

    def signed_in_sids(self) -> list[str]:
        """The sids of the sessions this RP holds (for the tests)."""
        with self._lock:
            return [visit.claims["sid"] for visit in self._visits.values() if visit.claims and "sid" in visit.claims]


# --- helpers ----------------------------------------------------------------------------------------------------------


def _urllib(method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[int, bytes]:
    """One request to the service; its status and body whatever the status (no redirect is expected)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        raise RuntimeError(f"not JSON: {raw[:200]!r}") from None
    if not isinstance(value, dict):
        raise RuntimeError("not a JSON object")
    return value


def _header(headers: dict[str, str], name: str) -> str:
    return next((value for key, value in headers.items() if key.lower() == name), "")


def _cookie(headers: dict[str, str], name: str) -> str | None:
    for part in _header(headers, "cookie").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def _json_answer(status: int, body: dict[str, str]) -> Answer:
    headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
    return status, headers, json.dumps(body, ensure_ascii=False).encode()


def _redirect(location: str, headers: list[tuple[str, str]] | None = None) -> Answer:
    return 303, [("Location", location), ("Cache-Control", "no-store"), *(headers or [])], b""


def _text(value: str) -> str:
    """Text between tags (quotes need no escaping there; < > & do)."""
    return html.escape(value, quote=False)


def _json(value: Any) -> str:
    return html.escape(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


def _again() -> str:
    return f'<p><a href="{PATH}/">Retour à l\'ENT de démonstration</a></p>'


_SIGNED_OUT = f'<p>Non connecté.</p><p><a class="button" href="{PATH}/login">Se connecter avec ENT accounts</a></p>'
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
    "pre{background:#f4f4f4;padding:1rem;overflow:auto}"
    ".button,button{display:inline-block;background:#000091;color:#fff;padding:.6rem 1rem;border:0;"
    "text-decoration:none;font:inherit;cursor:pointer}"
    ".notice{background:#e8edff;padding:.5rem 1rem}.error{background:#ffe9e9;padding:.5rem 1rem}"
    "header{border-bottom:1px solid #ddd;margin-bottom:1rem}"
)


def _page(status: int, body: str) -> Answer:
    page = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>ENT de démonstration</title><style>{_STYLE}</style></head><body>"
        "<header><h1>ENT de démonstration</h1><p>Un service de démonstration (relying party OpenID Connect) servi par "
        "le serveur local, jamais déployé.</p></header>"
        f"<main>{body}</main></body></html>"
    )
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
    ]
    return status, headers, page.encode("utf-8")
