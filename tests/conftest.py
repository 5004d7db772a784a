"""Shared fixtures: paths, a fake AWS environment, the frozen clock, and the two DynamoDB backends."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common")]

# Before boto3 is imported anywhere: no real credentials and no real AWS, ever.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="eu-west-3",
    TABLE_NAME="ent-accounts-test",
    MAIL_SENDER="noreply@ent.example.fr",
    POWERTOOLS_SERVICE_NAME="ent-accounts",
    POWERTOOLS_LOG_LEVEL="DEBUG",
    POWERTOOLS_METRICS_NAMESPACE="EntAccounts",
)
for variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
    os.environ.pop(variable, None)

pytest_plugins = ["tests.support.fixtures"]
