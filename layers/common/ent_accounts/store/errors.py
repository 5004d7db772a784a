"""What can go wrong in the store, in the store's words: callers never see botocore's exceptions or DynamoDB's codes.

`Conflict` (a race lost; `IdentifierTaken`, `ClientExists` and `ServiceUrlTaken` say which), `StoreUnavailable`
(DynamoDB throttled, failed or out of reach: try again shortly) and `ValueRefused` (DynamoDB refused a value the
checks let through) are for the callers; the others are the store's own.
"""

from __future__ import annotations

from collections.abc import Iterable

from ent_accounts.observability import logger

# DynamoDB (or AWS in front of it) did nothing and a retry a little later should pass (after botocore's own retries).
BUSY = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TooManyRequestsException",
}


class Conflict(Exception):
    """A conditional write lost: an item changed since it was read, or already exists.

    For a transaction, each set holds the names of the writes concerned (see store/transaction.py), so that a caller
    can redo only what failed: `changed`, those whose condition no longer held; `in_flight`, those cancelled by
    another write in flight on the same item, or throttled (sent again later, they may pass); `refused`, those
    DynamoDB refused for any other reason (a bug: not worth another attempt).
    """

    def __init__(
        self,
        message: str = "",
        changed: Iterable[str] = (),
        in_flight: Iterable[str] = (),
        refused: Iterable[str] = (),
    ) -> None:
        super().__init__(message)
        self.changed = frozenset(changed)
        self.in_flight = frozenset(in_flight)
        self.refused = frozenset(refused)

    @property
    def failed(self) -> frozenset[str]:
        """Every write that did not pass, whatever the reason."""
        return self.changed | self.in_flight | self.refused


class IdentifierTaken(Conflict):
    pass


class ClientExists(Conflict):
    """A client is already registered under this client_id."""


class ServiceUrlTaken(Conflict):
    """A CAS service URL the client asks for is held by another client (`urls`: those, as the client wrote them)."""

    def __init__(self, urls: Iterable[str]) -> None:
        self.urls = tuple(urls)
        super().__init__("service URL taken", changed=[f"service {url}" for url in self.urls])


class StoreUnavailable(Exception):
    """DynamoDB throttled the request, failed inside, or could not be reached: nothing was done, and the same request
    a little later should pass."""


class ValueRefused(Exception):
    """DynamoDB refused a value the checks let through (a key or an item too big): the request's fault as far as the
    user can tell, and a check to fix."""


class StoreFailure(Exception):
    """Any other error DynamoDB answered (permissions, a missing table, …): a bug or a misconfiguration."""


class ConditionFailed(Exception):
    """One conditional write's condition did not hold; `item` is the item as it was, when the write asked for it.
    The module that wrote it says what that means (store/ only)."""

    def __init__(self, item: dict | None) -> None:
        super().__init__("ConditionalCheckFailed")
        self.item = item


class Cancelled(Exception):
    """A transaction DynamoDB cancelled; `reasons` holds one code per write, in order ("None" for those that were fine,
    "ConditionalCheckFailed", "TransactionConflict", …). store/transaction.py says what that means (store/ only)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(", ".join(sorted(set(reasons) - {"None"})))
        self.reasons = reasons


def translated(error: Exception) -> Exception:
    """The store's exception for one of botocore's (called while handling it, so a log line gets its traceback)."""
    from botocore.exceptions import ClientError

    if not isinstance(error, ClientError):  # BotoCoreError: a timeout, a connection refused, …
        logger.warning("AWS unreachable", extra={"aws_error": type(error).__name__})
        return StoreUnavailable(type(error).__name__)
    code = error.response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        return ConditionFailed(error.response.get("Item"))
    if code == "TransactionCanceledException":
        return Cancelled([reason.get("Code") or "None" for reason in error.response.get("CancellationReasons", [])])
    if code in BUSY:
        logger.warning("AWS busy", extra={"aws_error": code})
        return StoreUnavailable(code)
    if code == "ValidationException":
        logger.exception("a request DynamoDB refused as invalid")
        return ValueRefused(code)
    return StoreFailure(code)
