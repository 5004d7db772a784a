"""`python -m local`: serve template.yaml's API at http://127.0.0.1:3000 with embedded AWS (see README)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

from local import template


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    backend_choice = parser.add_mutually_exclusive_group()
    backend_choice.add_argument(
        "--dynamodb-local",
        action="store_true",
        help="AWS's DynamoDB Local (Java), data kept in .cache/local-data between runs",
    )
    backend_choice.add_argument(
        "--aws", action="store_true", help="real AWS with your credentials and a deployed table"
    )
    parser.add_argument("--table", help="with --aws: the deployed table's name (stack output TableName)")
    parser.add_argument("--data-dir", help="with --dynamodb-local: where the data is kept (default .cache/local-data)")
    parser.add_argument(
        "--dynamodb-endpoint",
        help="with --dynamodb-local: a DynamoDB Local already running at this URL, which several servers can share "
        "(each then has its own mailbox, its own signing keys and its own demo client secret)",
    )
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument(
        "--instances",
        type=int,
        help="warm instances per function, each one request at a time as a Lambda container "
        "(default: LOCAL_INSTANCES, else 4); beyond them a request waits for one to be free",
    )
    parser.add_argument(
        "--no-demo", action="store_true", help="no demo accounts, no demo ENT client, no demo CAS service"
    )
    parser.add_argument(
        "--ses-max-send-rate",
        type=float,
        help="hold the embedded SES to this many mails a second, refusing the rest as SES throttles "
        "(TooManyRequestsException): the outbox's retries then pace the mails, as in a production account",
    )
    args = parser.parse_args(argv)
    if args.dynamodb_endpoint and not args.dynamodb_local:
        parser.error("--dynamodb-endpoint goes with --dynamodb-local")
    if args.instances is not None and args.instances < 1:
        parser.error("--instances must be at least 1")
    if args.ses_max_send_rate is not None and (args.aws or args.ses_max_send_rate <= 0):
        parser.error("--ses-max-send-rate is a positive rate, for the embedded SES (not with --aws)")

    # A terminated server (SIGTERM: tests, process managers) must stop DynamoDB Local with it, not leave an orphaned
    # Java process. While the backend starts, a stop request (SIGTERM or Ctrl+C) is only noted, and acted on once
    # there is a backend to stop; from then on it interrupts like Ctrl+C.
    stop_requested = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, frame: stop_requested.append(signum))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    sys.path.insert(0, str(template.ROOT / "layers" / "common"))
    from local import backends

    if args.aws:
        backend = backends.start_aws(args.table)
    elif args.dynamodb_local:
        backend = backends.start_dynamodb_local(
            Path(args.data_dir) if args.data_dir else backends.DATA_DIR, endpoint=args.dynamodb_endpoint
        )
    else:
        backend = backends.start_moto()
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if stop_requested:
            return 0
        return _serve(args, backend, started)
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
        if backend.stop:
            backend.stop()


def _serve(args: argparse.Namespace, backend, started: float) -> int:
    from local.server import LocalService, serve

    url = f"http://{args.host}:{args.port}"
    if args.ses_max_send_rate:
        from local.ses_rate import SendingRate

        SendingRate(args.ses_max_send_rate).install(backend.ses)
    service = LocalService(backend, url, instances=args.instances)
    server = serve(service, args.host, args.port)

    lines = [
        f"ENT accounts — local server ({backend.name}, table {backend.table_name})",
        f"  URL:      {url}",
        f"  Mailbox:  {url}/_dev/mail",
        f"  OpenAPI:  {url}/api/openapi.json",
    ]
    if args.ses_max_send_rate:
        lines.append(f"  SES:      at most {args.ses_max_send_rate:g} mails a second (the rest refused as throttled)")
    if not args.no_demo and not args.aws:
        from local.demo import (
            CAS_PATH,
            DEMO_SCHOOL,
            RP_PATH,
            ensure_demo_accounts,
            ensure_demo_cas_service,
            ensure_demo_client,
            ensure_demo_contact,
        )

        lines.append("  Demo accounts (identifier / provisional password / birth date):")
        for demo in ensure_demo_accounts(service.services):
            password = demo.provisional_password or f"(first connection done: {demo.status})"
            lines.append(
                f"    {demo.identifier:<10} {password:<14} {demo.birth_date or '-':<10} {demo.name}, {demo.role}"
            )
        school_name = ensure_demo_contact(service.services)
        lines.append(f"  Demo school: {DEMO_SCHOOL}, {school_name} (its contact in the pages' footer)")
        client, secret = ensure_demo_client(service.services, url)
        service.relying_party.configure(client.client_id, secret)
        lines.append(f"  Demo ENT: {url}{RP_PATH}/ (a relying party on this server: single sign-on by hand)")
        lines.append(
            f"    client_id {client.client_id}, client_secret {secret} "
            f"(client_secret_basic, school {DEMO_SCHOOL}, a new secret at each start)"
        )
        cas = ensure_demo_cas_service(service.services, url)
        service.cas_service.configure()
        lines.append(f"  Demo CAS service: {url}{CAS_PATH}/ (a CAS 3.0 service on this server: CAS by hand)")
        lines.append(
            f"    client_id {cas.client_id}, service URL {cas.service_urls[0]} "
            f"(school {DEMO_SCHOOL}, every attribute, single logout, no secret)"
        )
    lines.append(f"  Listening on {url} (ready in {time.perf_counter() - started:.1f} s; Ctrl+C stops)")
    print("\n".join(lines), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        service.stop()
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
