"""Writes that succeed or fail together (DynamoDB TransactWriteItems, up to `Table.max_writes_per_transaction`).

Each write carries a name saying what it stands for ("account jdupont12" unless the caller names it), so that a
cancelled transaction tells which writes failed and why (`Conflict.changed`, `.in_flight`, `.refused`).
"""

from __future__ import annotations

import time
from datetime import datetime

from ent_accounts.accounts import Account, Status
from ent_accounts.cas.tickets import ServiceTicket
from ent_accounts.clock import epoch
from ent_accounts.codes import Code
from ent_accounts.errors import ServiceBusy
from ent_accounts.oidc.grants import AccessToken, AuthorizationCode
from ent_accounts.outbox import OutboxMail
from ent_accounts.sessions import MAX_CAS_LOGINS, CasLogin, Session
from ent_accounts.store.accounts import account_item, account_key, counter_key
from ent_accounts.store.audit import audit_item
from ent_accounts.store.codes import code_item as one_time_code_item
from ent_accounts.store.codes import code_key as one_time_code_key
from ent_accounts.store.errors import Cancelled, Conflict
from ent_accounts.store.families import link_writes, mark_linked_write, unlink_writes
from ent_accounts.store.grants import access_token_item, code_item, code_key, sign_in_key
from ent_accounts.store.outbox import outbox_item
from ent_accounts.store.people import claim_write, release_write
from ent_accounts.store.sessions import cas_login_value, session_item, session_key
from ent_accounts.store.table import Table
from ent_accounts.store.throttles import throttle_key
from ent_accounts.store.tickets import ticket_item

CHANGED = "ConditionalCheckFailed"
IN_FLIGHT = "TransactionConflict"
THROTTLED = {"ThrottlingError", "ProvisionedThroughputExceeded"}


class Transaction:
    def __init__(self, table: Table) -> None:
        self.table = table
        self._writes: list[tuple[str, dict]] = []
        self._marked: set[str] = set()  # accounts this transaction marks as linked (an item is written once)

    def add(self, name: str, write: dict) -> Transaction:
        """Queue one write of TransactWriteItems ({"Put": …}, {"Update": …}, …), named after what it stands for."""
        self._writes.append((name, write))
        return self

    def create_account(self, account: Account, name: str | None = None) -> Transaction:
        """A new account; the write fails if the identifier exists (even expired, until swept)."""
        account.version = 1
        put = {
            "TableName": self.table.table_name,
            "Item": account_item(self.table, account),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return self.add(name or f"account {account.identifier}", {"Put": put})

    def claim_numbers(self, base: str, seen: int, upto: int, name: str | None = None) -> Transaction:
        """Move a base's counter from `seen` (as read) to `upto`; fails if another import moved it meanwhile."""
        values = {":upto": {"N": str(upto)}}
        if seen:
            values[":seen"] = {"N": str(seen)}
        update = {
            "TableName": self.table.table_name,
            "Key": counter_key(base),
            "UpdateExpression": "SET allocated = :upto",
            "ConditionExpression": "allocated = :seen" if seen else "attribute_not_exists(pk)",
            "ExpressionAttributeValues": values,
        }
        return self.add(name or f"counter {base}", {"Update": update})

    def delete_account(self, account: Account, name: str | None = None) -> Transaction:
        """Delete the account if nobody changed it since it was read."""
        delete = {
            "TableName": self.table.table_name,
            "Key": account_key(account.identifier),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(account.version)}},
        }
        return self.add(name or f"account {account.identifier}", {"Delete": delete})

    def delete_created_account(self, account: Account) -> Transaction:
        """Delete an account this request created, whatever marks were added since (linking bumps `version`), as
        long as it still holds the provisional password issued with it: nobody has used it."""
        delete = {
            "TableName": self.table.table_name,
            "Key": account_key(account.identifier),
            "ConditionExpression": "provisional_password_hash = :issued",
            "ExpressionAttributeValues": {":issued": {"S": account.provisional_password_hash}},
        }
        return self.add(f"account {account.identifier}", {"Delete": delete})

    def save_account(self, account: Account, name: str | None = None) -> Transaction:
        """Replace the account if nobody changed it since it was read (optimistic lock on `version`)."""
        expected = account.version
        account.version = expected + 1
        put = {
            "TableName": self.table.table_name,
            "Item": account_item(self.table, account),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(expected)}},
        }
        return self.add(name or f"account {account.identifier}", {"Put": put})

    # --- people and families (store/people.py, store/families.py) -------------------------------------------------

    def claim_person(self, key: str, identifier: str, uai: str, stale: str | None = None) -> Transaction:
        """The person's claim naming this account; fails if another account holds it (`stale`: one found gone)."""
        return self.add(f"person {key}", claim_write(self.table, key, identifier, uai, stale))

    def release_person(self, key: str, identifier: str) -> Transaction:
        """Drop the person's claim while it names this account (deleted with it)."""
        return self.add(f"person {key}", release_write(self.table, key, identifier))

    def link(self, parent: str, child: str, uai: str, mark: bool = True) -> Transaction:
        """A new parent-child link (two items); fails if it exists. With `mark`, both accounts are marked linked (and
        must exist); the caller leaves out an account this transaction also writes otherwise."""
        for write in link_writes(self.table, parent, child, uai):
            self.add(f"link {parent} {child}", write)
        for identifier in (parent, child) if mark else ():
            if identifier not in self._marked:
                self._marked.add(identifier)
                self.add(f"linked {identifier}", mark_linked_write(self.table, identifier))
        return self

    def unlink(self, parent: str, child: str) -> Transaction:
        for write in unlink_writes(self.table, parent, child):
            self.add(f"link {parent} {child}", write)
        return self

    def __len__(self) -> int:
        return len(self._writes)

    def put_code(self, code: Code, name: str | None = None) -> Transaction:
        put = {
            "TableName": self.table.table_name,
            "Item": one_time_code_item(code),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return self.add(name or f"code {code.code_hash}", {"Put": put})

    def put_outbox(self, mail: OutboxMail, name: str | None = None) -> Transaction:
        """A mail to send once this transaction commits (the stream hands it to the sender)."""
        put = {
            "TableName": self.table.table_name,
            "Item": outbox_item(mail, self.table.clock.now()),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return self.add(name or f"outbox {mail.outbox_id}", {"Put": put})

    def use_code(self, code_hash: str, name: str | None = None) -> Transaction:
        """Mark a code used; fails if it was already used (a code works once)."""
        update = {
            "TableName": self.table.table_name,
            "Key": one_time_code_key(code_hash),
            "UpdateExpression": "SET used = :yes",
            "ConditionExpression": "attribute_exists(pk) AND used = :no",
            "ExpressionAttributeValues": {":yes": {"BOOL": True}, ":no": {"BOOL": False}},
        }
        return self.add(name or f"code {code_hash}", {"Update": update})

    def delete_code(self, code_hash: str, name: str | None = None) -> Transaction:
        delete = {"TableName": self.table.table_name, "Key": one_time_code_key(code_hash)}
        return self.add(name or f"code {code_hash}", {"Delete": delete})

    def clear_login_failures(self, identifier: str, name: str | None = None) -> Transaction:
        """Lift the lock-out and forget the failures (the counter may not exist: deleting nothing is fine).

        A failed login counted at the same moment cancels the transaction (a write in flight on the counter):
        commit with `retries`."""
        delete = {"TableName": self.table.table_name, "Key": throttle_key(identifier)}
        return self.add(name or f"login failures {identifier}", {"Delete": delete})

    # --- sessions -----------------------------------------------------------------------------------------------

    def put_session(self, token_hash: str, session: Session, name: str = "session") -> Transaction:
        """A new session (its token is new and random: the write fails only if the key exists)."""
        put = {
            "TableName": self.table.table_name,
            "Item": session_item(token_hash, session),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return self.add(name, {"Put": put})

    def take_over_session(
        self, token_hash: str, clients: frozenset[str], name: str = "replaced session"
    ) -> Transaction:
        """Delete the session a new one takes over, only if it still lives with exactly the services it had when
        read (`clients`, copied to the new one): a token exchange through it meanwhile, which records one more,
        fails this write rather than being forgotten by the new session and never told of its end."""
        values = {}
        if clients:
            condition = "attribute_exists(pk) AND clients = :clients"
            values[":clients"] = {"SS": sorted(clients)}
        else:
            condition = "attribute_exists(pk) AND attribute_not_exists(clients)"
        delete = {
            "TableName": self.table.table_name,
            "Key": session_key(token_hash),
            "ConditionExpression": condition,
            **({"ExpressionAttributeValues": values} if values else {}),
        }
        return self.add(name, {"Delete": delete})

    # --- single sign-on (store/authorizations.py) --------------------------------------------------------------------

    def put_authorization_code(self, code: AuthorizationCode, name: str = "authorization code") -> Transaction:
        put = {
            "TableName": self.table.table_name,
            "Item": code_item(code),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return self.add(name, {"Put": put})

    def put_service_ticket(self, ticket: ServiceTicket, name: str = "service ticket") -> Transaction:
        """A CAS service ticket (new and random: the write fails only if the key exists)."""
        put = {
            "TableName": self.table.table_name,
            "Item": ticket_item(ticket),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return self.add(name, {"Put": put})

    def use_sign_in(self, ref_hash: str, now: datetime, name: str = "sign-in") -> Transaction:
        """Delete the pending sign-in this answer uses; fails if it was used meanwhile (or has expired)."""
        delete = {
            "TableName": self.table.table_name,
            "Key": sign_in_key(ref_hash),
            "ConditionExpression": "attribute_exists(pk) AND expires_at > :now",
            "ExpressionAttributeValues": {":now": {"N": str(epoch(now))}},
        }
        return self.add(name, {"Delete": delete})

    def refresh_session(
        self, session_hash: str, expires_at: datetime, now: datetime, name: str = "session"
    ) -> Transaction:
        """Push the session's idle limit back; fails if it ended meanwhile (logout, expiry)."""
        update = {
            "TableName": self.table.table_name,
            "Key": session_key(session_hash),
            "UpdateExpression": "SET expires_at = :expires, refreshed_at = :now",
            "ConditionExpression": "attribute_exists(pk) AND expires_at > :now",
            "ExpressionAttributeValues": {":expires": {"N": str(epoch(expires_at))}, ":now": {"N": str(epoch(now))}},
        }
        return self.add(name, {"Update": update})

    def session_alive(self, session_hash: str, now: datetime, name: str = "session") -> Transaction:
        """Only if the session still lives (nothing written to it)."""
        check = {
            "TableName": self.table.table_name,
            "Key": session_key(session_hash),
            "ConditionExpression": "attribute_exists(pk) AND expires_at > :now",
            "ExpressionAttributeValues": {":now": {"N": str(epoch(now))}},
        }
        return self.add(name, {"ConditionCheck": check})

    def account_signed_in(
        self, identifier: str, credential_version: int | None, name: str = "account signed in"
    ) -> Transaction:
        """Only if the account still exists, ACTIVE, with these credentials (None: any): what a code was issued to
        must not have been reset, deleted or given a new password meanwhile (nothing written to it)."""
        condition = "attribute_exists(pk) AND #status = :active"
        values = {":active": {"S": Status.ACTIVE.value}}
        if credential_version is not None:
            condition += " AND credential_version = :credentials"
            values[":credentials"] = {"N": str(credential_version)}
        check = {
            "TableName": self.table.table_name,
            "Key": account_key(identifier),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }
        return self.add(name, {"ConditionCheck": check})

    def redeem_code(
        self, code_hash: str, access_token_hash: str, keep_until: datetime, now: datetime, name: str = "code"
    ) -> Transaction:
        """Use an authorization code once: it must exist, be unused and still valid. It is kept (TTL) as long as the
        access token it issues, whose hash it records, so that presenting it again revokes that token."""
        update = {
            "TableName": self.table.table_name,
            "Key": code_key(code_hash),
            "UpdateExpression": "SET used = :yes, access_token_hash = :token, expires_at = :keep",
            "ConditionExpression": "attribute_exists(pk) AND used = :no AND valid_until > :now",
            "ExpressionAttributeValues": {
                ":yes": {"BOOL": True},
                ":no": {"BOOL": False},
                ":token": {"S": access_token_hash},
                ":keep": {"N": str(epoch(keep_until))},
                ":now": {"N": str(epoch(now))},
            },
        }
        return self.add(name, {"Update": update})

    def put_access_token(self, token: AccessToken, name: str = "access token") -> Transaction:
        put = {
            "TableName": self.table.table_name,
            "Item": access_token_item(token),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return self.add(name, {"Put": put})

    def sign_client_in(self, session_hash: str, client_id: str, now: datetime, name: str = "session") -> Transaction:
        """Record on the session that this client received tokens through it (told when it ends); fails if the
        session ended meanwhile, so that a logout either comes first (no tokens) or finds the client recorded."""
        update = {
            "TableName": self.table.table_name,
            "Key": session_key(session_hash),
            "UpdateExpression": "ADD clients :client",
            "ConditionExpression": "attribute_exists(pk) AND expires_at > :now",
            "ExpressionAttributeValues": {":client": {"SS": [client_id]}, ":now": {"N": str(epoch(now))}},
        }
        return self.add(name, {"Update": update})

    def record_cas_login(self, session_hash: str, login: CasLogin, now: datetime, name: str = "session") -> Transaction:
        """Add a CAS service's sign-in to the session (told when it ends), if it still lives and holds fewer than
        MAX_CAS_LOGINS (cas/validation.py checks the account in the same transaction). Racing a logout's delete,
        either this comes first and the logout reads it back, or it fails."""
        update = {
            "TableName": self.table.table_name,
            "Key": session_key(session_hash),
            "UpdateExpression": "ADD cas_logins :login",
            "ConditionExpression": "attribute_exists(pk) AND expires_at > :now"
            " AND (attribute_not_exists(cas_logins) OR size(cas_logins) < :max)",
            "ExpressionAttributeValues": {
                ":login": {"SS": [cas_login_value(login)]},
                ":now": {"N": str(epoch(now))},
                ":max": {"N": str(MAX_CAS_LOGINS)},
            },
        }
        return self.add(name, {"Update": update})

    def audit(self, identifier: str, event_type: str, request_id: str, **details: str) -> Transaction:
        """An audit event written with the rest (named "audit <identifier>"; it has no condition to fail)."""
        item = audit_item(self.table, identifier, event_type, request_id, details)
        return self.add(f"audit {identifier}", {"Put": {"TableName": self.table.table_name, "Item": item}})

    def commit(self, retries: int = 0) -> None:
        """Write everything or nothing; Conflict when a condition failed or another write to one of the items was in
        flight. `retries`: how many more times to send it when it was cancelled only by writes in flight (no
        condition failed, nothing was written), after a short pause."""
        for attempt in range(retries + 1):
            try:
                self.table.request("transact_write_items", TransactItems=[write for _, write in self._writes])
                return
            except Cancelled as cancelled:
                reasons = cancelled.reasons
                if CHANGED not in reasons and IN_FLIGHT not in reasons:
                    # Throttled or failed inside DynamoDB: nothing was written, a retry may pass.
                    raise ServiceBusy() from None
                if CHANGED in reasons or attempt == retries:
                    raise self._conflict(reasons) from None
            time.sleep(0.02 * 2**attempt)  # let the write in flight finish

    def _conflict(self, reasons: list[str]) -> Conflict:
        named = list(zip((name for name, _ in self._writes), reasons, strict=False))
        return Conflict(
            ", ".join(sorted(set(reasons) - {"None"})),
            changed=[name for name, reason in named if reason == CHANGED],
            in_flight=[name for name, reason in named if reason == IN_FLIGHT or reason in THROTTLED],
            refused=[name for name, reason in named if reason not in {"None", CHANGED, IN_FLIGHT, *THROTTLED}],
        )
