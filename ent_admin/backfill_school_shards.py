"""Ops, once per stack after the school index was sharded: `python -m ent_admin.backfill_school_shards --table T`.

Talks to DynamoDB directly with the operator's AWS credentials (as botocore finds them), not through the API: it
rewrites, by key, each account and link item that lacks its `school_shard` (docs/DESIGN.md, "Hot keys"), so that
the accounts created before the change show in their school's list again. Idempotent: run it again after the last
container of the previous version has stopped, and it rewrites only what that version wrote meanwhile.
`--shards` must be the stack's SCHOOL_SHARDS (8 unless the template sets it).
"""

from __future__ import annotations

import argparse
import sys

from ent_accounts.clock import Clock
from ent_accounts.schools import UAI_MESSAGE, normalize_uai
from ent_accounts.store import Store, client_config
from ent_admin.french import FrenchParser, french_argparse


def parser() -> argparse.ArgumentParser:
    with french_argparse():
        root = FrenchParser(
            prog="python -m ent_admin.backfill_school_shards",
            description="Donne leur clé d'index d'établissement (school_shard) aux comptes et liens écrits avant.",
        )
        root.add_argument("--table", required=True, help="nom de la table DynamoDB de la pile")
        root.add_argument("--uai", help="un seul établissement (par défaut : tous)")
        root.add_argument("--shards", type=int, default=8, help="SCHOOL_SHARDS de la pile (8 par défaut)")
        root.add_argument(
            "--segments", type=int, default=8, help="segments lus et réécrits en parallèle (8 par défaut)"
        )
        root.add_argument("--region", help="région AWS (par défaut : celle de votre configuration)")
        return root


def main(argv: list[str] | None = None, client=None, out=None) -> int:
    out = out or sys.stdout
    with french_argparse():
        args = parser().parse_args(argv)
    for option, value in (("--shards", args.shards), ("--segments", args.segments)):
        if value < 1:
            print(f"{option} : au moins 1.", file=sys.stderr)
            return 2
    uai = normalize_uai(args.uai) if args.uai else None
    if args.uai and uai is None:
        print(UAI_MESSAGE, file=sys.stderr)
        return 2
    if client is None:
        import botocore.session

        client = botocore.session.get_session().create_client(
            "dynamodb", region_name=args.region, config=client_config()
        )
    store = Store(args.table, Clock(), client=client, school_shards=args.shards)
    done = store.backfill_school_shards(uai, args.segments)
    print(
        f"{done.read} éléments lus, {done.rewritten} réécrits, {done.changed} laissés (modifiés entre-temps).",
        file=out,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
