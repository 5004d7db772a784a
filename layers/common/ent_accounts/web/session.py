"""The session token of a request (Bearer header or `session` cookie) and the cookie that carries it."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from ent_accounts.flows.sessions import Session, seconds_left
from ent_accounts.services import services
from ent_accounts.sso.logout import ending_session

# Host-only by its prefix (as __Host-csrf): a sibling subdomain cannot plant its own session, which would sign this
# browser in as somebody else at every service through single sign-on (login CSRF).
COOKIE = "__Host-session"
CHALLENGE_COOKIE = "__Host-first_connection"  # the first-connection challenge, never in a URL; host-only likewise
# The opaque reference of a sign-in a service asked for (kept server-side). Host-only by its prefix: a sibling
# subdomain cannot plant its own pending sign-in for this browser's next login to answer (as __Host-csrf).
SIGN_IN_COOKIE = "__Host-sign_in"


def cookie_value(event, name: str) -> str | None:
    raw = next((value for key, value in (event.headers or {}).items() if key.lower() == "cookie"), None)
    if not raw:
        return None
    try:
        jar = SimpleCookie(raw)
    except CookieError:
        return None
    return jar[name].value if name in jar else None


def _bearer(event) -> str | None:
    """The Authorization header's token when it is a Bearer one ("" for an empty one), else None."""
    authorization = next((v for k, v in (event.headers or {}).items() if k.lower() == "authorization"), "") or ""
    return authorization[7:].strip() if authorization[:7].lower() == "bearer " else None


def session_token(event) -> str | None:
    bearer = _bearer(event)
    if bearer is not None:
        return bearer or None
    return cookie_value(event, COOKIE)


def authenticated_by_cookie(event) -> bool:
    """Whether this request's session would come from the cookie, which a browser adds by itself (a Bearer token
    is written by the caller, so a request carrying one was not forged by another site's page)."""
    return _bearer(event) is None and cookie_value(event, COOKIE) is not None


def _cookie(name: str, value: str, **lifetime) -> Cookie:
    """Cookies of ours: whole site, HTTPS only, out of reach of scripts, not sent by cross-site subrequests."""
    cookie = Cookie(name, value, path="/", secure=True, http_only=True, **lifetime)
    cookie.same_site = SameSite.LAX_MODE
    return cookie


def session_cookie(token: str, session: Session) -> Cookie:
    """The cookie of a session just opened: the browser keeps it as long as the session may live (its absolute
    limit; the idle limit is the server's to enforce)."""
    return _cookie(COOKIE, token, max_age=seconds_left(session, services().clock.now()))


def cleared_session_cookie() -> Cookie:
    return _cookie(COOKIE, "", max_age=0)


def challenge_cookie(token: str, expires_at) -> Cookie:
    return _cookie(CHALLENGE_COOKIE, token, expires=expires_at)


def cleared_challenge_cookie() -> Cookie:
    return _cookie(CHALLENGE_COOKIE, "", max_age=0)


def sign_in_cookie(ref: str, expires_at) -> Cookie:
    """The reference of a pending sign-in; the browser forgets it when the request expires."""
    return _cookie(SIGN_IN_COOKIE, ref, expires=expires_at)


def cleared_sign_in_cookie() -> Cookie:
    return _cookie(SIGN_IN_COOKIE, "", max_age=0)


def sign_in_ref(event) -> str | None:
    return cookie_value(event, SIGN_IN_COOKIE)


def end_dropped_session(event, kept: str, request_id: str, issuer: str) -> None:
    """A login (or a first connection) just gave this browser the session `kept`: the session its cookie held
    until now, if another, ends as a logout ends it, its services told (sso/logout.py). Otherwise a person signing
    in over somebody else's session on a shared computer left that session alive, unreachable, and the services
    signed in through it (their own sessions in this same browser) never knew. One DeleteItem, only when the
    browser carried a session cookie (none left when the login took that session over: same account)."""
    dropped = cookie_value(event, COOKIE)
    if dropped and dropped != kept:
        ending_session(services(), dropped, request_id, issuer)


# --- the school staff's session (web/routes/school_console.py) ---------------------------------------------------

# Its own name and Path, so that the browser never sends it to the students' pages nor theirs to these (and the
# store keeps the two kinds of session apart too: a token of one kind opens nothing of the other). `__Secure-`, not
# `__Host-`: the host-only prefix requires Path=/.
STAFF_COOKIE = "__Secure-staff_session"
STAFF_PATH = "/etablissement"


def staff_cookie(token: str, max_age: int, root: str = "") -> Cookie:
    """The staff session cookie (HttpOnly, Secure, SameSite=Lax, Path /etablissement under the API's stage)."""
    cookie = Cookie(STAFF_COOKIE, token, path=f"{root}{STAFF_PATH}", secure=True, http_only=True, max_age=max_age)
    cookie.same_site = SameSite.LAX_MODE
    return cookie


def cleared_staff_cookie(root: str = "") -> Cookie:
    return staff_cookie("", 0, root)


def staff_token(event) -> str | None:
    return cookie_value(event, STAFF_COOKIE)
