"""The session token of a request (Bearer header or `session` cookie) and the cookie that carries it."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

COOKIE = "session"


def session_token(event) -> str | None:
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    authorization = headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    raw = headers.get("cookie")
    if not raw:
        return None
    try:
        jar = SimpleCookie(raw)
    except CookieError:
        return None
    return jar[COOKIE].value if COOKIE in jar else None


def session_cookie(token: str, max_age: int) -> Cookie:
    cookie = Cookie(COOKIE, token, path="/", secure=True, http_only=True, max_age=max_age)
    cookie.same_site = SameSite.LAX_MODE
    return cookie


def cleared_session_cookie() -> Cookie:
    cookie = Cookie(COOKIE, "", path="/", secure=True, http_only=True, max_age=0)
    cookie.same_site = SameSite.LAX_MODE
    return cookie
