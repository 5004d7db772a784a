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


SUBJECTS = {
    "validation": "Message des services en ligne - Activation de votre compte",
    "reminder": "Message des services en ligne - Votre compte sera bientôt supprimé",
    "password_reset": "Message des services en ligne - Réinitialisation de votre mot de passe",
    "password_changed": "Message des services en ligne - Votre mot de passe a été modifié",
    "email_change": "Message des services en ligne - Confirmation de votre nouvelle adresse mail",
    "email_change_notice": "Message des services en ligne - Changement d'adresse mail demandé",
}


def compose(kind: str, to: str, **context) -> Mail:
    """A mail from templates/mail/<kind>.txt and .html (French, the HTML autoescaped)."""
    return Mail(
        to=to,
        subject=SUBJECTS[kind],
        text=render(f"mail/{kind}.txt", **context),
        html=render(f"mail/{kind}.html", **context),
    )


def validation_mail(to: str, link: str, deadline: datetime) -> Mail:
    """The leaflet's « Message des services en ligne - Activation de votre compte »."""
    return compose("validation", to, link=link, deadline=deadline)


def client_config():
    from botocore.config import Config

    # Standard retry mode backs off on throttling; short timeouts keep an API call under API Gateway's 29 s.
    return Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=5)


class Mailer:
    def __init__(self, sender: str, client: Any = None) -> None:
        self.sender = sender
        self._client = client

    @property
    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("sesv2", config=client_config())
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
            logger.warning("mail not sent", extra={"reason": reason, "subject": mail.subject})
            raise MailUnavailable() from None

    def send_notice(self, mail: Mail) -> bool:
        """A notice that must not undo what already happened if SES fails (logged, answered normally)."""
        try:
            self.send(mail)
        except MailUnavailable:
            return False
        return True
