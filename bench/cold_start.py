"""1. Cold start: each function's `import app` timed in a fresh interpreter, next to `import boto3` timed the same
way; the packages the import pays for, from `-X importtime`."""

from __future__ import annotations

import os
from typing import Any

from bench.child.timed_import import MARKER
from bench.environment import LAYER, child_env, run_child
from bench.world import median


def _timed_import(
    paths: list[str], module: str, importtime: bool = False, env: dict[str, str] | None = None
) -> tuple[float, str]:
    flags = ("-X", "importtime") if importtime else ()
    done = run_child("timed_import", os.pathsep.join(paths), module, python_flags=flags, env=env)
    if done.returncode:
        raise RuntimeError(f"importing {module} failed: {done.stderr[-800:]}")
    return float(done.stdout.strip().splitlines()[-1]), done.stderr.split(MARKER, 1)[-1]


def top_packages(importtime_log: str, count: int = 3) -> list[tuple[str, float]]:
    """Self time of `-X importtime` summed by top-level package: which distributions the import pays for."""
    by_package: dict[str, int] = {}
    for line in importtime_log.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line.removeprefix("import time:").split("|", 2)
        package = name.strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + int(self_us)
    ranked = sorted(by_package.items(), key=lambda item: -item[1])[:count]
    return [(package, us / 1000) for package, us in ranked]


def function_env(function) -> dict[str, str]:
    """The child's environment with the function's own plain variables of the template (PYDANTIC_DISABLE_PLUGINS …),
    as Lambda sets them before the import; those the template computes (table, keys) stay the bench's."""
    plain = {name: value for name, value in function.environment.items() if isinstance(value, str)}
    plain.pop("POWERTOOLS_LOG_LEVEL", None)
    return child_env(**{name: value for name, value in plain.items() if name not in os.environ})


def cold_start(repeats: int) -> dict[str, Any]:
    from local import template

    boto3_times = [_timed_import([], "boto3")[0] for _ in range(repeats)]
    boto3_ms = median(boto3_times) * 1000
    functions = {}
    for logical_id, function in template.functions().items():
        module = function.handler.rsplit(".", 1)[0]
        paths = [str(LAYER), str(function.code_dir)]
        env = function_env(function)
        times = [_timed_import(paths, module, env=env)[0] for _ in range(repeats)]
        _, log = _timed_import(paths, module, importtime=True, env=env)
        ms = median(times) * 1000
        functions[logical_id] = {
            "import_ms": round(ms, 1),
            "ratio_to_boto3": round(ms / boto3_ms, 2),
            "top": [{"package": name, "self_ms": round(value, 1)} for name, value in top_packages(log)],
        }
    return {"repeats": repeats, "boto3_import_ms": round(boto3_ms, 1), "functions": functions}
