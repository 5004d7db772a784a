"""Server-rendered French pages (Jinja2, autoescaped) with the headers pages need."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from ent_accounts.templates import render

# No script at all on these pages; styles only from our own origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def page(template: str, status: int = 200, **context) -> Response:
    return Response(
        status_code=status,
        content_type="text/html; charset=utf-8",
        body=render(f"pages/{template}", **context),
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            # The URL of a link page carries a code: never send it to another site.
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
        },
    )
