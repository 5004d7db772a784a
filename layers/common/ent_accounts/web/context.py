"""What every route needs to know about the request it answers, read once per request."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ent_accounts.links import Links
from ent_accounts.services import services


@dataclass(frozen=True)
class RequestContext:
    base_url: str  # where links in mails and pages point (see `public_base_url`)
    request_id: str  # API Gateway's, for the audit events

    @property
    def links(self) -> Links:
        return Links(self.base_url)

    @property
    def root(self) -> str:
        """The path the pages live under (the API's stage in AWS, "" behind a custom domain): the pages' own links."""
        return urlsplit(self.base_url).path.rstrip("/")


_current: tuple[object, RequestContext] | None = None  # (the event it was read from, the context)


def request_context(resolver) -> RequestContext:
    """The context of the request `resolver` (the app or one of its routers) is handling; read on first use."""
    global _current
    event = resolver.current_event
    cached = _current  # read once: the local server runs several functions' handlers in threads of one process
    if cached is not None and cached[0] is event:  # every request gets a new event object from Powertools
        return cached[1]
    context = RequestContext(public_base_url(event), event.request_context.request_id or "-")
    _current = (event, context)
    return context


def public_base_url(event) -> str:
    """Where links in mails and pages point: PUBLIC_BASE_URL, else the API's own address as API Gateway reports it.

    Never from the request's headers: a client writes Host and X-Forwarded-Proto as it likes, and would get a
    password-reset link to its own site mailed to a student. API Gateway sets `domainName` itself (the execute-api
    domain, with the stage in the path, or the custom domain). The scheme is https, except on the local server
    (`AWS_SAM_LOCAL`, set there as `sam local` sets it), which serves http on its own listening address.
    """
    settings = services().settings
    if settings.public_base_url:
        return settings.public_base_url
    context = event.request_context
    host = context.domain_name or "localhost"
    scheme = "http" if settings.local_server else "https"
    if host.endswith(".amazonaws.com"):
        return f"{scheme}://{host}/{context.stage}"
    return f"{scheme}://{host}"
