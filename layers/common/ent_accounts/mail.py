"""Mails: French text + HTML from templates, sent through SES (v2 API) with the stack's configuration set.

Every mail carries its account's identifier as an SES message tag: SES event publishing copies the tags into the
bounce and complaint notifications, so the mail_events function knows which account an address belongs to without
an index from addresses to accounts (an address can belong to several accounts: siblings, a parent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ent_accounts import metrics
from ent_accounts.accounts import ascii_address
from ent_accounts.errors import AddressUndeliverable, MailUnavailable
from ent_accounts.observability import logger
from ent_accounts.templates import render
from ent_accounts.wording import PARENT


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    kind: str = ""  # the template, e.g. "validation": a message tag, to read bounces by kind in SES
    identifier: str = ""  # the account the mail is about: a message tag, so bounces find their account


# Impersonal (read by students and parents alike, before the mail is opened), but for the activation's, which is the
# leaflet's « Message des services en ligne – Activation de votre compte » word for word.
SUBJECTS = {
    "validation": "Message des services en ligne – Activation de votre compte",
    "reminder": "Message des services en ligne – Compte bientôt supprimé",
    "password_reset": "Message des services en ligne – Réinitialisation du mot de passe",
    "password_changed": "Message des services en ligne – Mot de passe modifié",
    "email_change": "Message des services en ligne – Confirmation de la nouvelle adresse mail",
    "email_change_notice": "Message des services en ligne – Changement d'adresse mail demandé",
    "school_reset": "Message des services en ligne – Nouveau mot de passe provisoire donné par l'établissement",
    "staff_invitation": "Message des services en ligne – Invitation à la console de l'établissement",
    "staff_role_offer": "Message des services en ligne – Nouveau rôle proposé dans la console de l'établissement",
    "identifier_reminder": "Message des services en ligne – Identifiant oublié",
}

# SES message tags take only these characters (and at most 256 of them).
_TAG_VALUE = re.compile(r"[A-Za-z0-9_-]{1,256}")
ACCOUNT_TAG = "account"
ACCOUNT_HEX_TAG = "account_hex"  # an identifier with other characters, hex-encoded (UTF-8)
KIND_TAG = "kind"


def compose(
    kind: str,
    to: str,
    *,
    identifier: str,
    first_name: str | None = None,
    audience: str | None = None,
    **context,
) -> Mail:
    """A mail from templates/mail/<kind>.txt and .html (French, the HTML autoescaped), greeting `first_name` and
    naming the account: a parent with several children's accounts on one address knows which one it is about.

    Its body speaks to `audience`, the role of the account's holder (wording.py): "tu" to a student, "vous" to a
    parent. A mail to no account's holder (school staff) keeps the leaflet's "vous". A subject is the same for every
    reader, so it addresses nobody (SUBJECTS), but for the activation's: the leaflet's own words, which the letter
    tells its reader to look for."""
    context.update(identifier=identifier, first_name=first_name, audience=PARENT if audience is None else audience)
    return Mail(
        to=to,
        subject=SUBJECTS[kind],
        text=render(f"mail/{kind}.txt", **context),
        html=render(f"mail/{kind}.html", **context),
        kind=kind,
        identifier=identifier,
    )


def validation_mail(
    to: str,
    link: str,
    deadline: datetime,
    identifier: str,
    first_name: str | None = None,
    audience: str | None = None,
) -> Mail:
    """The leaflet's « Message des services en ligne – Activation de votre compte »."""
    return compose(
        "validation", to, identifier=identifier, first_name=first_name, audience=audience, link=link, deadline=deadline
    )


def message_tags(mail: Mail) -> list[dict[str, str]]:
    tags = [{"Name": KIND_TAG, "Value": mail.kind}] if _TAG_VALUE.fullmatch(mail.kind) else []
    if _TAG_VALUE.fullmatch(mail.identifier):
        tags.append({"Name": ACCOUNT_TAG, "Value": mail.identifier})
    elif mail.identifier and _TAG_VALUE.fullmatch(encoded := mail.identifier.encode("utf-8").hex()):
        tags.append({"Name": ACCOUNT_HEX_TAG, "Value": encoded})
    return tags


def identifier_from_tags(tags: dict[str, list[str]]) -> str | None:
    """The account a bounce or complaint is about, from the tags SES publishes with it (name → list of values)."""
    if values := tags.get(ACCOUNT_TAG):
        return values[0]
    if values := tags.get(ACCOUNT_HEX_TAG):
        try:
            return bytes.fromhex(values[0]).decode("utf-8")
        except ValueError:
            return None
    return None


def refused_recipient(code: str, message: str) -> bool:
    """Whether SES refused the recipient's address itself, rather than the sender, the quota or the service.

    SES answers BadRequestException for an address it cannot send to ("Illegal address", "Local address contains
    control or whitespace", "Domain contains illegal character"...); the older answer for a blocked address was
    MessageRejected "Address blacklisted". An unverified address in the SES sandbox ("Email address is not
    verified") is the operator's problem, not the student's: it stays a 503.
    """
    text = message.lower()
    if code in ("BadRequestException", "InvalidParameterValue"):
        return "address" in text or "domain" in text
    return code == "MessageRejected" and ("blacklist" in text or "suppress" in text)


def client_config():
    from botocore.config import Config

    # Standard retry mode backs off on throttling; short timeouts keep an API call under API Gateway's 29 s.
    return Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=5)


class Mailer:
    def __init__(self, sender: str, client: Any = None, configuration_set: str = "") -> None:
        self.sender = sender
        # The stack's SES configuration set: its event destination publishes bounces and complaints.
        self.configuration_set = configuration_set
        self._client = client
        self._max_send_rate: float | None = None

    @property
    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("sesv2", config=client_config())
        return self._client

    def send(self, mail: Mail) -> None:
        """Send, or raise AddressUndeliverable (this address cannot receive mail: ask for another) or MailUnavailable
        (SES cannot send now: retry). The caller has stored nothing yet, so either way a retry is possible."""
        from botocore.exceptions import BotoCoreError, ClientError

        recipient = ascii_address(mail.to)
        if not recipient.isascii():
            # SES cannot deliver to a non-ASCII local part (no SMTPUTF8): no need to ask it.
            metrics.count(metrics.MAILS_REJECTED)
            logger.warning("mail not sent: address not ASCII", extra={"subject": mail.subject})
            raise AddressUndeliverable()
        request: dict[str, Any] = {
            "FromEmailAddress": self.sender,
            "Destination": {"ToAddresses": [recipient]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": mail.text, "Charset": "UTF-8"},
                        "Html": {"Data": mail.html, "Charset": "UTF-8"},
                    },
                }
            },
            "EmailTags": message_tags(mail),
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            self.client.send_email(**request)
        except (ClientError, BotoCoreError) as error:
            # The log names the SES reason only; the mail body (which holds a link) is never logged.
            if isinstance(error, ClientError):
                reason, message = error.response["Error"]["Code"], error.response["Error"].get("Message", "")
            else:
                reason, message = type(error).__name__, ""
            if refused_recipient(reason, message):
                metrics.count(metrics.MAILS_REJECTED)
                logger.warning("mail refused for its address", extra={"reason": reason, "subject": mail.subject})
                raise AddressUndeliverable() from None
            metrics.count(metrics.MAILS_FAILED)
            logger.warning("mail not sent", extra={"reason": reason, "subject": mail.subject})
            raise MailUnavailable() from None
        metrics.count(metrics.MAILS_SENT)
        logger.info("mail sent", extra={"subject": mail.subject, "kind": mail.kind})

    def max_send_rate(self) -> float:
        """SES's sending rate for this account (mails per second), read once per container; 1 when SES does not
        say (a new production account starts at 1/s, the sandbox too)."""
        if self._max_send_rate is None:
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                quota = self.client.get_account().get("SendQuota", {})
                self._max_send_rate = float(quota.get("MaxSendRate") or 1.0)
            except (ClientError, BotoCoreError, ValueError, NotImplementedError):  # moto has no GetAccount
                return 1.0
        return self._max_send_rate

    def send_notice(self, mail: Mail) -> bool:
        """A notice that must not undo what already happened if it cannot leave (logged, answered normally)."""
        try:
            self.send(mail)
        except (MailUnavailable, AddressUndeliverable):
            return False
        return True
