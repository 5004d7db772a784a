"""Server-rendered French pages (Jinja2, autoescaped) with the headers pages need."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from ent_accounts import links
from ent_accounts.templates import render
from ent_accounts.web.context import request_context
from ent_accounts.web.csrf import csrf_token
from ent_accounts.web.session import COOKIE as SESSION_COOKIE
from ent_accounts.web.session import cookie_value
from ent_accounts.web.static import asset_version
from ent_accounts.wording import audience_of, resolved

# Scripts, styles, fonts and images only from our own origin (one small script, ent.js, that the pages do without).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def content_security_policy(form_action: tuple[str, ...] = ()) -> str:
    """The pages' policy; `form_action`: other origins this page's forms may end up at. Chromium applies
    form-action to every redirect that follows a form post, so a login that finishes a service's sign-in (post →
    303 /oidc/continue → 302 the service's redirect URI) is blocked unless the page allows that service's origin."""
    extra = " ".join(origin for origin in form_action if _plain_origin(origin))
    if not extra:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("form-action 'self';", f"form-action 'self' {extra};")


def _plain_origin(origin: str) -> bool:
    """An origin as CSP takes it (scheme://host[:port]), nothing that could end the directive or add one."""
    scheme, _, rest = origin.partition("://")
    return scheme in ("https", "http") and bool(rest) and all(c.isalnum() or c in ".-:[]" for c in rest)


def page_for(router, template: str, status: int = 200, **context) -> Response:
    """A page answering the request `router` is handling, its forms with their CSRF token (and cookie). A page about
    an account (`account`) names that account's school as the one to ask, with its contact (the footer)."""
    account = context.get("account")
    if account is not None and "school_contact" not in context:
        from ent_accounts.flows.school_contact import contact_for_pages
        from ent_accounts.services import services

        context["school_contact"] = contact_for_pages(services(), getattr(account, "uai", None))
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
    form_action: tuple[str, ...] = (),
    **context,
) -> Response:
    """A page of templates/pages/; with the request's event, its forms get a CSRF token (and the cookie behind it).
    `root`: the path the pages live under; their links are `root` + a path of `paths` (ent_accounts.links).
    `error`: the DomainError the page answers, whose headers (Retry-After) it carries, as the JSON answer does.
    `form_action`: origins, besides ours, where this page's forms may lead (see `content_security_policy`).
    Messages given as `Say`s (a form's errors, a notice, the text of a message page) are worded here, once, for
    the page's audience (its `audience`, else its `account`'s role, else the audience `error` names; else nobody is
    known: the neutral form)."""
    if event is not None and not context.get("staff"):
        # A page that does not read the session (help, the footer's pages, a 404, the login page) still offers the
        # way out and back to a browser holding one: its cookie is enough to show them (logout works either way).
        context.setdefault("has_session", cookie_value(event, SESSION_COOKIE) is not None)
    audience = audience_of(context) or getattr(error, "audience", None)
    context = {name: resolved(value, audience) for name, value in context.items()}
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
            "Content-Security-Policy": content_security_policy(form_action),
            # Some pages' URLs carry a code: never send them to another site.
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            **(error.headers if error is not None else {}),
            **(headers or {}),
        },
        cookies=cookies,
    )
