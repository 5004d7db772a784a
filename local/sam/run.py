"""One `sam local` run as the tests and the benchmark use it: the image, the build for this machine, the local AWS
with the demo accounts, then `sam local invoke` or `sam local start-api`, each step timed."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from local.dynamodb_local import free_port
from local.sam import aws, commands, image
from local.sam.queue_relay import relay_mail_queue
from local.sam.seed import seed


class SamLocalRun:
    def __init__(self, workdir: Path) -> None:
        self.arch = image.machine_arch()
        self.runtime = image.ensure(self.arch)
        started = time.monotonic()
        self.built = commands.build(self.arch)
        self.build_seconds = time.monotonic() - started
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.aws = aws.start()
        try:
            self.env_vars = self.aws.write_env_vars(workdir / "env-vars.json", self.url)
            self.demo = {account["identifier"]: account for account in seed(self.aws, self.url)}
        except BaseException:
            self.aws.stop()
            raise
        self.log = workdir / "start-api.log"
        self.api = None

    def start_api(self, timeout: float = 120) -> float:
        """Start `sam local start-api` and wait until it listens; the seconds it took."""
        started = time.monotonic()
        self.api = commands.start_api(
            self.built, self.env_vars, arch=self.arch, port=self.port, skip_pull=self.runtime.built_here, log=self.log
        )
        while time.monotonic() < started + timeout:
            if self.api.poll() is not None:
                raise RuntimeError(f"sam local start-api stopped: {self.log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return time.monotonic() - started
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"sam local start-api did not listen in {timeout:.0f} s: {self.log.read_text()[-3000:]}")

    def invoke(self, function: str, event: dict, env_vars: Path | None = None):
        return commands.invoke(
            self.built, function, event, env_vars or self.env_vars, arch=self.arch, skip_pull=self.runtime.built_here
        )

    def relay_mail_queue(self) -> int:
        return relay_mail_queue(self.aws, self.built, self.env_vars, arch=self.arch, skip_pull=self.runtime.built_here)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, float]:
        """An HTTP request to start-api: status, body and seconds."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310 (sam local)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.status, response.read().decode(), time.monotonic() - started
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), time.monotonic() - started

    def stop(self) -> None:
        if self.api is not None and self.api.poll() is None:
            os.killpg(self.api.pid, signal.SIGTERM)  # sam and the containers it started
            self.api.wait(timeout=60)
        self.aws.stop()
