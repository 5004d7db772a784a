"""The nesting pre-scan of request bodies (web/request_checks.py) on the largest body API Gateway lets through.

Every JSON body is scanned before json.loads so that a deep one is a 400, not a RecursionError; the scan must stay
cheap next to the function's timeout on a 10 MB body built to make it work hardest. CPU time, medians of runs.
"""

from __future__ import annotations

import time
from typing import Any

from bench.world import median
from ent_accounts.web.request_checks import MAX_JSON_DEPTH, nested_deeper_than

BODIES = {
    "10 MB of flat brackets": "[]" * 5_000_000,
    "10 MB string of escaped quotes and brackets": '["' + '\\"[' * 3_000_000 + '"]',
    "10 MB of opening brackets": "[" * 10_000_000,
}
TARGET_MS = 1000  # well under the API functions' timeout, on the worst body


def json_scan(runs: int) -> dict[str, Any]:
    results: dict[str, Any] = {"target_ms": TARGET_MS, "bodies": {}}
    for name, body in BODIES.items():
        times = []
        for _ in range(runs):
            started = time.process_time()
            nested_deeper_than(body, MAX_JSON_DEPTH)
            times.append((time.process_time() - started) * 1000)
        results["bodies"][name] = round(median(times), 1)
    results["worst_ms"] = max(results["bodies"].values())
    return results
