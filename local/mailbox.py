"""Every mail the service hands to SES, kept for the developer's mailbox page (/_dev/mail)."""

from __future__ import annotations

import html
import re
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)


@dataclass
class Mail:
    number: int
    time: str
    sender: str
    to: list[str]
    subject: str
    text: str
    html: str


class Mailbox:
    """Captures SendEmail calls through botocore events on the mailer's SES client (any backend, even real SES)."""

    def __init__(self, clock=None) -> None:
        self.clock = clock
        self._mails: list[Mail] = []
        self._requests: list[dict] = []  # each mail's SendEmail parameters (tags included), for simulated SES events
        self._pending = threading.local()
        self._lock = threading.Lock()

    def watch(self, ses_client) -> None:
        ses_client.meta.events.register("provide-client-params.sesv2.SendEmail", self._remember)
        ses_client.meta.events.register("after-call.sesv2.SendEmail", self._delivered)

    def _remember(self, params, **_):
        self._pending.params = params

    def _delivered(self, http_response, parsed, **_):
        params = getattr(self._pending, "params", None)
        self._pending.params = None
        if params is None or http_response.status_code >= 300:
            return
        simple = params["Content"]["Simple"]
        now = self.clock.now() if self.clock else datetime.now(UTC)
        with self._lock:
            self._requests.append(params)
            self._mails.append(
                Mail(
                    number=len(self._mails) + 1,
                    time=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    sender=params["FromEmailAddress"],
                    to=list(params["Destination"].get("ToAddresses", [])),
                    subject=simple["Subject"]["Data"],
                    text=simple["Body"].get("Text", {}).get("Data", ""),
                    html=simple["Body"].get("Html", {}).get("Data", ""),
                )
            )

    def last_request_to(self, address: str) -> dict | None:
        """The SendEmail parameters of the newest mail sent to `address`."""
        with self._lock:
            for params in reversed(self._requests):
                if address.casefold() in (to.casefold() for to in params["Destination"].get("ToAddresses", [])):
                    return params
        return None

    def newest_first(self) -> list[Mail]:
        with self._lock:
            return list(reversed(self._mails))

    def as_json(self) -> list[dict]:
        return [asdict(mail) for mail in self.newest_first()]

    def page(self) -> str:
        """The mailbox as one HTML page: newest first, each mail's own HTML shown as it would be read."""
        articles = []
        for mail in self.newest_first():
            found = _BODY.search(mail.html)
            content = found.group(1) if found else f"<pre>{html.escape(mail.text)}</pre>"
            articles.append(
                f'<article class="mail" id="mail-{mail.number}"><h2>{html.escape(mail.subject)}</h2>'
                f"<p><strong>À :</strong> {html.escape(', '.join(mail.to))} — <strong>De :</strong> "
                f"{html.escape(mail.sender)} — {mail.time}</p>"
                f'<div class="content">{content}</div></article>'
            )
        listing = "\n".join(articles) or "<p>Aucun mail pour l'instant.</p>"
        return (
            '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Boîte mail de développement</title>'
            "<style>body{font-family:sans-serif;max-width:60rem;margin:auto}article{border:1px solid #ccc;"
            "margin:1rem 0;padding:0 1rem}</style></head><body><h1>Boîte mail de développement</h1>"
            f'<p>{len(articles)} mail(s), le plus récent en premier. <a href="/_dev/mail.json">JSON</a></p>'
            f"{listing}</body></html>"
        )
