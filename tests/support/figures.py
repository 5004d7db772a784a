"""Counts of what the security tests tried (requests fuzzed, faults injected, races, bad inputs), for SECURITY.md.

Each test process appends to .cache/figures/<pid>.json; `python -m tests.support.figures` adds them up.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from collections import Counter
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[2] / ".cache" / "figures"
_counts: Counter = Counter()


def record(what: str, amount: int = 1) -> None:
    _counts[what] += amount


@atexit.register
def _save() -> None:
    if _counts:
        FOLDER.mkdir(parents=True, exist_ok=True)
        (FOLDER / f"{os.getpid()}.json").write_text(json.dumps(_counts))


def totals() -> Counter:
    found: Counter = Counter()
    for path in FOLDER.glob("*.json"):
        found.update(json.loads(path.read_text()))
    return found


if __name__ == "__main__":
    if sys.argv[1:] == ["--reset"]:
        for path in FOLDER.glob("*.json"):
            path.unlink()
    else:
        for what, amount in sorted(totals().items()):
            print(f"| {what} | {amount} |")
