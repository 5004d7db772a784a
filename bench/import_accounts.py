"""How long importing a school's list takes: `python -m bench.import_accounts [--accounts 1000] [--families]`.

Sends one POST /api/admin/accounts (the admin function's handler, as API Gateway would call it, with the same
validation, idempotency record and transactions as in AWS) on moto and on AWS's DynamoDB Local, and prints the time.
Names are drawn like a real school's list: common French surnames, so identifiers collide and get numbers; with
`--families`, two students per family and two responsables each (parent accounts and their links).
It also prints the writes the school index received per partition key (bench/index_writes.py): its busiest key's
share, and that key's writes per second at this run's pace (the per-partition limit is 1,000), against what the
index keyed by uai alone (before docs/DESIGN.md's "Hot keys") took on its one key.
No pass/fail: a benchmark prints numbers (Amazon Cognito's default quota is 50 user creations a second).
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from bench import environment  # noqa: F401 (the paths and the embedded-AWS environment, before boto3)

SURNAMES = "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia"
SURNAMES += " David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet François"
FIRST = "Emma Louise Jade Alice Chloé Lina Léa Rose Anna Mila Gabriel Léo Raphaël Louis Arthur Jules Adam Lucas Hugo"


def school_list(count: int, seed: int = 6, families: bool = False) -> list[dict]:
    draw = random.Random(seed)  # noqa: S311 (test data)
    surnames, first_names = SURNAMES.split(), FIRST.split()
    rows = [
        {
            "last_name": f"{draw.choice(surnames)}-{draw.choice(surnames)}" if n % 7 == 0 else draw.choice(surnames),
            "first_name": draw.choice(first_names),
            "birth_date": (date(2009, 9, 1) + timedelta(days=n)).isoformat(),  # one person per row
            "role": "eleve",
            "class": f"{draw.randint(3, 6)}e {draw.choice('ABCDEF')}",
        }
        for n in range(count)
    ]
    for n, row in enumerate(rows if families else []):
        row["last_name"] = rows[n - n % 2]["last_name"]  # siblings: rows 2k and 2k+1
        mother = {"last_name": row["last_name"], "first_name": "Marie", "email": f"famille{n // 2}@example.fr"}
        row["responsables"] = [mother, {"last_name": row["last_name"], "first_name": "Paul"}]
    return rows


@dataclass
class Measured:
    seconds: float
    accounts: int  # students and the parents made from their responsables
    index_writes: int  # items put into the school index (accounts and both sides of each link)
    index_keys: int
    busiest_key_writes: int

    def busiest_key_per_second(self) -> float:
        return self.busiest_key_writes / self.seconds


def measure(backend: str, count: int, families: bool = False) -> Measured:
    from botocore.config import Config
    from moto import mock_aws

    from bench.index_writes import IndexWrites
    from ent_accounts.clock import Clock
    from local import dynamodb_local
    from local.harness import Stack

    server = stack = None
    with mock_aws():
        endpoint = None
        if backend == "dynamodb-local":
            if reason := dynamodb_local.available():
                raise SystemExit(reason)
            server = dynamodb_local.DynamoDBLocal()
            endpoint = server.endpoint
        try:
            # botocore's default client settings, as this bench always used (not the service's short timeouts).
            stack = Stack.start(Clock(), endpoint=endpoint, table_prefix="bench", ddb_config=Config())
            body = json.dumps({"uai": "0341234A", "accounts": school_list(count, families=families)})
            headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
            stack.functions.handler("AdminFunction")  # imported before the clock starts (a warm container)
            with IndexWrites(stack.ddb, "school_shard") as writes:
                started = time.perf_counter()
                answer = stack.request("POST", "/api/admin/accounts", body=body, headers=headers)
                elapsed = time.perf_counter() - started
            if answer["statusCode"] != 201:
                raise SystemExit(answer["body"][:500])
            created = json.loads(answer["body"])["accounts"]
            identifiers = {a["identifier"] for a in created if a["role"] == "eleve"}
            if len(identifiers) != count:
                raise SystemExit(f"{len(identifiers)} distinct identifiers for {count} accounts")
            per_key = writes.per_key("school_shard")
            return Measured(elapsed, len(created), sum(per_key.values()), len(per_key), max(per_key.values()))
        finally:
            if stack:
                stack.stop()
            if server:
                server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--backend", choices=["moto", "dynamodb-local", "both"], default="both")
    parser.add_argument("--families", action="store_true", help="two responsables per student (parents, links)")
    args = parser.parse_args()
    backends = ["moto", "dynamodb-local"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run = measure(backend, args.accounts, args.families)
        rate = run.accounts / run.seconds
        print(f"{backend:>15}: {run.accounts} accounts in {run.seconds:.2f} s ({rate:.0f} accounts/s)", flush=True)
        print(
            f"{'':>15}  school index: {run.index_writes} writes over {run.index_keys} keys, the busiest "
            f"{run.busiest_key_writes} ({run.busiest_key_per_second():.0f}/s at this pace); keyed by uai alone: "
            f"{run.index_writes} on one key ({run.index_writes / run.seconds:.0f}/s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
