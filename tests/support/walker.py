"""A browser without a browser: plain HTTP to a running server that keeps cookies, follows redirects and submits the
pages' own forms (hidden fields and CSRF token included), as a person clicking through them would.

For relying-party tests that need the pages but no rendering: the walk stops at the first redirect to the relying
party's redirect URI (which need not be served), so that the test hands that URL to the relying party.

Cookies are kept by name, whatever their Secure flag or port: every server of these tests is on 127.0.0.1, where a
browser also sends Secure cookies over http and does not separate ports.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode, urljoin

MAX_REDIRECTS = 20


@dataclass
class Answer:
    url: str
    status: int
    headers: dict[str, str]
    set_cookies: list[str]
    text: str

    @property
    def location(self) -> str | None:
        return self.headers.get("location")


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str]  # name → value of its inputs (hidden ones with their value, others as the page fills them)
    names: set[str] = field(default_factory=set)  # every control's name, buttons included


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = Form(attributes.get("action", ""), attributes.get("method", "get").lower(), {})
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "button", "select", "textarea") and "name" in attributes:
            name = attributes["name"]
            self._current.names.add(name)
            kind = attributes.get("type", "text" if tag == "input" else "submit").lower()
            if tag == "input" and kind not in ("submit", "button", "checkbox", "radio", "file", "image", "reset"):
                self._current.fields.setdefault(name, attributes.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # every 3xx comes back as an HTTPError: the walker decides whether to follow


class WalkError(AssertionError):
    pass


class Walker:
    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.page: Answer | None = None
        self.history: list[str] = []  # "STATUS METHOD URL" of every request, for failure messages
        self._opener = urllib.request.build_opener(_NoRedirects)

    def get(self, url: str, stop_at: str | None = None) -> Answer:
        """GET `url` and follow its redirects, up to a page, or up to a redirect to a URL starting with `stop_at`."""
        return self._follow(self._send("GET", url), stop_at)

    def get_once(self, url: str) -> Answer:
        """GET `url` without following a redirect: the answer itself (a relying party's 302 to its provider, say)."""
        answer = self._send("GET", url)
        self.page = answer
        return answer

    def submit(
        self, fields: dict[str, str], stop_at: str | None = None, button: tuple[str, str] | None = None
    ) -> Answer:
        """Fill and send the current page's form that has every field of `fields` (and the `button`'s name): its
        other inputs keep the values the page gave them (the CSRF token among them)."""
        form = self.form(set(fields) | ({button[0]} if button else set()))
        values = {**form.fields, **fields, **(dict([button]) if button else {})}
        target = urljoin(self.page.url, form.action or self.page.url)
        if form.method == "post":
            answer = self._send("POST", target, urlencode(values).encode(), "application/x-www-form-urlencoded")
        else:
            answer = self._send("GET", f"{target.split('?')[0]}?{urlencode(values)}")
        return self._follow(answer, stop_at)

    def form(self, names: set[str]) -> Form:
        if self.page is None:
            raise WalkError("no page is open")
        parser = _Forms()
        parser.feed(self.page.text)
        for form in parser.forms:
            if names <= form.names:
                return form
        raise WalkError(
            f"no form with the fields {sorted(names)} on {self.page.url} ({self.page.status}); the forms have "
            f"{[sorted(f.names) for f in parser.forms]}\n{self.trail()}\n{self.page.text[:2000]}"
        )

    def trail(self) -> str:
        return "requests:\n  " + "\n  ".join(self.history)

    def _follow(self, answer: Answer, stop_at: str | None) -> Answer:
        for _ in range(MAX_REDIRECTS):
            if answer.status not in (301, 302, 303, 307, 308) or not answer.location:
                self.page = answer
                return answer
            target = urljoin(answer.url, answer.location)
            if stop_at and target.startswith(stop_at):
                self.page = answer
                return answer
            answer = self._send("GET", target)
        raise WalkError(f"more than {MAX_REDIRECTS} redirects\n{self.trail()}")

    def _send(self, method: str, url: str, body: bytes | None = None, content_type: str | None = None) -> Answer:
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("Accept", "text/html,application/xhtml+xml")
        request.add_header("Accept-Language", "fr-FR,fr")
        if content_type:
            request.add_header("Content-Type", content_type)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{name}={value}" for name, value in self.cookies.items()))
        try:
            with self._opener.open(request, timeout=30) as response:
                answer = self._answer(url, response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            answer = self._answer(url, error.code, error.headers, error.read())
        self.history.append(f"{answer.status} {method} {url}")
        return answer

    def _answer(self, url: str, status: int, headers, raw: bytes) -> Answer:
        set_cookies = headers.get_all("Set-Cookie") or []
        for line in set_cookies:
            self._keep(line)
        return Answer(
            url,
            status,
            {name.lower(): value for name, value in headers.items()},
            set_cookies,
            raw.decode(errors="replace"),
        )

    def _keep(self, line: str) -> None:
        try:
            parsed = SimpleCookie(line)
        except CookieError:
            return
        for name, morsel in parsed.items():
            expired = morsel["max-age"] in ("0", "-1") or _in_the_past(morsel["expires"])
            if expired or morsel.value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


def _in_the_past(expires: str) -> bool:
    if not expires:
        return False
    try:
        return parsedate_to_datetime(expires) <= datetime.now(UTC)
    except (TypeError, ValueError):
        return False
