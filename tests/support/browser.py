"""A minimal browser for page tests through the handlers: keeps cookies, follows redirects, fills forms."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class Browser:
    def __init__(self, world) -> None:
        self.world = world
        self.cookies: dict[str, str] = {}
        self.page = None

    def _headers(self, extra=None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers

    def _keep_cookies(self, answer) -> None:
        for raw in answer.headers.get("set-cookie", []):
            for name, morsel in SimpleCookie(raw).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, url: str):
        answer = self.world.call("GET", url, headers=self._headers())
        self._keep_cookies(answer)
        self.page = answer
        return self._follow(answer)

    def post(self, url: str, fields: dict[str, str], csrf: bool = True, headers=None):
        body = dict(fields)
        if csrf:
            found = TOKEN.search(self.page.text) if self.page else None
            body.setdefault("csrf_token", found.group(1) if found else "")
        extra = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        answer = self.world.call("POST", url, urlencode(body), headers=self._headers(extra))
        self._keep_cookies(answer)
        self.page = answer
        return self._follow(answer)

    def _follow(self, answer):
        if answer.status in (301, 302, 303):
            location = urlsplit(answer.header("Location"))
            return self.get(location.path + (f"?{location.query}" if location.query else ""))
        return answer
