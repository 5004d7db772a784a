"""Start AWS's DynamoDB Local (the Java engine) for the tests and the local server; `make setup` fetches it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

JAR_DIR = Path(__file__).resolve().parents[1] / ".cache" / "dynamodb-local"


def available() -> str | None:
    """None when DynamoDB Local can run here, else the reason why not."""
    if not (JAR_DIR / "DynamoDBLocal.jar").exists():
        return f"DynamoDB Local is not in {JAR_DIR} (run `make test`, which fetches it)"
    if shutil.which("java") is None:
        return "java is not installed"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DynamoDBLocal:
    def __init__(self, data_dir: Path | None = None) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        storage = ["-dbPath", str(data_dir)] if data_dir else ["-inMemory"]
        self.process = subprocess.Popen(
            [
                "java",
                f"-Djava.library.path={JAR_DIR / 'DynamoDBLocal_lib'}",
                "-jar",
                str(JAR_DIR / "DynamoDBLocal.jar"),
                "-port",
                str(self.port),
                "-sharedDb",
                *storage,
            ],
            cwd=JAR_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ},
        )
        try:
            self._wait()
        except BaseException:  # not started, or interrupted while starting: never leave Java running
            self.stop()
            raise

    def _wait(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("DynamoDB Local exited at start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("DynamoDB Local did not start in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
