"""`sam build`, `sam local invoke` and `sam local start-api` on the project's template, run so that no function can
reach real AWS: fake credentials, no profile, SAM's telemetry off, the endpoints of the local AWS in --env-vars.

On a machine whose architecture is not the template's (the functions deploy on arm64; x86_64 machines would run
them under qemu, 18 to 47 s per cold start), the build is of the same template with only the architecture changed.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from local import template
from local.backends import REGION
from local.sam.aws import CONTAINER_HOST, FAKE_CREDENTIALS
from local.sam.image import one_at_a_time

BUILD_ROOT = template.ROOT / ".aws-sam"
WHEEL_ARCH = {"arm64": "aarch64", "x86_64": "x86_64"}


def sam() -> str:
    found = Path(sys.executable).parent / "sam"
    return str(found) if found.exists() else shutil.which("sam") or sys.exit("sam is not installed (make setup)")


def environment(arch: str) -> dict[str, str]:
    """The environment SAM runs in: this one without any AWS identity or endpoint, with fake credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(FAKE_CREDENTIALS)
    env.update(
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        SAM_CLI_TELEMETRY="0",
        ARCH=WHEEL_ARCH[arch],  # layers/common/Makefile builds the layer's wheels for this architecture
        # sam build checks that the runtime's python3.x is on PATH: the virtualenv's is.
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def source_template(arch: str) -> Path:
    """template.yaml itself when the architecture matches, else a copy that differs only in the architecture."""
    document = template.load()
    [deployed] = document["Globals"]["Function"]["Architectures"]
    if arch == deployed:
        return template.TEMPLATE
    document = copy.deepcopy(document)
    document["Globals"]["Function"]["Architectures"] = [arch]
    for resource in document["Resources"].values():
        properties = resource.get("Properties", {})
        for uri in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(uri), str):  # the copy lives elsewhere: paths made absolute
                properties[uri] = str((template.ROOT / properties[uri]).resolve())
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            properties["CompatibleArchitectures"] = [arch]
            resource.get("Metadata", {})["BuildArchitecture"] = arch
    path = BUILD_ROOT / f"local-{arch}" / "template.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, default=str))
    return path


def build(arch: str) -> Path:
    """`sam build` for this architecture into .aws-sam/local-<arch>/build; the built template's path."""
    build_dir = BUILD_ROOT / f"local-{arch}" / "build"
    with one_at_a_time(f"build-{arch}"):
        shutil.rmtree(build_dir, ignore_errors=True)  # a fresh build: SAM's pip builder can trip on an earlier one
        command = [sam(), "build", "--template", str(source_template(arch)), "--build-dir", str(build_dir)]
        result = subprocess.run(command, cwd=template.ROOT, capture_output=True, text=True, env=environment(arch))
    if result.returncode != 0:
        raise SystemExit(f"sam build failed:\n{(result.stdout + result.stderr)[-3000:]}")
    return build_dir / "template.yaml"


def _local_options(built: Path, env_vars: Path, skip_pull: bool) -> list[str]:
    options = ["--template", str(built), "--env-vars", str(env_vars), "--region", REGION]
    options += ["--add-host", f"{CONTAINER_HOST}:host-gateway"]
    return [*options, "--skip-pull-image"] if skip_pull else options


def invoke(
    built: Path, function: str, event: dict, env_vars: Path, *, arch: str, skip_pull: bool
) -> subprocess.CompletedProcess:
    """`sam local invoke FUNCTION --event -`: the function's answer on stdout, its logs on stderr."""
    command = [sam(), "local", "invoke", function, "--event", "-", *_local_options(built, env_vars, skip_pull)]
    return subprocess.run(
        command, input=json.dumps(event), capture_output=True, text=True, env=environment(arch), timeout=300
    )


def start_api(
    built: Path, env_vars: Path, *, arch: str, port: int, skip_pull: bool, log: Path | None = None
) -> subprocess.Popen:
    """`sam local start-api` on 127.0.0.1:port, containers kept warm between requests (LAZY: started on first use)."""
    command = [sam(), "local", "start-api", "--host", "127.0.0.1", "--port", str(port), "--warm-containers", "LAZY"]
    command += _local_options(built, env_vars, skip_pull)
    output = open(log, "w") if log else None  # noqa: SIM115 (the process outlives this call); None: this terminal
    return subprocess.Popen(
        command,
        cwd=template.ROOT,
        env=environment(arch),
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # stopped with its containers as one group
    )
