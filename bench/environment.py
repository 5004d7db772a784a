"""Where the benchmarks run: the repository's paths on sys.path and an embedded-AWS environment (fake credentials,
no profile or endpoint of the developer's shell), set when this module is imported, before boto3 is."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "common"
PYTHON = sys.executable

sys.path[:0] = [str(ROOT), str(LAYER)]
os.environ.update(
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 (embedded AWS only)
    AWS_DEFAULT_REGION="eu-west-3",
    TABLE_NAME="bench",
    POWERTOOLS_LOG_LEVEL="WARNING",
)
for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
    os.environ.pop(name, None)


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a measured child process: this one's, without PYTHONPATH (the child sets its own path)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "", **extra}
    env.pop("PYTHONPATH", None)
    return env


def run_child(module: str, *args: str, env: dict[str, str] | None = None, python_flags: tuple[str, ...] = ()):
    """`python -m bench.child.<module> args…` from the repository's root (so that `bench` is found)."""
    import subprocess

    return subprocess.run(  # noqa: S603 (our own interpreter and module)
        [PYTHON, *python_flags, "-m", f"bench.child.{module}", *args],
        capture_output=True,
        text=True,
        env=env or child_env(),
        cwd=ROOT,
        check=False,
    )
