"""6. Size: what `sam build` makes of each function and layer, unzipped and zipped."""

from __future__ import annotations

import subprocess
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.environment import PYTHON, ROOT, child_env


def _tree_size(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    unzipped = sum(path.stat().st_size for path in files)
    with tempfile.TemporaryFile() as stream:
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(folder))
        zipped = stream.tell()
    return unzipped, zipped


def artefact_size() -> dict[str, Any]:
    env = child_env(SAM_CLI_TELEMETRY="0", PYTHON=PYTHON)  # PYTHON: the pip that layers/common/Makefile runs
    sam = str(Path(PYTHON).parent / "sam")
    with tempfile.TemporaryDirectory() as build:
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 (the venv's sam)
            [sam, "build", "--build-dir", build, "--template-file", str(ROOT / "template.yaml")],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
        if done.returncode:
            return {"skipped": f"sam build failed: {done.stderr[-500:]}"}
        sizes = {}
        for folder in sorted(Path(build).iterdir()):
            if folder.is_dir():
                unzipped, zipped = _tree_size(folder)
                sizes[folder.name] = {"unzipped_kb": round(unzipped / 1e3, 1), "zipped_kb": round(zipped / 1e3, 1)}
        return {"build_seconds": round(time.perf_counter() - started, 1), "artefacts": sizes, "layer_target_kb": 10_500}
