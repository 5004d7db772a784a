"""`python -m local.sam`: the template's API served by `sam local start-api`, each function in its Lambda container,
against a local AWS (DynamoDB Local, SES and SQS from moto) and never real AWS. See README.md, "sam local".

It makes sure the runtime image exists (pulled, or built here), builds the template for this machine, starts the
local AWS with the table, the queues and the demo accounts, prints each mail the functions send, and hands the
mail queue's messages to the function that consumes them, as Lambda's event source mapping would.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

from local import template
from local.sam import aws, commands, image
from local.sam.queue_relay import relay_mail_queue
from local.sam.seed import seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.sam", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--no-build", action="store_true", help="reuse the last build (.aws-sam/local-<arch>/)")
    args = parser.parse_args(argv)
    reason = image.docker_unavailable()
    if reason:
        print(f"sam local needs Docker: {reason}", file=sys.stderr)
        return 1
    arch = image.machine_arch()
    runtime = image.ensure(arch)
    print(f"Runtime image {runtime.name}: {runtime.how} in {runtime.seconds:.0f} s")
    built = commands.BUILD_ROOT / f"local-{arch}" / "build" / "template.yaml"
    if not (args.no_build and built.exists()):
        started = time.monotonic()
        built = commands.build(arch)
        print(f"sam build for {arch}: {time.monotonic() - started:.0f} s")
    local = aws.start()
    url = f"http://127.0.0.1:{args.port}"
    api = None
    try:
        env_vars = local.write_env_vars(commands.BUILD_ROOT / f"local-{arch}" / "env-vars.json", url)
        _print_demo_accounts(local, url)
        api = commands.start_api(built, env_vars, arch=arch, port=args.port, skip_pull=runtime.built_here, log=None)
        stop = threading.Event()
        threading.Thread(target=_print_mail, args=(local, stop), daemon=True).start()
        threading.Thread(
            target=_relay_mail_queue, args=(local, built, env_vars, arch, runtime.built_here, stop), daemon=True
        ).start()
        print(f"  URL: {url} (the first request to each function starts its container); Ctrl+C stops")
        signal.signal(signal.SIGTERM, lambda *_: api.terminate())
        api.wait()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        if api is not None and api.poll() is None:
            os.killpg(api.pid, signal.SIGTERM)
            api.wait(timeout=30)
        local.stop()


def _print_demo_accounts(local: aws.LocalAws, url: str) -> None:
    print("ENT accounts — sam local (DynamoDB Local, SES and SQS from moto; no AWS account is used)")
    print("  Demo accounts (identifier / provisional password / birth date):")
    for account in seed(local, url):
        password, birth = account["provisional_password"] or "-", account["birth_date"] or "-"
        print(f"    {account['identifier']:<10} {password:<14} {birth:<10} {account['name']}, {account['role']}")


def _print_mail(local: aws.LocalAws, stop: threading.Event) -> None:
    shown = 0
    while not stop.wait(1):
        mails = local.sent_mail()
        for mail in mails[shown:]:
            links = "\n".join(f"    {link}" for link in dict.fromkeys(re.findall(r'href="([^"]+)"', mail["body"])))
            print(f"\n  Mail to {', '.join(mail['to'])}: {mail['subject']}\n{links}\n", flush=True)
        shown = len(mails)


def _relay_mail_queue(local, built: Path, env_vars: Path, arch: str, skip_pull: bool, stop: threading.Event) -> None:
    """Both queues in turn (mail, then logout notices), as their event source mappings would take them."""
    while not stop.is_set():
        for queue in template.queue_consumers():
            try:
                relay_mail_queue(local, built, env_vars, arch=arch, skip_pull=skip_pull, queue=queue)
            except Exception as error:  # a failed hand-over is retried, as Lambda's mapping would
                print(f"  {queue}: the hand-over failed ({error}); trying again", file=sys.stderr, flush=True)
                stop.wait(5)


if __name__ == "__main__":
    sys.exit(main())
