"""How long importing a school's list takes: `python -m bench.import_accounts [--accounts 1000]`.

Sends one POST /api/admin/accounts (the admin function's handler, as API Gateway would call it, with the same
validation, idempotency record and transactions as in AWS) on moto and on AWS's DynamoDB Local, and prints the time.
Names are drawn like a real school's list: common French surnames, so identifiers collide and get numbers.
No pass/fail: a benchmark prints numbers (Amazon Cognito's default quota is 50 user creations a second).
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from datetime import date, timedelta

from bench import environment  # noqa: F401 (the paths and the embedded-AWS environment, before boto3)

SURNAMES = "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia"
SURNAMES += " David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet François"
FIRST = "Emma Louise Jade Alice Chloé Lina Léa Rose Anna Mila Gabriel Léo Raphaël Louis Arthur Jules Adam Lucas Hugo"


def school_list(count: int, seed: int = 6) -> list[dict]:
    draw = random.Random(seed)  # noqa: S311 (test data)
    surnames, first_names = SURNAMES.split(), FIRST.split()
    return [
        {
            "last_name": f"{draw.choice(surnames)}-{draw.choice(surnames)}" if n % 7 == 0 else draw.choice(surnames),
            "first_name": draw.choice(first_names),
            "birth_date": (date(2009, 9, 1) + timedelta(days=n)).isoformat(),  # one person per row
            "role": "eleve",
            "class": f"{draw.randint(3, 6)}e {draw.choice('ABCDEF')}",
        }
        for n in range(count)
    ]


def measure(backend: str, count: int) -> float:
    from botocore.config import Config
    from moto import mock_aws

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
            body = json.dumps({"uai": "0341234A", "accounts": school_list(count)})
            headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
            stack.functions.handler("AdminFunction")  # imported before the clock starts (a warm container)
            started = time.perf_counter()
            answer = stack.request("POST", "/api/admin/accounts", body=body, headers=headers)
            elapsed = time.perf_counter() - started
            if answer["statusCode"] != 201:
                raise SystemExit(answer["body"][:500])
            identifiers = {a["identifier"] for a in json.loads(answer["body"])["accounts"]}
            if len(identifiers) != count:
                raise SystemExit(f"{len(identifiers)} distinct identifiers for {count} accounts")
            return elapsed
        finally:
            if stack:
                stack.stop()
            if server:
                server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--backend", choices=["moto", "dynamodb-local", "both"], default="both")
    args = parser.parse_args()
    backends = ["moto", "dynamodb-local"] if args.backend == "both" else [args.backend]
    for backend in backends:
        elapsed = measure(backend, args.accounts)
        rate = args.accounts / elapsed
        print(f"{backend:>15}: {args.accounts} accounts in {elapsed:.2f} s ({rate:.0f} accounts/s)", flush=True)


if __name__ == "__main__":
    main()
