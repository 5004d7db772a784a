"""template.yaml ↔ code: every function's handler imports, every API event is one of its routes,
and the template passes cfn-lint and `sam validate --lint` (and `sam build` without Docker)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local import template
from local.invoke import Functions

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FUNCTIONS = template.functions()


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_handler_imports_and_serves_exactly_its_template_routes(logical_id):
    function = FUNCTIONS[logical_id]
    handler = Functions().handler(logical_id)
    assert callable(handler)
    module = sys.modules[f"function_{logical_id}"]
    app = getattr(module, "app", None)
    if app is None:
        # A function run by a schedule or an SNS topic has no HTTP routes.
        assert (function.schedules or function.topics) and not function.routes
        return
    served = {(route.method.upper(), route.path) for route in app._static_routes + app._dynamic_routes}
    declared = {(route.method, route.path) for route in function.routes}
    assert served == declared


def test_every_function_folder_is_in_the_template():
    folders = {path.name for path in (ROOT / "functions").iterdir() if (path / "app.py").exists()}
    assert folders == {function.code_dir.name for function in FUNCTIONS.values()}


def test_runtime_and_architecture_live_in_globals_only():
    resources = template.load()["Resources"]
    assert template.load()["Globals"]["Function"]["Runtime"] == "python3.11"
    for resource in resources.values():
        if resource["Type"] == "AWS::Serverless::Function":
            assert "Runtime" not in resource["Properties"] and "Architectures" not in resource["Properties"]


def _tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else shutil.which(name) or pytest.fail(f"{name} is not installed")


def test_cfn_lint_is_clean():
    result = subprocess.run([_tool("cfn-lint"), "template.yaml"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_is_clean():
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run(
        [_tool("sam"), "validate", "--lint", "--region", "eu-west-3"], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout


def test_sam_build_without_docker(tmp_path):
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run(
        [_tool("sam"), "build", "--build-dir", str(tmp_path / "build")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    layer = tmp_path / "build" / "CommonLayer" / "python"
    assert (layer / "ent_accounts" / "store.py").exists()
    assert (layer / "ent_accounts" / "templates" / "mail" / "validation.html").exists()
    assert not (layer / "boto3").exists()  # the runtime has it
    for function in FUNCTIONS.values():
        built = tmp_path / "build" / function.logical_id
        assert sorted(p.name for p in built.iterdir()) == ["app.py"]  # code only
