"""The stack in one process, for the tests and the benchmarks: template.yaml's handlers on a fresh table (moto or
DynamoDB Local), SES, the template's queues and its token signing key from moto, the services wired by
`Services.from_settings`; and the data they start from: accounts provisioned with a provisional password, taken
through their first connection.

Call `Stack.start` inside moto's `mock_aws()`; `stop` puts the process's services back and drops the table.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from local import template
from local.events import sqs_event
from local.invoke import Functions
from local.streams import OutboxStream, sqs_failure_sink

REGION = "eu-west-3"
SENDER = "noreply@ent.example.fr"
MAIL_IDENTITY = "ent.example.fr"
MAIL_QUEUE = "MailQueue"  # the queue of template.yaml that MAIL_QUEUE_URL names
LOGOUT_QUEUE = "LogoutQueue"  # … and LOGOUT_QUEUE_URL
FAILED_EVENTS_QUEUE = "FailedEventsQueue"  # … and FAILED_EVENTS_QUEUE_URL (the outbox's failures too)
NEW_PASSWORD = "Soleil-Vert-2026"  # noqa: S105 (a test password)
BIRTH_DATE = "2011-05-14"
CODE_LINK = re.compile(r'href="([^"]*[?&]code=[^"]*)"')
# The IAM role of ops (the AdminPrincipals parameter: every school), and the session of it that signs the stack's
# /api/admin/ requests unless a test names another caller.
OPS_ROLE = "arn:aws:iam::123456789012:role/ent-ops"
OPS_CALLER = "arn:aws:sts::123456789012:assumed-role/ent-ops/harness"
ADMIN = "/api/admin/"


def moto_ses():
    """An SES client on moto with the template's sending identity, and the list moto keeps of what it sent."""
    import boto3
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from ent_accounts.mail import client_config

    ses = boto3.client("sesv2", region_name=REGION, config=client_config())  # the service's retries and timeouts
    ses.create_email_identity(EmailIdentity=MAIL_IDENTITY)
    return ses, ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages


def moto_signing_keys():
    """A KMS client on moto (as AWS documents it: local/moto_kms.py) with the template's signing keys (those that
    exist with the parameters' defaults), and the settings the template gives the functions from them."""
    import boto3

    from ent_accounts.kms import client_config
    from local import moto_kms
    from local.backends import create_kms_keys, resolve

    moto_kms.install()
    kms = boto3.client("kms", region_name=REGION, config=client_config())  # the service's retries and timeouts
    keys = create_kms_keys(kms)
    variables = template.load()["Globals"]["Function"]["Environment"]["Variables"]
    signing_key = resolve(variables["OIDC_SIGNING_KEY"], "", "", keys)
    published = tuple(key for key in resolve(variables["OIDC_PUBLISHED_KEYS"], "", "", keys).split(",") if key)
    link_key = resolve(variables["MAIL_LINK_KEY"], "", "", keys)
    staff_key = resolve(template.functions()["SchoolConsoleFunction"].environment["STAFF_SECRETS_KEY"], "", "", keys)
    settings = {"oidc_signing_key": signing_key, "oidc_published_keys": published, "staff_secrets_key": staff_key}
    return kms, {**settings, "mail_link_key": link_key}


def code_in(html: str) -> str:
    """The code of the first link of a mail that carries one."""
    return parse_qs(urlsplit(CODE_LINK.search(html).group(1)).query)["code"][0]


def requests_of(client, action) -> tuple[Any, list[str]]:
    """`action`'s result and the calls `client` made meanwhile, in order (a botocore event hook: one per API call,
    botocore's retries of it not counted)."""
    calls: list[str] = []
    event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.*"

    def count(model, **_: Any) -> None:
        calls.append(model.name)

    client.meta.events.register(event, count)
    try:
        return action(), calls
    finally:
        client.meta.events.unregister(event, count)


@dataclass
class Stack:
    services: Any  # ent_accounts.services.Services
    clock: Any
    ddb: Any
    functions: Functions
    sqs: Any = None
    kms: Any = None  # moto's KMS, with the template's signing key
    queue_urls: dict[str, str] = field(default_factory=dict)  # the template's queues (moto), by logical id
    sent: list = field(default_factory=list, repr=False)  # moto's SES messages
    provisional_of: dict[str, str] = field(default_factory=dict)  # identifier → the provisional password issued
    endpoint: str | None = None
    admin_caller: str | None = OPS_CALLER  # who signs the /api/admin/ requests (None: nobody, as locally)
    outbox: Any = None  # local.streams.OutboxStream: the table's stream handed to the outbox's sender
    # Deliver the outbox after each request, as the stream's consumer would within a moment (False: by hand).
    deliver_outbox_after_requests: bool = True

    @classmethod
    def start(
        cls,
        clock,
        functions: Functions | None = None,
        *,
        endpoint: str | None = None,
        table_prefix: str = "ent-accounts",
        ddb_config=None,
        **extra: Any,
    ) -> Self:
        """A fresh table on `endpoint` (None: moto), the template's queues, and the services the handlers will use.
        `ddb_config`: botocore settings for the table's client (the service's own by default)."""
        import boto3

        from ent_accounts import services as services_module
        from ent_accounts.queues import client_config as queue_client_config
        from ent_accounts.services import Services
        from ent_accounts.settings import Settings
        from ent_accounts.store import client_config

        ses, sent = moto_ses()
        config = ddb_config or client_config()
        ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint, config=config)
        table = f"{table_prefix}-{uuid.uuid4().hex[:12]}"
        template.create_table(ddb, table)
        sqs = boto3.client("sqs", region_name=REGION, config=queue_client_config())
        queue_urls = template.create_queues(sqs, table)
        kms, signing = moto_signing_keys()
        settings = Settings(
            table_name=table,
            mail_sender=SENDER,
            mail_queue_url=queue_urls[MAIL_QUEUE],
            logout_queue_url=queue_urls[LOGOUT_QUEUE],
            failed_events_queue_url=queue_urls[FAILED_EVENTS_QUEUE],
            admin_principals=(OPS_ROLE,),
            **signing,
        )
        services = Services.from_settings(settings, clock, dynamodb=ddb, ses=ses, sqs=sqs, kms=kms)
        services_module.use(services)
        stack = cls(
            services,
            clock,
            ddb,
            functions or Functions(),
            sqs=sqs,
            kms=kms,
            queue_urls=queue_urls,
            sent=sent,
            endpoint=endpoint,
            **extra,
        )
        stack.outbox = OutboxStream(
            ddb,
            table,
            stack.functions.invoke,
            sqs_failure_sink(sqs, queue_urls[FAILED_EVENTS_QUEUE]),
            endpoint=endpoint,
        )
        return stack

    def stop(self) -> None:
        from ent_accounts import services as services_module

        services_module.use(None)
        if self.endpoint:  # DynamoDB Local outlives this stack; moto forgets everything by itself
            self.ddb.delete_table(TableName=self.store.table_name)

    @property
    def store(self):
        return self.services.store

    # --- requests, as API Gateway sends them ------------------------------------------------------------------------

    def request(
        self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, caller: str | None = None
    ) -> dict:
        """The proxy answer of the function serving this request in template.yaml (a dict or list body as JSON).
        An /api/admin/ request is signed by `caller` (an IAM ARN), by default `admin_caller`."""
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        signer = (caller or self.admin_caller) if url.startswith(ADMIN) else None
        answer = self.functions.invoke_http(method, url, headers=headers, body=body, user_arn=signer)
        if answer is None:
            raise LookupError(f"no function serves {method} {url}")
        if self.deliver_outbox_after_requests and self.outbox is not None:
            self.deliver_outbox()
        return answer

    def expect(self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        """The answer's JSON; an error answer raises."""
        answer = self.request(method, url, body, headers)
        if answer["statusCode"] >= 400:
            raise RuntimeError(f"{method} {url}: {answer['statusCode']} {(answer.get('body') or '')[:300]}")
        return json.loads(answer["body"]) if answer.get("body") else {}

    def dynamodb_requests(self, action) -> tuple[Any, list[str]]:
        """`action`'s result and the DynamoDB requests it sent, in order (a botocore event hook on the store's
        client). The outbox is delivered after, not counted: its sender is another function."""
        auto, self.deliver_outbox_after_requests = self.deliver_outbox_after_requests, False
        try:
            measured = requests_of(self.ddb, action)
        finally:
            self.deliver_outbox_after_requests = auto
        if auto and self.outbox is not None:
            self.deliver_outbox()
        return measured

    def kms_requests(self, action) -> tuple[Any, list[str]]:
        """`action`'s result and the KMS requests it sent, in order (Sign, GetPublicKey…), on the signer's client."""
        return requests_of(self.kms, action)

    # --- mail ---------------------------------------------------------------------------------------------------------

    def last_code(self, to: str | None = None) -> str:
        """The code of the newest mail (to `to`, if given)."""
        mails = [message for message in self.sent if to is None or to in message.destinations["ToAddresses"]]
        return code_in(mails[-1].body)

    def deliver_outbox(self) -> dict[str, int]:
        """Hand the new outbox items of the table's stream to their sender, as OutboxConsumer does (retries, then the
        failed-events queue)."""
        return self.outbox.deliver()

    def deliver_queued_mail(self) -> dict[str, int]:
        """`drain` the mail queue (then the outbox its consumer wrote to, unless delivered by hand)."""
        drained = self.drain(MAIL_QUEUE)
        if self.deliver_outbox_after_requests and self.outbox is not None:
            self.deliver_outbox()
        return drained

    def deliver_logout_notices(self) -> dict[str, int]:
        """`drain` the logout queue (single logout's notices)."""
        return self.drain(LOGOUT_QUEUE)

    def drain(self, queue: str) -> dict[str, int]:
        """Hand every message waiting in one of the template's queues (by logical id) to the function consuming it, in
        batches of at most the mapping's BatchSize as Lambda's event source mapping does. Those it handled are
        deleted; those it reported failed become visible again at once (as when the visibility timeout has passed):
        the next call hands them over again, and SQS moves them to the failed-events queue once they were received
        maxReceiveCount times."""
        url = self.queue_urls[queue]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        consumer = template.queue_consumers()[queue]
        delivered, failed = 0, []
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=consumer.batch_size, AttributeNames=["All"]
            )
            messages = answer.get("Messages", [])
            if not messages:
                break  # each message once: a received message stays invisible for the queue's visibility timeout
            answer = self.functions.invoke(consumer.function, sqs_event(messages, arn))
            refused = {failure["itemIdentifier"] for failure in answer["batchItemFailures"]}
            for message in messages:
                if message["MessageId"] in refused:
                    failed.append(message)
                else:
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    delivered += 1
        for message in failed:
            self.sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return {"delivered": delivered, "failed": len(failed)}

    # --- accounts -----------------------------------------------------------------------------------------------------

    def provision(self, identifier: str = "jdupont12", birth_date: date | None = date(2011, 5, 14), **extra) -> str:
        """Create an account as a school would, returning its provisional password (also kept in provisional_of)."""
        from ent_accounts.accounts import Account, Role, add_months, new_subject
        from ent_accounts.passwords import hash_provisional, new_provisional_password

        password = new_provisional_password()
        account = Account(
            identifier=identifier,
            uai=extra.pop("uai", "0341234A"),
            role=extra.pop("role", Role.STUDENT),
            first_name=extra.pop("first_name", "Jeanne"),
            last_name=extra.pop("last_name", "Dupont"),
            birth_date=birth_date,
            provisional_password_hash=hash_provisional(password),
            provisional_expires_at=extra.pop("provisional_expires_at", add_months(self.clock.now(), 3)),
            created_at=self.clock.now(),
            subject=extra.pop("subject", new_subject()),  # as the provisioning flow gives it (None: an older account)
            **extra,
        )
        self.store.create_account(account)
        self.provisional_of[identifier] = password
        return password

    def activate(self, identifier: str, email: str | None = None, password: str = NEW_PASSWORD) -> None:
        """Take a provisioned account to ACTIVE through its first connection, and its validation link when an
        e-mail is given."""
        login = {"identifier": identifier, "password": self.provisional_of[identifier]}
        body = {
            "challenge_token": self.expect("POST", "/api/login", login)["challenge_token"],
            "new_password": password,
            "birth_date": BIRTH_DATE,
        }
        if email is not None:
            body["email"] = email
        self.expect("POST", "/api/first-connection", body)
        if email:
            self.expect("POST", "/api/validate-email", {"code": self.last_code(email)})
