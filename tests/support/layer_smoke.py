"""Run every function of the template from a built layer alone, as Lambda would: no site-packages, only the layer,
the function's code and what the Lambda runtime brings (boto3). Started by tests/test_layer_build.py with `python -S`;
it prints one JSON line: what each call answered.

Stdlib only until the layer is on sys.path: a module the layer lacks fails here as it would in Lambda.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import zoneinfo
from datetime import date
from pathlib import Path

ADMIN_CALLER = "arn:aws:sts::123456789012:assumed-role/layer-smoke/smoke"  # a session of ADMIN_PRINCIPALS' role


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    plan = json.load(sys.stdin)
    sys.path[:0] = plan["sys_path"]
    zoneinfo.reset_tzpath(to=[])  # no system zone files: the layer's own tzdata must answer, as it may in Lambda
    events = _load("local_events", Path(plan["events_module"]))
    context = events.LambdaContext("smoke")

    handlers = {
        logical_id: getattr(_load(f"function_{logical_id}", Path(code_dir) / f"{module}.py"), attribute)
        for logical_id, (code_dir, module, attribute) in plan["functions"].items()
    }
    answers: dict[str, object] = {}

    def call(label: str, logical_id: str, method: str, url: str, resource: str, body=None, headers=None) -> dict:
        headers = dict(headers or {})
        if body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        signer = ADMIN_CALLER if url.startswith("/api/admin/") else None
        event = events.api_event(method, url, resource=resource, body=body, headers=headers, user_arn=signer)
        raw = handlers[logical_id](event, context)
        answers[label] = raw["statusCode"]
        return raw

    # A school's account, created by the layer's own provisioning flow (as an import does).
    from ent_accounts.accounts import Role
    from ent_accounts.flows.provisioning import create_accounts
    from ent_accounts.schools import NewAccount
    from ent_accounts.services import services

    row = NewAccount("Dupont", "Jeanne", Role.STUDENT, date(2011, 5, 14))
    [created] = create_accounts(services(), "0341234A", [row], "layer-smoke")
    credentials = {"identifier": created.account.identifier, "password": created.provisional_password}
    raw = call("login", "LoginFunction", "POST", "/api/login", "/api/login", credentials)
    token = json.loads(raw["body"])["challenge_token"]
    body = {"challenge_token": token, "new_password": "Soleil-Vert-2026", "birth_date": "2011-05-14"}
    # Refused by the list of common passwords, read from the layer's data file.
    common = {**body, "new_password": "Motdepasse1!"}
    call(
        "first_connection_common",
        "FirstConnectionFunction",
        "POST",
        "/api/first-connection",
        "/api/first-connection",
        common,
    )
    call(
        "first_connection_bad_email",
        "FirstConnectionFunction",
        "POST",
        "/api/first-connection",
        "/api/first-connection",
        {**body, "email": "pas une adresse"},
    )
    call(
        "first_connection",
        "FirstConnectionFunction",
        "POST",
        "/api/first-connection",
        "/api/first-connection",
        {**body, "email": "jeanne@laposte.net"},
    )
    call("page_login", "LoginFunction", "GET", "/connexion", "/connexion")
    call("page_pending", "ValidateEmailFunction", "GET", "/compte-en-attente", "/compte-en-attente")
    call(
        "validate_unknown_code",
        "ValidateEmailFunction",
        "GET",
        "/valider-adresse-mail?code=" + "x" * 43,
        "/valider-adresse-mail",
    )
    call(
        "forgot",
        "PasswordResetFunction",
        "POST",
        "/api/password/forgot",
        "/api/password/forgot",
        {"identifier": created.account.identifier},
    )
    # The forgotten-password mail waits in the queue: its batch, as Lambda's SQS event source hands it over.
    import boto3

    queue_url = os.environ["MAIL_QUEUE_URL"]
    messages = boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    answers["queued_mail"] = handlers["PasswordResetFunction"](events.sqs_event(messages), context)
    # The logout queue's consumer from the layer alone (urllib, the notice, the back-channel deliverer): a notice it
    # cannot read is reported failed, for SQS to hand over again.
    unreadable = events.sqs_event([{"MessageId": "notice-1", "Body": '{"kind": "carrier_pigeon"}'}])
    answers["logout_notice_unreadable"] = handlers["LogoutNotificationsFunction"](unreadable, context)
    call("account_without_session", "AccountFunction", "GET", "/api/account", "/api/account")
    call("openapi", "OpenApiFunction", "GET", "/api/openapi.json", "/api/openapi.json")
    discovery = "/.well-known/openid-configuration"
    call("oidc_discovery", "OidcFunction", "GET", discovery, discovery)
    call("oidc_unknown_client", "OidcFunction", "GET", "/oidc/authorize?client_id=inconnu", "/oidc/authorize")
    # The CAS server: a French page for a service no one registered, and a SOAP body parsed by defusedxml.
    unknown = "https%3A%2F%2Finconnu.example%2F"
    call("cas_unknown_service", "CasFunction", "GET", f"/cas/login?service={unknown}", "/cas/login")
    saml = events.api_event(
        "POST",
        f"/cas/samlValidate?TARGET={unknown}",
        resource="/cas/samlValidate",
        body='<!DOCTYPE x [<!ENTITY e "ST-x">]><x>&e;</x>',
        headers={"Content-Type": "text/xml"},
    )
    answers["cas_saml_refused"] = "INVALID_REQUEST" in handlers["CasFunction"](saml, context)["body"]
    raw = call("page_forgot", "PasswordResetFunction", "GET", "/mot-de-passe-oublie", "/mot-de-passe-oublie")
    stylesheet = next(part for part in raw["body"].split('"') if part.startswith("/static/") and part.endswith(".css"))
    call("static", "StaticFunction", "GET", stylesheet, "/static/{proxy+}")
    call("admin_list", "AdminFunction", "GET", "/api/admin/accounts?uai=0341234A", "/api/admin/accounts")
    # The school function with its own layer: an import (Powertools Idempotency, the answer sealed by cryptography),
    # its replay, and the access letters (fpdf2).
    rows = {"uai": "0341234A", "accounts": [{"last_name": "Martin", "first_name": "Adam", "role": "eleve"}]}
    key = {"Idempotency-Key": "k" * 32}
    call("admin_import", "AdminFunction", "POST", "/api/admin/accounts", "/api/admin/accounts", rows, key)
    call("admin_import_replay", "AdminFunction", "POST", "/api/admin/accounts", "/api/admin/accounts", rows, key)
    raw = call("admin_letters", "AdminFunction", "POST", "/api/admin/letters", "/api/admin/letters",
               {"uai": "0341234A", "identifiers": ["amartin"]})  # fmt: skip
    headers = {**(raw.get("headers") or {}), **{k: v[-1] for k, v in (raw.get("multiValueHeaders") or {}).items()}}
    answers["admin_letters_type"] = headers.get("Content-Type")
    answers["sweep"] = handlers["ExpireAccountsFunction"](
        {"source": "aws.events", "detail-type": "Scheduled Event"}, context
    )
    recipient = {"emailAddress": "jeanne@laposte.net"}
    bounce = {
        "eventType": "Bounce",
        "mail": {"destination": ["jeanne@laposte.net"]},
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": [recipient]},
    }
    handlers["MailEventsFunction"]({"Records": [{"Sns": {"Message": json.dumps(bounce)}}]}, context)
    answers["mail_event"] = "handled"
    answers["loaded_from"] = sorted(
        {
            name.split(".")[0]
            for name, module in sys.modules.items()
            if any(_under(module, layer) for layer in plan["sys_path"][:-1])  # the layers, not the runtime
        }
    )
    print(json.dumps(answers, default=str))


def _under(module, folder: str) -> bool:
    return str(getattr(module, "__file__", "") or "").startswith(folder)


if __name__ == "__main__":
    main()
