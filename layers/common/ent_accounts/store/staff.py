"""Staff members' items (school staff, staff/): the member, the claim on their e-mail, their roles listed by school,
their sessions and audit events.

| item | key |
|---|---|
| member | `pk=STAFF#<id>`, `sk=MEMBER` |
| e-mail claim | `pk=STAFFEMAIL#<SHA-256 of the case-folded e-mail>`, `sk=STAFFEMAIL` (member_id): one per address |
| role at a school | `pk=STAFFROLE#<UAI>`, `sk=MEMBER#<id>` (role): a school's staff is one Query |
| role offered | `pk=STAFFROLE#<UAI>`, `sk=OFFER#<id>` (role, names as typed, link's hash; `expires_at`, TTL) |
| session | `pk=STAFFSESSION#<SHA-256 of the token>`, `sk=STAFFSESSION`: never read as a student's session, nor back |
| audit event | `pk=STAFF#<id>`, `sk=EVENT#<time>#<id>` |
| lock-out counter | store/throttles.py's, under the identifier `staff:<e-mail>` (no student identifier has a colon) |

The TOTP secret is stored only encrypted by KMS (`totp_secret`, binary; `totp_pending` while enrolling); the
recovery codes only as HMAC-SHA256 under the member's TOTP secret (staff/recovery.py); the password as argon2id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from contextlib import suppress

from ent_accounts.clock import epoch, from_epoch, iso
from ent_accounts.codes import Code
from ent_accounts.staff.members import Role, RoleOffer, StaffMember, StaffStatus
from ent_accounts.staff.sessions import StaffSession, Stage
from ent_accounts.store.audit import audit_item
from ent_accounts.store.errors import ConditionFailed, Conflict
from ent_accounts.store.table import Table
from ent_accounts.store.transaction import Transaction


class StaffEmailTaken(Conflict):
    """Another staff member has this e-mail address."""


def member_key(member_id: str) -> dict:
    return {"pk": {"S": f"STAFF#{member_id}"}, "sk": {"S": "MEMBER"}}


def email_claim_key(email: str) -> dict:
    digest = hashlib.sha256(email.encode("utf-8")).hexdigest()
    return {"pk": {"S": f"STAFFEMAIL#{digest}"}, "sk": {"S": "STAFFEMAIL"}}


def role_key(uai: str, member_id: str) -> dict:
    return {"pk": {"S": f"STAFFROLE#{uai}"}, "sk": {"S": f"MEMBER#{member_id}"}}


def offer_key(uai: str, member_id: str) -> dict:
    return {"pk": {"S": f"STAFFROLE#{uai}"}, "sk": {"S": f"OFFER#{member_id}"}}


def offer_item(offer: RoleOffer) -> dict:
    return {
        **offer_key(offer.uai, offer.member_id),
        "member_id": {"S": offer.member_id},
        "email": {"S": offer.email},
        "first_name": {"S": offer.first_name},
        "last_name": {"S": offer.last_name},
        "role": {"S": offer.role.value},
        "code_hash": {"S": offer.code_hash},
        "expires_at": {"N": str(epoch(offer.expires_at))},
        "offered_by": {"S": offer.offered_by or "-"},
    }


def offer_from_item(item: dict) -> RoleOffer:
    return RoleOffer(
        uai=item["pk"]["S"].removeprefix("STAFFROLE#"),
        member_id=item["member_id"]["S"],
        email=item["email"]["S"],
        first_name=item["first_name"]["S"],
        last_name=item["last_name"]["S"],
        role=Role(item["role"]["S"]),
        code_hash=item["code_hash"]["S"],
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        offered_by=item.get("offered_by", {}).get("S", ""),
    )


def staff_session_key(token_hash: str) -> dict:
    return {"pk": {"S": f"STAFFSESSION#{token_hash}"}, "sk": {"S": "STAFFSESSION"}}


def throttle_identifier(email: str) -> str:
    """The lock-out counter's identifier for a staff address (known or not: unknown ones are counted alike)."""
    return f"staff:{email}"


def member_item(member: StaffMember) -> dict:
    item = {
        **member_key(member.member_id),
        "member_id": {"S": member.member_id},
        "email": {"S": member.email},
        "first_name": {"S": member.first_name},
        "last_name": {"S": member.last_name},
        "status": {"S": member.status.value},
        "roles": {"M": {uai: {"S": role.value} for uai, role in member.roles.items()}},
        "totp_last_step": {"N": str(member.totp_last_step)},
        "credential_version": {"N": str(member.credential_version)},
        "created_by": {"S": member.created_by or "-"},
        "version": {"N": str(member.version)},
    }
    if member.password_hash:
        item["password_hash"] = {"S": member.password_hash}
    if member.totp_secret_sealed:
        item["totp_secret"] = {"B": member.totp_secret_sealed}
    if member.totp_pending_sealed:
        item["totp_pending"] = {"B": member.totp_pending_sealed}
    if member.recovery_code_hashes:
        item["recovery_code_hashes"] = {"SS": sorted(member.recovery_code_hashes)}
    if member.created_at:
        item["created_at"] = {"S": iso(member.created_at)}
    if member.invitation_hash:
        item["invitation_hash"] = {"S": member.invitation_hash}
    if member.invitation_expires_at:
        item["invitation_expires_at"] = {"S": iso(member.invitation_expires_at)}
    return item


def member_from_item(item: dict) -> StaffMember:
    from datetime import datetime

    created = item.get("created_at", {}).get("S")
    invitation_ends = item.get("invitation_expires_at", {}).get("S")  # absent from items written before it
    return StaffMember(
        member_id=item["member_id"]["S"],
        email=item["email"]["S"],
        first_name=item["first_name"]["S"],
        last_name=item["last_name"]["S"],
        status=StaffStatus(item["status"]["S"]),
        roles={uai: Role(value["S"]) for uai, value in item.get("roles", {}).get("M", {}).items()},
        password_hash=item.get("password_hash", {}).get("S"),
        totp_secret_sealed=item.get("totp_secret", {}).get("B"),
        totp_pending_sealed=item.get("totp_pending", {}).get("B"),
        totp_last_step=int(item.get("totp_last_step", {}).get("N", "0")),
        recovery_code_hashes=frozenset(item.get("recovery_code_hashes", {}).get("SS", ())),
        credential_version=int(item["credential_version"]["N"]),
        created_at=datetime.fromisoformat(created.replace("Z", "+00:00")) if created else None,
        created_by=item.get("created_by", {}).get("S", ""),
        invitation_hash=item.get("invitation_hash", {}).get("S"),
        invitation_expires_at=datetime.fromisoformat(invitation_ends.replace("Z", "+00:00"))
        if invitation_ends
        else None,
        version=int(item["version"]["N"]),
    )


def staff_audit_item(table: Table, member_id: str, event_type: str, request_id: str, details: dict) -> dict:
    item = audit_item(table, member_id, event_type, request_id, details)
    item["pk"] = {"S": f"STAFF#{member_id}"}
    return item


class StaffWrites:
    """The writes of one change to staff items, in one transaction (a Transaction underneath)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.tx = Transaction(table)

    def create_member(self, member: StaffMember) -> StaffWrites:
        put = {
            "TableName": self.table.table_name,
            "Item": member_item(member),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        self.tx.add(f"staff {member.member_id}", {"Put": put})
        claim = {
            "TableName": self.table.table_name,
            "Item": {**email_claim_key(member.email), "member_id": {"S": member.member_id}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        self.tx.add("staff email", {"Put": claim})
        for uai, role in member.roles.items():
            self.put_role(uai, member.member_id, role)
        return self

    def save_member(self, member: StaffMember, expected_version: int) -> StaffWrites:
        """The member as given (at `expected_version` + 1), if still at `expected_version` as read."""
        saved = member.with_changes(version=expected_version + 1)
        put = {
            "TableName": self.table.table_name,
            "Item": member_item(saved),
            "ConditionExpression": "version = :seen",
            "ExpressionAttributeValues": {":seen": {"N": str(expected_version)}},
        }
        self.tx.add(f"staff {member.member_id}", {"Put": put})
        return self

    def put_role(self, uai: str, member_id: str, role: Role) -> StaffWrites:
        item = {**role_key(uai, member_id), "member_id": {"S": member_id}, "role": {"S": role.value}}
        self.tx.add(f"role {uai} {member_id}", {"Put": {"TableName": self.table.table_name, "Item": item}})
        return self

    def delete_role(self, uai: str, member_id: str) -> StaffWrites:
        delete = {"TableName": self.table.table_name, "Key": role_key(uai, member_id)}
        self.tx.add(f"role {uai} {member_id}", {"Delete": delete})
        return self

    def put_offer(self, offer: RoleOffer) -> StaffWrites:
        """The offer, replacing any earlier one to this member at this school (and so voiding its link)."""
        self.tx.add(
            f"offer {offer.uai} {offer.member_id}",
            {"Put": {"TableName": self.table.table_name, "Item": offer_item(offer)}},
        )
        return self

    def delete_offer(self, uai: str, member_id: str, code_hash: str | None = None) -> StaffWrites:
        """Remove the offer; with `code_hash`, only if it is still the offer of that link (else the transaction
        fails: the link was replaced by a newer offer, or the offer cancelled)."""
        delete: dict = {"TableName": self.table.table_name, "Key": offer_key(uai, member_id)}
        if code_hash is not None:
            delete["ConditionExpression"] = "code_hash = :hash"
            delete["ExpressionAttributeValues"] = {":hash": {"S": code_hash}}
        self.tx.add(f"offer {uai} {member_id}", {"Delete": delete})
        return self

    def put_code(self, code: Code) -> StaffWrites:
        self.tx.put_code(code)
        return self

    def use_code(self, code_hash: str) -> StaffWrites:
        self.tx.use_code(code_hash, name="code")
        return self

    def put_session(self, token_hash: str, session: StaffSession) -> StaffWrites:
        put = {"TableName": self.table.table_name, "Item": staff_session_item(token_hash, session)}
        self.tx.add("staff session", {"Put": put})
        return self

    def delete_session(self, token_hash: str) -> StaffWrites:
        delete = {"TableName": self.table.table_name, "Key": staff_session_key(token_hash)}
        self.tx.add("previous staff session", {"Delete": delete})
        return self

    def clear_login_failures(self, email: str) -> StaffWrites:
        self.tx.clear_login_failures(throttle_identifier(email))
        return self

    def audit(self, member_id: str, event_type: str, request_id: str, **details: str) -> StaffWrites:
        item = staff_audit_item(self.table, member_id, event_type, request_id, details)
        self.tx.add(f"audit staff {member_id}", {"Put": {"TableName": self.table.table_name, "Item": item}})
        return self

    def commit(self) -> None:
        try:
            self.tx.commit(retries=2)
        except Conflict as conflict:
            if "staff email" in conflict.changed:
                raise StaffEmailTaken("staff email taken", changed=conflict.changed) from None
            raise


def get_member(table: Table, member_id: str) -> StaffMember | None:
    item = table.get(member_key(member_id))
    return None if item is None else member_from_item(item)


def member_by_email(table: Table, email: str) -> StaffMember | None:
    claim = table.get(email_claim_key(email))
    if claim is None:
        return None
    return get_member(table, claim["member_id"]["S"])


def school_staff(table: Table, uai: str) -> list[StaffMember]:
    """The members holding a role at this school (one Query of its role items, one BatchGetItem), by name."""
    ids = [
        item["member_id"]["S"]
        for item in table.query_items(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :members)",
            ExpressionAttributeValues={":pk": {"S": f"STAFFROLE#{uai}"}, ":members": {"S": "MEMBER#"}},
            ConsistentRead=True,
        )
    ]
    members = [member_from_item(item) for item in table.batch_get(member_key(member_id) for member_id in ids)]
    members = [member for member in members if uai in member.roles]
    return sorted(members, key=lambda member: (member.last_name.casefold(), member.first_name.casefold()))


def get_offer(table: Table, uai: str, member_id: str) -> RoleOffer | None:
    item = table.get(offer_key(uai, member_id))
    return None if item is None else offer_from_item(item)


def school_offers(table: Table, uai: str) -> list[RoleOffer]:
    """The roles offered at this school and not accepted yet (expired ones included until TTL removes them)."""
    return [
        offer_from_item(item)
        for item in table.query_items(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :offers)",
            ExpressionAttributeValues={":pk": {"S": f"STAFFROLE#{uai}"}, ":offers": {"S": "OFFER#"}},
            ConsistentRead=True,
        )
    ]


def take_totp_step(table: Table, member_id: str, step: int, credential_version: int) -> bool:
    """Record `step` as the last accepted one, if it is later than the one stored (and the member still active at
    that credential version): False when another request took this step (or a later one) first."""
    try:
        table.update(
            member_key(member_id),
            # The version moves too: a change saved from an earlier read of the member (save_member) then fails
            # instead of writing the older step back, which would let a used code work again.
            "SET totp_last_step = :step ADD version :one",
            "totp_last_step < :step AND #status = :active AND credential_version = :cv",
            {
                ":step": {"N": str(step)},
                ":active": {"S": "ACTIVE"},
                ":cv": {"N": str(credential_version)},
                ":one": {"N": "1"},
            },
            ExpressionAttributeNames={"#status": "status"},
        )
    except ConditionFailed:
        return False
    return True


def use_recovery_code(table: Table, member_id: str, code_hash: str, credential_version: int) -> int | None:
    """Remove one recovery code (a code works once): how many remain, or None when it was not there (wrong, or
    used by another request first)."""
    try:
        answer = table.update(
            member_key(member_id),
            "DELETE recovery_code_hashes :code ADD version :one",  # as take_totp_step: no used code written back
            "contains(recovery_code_hashes, :hash) AND #status = :active AND credential_version = :cv",
            {
                ":one": {"N": "1"},
                ":code": {"SS": [code_hash]},
                ":hash": {"S": code_hash},
                ":active": {"S": "ACTIVE"},
                ":cv": {"N": str(credential_version)},
            },
            ExpressionAttributeNames={"#status": "status"},
            ReturnValues="UPDATED_NEW",
        )
    except ConditionFailed:
        return None
    return len(answer.get("Attributes", {}).get("recovery_code_hashes", {}).get("SS", ()))


def staff_session_item(token_hash: str, session: StaffSession) -> dict:
    return {
        **staff_session_key(token_hash),
        "member_id": {"S": session.member_id},
        "credential_version": {"N": str(session.credential_version)},
        "stage": {"S": session.stage.value},
        "expires_at": {"N": str(epoch(session.expires_at))},
        "absolute_expires_at": {"N": str(epoch(session.absolute_expires_at))},
        "refreshed_at": {"N": str(epoch(session.refreshed_at))},
    }


def get_staff_session(table: Table, token_hash: str) -> StaffSession | None:
    item = table.get(staff_session_key(token_hash))
    if item is None:
        return None
    return StaffSession(
        member_id=item["member_id"]["S"],
        credential_version=int(item["credential_version"]["N"]),
        stage=Stage(item["stage"]["S"]),
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        absolute_expires_at=from_epoch(int(item["absolute_expires_at"]["N"])),
        refreshed_at=from_epoch(int(item["refreshed_at"]["N"])),
    )


def refresh_staff_session(table: Table, token_hash: str, expires_at, now) -> None:
    with suppress(ConditionFailed):  # signed out meanwhile: it stays so
        table.update(
            staff_session_key(token_hash),
            "SET expires_at = :expires, refreshed_at = :now",
            "attribute_exists(pk)",
            {":expires": {"N": str(epoch(expires_at))}, ":now": {"N": str(epoch(now))}},
        )


def delete_staff_session(table: Table, token_hash: str) -> None:
    table.request("delete_item", TableName=table.table_name, Key=staff_session_key(token_hash))


def staff_events(table: Table, member_id: str) -> Iterable[dict]:
    """The member's audit events, oldest first (type, time, and details as stored)."""
    for item in table.query_items(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :events)",
        ExpressionAttributeValues={":pk": {"S": f"STAFF#{member_id}"}, ":events": {"S": "EVENT#"}},
        ConsistentRead=True,
    ):
        yield {name: next(iter(value.values())) for name, value in item.items() if name not in ("pk", "sk")}
