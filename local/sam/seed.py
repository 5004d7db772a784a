"""`python -m local.sam.seed`: the demo accounts of `make run`, created in sam local's DynamoDB Local by the school's
provisioning flow; prints them as JSON. Run in its own process, with the environment `seed_environment` gives, so
that the caller's own AWS settings stay untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict

from local import template
from local.sam import aws


def seed_environment(local: aws.LocalAws, public_base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(local.function_environment(public_base_url))
    env.update(
        aws.FAKE_CREDENTIALS,
        AWS_DEFAULT_REGION="eu-west-3",
        AWS_ENDPOINT_URL_DYNAMODB=local.dynamodb_endpoint,  # from this machine, not from a container
        AWS_ENDPOINT_URL_SESV2=local.moto_endpoint,
        AWS_ENDPOINT_URL_SQS=local.moto_endpoint,
        AWS_ENDPOINT_URL_KMS=local.moto_endpoint,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        POWERTOOLS_METRICS_DISABLED="true",
        PYTHONPATH=os.pathsep.join([str(template.ROOT), str(template.ROOT / "layers" / "common")]),
    )
    return env


def seed(local: aws.LocalAws, public_base_url: str) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "local.sam.seed"],
        env=seed_environment(local, public_base_url),
        capture_output=True,
        text=True,
        cwd=template.ROOT,
        timeout=120,
    )
    if result.returncode != 0:
        raise SystemExit(f"the demo accounts could not be created: {result.stderr[-2000:]}")
    return json.loads(result.stdout)


def main() -> None:
    from ent_accounts.services import services
    from local.demo import ensure_demo_accounts

    print(json.dumps([asdict(account) for account in ensure_demo_accounts(services())]))


if __name__ == "__main__":
    main()
