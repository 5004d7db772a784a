"""The embedded SES held to a sending rate, as a production SES account is (`python -m local --ses-max-send-rate`):
a SendEmail less than 1/rate seconds after the last one accepted is refused with SES's TooManyRequestsException
("Maximum sending rate exceeded."), and GetAccount reports the rate as the account's MaxSendRate, so the outbox's
sender paces its retries to it as it would in AWS. The clock is the wall clock: the refusals are real-time ones."""

from __future__ import annotations

import threading
import time
from typing import Any


class SendingRate:
    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("the sending rate must be positive")
        self.per_second = per_second
        self.accepted = 0
        self.refused = 0
        self._last: float | None = None
        self._lock = threading.Lock()

    def install(self, ses_client: Any) -> None:
        events = ses_client.meta.events
        events.register("before-call.sesv2.SendEmail", self._send_email)
        events.register("before-call.sesv2.GetAccount", self._get_account)

    def _send_email(self, **_) -> None:
        from botocore.exceptions import ClientError

        now = time.monotonic()
        with self._lock:
            if self._last is not None and now - self._last < 1 / self.per_second:
                self.refused += 1
                error = {"Error": {"Code": "TooManyRequestsException", "Message": "Maximum sending rate exceeded."}}
                raise ClientError(error, "SendEmail")
            self._last = now
            self.accepted += 1
        return None  # accepted: the call goes on to the embedded SES

    def _get_account(self, **_) -> tuple[Any, dict]:
        from botocore.awsrequest import AWSResponse

        quota = {"MaxSendRate": self.per_second, "Max24HourSend": 50_000.0, "SentLast24Hours": float(self.accepted)}
        answered = AWSResponse("http://ses.local/v2/email/account", 200, {}, None)
        return answered, {"SendQuota": quota, "ProductionAccessEnabled": True, "SendingEnabled": True}
