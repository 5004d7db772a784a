"""The environment every test process runs in, set before boto3 is imported: fake credentials, never real AWS."""

from __future__ import annotations

import os

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-3",
    "TABLE_NAME": "ent-accounts-test",
    "MAIL_SENDER": "noreply@ent.example.fr",
    "POWERTOOLS_SERVICE_NAME": "ent-accounts",
    "POWERTOOLS_LOG_LEVEL": "DEBUG",
    "POWERTOOLS_METRICS_NAMESPACE": "EntAccounts",
}


def use_fake_aws(**overrides: str) -> None:
    """No real credentials, profile or endpoint can reach this process, whatever the developer's shell has."""
    os.environ.update({**FAKE_AWS, **overrides})
    for variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_KMS"):
        os.environ.pop(variable, None)
