"""`sam local` as a developer meets it: `python -m bench.sam_local [--requests 20] [--rebuild-image]`.

Prints how the runtime image came to be and how long it took (`--rebuild-image` removes a locally built one first),
the `sam build` for this machine, the start of `sam local start-api`, then for `GET /connexion` (a page) and
`POST /api/login` (argon2id) the first request (a cold container) and the median and 90th percentile of the next
ones (warm containers, `--warm-containers LAZY`). No pass/fail: a benchmark prints numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from local.sam import image
from local.sam.run import SamLocalRun


def _timed(run: SamLocalRun, requests: int, method: str, path: str, body: dict | None = None) -> dict[str, float]:
    status, text, cold = run.request(method, path, body)
    if status != 200:
        raise SystemExit(f"{method} {path}: {status} {text[:300]}")
    warm = sorted(run.request(method, path, body)[2] for _ in range(requests))
    return {
        "cold_s": cold,
        "warm_median_ms": statistics.median(warm) * 1000,
        "warm_p90_ms": warm[int(0.9 * len(warm))] * 1000,
    }


def measure(requests: int, rebuild_image: bool) -> dict:
    reason = image.docker_unavailable()
    if reason:
        raise SystemExit(f"sam local needs Docker: {reason}")
    if rebuild_image:
        image.remove_local_build()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        run = SamLocalRun(Path(workdir))
        try:
            figures = {
                "image": run.runtime.how,
                "image_s": run.runtime.seconds,
                "sam_build_s": run.build_seconds,
                "start_api_s": run.start_api(),
            }
            figures["page"] = _timed(run, requests, "GET", "/connexion")
            account = next(a for a in run.demo.values() if a["provisional_password"])
            login = {"identifier": account["identifier"], "password": account["provisional_password"]}
            figures["login"] = _timed(run, requests, "POST", "/api/login", login)
        finally:
            run.stop()
    figures["total_s"] = time.monotonic() - started
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sam_local", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20, help="warm requests per route (default 20)")
    parser.add_argument("--rebuild-image", action="store_true", help="time the image build from scratch")
    args = parser.parse_args(argv)
    figures = measure(args.requests, args.rebuild_image)
    print(f"runtime image: {figures['image']} in {figures['image_s']:.0f} s")
    print(f"sam build (this machine's architecture): {figures['sam_build_s']:.0f} s")
    print(f"sam local start-api listening after {figures['start_api_s']:.1f} s")
    for name, route in (("GET /connexion", "page"), ("POST /api/login", "login")):
        one = figures[route]
        print(
            f"{name}: cold {one['cold_s']:.2f} s, warm median {one['warm_median_ms']:.0f} ms, "
            f"p90 {one['warm_p90_ms']:.0f} ms"
        )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
