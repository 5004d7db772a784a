"""CSRF protection of every form: a double-submit token tied to a random, host-only cookie.

The browser gets a random `__Host-csrf` cookie (HttpOnly, Secure, SameSite=Strict, host-only by its prefix, so a
sibling domain cannot plant one); each form carries HMAC(cookie, "form"). A cross-site page can neither read the
cookie nor compute the token. Cross-site form posts are also refused by their Origin / Sec-Fetch-Site headers.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from ent_accounts.codes import looks_like_token, new_token
from ent_accounts.services import services
from ent_accounts.web.session import cookie_value

COOKIE = "__Host-csrf"
FIELD = "csrf_token"


def _token_for(secret: str) -> str:
    return hmac.new(secret.encode(), b"form", hashlib.sha256).hexdigest()


def csrf_token(event) -> tuple[str, Cookie | None]:
    """The token to put in this page's forms, and the cookie to set when the browser has none yet."""
    secret = cookie_value(event, COOKIE) or ""
    if looks_like_token(secret):
        return _token_for(secret), None
    secret = new_token()
    cookie = Cookie(COOKIE, secret, path="/", secure=True, http_only=True)
    cookie.same_site = SameSite.STRICT_MODE
    return _token_for(secret), cookie


def cross_site(event) -> bool:
    """Whether the browser says this request comes from another site: `Sec-Fetch-Site: cross-site`, or an Origin
    that is not the service's own (the Host the browser asked for, the domain API Gateway reports, PublicBaseUrl's).
    `Origin: null` (after some redirects, or by privacy settings) proves nothing either way. The one rule for the
    forms (with their token) and for the API's requests authenticated by the session cookie."""
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    if headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = headers.get("origin")
    return bool(origin and origin != "null" and urlsplit(origin).netloc not in _own_hosts(event, headers))


def _own_hosts(event, headers: dict[str, str]) -> set[str]:
    own = {headers.get("host"), event.request_context.domain_name}
    if configured := services().settings.public_base_url:
        own.add(urlsplit(configured).netloc)
    return {host for host in own if host}


def csrf_valid(event, form: dict[str, str]) -> bool:
    if cross_site(event):
        return False
    secret = cookie_value(event, COOKIE) or ""
    sent = form.get(FIELD, "")
    return looks_like_token(secret) and hmac.compare_digest(sent.encode(), _token_for(secret).encode())
