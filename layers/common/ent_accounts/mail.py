"""Mails: French text + HTML from templates, sent through SES (v2 API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ent_accounts.errors import MailUnavailable
from ent_accounts.observability import logger
from ent_accounts.templates import render


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str


def validation_mail(to: str, link: str, deadline: datetime) -> Mail:
    """The leaflet's « Message des services en ligne - Activation de votre compte »."""
    context = {"link": link, "deadline": deadline}
    return Mail(
        to=to,
        subject="Message des services en ligne - Activation de votre compte",
        text=render("mail/validation.txt", **context),
        html=render("mail/validation.html", **context),
    )


class Mailer:
    def __init__(self, sender: str, client: Any = None) -> None:
        self.sender = sender
        self._client = client

    @property
    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
            self._client = boto3.client("sesv2", config=config)
        return self._client

    def send(self, mail: Mail) -> None:
        """Send or raise MailUnavailable; the caller has stored nothing yet, so a retry is always possible."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.send_email(
                FromEmailAddress=self.sender,
                Destination={"ToAddresses": [mail.to]},
                Content={
                    "Simple": {
                        "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                        "Body": {
                            "Text": {"Data": mail.text, "Charset": "UTF-8"},
                            "Html": {"Data": mail.html, "Charset": "UTF-8"},
                        },
                    }
                },
            )
            logger.info("mail sent", extra={"subject": mail.subject})
        except (ClientError, BotoCoreError) as error:
            # The error names the SES reason only; the mail body (which holds a link) is never logged.
            reason = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
            logger.warning("mail not sent", extra={"reason": reason})
            raise MailUnavailable() from None
