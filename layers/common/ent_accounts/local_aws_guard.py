"""Under `sam local`, a function reaches the local AWS that local/sam starts, never real AWS by accident.

SAM passes the developer's own credentials into the containers, and lets `--env-vars` set only the variables the
template declares: with a wrong or missing env-vars file, boto3 would quietly talk to the real account. So inside a
sam local container (AWS_SAM_LOCAL=true, and a runtime API: not the local server of `make run`) every endpoint must
be given, and local, unless the developer asks for real AWS with SAM_LOCAL_REAL_AWS=true.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

ENDPOINTS = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_KMS")


class RealAwsRefused(RuntimeError):
    pass


def _is_aws(endpoint: str) -> bool:
    host = urlsplit(endpoint).hostname or ""
    return host == "amazonaws.com" or host.endswith(".amazonaws.com")


def refuse_real_aws_under_sam_local(environ: Mapping[str, str]) -> None:
    in_sam_container = environ.get("AWS_SAM_LOCAL") == "true" and bool(environ.get("AWS_LAMBDA_RUNTIME_API"))
    if not in_sam_container or environ.get("SAM_LOCAL_REAL_AWS") == "true":
        return
    missing = [name for name in ENDPOINTS if not environ.get(name) or _is_aws(environ[name])]
    if missing:
        raise RealAwsRefused(
            f"sam local without a local {', '.join(missing)}: refusing to reach real AWS with your credentials. "
            "Run `python -m local.sam` (README.md, 'sam local'), or set SAM_LOCAL_REAL_AWS=true in your --env-vars "
            "file to use your AWS account."
        )
