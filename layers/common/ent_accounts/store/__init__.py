"""Every DynamoDB access, and nothing else touches DynamoDB.

One table holds accounts, one-time codes, sessions and audit events (see docs/DESIGN.md). Reads treat an
item whose `expires_at` has passed as absent, because DynamoDB's TTL deletes it only days later. Every write
that could race is conditional; several writes that belong together go in one transaction.

`Store` is the table with every operation on it; each family of items has its module, which the methods below
call: table.py (the client, the settings, paging), accounts.py (accounts, identifier counters, the school index,
the mailbox index),
codes.py, people.py (person claims), families.py (parent-child links), school_index.py (the school index's
backfill), sessions.py,
throttles.py (failed logins), allowances.py (mail limits), audit.py, expiry.py (the sweep),
clients.py (the registry of the services that sign people in), tickets.py (CAS service tickets), staff.py (school
staff: members, e-mail claims, roles by school, staff sessions and audit events), iam_grants.py (the schools of IAM
callers), school_contacts.py (a school's name and contact), outbox.py (mails to send), transaction.py,
errors.py (what callers may catch: Conflict, IdentifierTaken, ClientExists, ServiceUrlTaken, StoreUnavailable,
ValueRefused, StoreFailure).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from ent_accounts.accounts import Account, DueAccount
from ent_accounts.cas.tickets import ServiceTicket
from ent_accounts.codes import Code
from ent_accounts.lockout import Throttle
from ent_accounts.oidc.grants import AccessToken, AuthorizationCode
from ent_accounts.outbox import OutboxMail, OutboxState
from ent_accounts.principals import Grant
from ent_accounts.school_contact import SchoolContact
from ent_accounts.schools import SchoolAccount
from ent_accounts.sessions import Session
from ent_accounts.sso.clients import Client
from ent_accounts.sso.sign_in import PendingSignIn
from ent_accounts.staff.members import RoleOffer, StaffMember
from ent_accounts.staff.sessions import StaffSession
from ent_accounts.store import (
    accounts,
    allowances,
    audit,
    authorizations,
    clients,
    codes,
    expiry,
    families,
    iam_grants,
    outbox,
    people,
    school_contacts,
    school_index,
    sessions,
    staff,
    throttles,
    tickets,
)
from ent_accounts.store.audit import AuditEvent, RecordedEvent
from ent_accounts.store.errors import (
    ClientExists,
    Conflict,
    IdentifierTaken,
    ServiceUrlTaken,
    StoreFailure,
    StoreUnavailable,
    ValueRefused,
)
from ent_accounts.store.families import Family
from ent_accounts.store.people import person_key
from ent_accounts.store.staff import StaffEmailTaken, StaffWrites
from ent_accounts.store.table import TRANSACTION_WRITES, Table, client_config
from ent_accounts.store.transaction import Transaction

__all__ = [
    "TRANSACTION_WRITES",
    "AuditEvent",
    "ClientExists",
    "Conflict",
    "Family",
    "IdentifierTaken",
    "RecordedEvent",
    "ServiceUrlTaken",
    "StaffEmailTaken",
    "StaffWrites",
    "Store",
    "StoreFailure",
    "StoreUnavailable",
    "Transaction",
    "ValueRefused",
    "client_config",
    "person_key",
]


class Store(Table):
    # --- accounts and identifiers ---------------------------------------------------------------

    def create_account(self, account: Account) -> None:
        """Add a new account; raises IdentifierTaken when the identifier exists (even expired, until swept)."""
        accounts.create_account(self, account)

    def get_account(self, identifier: str) -> Account | None:
        return accounts.get_account(self, identifier)

    def expired_account(self, identifier: str) -> Account | None:
        """The account as stored, even past its deadline (for the sweep that deletes it)."""
        return accounts.expired_account(self, identifier)

    def ensure_subject(self, identifier: str, candidate: str) -> str:
        """The account's subject: `candidate` if it had none (written, conditionally), else the one it has."""
        return accounts.ensure_subject(self, identifier, candidate)

    def get_accounts(self, identifiers: Iterable[str]) -> dict[str, Account]:
        """Several accounts in few round trips (BatchGetItem, strongly consistent); absent or expired ones left out."""
        return accounts.get_accounts(self, identifiers)

    def identifier_counters(self, bases: Iterable[str]) -> dict[str, int]:
        """How many identifiers of each base were ever handed out (0: never used), read strongly consistent."""
        return accounts.identifier_counters(self, bases)

    def school_accounts(self, uai: str) -> list[SchoolAccount]:
        """Every account of a school, from the school index (eventually consistent: a change may lag a moment)."""
        return accounts.school_accounts(self, uai)

    def backfill_school_shards(self, uai: str | None = None, segments: int = 1) -> school_index.Backfill:
        """Give the items written before the school index was sharded their key (one school, or all); idempotent.
        `segments`: Scan segments read and rewritten at once."""
        return school_index.backfill_school_shards(self, uai, segments)

    def accounts_of_mailbox(self, address: str, limit: int) -> list[Account]:
        """The ACTIVE accounts whose validated, deliverable address this is (the mailbox index, then the accounts
        read strongly consistent and checked again), at most `limit`, by identifier."""
        return accounts.accounts_of_mailbox(self, address, limit)

    def backfill_recovery_mailboxes(self) -> tuple[int, int]:
        """Once after deploying the mailbox index: (accounts given their key, accounts left as changed meanwhile)."""
        return accounts.backfill_recovery_mailboxes(self)

    def account_item(self, account: Account) -> dict:
        """The account's item as stored (for tools that write items in bulk, such as the benchmarks)."""
        return accounts.account_item(self, account)

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

    # --- people and families (store/people.py, store/families.py) ---------------------------------------------

    def person_claims(self, keys: Iterable[str]) -> dict[str, str]:
        """The identifier each existing person claim names (unclaimed keys left out), in few round trips."""
        return people.claimed(self, keys)

    def family(self, identifier: str) -> Family:
        """The account's links (its children, or its responsables): one Query, strongly consistent."""
        return families.links_of(self, identifier)

    def families(self, identifiers: Iterable[str]) -> dict[str, Family]:
        return families.families_of(self, identifiers)

    # --- codes ----------------------------------------------------------------------------------

    def get_code(self, code_hash: str) -> Code | None:
        return codes.get_code(self, code_hash)

    def put_code(self, code: Code) -> None:
        codes.put_code(self, code)

    def count_wrong_attempt(self, code_hash: str) -> None:
        """One more wrong answer given with this code (a birth date with a first-connection challenge)."""
        codes.count_wrong_attempt(self, code_hash)

    # --- sessions -------------------------------------------------------------------------------

    def put_session(
        self,
        token_hash: str,
        session: Session,
        event: tuple[str, str] | None = None,
        forget_failures: bool = False,
    ) -> None:
        """The session; with `event` (type, request id) its audit event, and with `forget_failures` the deletion of
        the identifier's failed-login counter, in the same request."""
        sessions.put_session(self, token_hash, session, event, forget_failures)

    def get_session(self, token_hash: str) -> Session | None:
        return sessions.get_session(self, token_hash)

    def refresh_session(self, token_hash: str, expires_at: datetime, now: datetime) -> None:
        """Push the idle limit back; a session deleted meanwhile (logout) stays deleted."""
        sessions.refresh_session(self, token_hash, expires_at, now)

    def delete_session(self, token_hash: str) -> None:
        sessions.delete_session(self, token_hash)

    def end_session(self, token_hash: str) -> Session | None:
        """Delete the session, returning it as it was when deleted (None if there was none or it had expired)."""
        return sessions.end_session(self, token_hash)

    # --- single sign-on: clients, pending sign-ins, codes, access tokens ---------------------------

    def put_sign_in(self, sign_in: PendingSignIn) -> None:
        authorizations.put_sign_in(self, sign_in)

    def get_sign_in(self, ref_hash: str) -> PendingSignIn | None:
        return authorizations.get_sign_in(self, ref_hash)

    def sign_in_reads(
        self, session_hash: str | None, client_id: str | None, ref_hash: str | None = None
    ) -> tuple[Session | None, Client | None, PendingSignIn | None]:
        """The browser's session, the client and the pending sign-in (those asked for) in one round trip."""
        return authorizations.sign_in_reads(self, session_hash, client_id, ref_hash)

    def account_throttle_and_client(
        self, identifier: str, client_id: str | None
    ) -> tuple[Account | None, Throttle, Client | None]:
        """An account, its failed-login counter and a client, in one round trip."""
        return authorizations.account_throttle_and_client(self, identifier, client_id)

    def client_and_code(self, client_id: str, code_hash: str) -> tuple[Client | None, AuthorizationCode | None]:
        """The client and the authorization code it presents, in one round trip."""
        return authorizations.client_and_code(self, client_id, code_hash)

    def get_authorization_code(self, code_hash: str) -> AuthorizationCode | None:
        return authorizations.get_authorization_code(self, code_hash)

    def get_access_token(self, token_hash: str) -> AccessToken | None:
        return authorizations.get_access_token(self, token_hash)

    def access_token_reads(
        self, token_hash: str
    ) -> tuple[AccessToken | None, Session | None, Account | None, Client | None]:
        """An access token, and the session, account and client it was issued through (two round trips)."""
        return authorizations.access_token_reads(self, token_hash)

    def delete_access_token(self, token_hash: str) -> None:
        authorizations.delete_access_token(self, token_hash)

    def account_and_clients(self, identifier: str, client_ids: frozenset[str]) -> tuple[Account | None, dict]:
        """An account and some clients (by client_id) in one round trip."""
        return authorizations.account_and_clients(self, identifier, client_ids)

    # --- CAS service tickets (store/tickets.py; issued in a transaction: Transaction.put_service_ticket) ----------

    def consume_service_ticket(self, ticket_hash: str) -> ServiceTicket | None:
        """Delete the ticket, returning it as it was (expired ones too); None when there was none or another
        validation took it first (one conditional DeleteItem)."""
        return tickets.consume_ticket(self, ticket_hash)

    # --- login throttling -----------------------------------------------------------------------

    def account_and_throttle(self, identifier: str) -> tuple[Account | None, Throttle]:
        """The account and its failed-login counter in one round trip (BatchGetItem, strongly consistent)."""
        return throttles.account_and_throttle(self, identifier)

    def claim_password_check(
        self, identifier: str, seen: Throttle, lock_for: Callable[[int], timedelta], memory: timedelta
    ) -> Throttle:
        """Count a password check as a failure before any hashing (see store/throttles.py); AccountLocked while a
        lock holds."""
        return throttles.claim_password_check(self, identifier, seen, lock_for, memory)

    def release_password_check(self, identifier: str, claim: Throttle) -> None:
        """Undo a claim whose password (or birth date) proved right, without forgetting the other failures."""
        throttles.release_password_check(self, identifier, claim)

    def clear_login_failures(self, identifier: str) -> None:
        throttles.clear_login_failures(self, identifier)

    # --- mail allowances ------------------------------------------------------------------------

    def take_mail_allowance(self, identifier: str, per_hour: int) -> bool:
        """Count a mail its owner asked for in the current hour; False when the hour's allowance is spent."""
        return allowances.take_mail_allowance(self, identifier, per_hour)

    def take_anonymous_mail_allowance(self, identifier: str, per_hour: int) -> bool:
        """Count a mail anyone may ask for about this identifier in the current hour; False when it is spent."""
        return allowances.take_anonymous_mail_allowance(self, identifier, per_hour)

    def take_address_allowance(self, address: str, per_day: int) -> bool:
        """Count a forgotten-password mail to this address today; False when the day's allowance is spent."""
        return allowances.take_address_allowance(self, address, per_day)

    def take_identifiers_mail_allowance(self, address: str, per_day: int, request_id: str) -> bool:
        """Count a forgotten-identifier mail to this address today, once per request however often its message is
        handed over again; False when the day's allowance is spent."""
        return allowances.take_address_allowance(self, address, per_day, allowances.IDENTIFIERS, taker=request_id)

    def take_anonymous_address_allowance(self, address: str, per_hour: int) -> bool:
        """Count a request anyone may make about this address in the current hour; False when it is spent."""
        return allowances.take_anonymous_address_allowance(self, address, per_hour)

    # --- audit ----------------------------------------------------------------------------------

    def record_event(self, identifier: str, event_type: str, request_id: str, **details: str) -> None:
        audit.record_event(self, identifier, event_type, request_id, details)

    def record_unknown_login_failure(self, identifier: str, request_id: str, keep: timedelta) -> None:
        """A failed login on an identifier that has no account, next to its throttle item, forgotten after `keep`."""
        audit.record_unknown_login_failure(self, identifier, request_id, keep)

    def account_events(self, identifier: str, limit: int = 100) -> list[RecordedEvent]:
        """The account's latest audit events, newest first (the school's page of the account shows them)."""
        return audit.account_events(self, identifier, limit)

    # --- the client registry (store/clients.py) -----------------------------------------------------------

    def get_client(self, client_id: str) -> Client | None:
        return clients.get_client(self, client_id)

    def list_clients(self) -> list[Client]:
        """Every registered client, by client_id (one Query of the registry's partition, paged)."""
        return clients.list_clients(self)

    def create_client(self, client: Client, event: AuditEvent | None = None) -> Client:
        """Register a new client (version 1), with its audit event in the same transaction when given; returns it as
        stored. ClientExists when the client_id is taken, ServiceUrlTaken when one of its service URLs is another
        client's."""
        return clients.create_client(self, client, event)

    def replace_client(
        self, client: Client, expected_version: int, event: AuditEvent | None = None, previous: Client | None = None
    ) -> Client:
        """Replace a client still at `expected_version` (its audit event with it); returns it as stored, at the next
        version. Conflict when it changed or was deleted meanwhile; ServiceUrlTaken when a service URL it adds is
        another client's. `previous`: the client as read at that version (else read here: the service URLs it
        gives up are released)."""
        return clients.replace_client(self, client, expected_version, event, previous)

    def delete_client(self, client_id: str, event: AuditEvent | None = None) -> bool:
        """Delete a client and release its service URLs (its audit event with it); False when there was none."""
        return clients.delete_client(self, client_id, event)

    def service_holder(self, service_url: str) -> str | None:
        """The client_id of the client whose registration holds this CAS service URL (one GetItem), if any."""
        return clients.service_holder(self, service_url)

    # --- school staff (store/staff.py) -------------------------------------------------------------------------

    def staff_writes(self) -> StaffWrites:
        """A transaction of writes to staff items (member, e-mail claim, roles, invitation code, session, audit)."""
        return StaffWrites(self)

    def get_staff_member(self, member_id: str) -> StaffMember | None:
        return staff.get_member(self, member_id)

    def staff_member_by_email(self, email: str) -> StaffMember | None:
        """The member whose (case-folded) e-mail this is, through its claim: two GetItem."""
        return staff.member_by_email(self, email)

    def school_staff(self, uai: str) -> list[StaffMember]:
        return staff.school_staff(self, uai)

    def staff_role_offer(self, uai: str, member_id: str) -> RoleOffer | None:
        return staff.get_offer(self, uai, member_id)

    def school_role_offers(self, uai: str) -> list[RoleOffer]:
        """The roles this school offered to existing members and they have not accepted (one Query)."""
        return staff.school_offers(self, uai)

    def staff_throttle(self, email: str) -> Throttle:
        """The lock-out counter of a staff address (password and codes alike)."""
        return throttles.throttle_from_item(self, self.get(throttles.throttle_key(staff.throttle_identifier(email))))

    def claim_staff_check(
        self, email: str, seen: Throttle, lock_for: Callable[[int], timedelta], memory: timedelta
    ) -> Throttle:
        """Count a staff password or code check as a failure before it is made (store/throttles.py)."""
        return throttles.claim_password_check(self, staff.throttle_identifier(email), seen, lock_for, memory)

    def release_staff_check(self, email: str, claim: Throttle) -> None:
        throttles.release_password_check(self, staff.throttle_identifier(email), claim)

    def take_totp_step(self, member_id: str, step: int, credential_version: int) -> bool:
        """Record the step of an accepted code if later than the last one (conditional): False when already taken."""
        return staff.take_totp_step(self, member_id, step, credential_version)

    def use_recovery_code(self, member_id: str, code_hash: str, credential_version: int) -> int | None:
        """Spend a recovery code (conditional): how many remain, None when it was not there."""
        return staff.use_recovery_code(self, member_id, code_hash, credential_version)

    def get_staff_session(self, token_hash: str) -> StaffSession | None:
        return staff.get_staff_session(self, token_hash)

    def refresh_staff_session(self, token_hash: str, expires_at: datetime, now: datetime) -> None:
        staff.refresh_staff_session(self, token_hash, expires_at, now)

    def delete_staff_session(self, token_hash: str) -> None:
        staff.delete_staff_session(self, token_hash)

    def record_staff_event(self, member_id: str, event_type: str, request_id: str, **details: str) -> None:
        item = staff.staff_audit_item(self, member_id, event_type, request_id, details)
        self.request("put_item", TableName=self.table_name, Item=item)

    def staff_events(self, member_id: str) -> list[dict]:
        return list(staff.staff_events(self, member_id))

    # --- grants of IAM callers (store/iam_grants.py) -----------------------------------------------------------

    def get_grant(self, principal: str) -> Grant | None:
        """The grant of one principal (one GetItem), if any."""
        return iam_grants.get_grant(self, principal)

    def list_grants(self) -> list[Grant]:
        """Every grant, by principal (one Query of the grants' partition)."""
        return iam_grants.list_grants(self)

    def put_grant(self, grant: Grant, expected_version: int, event: AuditEvent) -> None:
        """Write a grant if the stored one is still at `expected_version` (0: none), with its audit event; Conflict
        when it changed meanwhile."""
        iam_grants.put_grant(self, grant, expected_version, event)

    def delete_grant(self, principal: str, expected_version: int, event: AuditEvent) -> None:
        """Delete a grant still at `expected_version`, with its audit event; Conflict when it changed meanwhile."""
        iam_grants.delete_grant(self, principal, expected_version, event)

    # --- a school's contact (store/school_contacts.py) ---------------------------------------------------------

    def school_contact(self, uai: str, consistent: bool = False) -> SchoolContact | None:
        """The school's name and contact (one GetItem; eventually consistent unless asked), if it wrote one."""
        return school_contacts.get_contact(self, uai, consistent)

    def put_school_contact(self, contact: SchoolContact, expected_version: int, event: AuditEvent) -> None:
        """Write the contact if the stored one is still at `expected_version` (0: none), with its audit event;
        Conflict when it changed meanwhile."""
        school_contacts.put_contact(self, contact, expected_version, event)

    # --- transactions and the expiry sweep ------------------------------------------------------

    # --- the outbox (store/outbox.py) --------------------------------------------------------------

    def get_outbox_mail(self, outbox_id: str) -> OutboxMail | None:
        return outbox.get_outbox_mail(self, outbox_id)

    def claim_outbox_mail(self, outbox_id: str) -> OutboxMail | None:
        return outbox.claim(self, outbox_id)

    def finish_outbox_mail(self, outbox_id: str, state: OutboxState, error: str | None = None) -> None:
        outbox.finish(self, outbox_id, state, error)

    def due_outbox_ids(self, now: datetime) -> Iterator[str]:
        """The unsent mails the outbox sweep must deliver now, from the sparse index's outbox keys."""
        return outbox.due_outbox_ids(self, now)

    def transaction(self) -> Transaction:
        return Transaction(self)

    def due_pending_accounts(self, now: datetime) -> Iterator[DueAccount]:
        """Pending accounts with a reminder or their deletion due, from the sparse index."""
        return expiry.due_pending_accounts(self, now)

    def can_delete_together(self, expired: list[DueAccount]) -> bool:
        """Whether these accounts fit in one call of `delete_expired_accounts` (one transaction)."""
        return expiry.can_delete_together(self, expired)

    def queue_expired_deletion(self, tx: Transaction, expired: DueAccount, now: datetime, request_id: str) -> None:
        """Queue in `tx` what `delete_expired_accounts` writes for one account (for a caller adding its links)."""
        expiry.queue_deletion(self, tx, expired, now, request_id, linked=True)

    def delete_expired_accounts(self, expired: list[DueAccount], now: datetime, request_id: str) -> list[DueAccount]:
        """Delete these accounts, their codes, and write their audit events, in one transaction; the accounts
        deleted are returned (one that changed meanwhile is left out)."""
        return expiry.delete_expired_accounts(self, expired, now, request_id)
