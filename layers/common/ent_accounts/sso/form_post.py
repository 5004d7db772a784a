"""A form POSTed from this service's server to a client's back-channel endpoint: an OpenID Connect logout token
(sso/backchannel_logout.py), a CAS single logout request (sso/cas_logout.py). No browser is involved.

The registered URL is where the form goes, and only there: a redirect is not followed (a 3xx is an answer like any
other, i.e. not a success), and only http(s) URLs are opened (urllib would open file: or ftp: too). The request asks
not to be cached (Cache-Control: no-store, as the token must not be), and each step (connect, each read) waits at most
TIMEOUT seconds, so one notice stays well under the consumer's 10-second timeout.
"""

from __future__ import annotations

import contextlib
import http.client
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlsplit

TIMEOUT = 5.0  # seconds
USER_AGENT = "ent-accounts-logout"
DELIVERED = "delivered"  # what a deliverer reports when the client took its notice (any other outcome says why not)


class NotDelivered(Exception):
    """The client did not take the notice (another answer than a success, or no answer): the consumer raises it so
    that the queue hands the notice over again. Its message names the client and the reason, never the form."""


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then hands the 3xx back as an HTTPError: an answer, not a new request


_opener = urllib.request.build_opener(_RefuseRedirects)


def post_form(url: str, form: dict[str, str], *, timeout: float = TIMEOUT) -> int:
    """POST `form` (application/x-www-form-urlencoded) to `url`; the status of the client's answer, whatever it is.
    NotDelivered when there is no answer: the client cannot be reached, is too slow, or the URL is not http(s).

    The answer's body is read (a little, so the connection ends cleanly) and dropped, never logged: a client's error
    page may echo the form, and the form holds the token."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise NotDelivered(f"not an http(s) URL: {parts.scheme or '?'}:")
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url,
        data=urlencode(form).encode("ascii"),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cache-Control": "no-store",
            "User-Agent": USER_AGENT,
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            _drain(response)
            return response.status
    except urllib.error.HTTPError as error:  # an answer with a status urllib counts as an error (4xx, 5xx, 3xx)
        try:
            _drain(error)
        finally:
            error.close()
        return error.code
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise NotDelivered(f"{parts.hostname} did not answer: {type(error).__name__}: {reason}") from None


def _drain(response, limit: int = 64 * 1024) -> None:
    with contextlib.suppress(OSError, http.client.HTTPException, ValueError):  # the status is what counts
        response.read(limit)
