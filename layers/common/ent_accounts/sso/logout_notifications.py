"""Single logout's notices: when a session ends, every client that was signed in through it is told, off the request
path.

The request that ends the session (the service's own logout; RP-initiated logout; CAS /cas/logout) makes
one `LogoutNotice` per client and puts them on the logout queue (`LogoutQueue.send`) before it answers. The queue's
consumer (functions/logout_notifications, flows/logout_notifications.py) delivers each by its kind: an OpenID
Connect back-channel logout token (sso/backchannel_logout.py), a CAS SLO `logoutRequest` (sso/cas_logout.py).

A notice says who to tell and what they know of the session, never a secret: the token is made, signed and posted
by the consumer, at each attempt. Delivery is at least once (a client may be told twice; both protocols allow it),
retried about a minute apart, 5 times, then kept 14 days in the failed-events queue, whose alarm rings.

**Queueing never blocks the person's logout.** If SQS refuses the notices or does not answer, they are logged and
counted (LogoutNoticesNotQueued) and the session is ended anyway: those clients are not told, and their own sessions
end by their own rules. The person asked to be signed out; a service being down must not keep them signed in here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from ent_accounts import metrics
from ent_accounts.observability import logger
from ent_accounts.queues import Queue, client_config

OIDC_BACKCHANNEL = "oidc_backchannel"  # OpenID Connect Back-Channel Logout 1.0: a logout token POSTed to the client
CAS_SLO = "cas_slo"  # CAS single logout: a SAML LogoutRequest POSTed to the service URL its ticket was validated for

# What a notice of each kind must carry besides its kind.
REQUIRED = {
    OIDC_BACKCHANNEL: ("client_id", "issuer", "sid", "subject"),
    CAS_SLO: ("client_id", "service", "session_index", "subject"),
}

BATCH = 10  # SendMessageBatch takes at most 10 messages


@dataclass(frozen=True)
class LogoutNotice:
    """One client to tell that a session it was signed in through has ended: the fields the consumer needs, as this
    client knows them (its own pairwise `sub`, for instance), so that the consumer reads nothing but the client."""

    kind: str
    client_id: str
    subject: str  # the person as this client knows them: its `sub` (OIDC, public or pairwise), its CAS user
    issuer: str = ""  # oidc_backchannel: the exact `iss` of the ID tokens this client received
    sid: str = ""  # oidc_backchannel: the session's `sid`, as in those ID tokens
    service: str = ""  # cas_slo: the exact service URL the ticket was validated for (where the request goes)
    session_index: str = ""  # cas_slo: that ticket, the LogoutRequest's SessionIndex (spent: worthless but to it)
    request_id: str = ""  # the request that ended the session: the consumer logs under it (correlation id)

    def __post_init__(self) -> None:
        if self.kind not in REQUIRED:
            raise ValueError(f"unknown kind of logout notice: {self.kind!r}")
        for setting in fields(self):
            if not isinstance(getattr(self, setting.name), str):
                raise ValueError(f"a logout notice's {setting.name} is text")
        missing = [name for name in REQUIRED[self.kind] if not getattr(self, name)]
        if missing:
            raise ValueError(f"{self.kind} logout notice without its {', '.join(missing)}")

    @classmethod
    def oidc_backchannel(cls, *, issuer: str, client_id: str, sid: str, subject: str, request_id: str = ""):
        return cls(OIDC_BACKCHANNEL, client_id, subject, issuer=issuer, sid=sid, request_id=request_id)

    @classmethod
    def cas_slo(cls, *, client_id: str, service: str, session_index: str, subject: str, request_id: str = ""):
        return cls(CAS_SLO, client_id, subject, service=service, session_index=session_index, request_id=request_id)

    def to_message(self) -> dict[str, str]:
        """The queued message: the notice's fields, those a kind does not use left out."""
        return {name: value for name, value in asdict(self).items() if value}

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> LogoutNotice:
        """The notice a queued message holds; ValueError for a message this code cannot read (it stays in the queue,
        then lands in the dead-letter queue where someone looks at it). Unknown fields are ignored: a message queued
        by a newer version still reads."""
        known = {setting.name for setting in fields(cls)}
        values = {name: message.get(name, "") for name in known}
        return cls(**values)


class LogoutQueue(Queue):
    """The SQS queue of logout notices (LOGOUT_QUEUE_URL). The local server and the tests put their own queue here.

    Its client waits less than the mail queue's (2 attempts, 1 s to connect, 2 s to answer: at most about 6 s): the
    notices are sent while the person waits for their logout, which must not hang on SQS.
    """

    def __init__(self, queue_url: str, client: Any = None) -> None:
        super().__init__(queue_url, client, client_config(attempts=2, connect_timeout=1, read_timeout=2))

    def send(self, notices: Iterable[LogoutNotice]) -> int:
        """Queue the notices (SendMessageBatch, ten at a time); how many were queued. Never raises: a notice SQS does
        not take is logged and counted (LogoutNoticesNotQueued), and the caller ends the session anyway."""
        notices = list(notices)
        if not notices:
            return 0
        if not self.queue_url:
            logger.error("LOGOUT_QUEUE_URL is not set: logout notices dropped", extra={"notices": len(notices)})
            metrics.count(metrics.LOGOUT_NOTICES_NOT_QUEUED, len(notices))
            return 0
        queued = 0
        for start in range(0, len(notices), BATCH):
            chunk = notices[start : start + BATCH]
            refused = self._send_batch(chunk)
            queued += len(chunk) - len(refused)
            for notice, reason in refused:
                logger.warning(
                    "logout notice not queued",
                    extra={"kind": notice.kind, "client_id": notice.client_id, "reason": reason},
                )
        if queued:
            metrics.count(metrics.LOGOUT_NOTICES_QUEUED, queued)
        if queued < len(notices):
            metrics.count(metrics.LOGOUT_NOTICES_NOT_QUEUED, len(notices) - queued)
        return queued

    def _send_batch(self, chunk: list[LogoutNotice]) -> list[tuple[LogoutNotice, str]]:
        """One SendMessageBatch; the notices it did not queue, each with why."""
        entries = [
            {"Id": str(index), "MessageBody": json.dumps(notice.to_message(), separators=(",", ":"))}
            for index, notice in enumerate(chunk)
        ]
        try:
            answer = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        except Exception as error:  # whatever it is (SQS refusing, a timeout, no credentials), the logout goes on
            return [(notice, _reason(error)) for notice in chunk]
        return [(chunk[int(failed["Id"])], str(failed.get("Code", "refused"))) for failed in answer.get("Failed", [])]


def _reason(error: Exception) -> str:
    response = getattr(error, "response", None)  # botocore's ClientError carries SQS's error code
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        return str(response["Error"].get("Code") or type(error).__name__)
    return type(error).__name__
