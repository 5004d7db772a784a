"""Every DynamoDB access, and nothing else touches DynamoDB.

One table holds accounts, one-time codes, sessions and audit events (see docs/DESIGN.md). Reads treat an
item whose `expires_at` has passed as absent, because DynamoDB's TTL deletes it only days later. Every write
that could race is conditional; several writes that belong together go in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from ent_accounts.accounts import Account, DueAccount, Role, Status, next_event_at
from ent_accounts.clock import Clock, epoch, from_epoch, iso
from ent_accounts.codes import Code, Purpose
from ent_accounts.errors import AccountLocked, ServiceBusy
from ent_accounts.lockout import Throttle, retry_after_seconds
from ent_accounts.schools import SchoolAccount
from ent_accounts.sessions import Session

ACCOUNT_SK = "ACCOUNT"
TRANSACTION_WRITES = 100  # DynamoDB's limit on the writes of one TransactWriteItems
CLAIM_ATTEMPTS = 12  # password checks racing on one identifier: each lost race costs one more conditional write
EXPIRY_INDEX = "pending-by-next-event"
SCHOOL_INDEX = "accounts-by-school"


class Conflict(Exception):
    """A conditional write lost: the item changed since it was read, or already exists.

    `reasons` holds, for a cancelled transaction, one code per write in order ("None" for those that were fine,
    "ConditionalCheckFailed", "TransactionConflict", …), so a caller can redo only what failed.
    """

    def __init__(self, message: str = "", reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or []


class IdentifierTaken(Conflict):
    pass


def client_config():
    import platform

    from botocore import __version__ as botocore_version
    from botocore.config import Config

    # Standard retry mode backs off on throttling; short timeouts keep an API call under API Gateway's 29 s.
    # Per request, botocore would also check every parameter against the service model and build its User-Agent
    # twice from a dozen components: ≈ 0.4 ms of CPU for a login's two requests (BENCHMARKS.md, login CPU). Our requests
    # are built by this module and exercised by the tests against DynamoDB Local, so the check is skipped (DynamoDB
    # still validates), and the User-Agent is a fixed string.
    return Config(
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=2,
        read_timeout=5,
        parameter_validation=False,
        user_agent=f"ent-accounts botocore/{botocore_version} Python/{platform.python_version()}",
    )


def _account_key(identifier: str) -> dict:
    return {"pk": {"S": f"ACCOUNT#{identifier}"}, "sk": {"S": ACCOUNT_SK}}


def _code_key(code_hash: str) -> dict:
    return {"pk": {"S": f"CODE#{code_hash}"}, "sk": {"S": "CODE"}}


def _session_key(token_hash: str) -> dict:
    return {"pk": {"S": f"SESSION#{token_hash}"}, "sk": {"S": "SESSION"}}


def _counter_key(base: str) -> dict:
    return {"pk": {"S": f"IDENTIFIER#{base}"}, "sk": {"S": "COUNTER"}}


def _throttle_key(identifier: str) -> dict:
    return {"pk": {"S": f"LOGIN#{identifier}"}, "sk": {"S": "THROTTLE"}}


def _session_item(token_hash: str, session: Session) -> dict:
    return {
        **_session_key(token_hash),
        "identifier": {"S": session.identifier},
        "credential_version": {"N": str(session.credential_version)},
        "expires_at": {"N": str(epoch(session.expires_at))},
        "absolute_expires_at": {"N": str(epoch(session.absolute_expires_at))},
        "refreshed_at": {"N": str(epoch(session.refreshed_at))},
        "scope": {"S": session.scope},
    }


def _throttle_from_item(item: dict | None, store: Store) -> Throttle:
    if item is None or store._expired(item):
        return Throttle()
    locked = item.get("locked_until")
    return Throttle(int(item["failures"]["N"]), from_epoch(int(locked["N"])) if locked else None)


class Store:
    def __init__(
        self,
        table_name: str,
        clock: Clock,
        client: Any = None,
        expiry_shards: int = 8,
        audit_retention_days: int = 365,
        page_size: int | None = None,
    ) -> None:
        self.table_name = table_name
        self.clock = clock
        self.expiry_shards = expiry_shards
        self.audit_retention_days = audit_retention_days
        self.page_size = page_size  # None: DynamoDB's 1 MB pages; tests set a few items to exercise paging
        self._client = client

    @property
    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("dynamodb", config=client_config())
        return self._client

    # --- accounts -------------------------------------------------------------------------------

    def create_account(self, account: Account) -> None:
        """Add a new account; raises IdentifierTaken when the identifier exists (even expired, until swept)."""
        from botocore.exceptions import ClientError

        account.version = 1
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=self._account_item(account),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise IdentifierTaken(account.identifier) from None
            raise

    def get_account(self, identifier: str) -> Account | None:
        answer = self.client.get_item(TableName=self.table_name, Key=_account_key(identifier), ConsistentRead=True)
        item = answer.get("Item")
        if item is None or self._expired(item):
            return None
        return _account_from_item(item)

    # --- schools --------------------------------------------------------------------------------

    def identifier_counters(self, bases: Iterable[str]) -> dict[str, int]:
        """How many identifiers of each base were ever handed out (0: never used), read strongly consistent."""
        wanted = sorted(set(bases))
        counters = dict.fromkeys(wanted, 0)
        for start in range(0, len(wanted), 100):
            keys = [_counter_key(base) for base in wanted[start : start + 100]]
            request: dict | None = {self.table_name: {"Keys": keys, "ConsistentRead": True}}
            while request:
                answer = self.client.batch_get_item(RequestItems=request)
                for item in answer["Responses"].get(self.table_name, []):
                    counters[item["pk"]["S"].removeprefix("IDENTIFIER#")] = int(item["allocated"]["N"])
                request = answer.get("UnprocessedKeys") or None
        return counters

    def get_accounts(self, identifiers: Iterable[str]) -> dict[str, Account]:
        """Several accounts in few round trips (BatchGetItem, strongly consistent); absent or expired ones left out."""
        wanted, found = sorted(set(identifiers)), {}
        for start in range(0, len(wanted), 100):
            keys = [_account_key(identifier) for identifier in wanted[start : start + 100]]
            request: dict | None = {self.table_name: {"Keys": keys, "ConsistentRead": True}}
            while request:
                answer = self.client.batch_get_item(RequestItems=request)
                for item in answer["Responses"].get(self.table_name, []):
                    if not self._expired(item):
                        found[item["identifier"]["S"]] = _account_from_item(item)
                request = answer.get("UnprocessedKeys") or None
        return found

    def school_accounts(self, uai: str) -> list[SchoolAccount]:
        """Every account of a school, from the school index (eventually consistent: a change may lag a moment).

        A pending account past its deadline is left out, as every read treats it as deleted.
        """
        now = self.clock.now()
        query = {
            "IndexName": SCHOOL_INDEX,
            "KeyConditionExpression": "uai = :uai",
            "ExpressionAttributeValues": {":uai": {"S": uai}},
        }
        accounts = (_school_account_from_item(item) for item in self._query_items(**query))
        return [a for a in accounts if a.validation_deadline is None or a.validation_deadline > now]

    def idempotency_layer(self, scope: str):
        """Powertools' idempotency records in this table: pk=IDEMPOTENCY#<scope>, sk=<key's hash>, TTL expires_at."""
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        return DynamoDBPersistenceLayer(
            table_name=self.table_name,
            key_attr="pk",
            sort_key_attr="sk",
            static_pk_value=f"IDEMPOTENCY#{scope}",
            expiry_attr="expires_at",
            boto3_client=self.client,
        )

    def get_code(self, code_hash: str) -> Code | None:
        answer = self.client.get_item(TableName=self.table_name, Key=_code_key(code_hash), ConsistentRead=True)
        item = answer.get("Item")
        if item is None or self._expired(item):
            return None
        return Code(
            code_hash=code_hash,
            purpose=Purpose(item["purpose"]["S"]),
            identifier=item["identifier"]["S"],
            expires_at=from_epoch(int(item["expires_at"]["N"])),
            email=item.get("email", {}).get("S"),
            used=item.get("used", {}).get("BOOL", False),
            credential_version=int(item["credential_version"]["N"]) if "credential_version" in item else None,
            wrong_attempts=int(item.get("wrong_attempts", {}).get("N", "0")),
        )

    def put_code(self, code: Code) -> None:
        self.client.put_item(
            TableName=self.table_name, Item=_code_item(code), ConditionExpression="attribute_not_exists(pk)"
        )

    def count_wrong_attempt(self, code_hash: str) -> None:
        """One more wrong answer given with this code (a birth date with a first-connection challenge)."""
        self.client.update_item(
            TableName=self.table_name,
            Key=_code_key(code_hash),
            UpdateExpression="ADD wrong_attempts :one",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    def put_session(
        self, token_hash: str, session: Session, event: tuple[str, str] | None = None, forget_failures: bool = False
    ) -> None:
        """The session; with `event` (type, request id), its audit event, and with `forget_failures`, the deletion of
        the identifier's failed-login counter (a successful login), in the same request (one BatchWriteItem: the
        session is new and the counter is forgotten whatever it holds, so no write has a condition to check)."""
        if event is None and not forget_failures:
            self.client.put_item(TableName=self.table_name, Item=_session_item(token_hash, session))
            return
        writes = [{"PutRequest": {"Item": _session_item(token_hash, session)}}]
        if event is not None:
            writes.append({"PutRequest": {"Item": self.audit_item(session.identifier, event[0], event[1], {})}})
        if forget_failures:
            writes.append({"DeleteRequest": {"Key": _throttle_key(session.identifier)}})
        requests = {self.table_name: writes}
        for attempt in range(3):
            requests = self.client.batch_write_item(RequestItems=requests).get("UnprocessedItems")
            if not requests:
                return
            time.sleep(0.05 * 2**attempt)  # DynamoDB left some writes unprocessed (throttled): back off
        raise ServiceBusy()

    def get_session(self, token_hash: str) -> Session | None:
        answer = self.client.get_item(TableName=self.table_name, Key=_session_key(token_hash), ConsistentRead=True)
        item = answer.get("Item")
        if item is None or self._expired(item):
            return None
        return Session(
            identifier=item["identifier"]["S"],
            credential_version=int(item["credential_version"]["N"]),
            expires_at=from_epoch(int(item["expires_at"]["N"])),
            absolute_expires_at=from_epoch(int(item["absolute_expires_at"]["N"])),
            refreshed_at=from_epoch(int(item["refreshed_at"]["N"])),
            scope=item.get("scope", {}).get("S", "full"),
        )

    def refresh_session(self, token_hash: str, expires_at: datetime, now: datetime) -> None:
        """Push the idle limit back; a session deleted meanwhile (logout) stays deleted."""
        from botocore.exceptions import ClientError

        try:
            self.client.update_item(
                TableName=self.table_name,
                Key=_session_key(token_hash),
                UpdateExpression="SET expires_at = :expires, refreshed_at = :now",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":expires": {"N": str(epoch(expires_at))}, ":now": {"N": str(epoch(now))}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def delete_session(self, token_hash: str) -> None:
        self.client.delete_item(TableName=self.table_name, Key=_session_key(token_hash))

    # --- login throttling and mail limits ---------------------------------------------------------

    def account_and_throttle(self, identifier: str) -> tuple[Account | None, Throttle]:
        """The account and its failed-login counter in one round trip (BatchGetItem, strongly consistent)."""
        answer = self.client.batch_get_item(
            RequestItems={
                self.table_name: {"Keys": [_account_key(identifier), _throttle_key(identifier)], "ConsistentRead": True}
            }
        )
        items = {item["pk"]["S"]: item for item in answer["Responses"].get(self.table_name, [])}
        while answer.get("UnprocessedKeys"):
            answer = self.client.batch_get_item(RequestItems=answer["UnprocessedKeys"])
            items.update({item["pk"]["S"]: item for item in answer["Responses"].get(self.table_name, [])})
        account_item = items.get(f"ACCOUNT#{identifier}")
        account = None if account_item is None or self._expired(account_item) else _account_from_item(account_item)
        return account, _throttle_from_item(items.get(f"LOGIN#{identifier}"), self)

    def get_throttle(self, identifier: str) -> Throttle:
        answer = self.client.get_item(TableName=self.table_name, Key=_throttle_key(identifier), ConsistentRead=True)
        return _throttle_from_item(answer.get("Item"), self)

    def claim_password_check(self, identifier: str, seen: Throttle, lock_for, memory: timedelta) -> Throttle:
        """Take the right to check one password of this identifier, before any hashing: the attempt is counted as a
        failure at once (and locks for `lock_for(failures)` when it is one too many), and undone only once the
        password is proven right. Raises AccountLocked while a lock holds.

        The write is conditioned on the counter as `seen` (read with the account), so requests racing from several
        containers are counted one by one: whatever their number, at most the free failures plus one check per lock
        period reach the password. A lost race reads the counter DynamoDB returns with its refusal and tries again.
        """
        from botocore.exceptions import ClientError

        now = self.clock.now()
        for _ in range(CLAIM_ATTEMPTS):
            if seen.locked_until and seen.locked_until > now:
                raise AccountLocked(retry_after_seconds(seen.locked_until, now))
            failures = seen.failures + 1
            lock = lock_for(failures)
            claimed = Throttle(failures, now + lock if lock else None)
            values = {
                ":next": {"N": str(failures)},
                ":forget": {"N": str(epoch(now + memory))},
                ":now": {"N": str(epoch(now))},
                ":seen": {"N": str(seen.failures)},
            }
            update = "SET failures = :next, expires_at = :forget"
            if claimed.locked_until:
                update += ", locked_until = :until"
                values[":until"] = {"N": str(epoch(claimed.locked_until))}
            else:
                update += " REMOVE locked_until"
            # A counter past its memory (not yet removed by TTL) counts as none, like every read here.
            counted = "attribute_not_exists(failures) OR expires_at <= :now OR failures = :seen"
            condition = counted if not seen.failures else "failures = :seen AND expires_at > :now"
            unlocked = "attribute_not_exists(locked_until) OR locked_until <= :now"
            try:
                self.client.update_item(
                    TableName=self.table_name,
                    Key=_throttle_key(identifier),
                    UpdateExpression=update,
                    ConditionExpression=f"({condition}) AND ({unlocked})",
                    ExpressionAttributeValues=values,
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                return claimed
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                seen = _throttle_from_item(error.response.get("Item"), self)
        raise ServiceBusy()  # as many requests at once as attempts here: the client tries again a moment later

    def release_password_check(self, identifier: str, claim: Throttle) -> None:
        """Undo a claim whose password (or birth date) proved right, without forgetting the other failures: the
        count goes down by one, and the lock this claim set, if it is still the one there, is lifted."""
        from botocore.exceptions import ClientError

        values = {":one": {"N": "1"}, ":zero": {"N": "0"}}
        update, condition = "SET failures = failures - :one", "failures > :zero"
        if claim.locked_until:
            values[":until"] = {"N": str(epoch(claim.locked_until))}
            update += " REMOVE locked_until"
            condition += " AND locked_until = :until"
        for _ in range(2):
            try:
                self.client.update_item(
                    TableName=self.table_name,
                    Key=_throttle_key(identifier),
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeValues=values,
                )
                return
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
            # Another claim locked since (or a success forgot every failure): only take this one back.
            update, condition = "SET failures = failures - :one", "failures > :zero"
            values.pop(":until", None)

    def clear_login_failures(self, identifier: str) -> None:
        self.client.delete_item(TableName=self.table_name, Key=_throttle_key(identifier))

    # --- mail allowances ------------------------------------------------------------------------

    def take_mail_allowance(self, identifier: str, per_hour: int) -> bool:
        """Count a mail its owner asked for (resend, address change) in the current hour; False when the hour's
        allowance is spent. Anonymous requests have their own allowance, so they never spend this one."""
        now = self.clock.now()
        key = {"pk": {"S": f"RATE#{identifier}"}, "sk": {"S": f"MAIL#{now:%Y-%m-%dT%H}"}}
        return self._take_allowance(key, per_hour, now + timedelta(hours=2))

    def take_anonymous_mail_allowance(self, identifier: str, per_hour: int) -> bool:
        """Count a mail anyone may ask for about this identifier (a forgotten password), known or not, in the
        current hour; False when the hour's allowance is spent. One conditional write, the same for every
        identifier."""
        now = self.clock.now()
        key = {"pk": {"S": f"RATE#{identifier}"}, "sk": {"S": f"ANONYMOUS#{now:%Y-%m-%dT%H}"}}
        return self._take_allowance(key, per_hour, now + timedelta(hours=2))

    def take_address_allowance(self, address: str, per_day: int) -> bool:
        """Count a forgotten-password mail to this address today, whichever accounts share it (siblings, a
        parent); False when the day's allowance is spent. The address is kept as a hash only."""
        now = self.clock.now()
        digest = hashlib.sha256(address.strip().casefold().encode("utf-8")).hexdigest()
        key = {"pk": {"S": f"MAILBOX#{digest}"}, "sk": {"S": f"RESET#{now:%Y-%m-%d}"}}
        return self._take_allowance(key, per_day, now + timedelta(days=2))

    def _take_allowance(self, key: dict, limit: int, forget: datetime) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.update_item(
                TableName=self.table_name,
                Key=key,
                UpdateExpression="SET mails = if_not_exists(mails, :zero) + :one, expires_at = :forget",
                ConditionExpression="attribute_not_exists(mails) OR mails < :limit",
                ExpressionAttributeValues={
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":forget": {"N": str(epoch(forget))},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def transaction(self) -> Transaction:
        return Transaction(self)

    def audit_item(self, identifier: str, event_type: str, request_id: str, details: dict[str, str]) -> dict:
        """An audit event: what happened, when, from which request; never a secret. Kept for the retention period."""
        now = self.clock.now()
        item = {
            "pk": {"S": f"ACCOUNT#{identifier}"},
            # Real nanoseconds break ties within a second, so events read back in the order they happened.
            "sk": {"S": f"EVENT#{iso(now)}#{time.time_ns():020d}{secrets.token_hex(2)}"},
            "type": {"S": event_type},
            "time": {"S": iso(now)},
            "request_id": {"S": request_id or "-"},
            "expires_at": {"N": str(epoch(now + timedelta(days=self.audit_retention_days)))},
        }
        item.update({key: {"S": str(value)} for key, value in details.items()})
        return item

    def record_event(self, identifier: str, event_type: str, request_id: str, **details: str) -> None:
        self.client.put_item(
            TableName=self.table_name, Item=self.audit_item(identifier, event_type, request_id, details)
        )

    def record_unknown_login_failure(self, identifier: str, request_id: str, keep: timedelta) -> None:
        """A failed login on an identifier that has no account, next to its throttle item, forgotten after `keep`."""
        item = self.audit_item(identifier, "login_failed_unknown_identifier", request_id, {})
        item["pk"] = {"S": f"LOGIN#{identifier}"}
        item["expires_at"] = {"N": str(epoch(self.clock.now() + keep))}
        self.client.put_item(TableName=self.table_name, Item=item)

    def events(self, identifier: str) -> list[dict[str, Any]]:
        """Audit events of one account, oldest first."""
        from boto3.dynamodb.types import TypeDeserializer

        deserialize = TypeDeserializer().deserialize
        items = self._query_items(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :event)",
            ExpressionAttributeValues={":pk": {"S": f"ACCOUNT#{identifier}"}, ":event": {"S": "EVENT#"}},
            ConsistentRead=True,
        )
        return [{key: deserialize(value) for key, value in item.items()} for item in items if not self._expired(item)]

    # --- expiry ---------------------------------------------------------------------------------

    def expiry_shard(self, identifier: str) -> str:
        digest = hashlib.sha256(identifier.encode("utf-8")).digest()
        return str(int.from_bytes(digest[:4], "big") % self.expiry_shards)

    def due_pending_accounts(self, now: datetime) -> Iterator[DueAccount]:
        """Pending accounts with a reminder or their deletion due, from the sparse index: reads grow with those only."""
        for shard in range(self.expiry_shards):
            items = self._query_items(
                IndexName=EXPIRY_INDEX,
                KeyConditionExpression="expiry_shard = :shard AND next_event_at <= :now",
                ExpressionAttributeValues={":shard": {"S": str(shard)}, ":now": {"N": str(epoch(now))}},
            )
            for item in items:
                yield DueAccount(
                    identifier=item["pk"]["S"].removeprefix("ACCOUNT#"),
                    code_hashes=frozenset(item.get("validation_code_hashes", {}).get("SS", [])),
                    expires_at=from_epoch(int(item["expires_at"]["N"])),
                )

    def _query_items(self, **query) -> Iterator[dict]:
        """Every item a Query finds, page after page (pages of `page_size` items when set)."""
        start = None
        while True:
            page = self.client.query(
                TableName=self.table_name,
                **query,
                **({"ExclusiveStartKey": start} if start else {}),
                **({"Limit": self.page_size} if self.page_size else {}),
            )
            yield from page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def delete_expired_account(self, expired: DueAccount, now: datetime, request_id: str) -> bool:
        """Delete the account, its codes and write the audit event at once; False when it changed meanwhile."""
        return bool(self.delete_expired_accounts([expired], now, request_id))

    def delete_expired_accounts(self, expired: list[DueAccount], now: datetime, request_id: str) -> list[DueAccount]:
        """Delete these accounts, their codes, and write their audit events, in one transaction (at most
        TRANSACTION_WRITES writes: see `expiry_writes`); the accounts deleted are returned.

        Each account's delete is conditional (still pending, past its deadline): one that changed meanwhile (validated,
        or deleted by another run) cancels the transaction, and the transaction is sent again without it. Cancelled
        only by writes in flight on the same items, it is sent again after a pause, twice at most, then without the
        accounts concerned, which the next run finds again.
        """
        left, pauses = list(expired), 0
        while left:
            tx, owners = self.transaction(), []
            for due in left:
                before = len(tx.writes)
                self._expire(tx, due, now, request_id)
                owners += [due.identifier] * (len(tx.writes) - before)
            try:
                tx.commit()
                return left
            except Conflict as conflict:
                reasons = list(zip(owners, conflict.reasons, strict=False))
            failed = {owner for owner, reason in reasons if reason != "None"}
            if not failed:
                return []  # nothing tells which account failed: leave them all to the next run
            changed = {owner for owner, reason in reasons if reason == "ConditionalCheckFailed"}
            if not changed and pauses < 2:
                time.sleep(0.02 * 2**pauses)  # let the write in flight finish
                pauses += 1
                continue
            left = [due for due in left if due.identifier not in (changed or failed)]
        return []

    @staticmethod
    def expiry_writes(expired: DueAccount) -> int:
        """How many writes deleting this account takes: the account, its codes, its audit event."""
        return 2 + len(Store._codes_deleted_with(expired))

    @staticmethod
    def _codes_deleted_with(expired: DueAccount) -> list[str]:
        # An account alone must fit in one transaction. Codes beyond that (none today: resends keep a few) need no
        # delete: they expire with the account's deadline, so reads already ignore them, and TTL removes them.
        return sorted(expired.code_hashes)[: TRANSACTION_WRITES - 2]

    def _expire(self, tx: Transaction, expired: DueAccount, now: datetime, request_id: str) -> None:
        tx.writes.append(
            {
                "Delete": {
                    "TableName": self.table_name,
                    "Key": _account_key(expired.identifier),
                    # Never an account whose address was once validated (defence in depth: none is ever pending).
                    "ConditionExpression": "#status = :pending AND expires_at <= :now AND email_verified = :no",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":pending": {"S": Status.PENDING_VALIDATION.value},
                        ":now": {"N": str(epoch(now))},
                        ":no": {"BOOL": False},
                    },
                }
            }
        )
        for code_hash in self._codes_deleted_with(expired):
            tx.writes.append({"Delete": {"TableName": self.table_name, "Key": _code_key(code_hash)}})
        tx.audit(expired.identifier, "account_expired", request_id)

    # --- helpers --------------------------------------------------------------------------------

    def _expired(self, item: dict) -> bool:
        expires_at = item.get("expires_at")
        return expires_at is not None and int(expires_at["N"]) <= epoch(self.clock.now())

    def _account_item(self, account: Account) -> dict:
        item = {**_account_key(account.identifier), **_account_attributes(account)}
        upcoming = next_event_at(account)
        if upcoming is not None:
            # Only pending accounts carry these: the TTL backstop, and the keys of the sparse index the sweep reads.
            item["expires_at"] = {"N": str(epoch(account.validation_deadline))}
            item["expiry_shard"] = {"S": self.expiry_shard(account.identifier)}
            item["next_event_at"] = {"N": str(epoch(upcoming))}
        return item


class Transaction:
    """Writes that succeed or fail together (DynamoDB TransactWriteItems, up to 100 items)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.writes: list[dict] = []

    def create_account(self, account: Account) -> Transaction:
        """A new account; the write fails if the identifier exists (even expired, until swept)."""
        account.version = 1
        self.writes.append(
            {
                "Put": {
                    "TableName": self.store.table_name,
                    "Item": self.store._account_item(account),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )
        return self

    def claim_numbers(self, base: str, seen: int, upto: int) -> Transaction:
        """Move a base's counter from `seen` (as read) to `upto`; fails if another import moved it meanwhile."""
        values = {":upto": {"N": str(upto)}}
        if seen:
            values[":seen"] = {"N": str(seen)}
        self.writes.append(
            {
                "Update": {
                    "TableName": self.store.table_name,
                    "Key": _counter_key(base),
                    "UpdateExpression": "SET allocated = :upto",
                    "ConditionExpression": "allocated = :seen" if seen else "attribute_not_exists(pk)",
                    "ExpressionAttributeValues": values,
                }
            }
        )
        return self

    def delete_account(self, account: Account) -> Transaction:
        """Delete the account if nobody changed it since it was read."""
        self.writes.append(
            {
                "Delete": {
                    "TableName": self.store.table_name,
                    "Key": _account_key(account.identifier),
                    "ConditionExpression": "version = :expected",
                    "ExpressionAttributeValues": {":expected": {"N": str(account.version)}},
                }
            }
        )
        return self

    def save_account(self, account: Account) -> Transaction:
        """Replace the account if nobody changed it since it was read (optimistic lock on `version`)."""
        expected = account.version
        account.version = expected + 1
        self.writes.append(
            {
                "Put": {
                    "TableName": self.store.table_name,
                    "Item": self.store._account_item(account),
                    "ConditionExpression": "version = :expected",
                    "ExpressionAttributeValues": {":expected": {"N": str(expected)}},
                }
            }
        )
        return self

    def put_code(self, code: Code) -> Transaction:
        self.writes.append(
            {
                "Put": {
                    "TableName": self.store.table_name,
                    "Item": _code_item(code),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )
        return self

    def use_code(self, code_hash: str) -> Transaction:
        """Mark a code used; fails if it was already used (a code works once)."""
        self.writes.append(
            {
                "Update": {
                    "TableName": self.store.table_name,
                    "Key": _code_key(code_hash),
                    "UpdateExpression": "SET used = :yes",
                    "ConditionExpression": "attribute_exists(pk) AND used = :no",
                    "ExpressionAttributeValues": {":yes": {"BOOL": True}, ":no": {"BOOL": False}},
                }
            }
        )
        return self

    def delete_code(self, code_hash: str) -> Transaction:
        self.writes.append({"Delete": {"TableName": self.store.table_name, "Key": _code_key(code_hash)}})
        return self

    def clear_login_failures(self, identifier: str) -> Transaction:
        """Lift the lock-out and forget the failures (the counter may not exist: deleting nothing is fine).

        A failed login counted at the same moment cancels the transaction (TransactionConflict on the counter):
        commit with `retries`."""
        self.writes.append({"Delete": {"TableName": self.store.table_name, "Key": _throttle_key(identifier)}})
        return self

    def audit(self, identifier: str, event_type: str, request_id: str, **details: str) -> Transaction:
        self.writes.append(
            {
                "Put": {
                    "TableName": self.store.table_name,
                    "Item": self.store.audit_item(identifier, event_type, request_id, details),
                }
            }
        )
        return self

    def commit(self, retries: int = 0) -> None:
        """Write everything or nothing; Conflict when a condition failed or another write to one of the items was in
        flight (TransactionConflict). `retries`: how many more times to send it when it was cancelled only by writes
        in flight (no condition failed, nothing was written), after a short pause."""
        from botocore.exceptions import ClientError

        for attempt in range(retries + 1):
            try:
                self.store.client.transact_write_items(TransactItems=self.writes)
                return
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = [reason.get("Code") or "None" for reason in error.response.get("CancellationReasons", [])]
                if not set(reasons) & {"ConditionalCheckFailed", "TransactionConflict"}:
                    # Throttled or failed inside DynamoDB: nothing was written, a retry may pass.
                    raise ServiceBusy() from None
                if "ConditionalCheckFailed" in reasons or attempt == retries:
                    raise Conflict(", ".join(sorted({code for code in reasons if code != "None"})), reasons) from None
            time.sleep(0.02 * 2**attempt)  # let the write in flight finish


def _code_item(code: Code) -> dict:
    item = {
        **_code_key(code.code_hash),
        "purpose": {"S": code.purpose.value},
        "identifier": {"S": code.identifier},
        "expires_at": {"N": str(epoch(code.expires_at))},
        "used": {"BOOL": code.used},
    }
    if code.email:
        item["email"] = {"S": code.email}
    if code.credential_version is not None:
        item["credential_version"] = {"N": str(code.credential_version)}
    return item


def _account_attributes(account: Account) -> dict:
    values: dict[str, Any] = {
        "identifier": account.identifier,
        "uai": account.uai,
        "role": account.role.value,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "status": account.status.value,
        "birth_date": account.birth_date.isoformat() if account.birth_date else None,
        "class": account.school_class,
        "provisional_password_hash": account.provisional_password_hash,
        "provisional_expires_at": iso(account.provisional_expires_at) if account.provisional_expires_at else None,
        "password_hash": account.password_hash,
        "email": account.email,
        "pending_email": account.pending_email,
        "validation_deadline": iso(account.validation_deadline) if account.validation_deadline else None,
        "undeliverable_email": account.undeliverable_email,
        "undeliverable_reason": account.undeliverable_reason,
        "created_at": iso(account.created_at) if account.created_at else None,
        "created_by": account.created_by,
    }
    item = {key: {"S": value} for key, value in values.items() if value}
    item["email_verified"] = {"BOOL": account.email_verified}
    item["credential_version"] = {"N": str(account.credential_version)}
    item["reminder_stage"] = {"N": str(account.reminder_stage)}
    item["version"] = {"N": str(account.version)}
    if account.validation_code_hashes:
        item["validation_code_hashes"] = {"SS": sorted(account.validation_code_hashes)}
    return item


def _school_account_from_item(item: dict) -> SchoolAccount:
    def instant(name: str) -> datetime | None:
        value = item.get(name, {}).get("S")
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

    return SchoolAccount(
        identifier=item["identifier"]["S"],
        role=item["role"]["S"],
        first_name=item["first_name"]["S"],
        last_name=item["last_name"]["S"],
        school_class=item.get("class", {}).get("S"),
        status=Status(item["status"]["S"]),
        email_verified=item.get("email_verified", {}).get("BOOL", False),
        validation_deadline=instant("validation_deadline"),
        provisional_expires_at=instant("provisional_expires_at"),
    )


def _account_from_item(item: dict) -> Account:
    def text(name: str) -> str | None:
        return item.get(name, {}).get("S")

    def instant(name: str) -> datetime | None:
        value = text(name)
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

    birth_date = text("birth_date")
    return Account(
        identifier=item["identifier"]["S"],
        uai=item["uai"]["S"],
        role=Role(item["role"]["S"]),
        first_name=item["first_name"]["S"],
        last_name=item["last_name"]["S"],
        status=Status(item["status"]["S"]),
        birth_date=date.fromisoformat(birth_date) if birth_date else None,
        school_class=text("class"),
        provisional_password_hash=text("provisional_password_hash"),
        provisional_expires_at=instant("provisional_expires_at"),
        password_hash=text("password_hash"),
        email=text("email"),
        email_verified=item.get("email_verified", {}).get("BOOL", False),
        pending_email=text("pending_email"),
        validation_deadline=instant("validation_deadline"),
        validation_code_hashes=set(item.get("validation_code_hashes", {}).get("SS", [])),
        credential_version=int(item.get("credential_version", {}).get("N", "0")),
        reminder_stage=int(item.get("reminder_stage", {}).get("N", "0")),
        undeliverable_email=text("undeliverable_email"),
        undeliverable_reason=text("undeliverable_reason"),
        created_at=instant("created_at"),
        created_by=text("created_by"),
        version=int(item["version"]["N"]),
    )
