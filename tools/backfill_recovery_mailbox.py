"""Once, after deploying the version with the forgotten identifier: give the accounts validated before it their key
in the `accounts-by-mailbox` index (`recovery_mailbox`), which every account write since puts there itself.

Until it has run, "Identifiant oublié" does not list an account validated earlier that has not changed since (its
mail says nothing to that mailbox). Run by ops, with credentials that may Scan and UpdateItem the table:

    python tools/backfill_recovery_mailbox.py --table <the stack's AccountsTable name> [--region eu-west-3]

Safe to run again (an account that has the key is skipped), and while the service runs (each write is conditional
on the account's version as read; an account written meanwhile carries its own key and is left alone).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "layers" / "common"))


def main(argv: list[str] | None = None) -> int:
    import boto3

    from ent_accounts.clock import Clock
    from ent_accounts.store import Store, client_config

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", required=True, help="the stack's AccountsTable (its physical name)")
    parser.add_argument("--region", default=None, help="the stack's region (default: the AWS configuration's)")
    args = parser.parse_args(argv)
    client = boto3.client("dynamodb", region_name=args.region, config=client_config())
    written, changed = Store(args.table, Clock(), client=client).backfill_recovery_mailboxes()
    print(f"{written} account(s) given their mailbox key; {changed} changed meanwhile (they carry their own)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
