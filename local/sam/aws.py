"""The local AWS that `sam local`'s containers talk to: AWS's DynamoDB Local for the table, moto's server for SES v2,
SQS and KMS (the token signing keys, local/moto_kms.py). Both listen where the containers reach the host (Docker's
bridge gateway on Linux, `host.docker.internal` in the containers), and the functions get their addresses through
declared variables (template.yaml's Globals)."""

from __future__ import annotations

import ipaddress
import json
import logging
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer

from local import moto_kms, template
from local.backends import REGION, create_kms_keys, parameter_defaults, resolve
from local.dynamodb_local import DynamoDBLocal, available

TABLE = "ent-accounts-sam-local"
CONTAINER_HOST = "host.docker.internal"  # --add-host host.docker.internal:host-gateway (Linux); native elsewhere
# Fake credentials for everything that signs: the functions (SAM passes the caller's), the set-up, the tests.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "samlocal",
    "AWS_SECRET_ACCESS_KEY": "samlocal",
}  # DynamoDB Local: letters, digits


def bridge_gateway() -> str:
    """The host's address on Docker's default bridge, where containers reach it (docker0's address; Docker's network
    inspect leaves the gateway out on some engines); loopback where Docker runs in a VM (Docker Desktop forwards
    host.docker.internal to the host's loopback)."""
    result = subprocess.run(
        ["docker", "network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{.Gateway}} {{.Subnet}}{{end}}"],
        capture_output=True,
        text=True,
    )
    gateway, _, subnet = result.stdout.strip().rpartition(" ")
    if result.returncode != 0 or not subnet:
        return "127.0.0.1"
    if gateway:
        return gateway
    network = ipaddress.ip_network(subnet, strict=False)
    return str(next(network.hosts()))  # Docker gives the bridge the subnet's first address


@dataclass
class LocalAws:
    dynamodb_local: DynamoDBLocal
    moto: ThreadedMotoServer
    moto_host: str
    moto_port: int
    queues: dict[str, str]
    keys: dict[str, str] = field(default_factory=dict)  # the template's KMS keys in moto: logical id → ARN

    @property
    def dynamodb_endpoint(self) -> str:  # from this machine
        return self.dynamodb_local.endpoint

    @property
    def moto_endpoint(self) -> str:  # from this machine
        return f"http://{self.moto_host}:{self.moto_port}"

    def client(self, service: str):
        endpoint = self.dynamodb_endpoint if service == "dynamodb" else self.moto_endpoint
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def function_environment(self, public_base_url: str) -> dict[str, str]:
        """What every function gets through `--env-vars` (only variables template.yaml declares can be set)."""
        moto = f"http://{CONTAINER_HOST}:{self.moto_port}"
        values = {
            "TABLE_NAME": TABLE,
            "PUBLIC_BASE_URL": public_base_url,
            "MAIL_QUEUE_URL": self.queues["MailQueue"],
            "LOGOUT_QUEUE_URL": self.queues["LogoutQueue"],
            "AWS_ENDPOINT_URL_DYNAMODB": f"http://{CONTAINER_HOST}:{self.dynamodb_local.port}",
            "AWS_ENDPOINT_URL_SESV2": moto,
            "AWS_ENDPOINT_URL_SQS": moto,
            "AWS_ENDPOINT_URL_KMS": moto,
        }
        variables = template.load()["Globals"]["Function"]["Environment"]["Variables"]
        for name in ("OIDC_SIGNING_KEY", "OIDC_PUBLISHED_KEYS"):  # the keys created in moto, not placeholders
            values[name] = resolve(variables[name], TABLE, public_base_url, self.keys)
        declared = {name for function in template.functions().values() for name in function.environment}
        declared |= set(template.load()["Globals"]["Function"]["Environment"]["Variables"])
        missing = set(values) - declared
        if missing:  # SAM would silently drop them, and the function would reach real AWS
            raise SystemExit(f"template.yaml does not declare {sorted(missing)}: sam local could not set them")
        return values

    def write_env_vars(self, path: Path, public_base_url: str) -> Path:
        """The --env-vars file: for each function, every variable it declares with the value CloudFormation would
        give it from the parameters' defaults (SAM leaves some blank, e.g. a Number parameter), then the local AWS."""
        local = self.function_environment(public_base_url)
        values: dict[str, dict[str, str]] = {"Parameters": local}
        for logical_id, function in template.functions().items():
            resolved = {
                name: resolve(value, TABLE, public_base_url, self.keys) for name, value in function.environment.items()
            }
            values[logical_id] = {**resolved, **local}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))
        return path

    def sent_mail(self) -> list[dict]:
        """The mails the functions sent through moto's SES, oldest first."""
        from moto.ses.models import ses_backends

        backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
        return [
            {"to": list(message.destinations.get("ToAddresses", [])), "subject": message.subject, "body": message.body}
            for message in backend.sent_messages
        ]

    def stop(self) -> None:
        self.moto.stop()
        self.dynamodb_local.stop()


def start() -> LocalAws:
    reason = available()
    if reason:
        raise SystemExit(f"sam local needs DynamoDB Local: {reason}")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request otherwise
    moto_kms.install()  # the server runs in this process: its KMS signs digests as AWS does
    host = bridge_gateway()
    moto = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
    moto.start()
    dynamodb_local = DynamoDBLocal()  # DynamoDB Local listens on every interface
    try:
        _, moto_port = moto.get_host_and_port()
        local = LocalAws(dynamodb_local, moto, host, moto_port, {})
        template.create_table(local.client("dynamodb"), TABLE)
        local.queues.update(template.create_queues(local.client("sqs"), TABLE))
        local.keys.update(create_kms_keys(local.client("kms")))
        identity = resolve(parameter_defaults().get("MailIdentity", "ent.example.fr"), TABLE, "")
        local.client("sesv2").create_email_identity(EmailIdentity=identity)
        return local
    except BaseException:
        moto.stop()
        dynamodb_local.stop()
        raise
