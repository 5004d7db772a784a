"""2. Round trips: the DynamoDB requests of one call of each operation through its handler (the leaflet's path),
and of a sweep per expired account, next to the fewest the single-table model allows."""

from __future__ import annotations

from typing import Any

from bench.cas_cost import cas_round_trips
from bench.oidc_cost import sign_in_round_trips
from bench.sweep_cost import load_accounts, sweep
from bench.world import World
from local.harness import NEW_PASSWORD

# The fewest DynamoDB requests the single-table model allows for each operation, and why.
MINIMUM = {
    # Every password check first claims its place in the lock-out counter with a conditional write (issue 12: guesses
    # at once from several containers all reached argon2 and some failures were lost); the claim is taken back or
    # forgotten when the password is right, inside a write the operation makes anyway where there is one.
    "login (provisional)": (
        4,
        "read account + lock-out counter (1 BatchGetItem), claim the check (1), take the claim back (1), "
        "write the challenge (1)",
    ),
    "first connection": (
        5,
        "read the challenge (1), the account + counter (1), claim the birth-date check (1), take the mail "
        "allowance (1), 1 transaction (which forgets the failures)",
    ),
    "resend": (
        4,
        "read account + counter (1), claim the check (1), take the mail allowance (1), 1 transaction (code, "
        "account, failures forgotten)",
    ),
    "validation": (3, "read the code (1), then the account it names (1), then 1 transaction"),
    "login (personal)": (
        3,
        "read account + counter (1), claim the check (1), session, audit event and failures forgotten in 1 "
        "BatchWriteItem",
    ),
    "e-mail change": (
        5,
        "session (1), account + counter (1), claim the check (1), mail allowance (1), 1 transaction",
    ),
    "forgot": (1, "take the anonymous mail allowance (1); the mail is queued (1 SQS message), the same for everyone"),
    "forgot: queued mail": (
        3,
        "off the request path: read the account (1), the address's daily allowance (1), code and audit (1 transaction)",
    ),
    "reset": (3, "read the code (1), the account (1), 1 transaction (password, code used, audit, lock-out lifted)"),
}


def sweep_minimum(world: World, deleted: int) -> tuple[float, str]:
    """The sweep's fewest requests per account deleted: one Query per shard (an index query names one partition),
    then the deletions in as few transactions as DynamoDB's 100 writes each allow (the bench's accounts have no
    code: 2 writes each, the account and its audit event)."""
    from ent_accounts.store import TRANSACTION_WRITES

    shards = world.settings.expiry_shards
    transactions = -(-deleted * 2 // TRANSACTION_WRITES)
    why = (
        f"{shards} shard queries, then {transactions} transaction(s) of up to {TRANSACTION_WRITES} writes "
        f"(each account: its delete, its codes', its audit event), over {deleted} accounts"
    )
    return round((shards + transactions) / max(deleted, 1), 2), why


def round_trips(world: World, sweep_accounts: int) -> dict[str, Any]:
    ops: dict[str, list[str]] = {}
    provisional = world.provision("jdupont12")
    answer, ops["login (provisional)"] = world.dynamodb_requests(
        lambda: world.call("POST", "/api/login", {"identifier": "jdupont12", "password": provisional})
    )
    challenge = answer["challenge_token"]
    body = {
        "challenge_token": challenge,
        "new_password": NEW_PASSWORD,
        "birth_date": "2011-05-14",
        "email": "jeanne.dupont@laposte.net",
    }
    _, ops["first connection"] = world.dynamodb_requests(lambda: world.call("POST", "/api/first-connection", body))
    _, ops["resend"] = world.dynamodb_requests(
        lambda: world.call("POST", "/api/validation-mail", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    )
    code = world.last_code()
    _, ops["validation"] = world.dynamodb_requests(lambda: world.call("POST", "/api/validate-email", {"code": code}))
    answer, ops["login (personal)"] = world.dynamodb_requests(
        lambda: world.call("POST", "/api/login", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    )
    headers = {"Authorization": f"Bearer {answer['session_token']}"}
    change = {
        "current_password": NEW_PASSWORD,
        "new_email": "nouvelle@laposte.net",
        "new_email_confirmation": "nouvelle@laposte.net",
    }
    _, ops["e-mail change"] = world.dynamodb_requests(lambda: world.call("POST", "/api/account/email", change, headers))
    _, ops["forgot"] = world.dynamodb_requests(
        lambda: world.call("POST", "/api/password/forgot", {"identifier": "jdupont12"})
    )
    _, ops["forgot: queued mail"] = world.dynamodb_requests(world.deliver_all_queued_mail)
    code = world.last_code()
    _, ops["reset"] = world.dynamodb_requests(
        lambda: world.call("POST", "/api/password/reset", {"code": code, "new_password": "Encore-Mot-3"})
    )
    # The sweep: a few expired accounts among others, requests divided by the accounts deleted.
    load_accounts(world, sweep_accounts * 10, sweep_accounts)
    summary, calls = world.dynamodb_requests(lambda: sweep(world))
    table = {}
    for name, calls_made in ops.items():
        table[name] = {"requests": len(calls_made), "calls": calls_made}
    table["sweep per expired account"] = {
        "requests": round(len(calls) / max(summary["deleted"], 1), 2),
        "calls": sorted(set(calls)),
        "deleted": summary["deleted"],
    }
    minimums = {**MINIMUM, "sweep per expired account": sweep_minimum(world, summary["deleted"])}
    for name, (minimum, why) in minimums.items():
        table[name]["minimum"] = minimum
        table[name]["why"] = why
    # Single sign-on (OpenID Connect): each step of the round trip, with its KMS calls (bench/oidc_cost.py).
    table.update(sign_in_round_trips(world))
    # CAS: each step from /cas/login to the validation and the logout (bench/cas_cost.py).
    table.update(cas_round_trips(world))
    return table
