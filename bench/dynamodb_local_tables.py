"""Why the tests start DynamoDB Local again every so often (tests/support/fixtures.py, RecycledDynamoDBLocal):
its writes slow down with every stream-enabled table ever created on it, even once deleted.

    python -m bench.dynamodb_local_tables --tables 200            # the service's table (stream on), a new one per round
    python -m bench.dynamodb_local_tables --tables 200 --no-stream
    python -m bench.dynamodb_local_tables --tables 200 --reuse    # one table, its items deleted after each round

Each round creates a table (or reuses one), puts 50 items, deletes the table (or the items); the median put time of
each 40 rounds is printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--no-stream", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args(argv)

    from tests.support.fake_aws import use_fake_aws

    use_fake_aws()
    import boto3

    from local import template
    from local.dynamodb_local import DynamoDBLocal

    definition = template.table_definition("AccountsTable")
    if args.no_stream:
        definition.pop("StreamSpecification", None)
    engine = DynamoDBLocal()
    client = boto3.client("dynamodb", endpoint_url=engine.endpoint, region_name="eu-west-3")
    puts: list[float] = []
    try:
        for round_ in range(args.tables):
            name = "bench-table" if args.reuse else f"bench-table-{round_}"
            if not args.reuse or round_ == 0:
                client.create_table(TableName=name, **definition)
            for n in range(50):
                started = time.perf_counter()
                client.put_item(TableName=name, Item={"pk": {"S": f"item{n}"}, "sk": {"S": "x"}})
                puts.append(time.perf_counter() - started)
            if args.reuse:
                for n in range(50):
                    client.delete_item(TableName=name, Key={"pk": {"S": f"item{n}"}, "sk": {"S": "x"}})
            else:
                client.delete_table(TableName=name)
            if round_ % 40 == 39:
                print(f"tables {round_ + 1:4d}: median put {statistics.median(puts) * 1000:.1f} ms", flush=True)
                puts.clear()
    finally:
        engine.stop()


if __name__ == "__main__":
    main()
