"""Server-rendered French pages (Jinja2, autoescaped) with the headers pages need."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from ent_accounts import links
from ent_accounts.templates import render
from ent_accounts.web.context import request_context
from ent_accounts.web.csrf import csrf_token
from ent_accounts.web.static import asset_version

# No script at all on these pages; styles, fonts and images only from our own origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def page_for(router, template: str, status: int = 200, **context) -> Response:
    """A page answering the request `router` is handling, its forms with their CSRF token (and cookie)."""
    return page(template, status, event=router.current_event, root=request_context(router).root, **context)


def page(
    template: str,
    status: int = 200,
    *,
    event=None,
    root: str = "",
    cookies=(),
    error=None,
    headers: dict[str, str] | None = None,
    **context,
) -> Response:
    """A page of templates/pages/; with the request's event, its forms get a CSRF token (and the cookie behind it).
    `root`: the path the pages live under; their links are `root` + a path of `paths` (ent_accounts.links).
    `error`: the DomainError the page answers, whose headers (Retry-After) it carries, as the JSON answer does."""
    cookies = list(cookies)
    if event is not None:
        token, new_cookie = csrf_token(event)
        context["csrf_token"] = token
        if new_cookie:
            cookies.append(new_cookie)
    return Response(
        status_code=status,
        content_type="text/html; charset=utf-8",
        body=render(f"pages/{template}", root=root, paths=links, asset_version=asset_version, **context),
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            # Some pages' URLs carry a code: never send them to another site.
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            **(error.headers if error is not None else {}),
            **(headers or {}),
        },
        cookies=cookies,
    )
