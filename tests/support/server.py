"""The local server started as the README's run command starts it, in a subprocess on a free port."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from local.dynamodb_local import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str]
    set_cookies: list[str]
    text: str

    def json(self):
        return json.loads(self.text)


class LocalServer:
    def __init__(self, url: str, demo: dict[str, str], process: subprocess.Popen, banner: str = "") -> None:
        self.url = url
        self.demo = demo  # identifier → provisional password
        self.process = process
        self.banner = banner  # what the server printed before "Listening on"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)

    def request(self, method: str, path: str, body=None, headers=None) -> HttpAnswer:
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        request = urllib.request.Request(self.url + path if path.startswith("/") else path, data=data, method=method)
        if isinstance(body, (dict, list)):
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return HttpAnswer(
                    response.status,
                    dict(response.headers),
                    response.headers.get_all("Set-Cookie") or [],
                    response.read().decode(),
                )
        except urllib.error.HTTPError as error:
            return HttpAnswer(
                error.code, dict(error.headers), error.headers.get_all("Set-Cookie") or [], error.read().decode()
            )


def start_server(*extra: str, env: dict[str, str] | None = None) -> LocalServer:
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(env or {}, PORT=str(port), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "local", *extra],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=open(ROOT / ".cache" / f"local-server-{port}.log", "w"),  # noqa: SIM115 (kept for the process)
        text=True,
    )
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                raise RuntimeError("local server exited:\n" + "".join(lines))
            continue
        lines.append(line)
        if line.strip().startswith("Listening on"):
            break
    else:
        process.kill()
        raise RuntimeError("local server did not start:\n" + "".join(lines))
    # Keep reading what the server prints (its functions' JSON logs): a full pipe would block the server.
    threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
    demo = dict(re.findall(r"^\s{4}(\w+)\s+([A-Za-z0-9]{12})\s", "".join(lines), re.M))
    return LocalServer(f"http://127.0.0.1:{port}", demo, process, "".join(lines))


def _drain(stream) -> None:
    for _ in stream:
        pass
