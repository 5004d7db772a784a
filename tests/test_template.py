"""template.yaml ↔ code: every function's handler imports, every API event is one of its routes,
and the template passes cfn-lint and `sam validate --lint` (and `sam build` without Docker)."""

from __future__ import annotations

import copy
import os
import re
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
        # A function run by a schedule, an SNS topic or a queue has no HTTP routes.
        assert (function.schedules or function.topics or function.queues) and not function.routes
        return
    # Powertools writes path parameters <name>, API Gateway {name}.
    served = {
        (route.method.upper(), re.sub(r"<(\w+)>", r"{\1}", route.path))
        for route in app._static_routes + app._dynamic_routes
    }
    declared = {(route.method, route.path) for route in function.routes if "{proxy+}" not in route.path}
    greedy = [route for route in function.routes if "{proxy+}" in route.path]
    # A greedy resource ({proxy+}) is served by the app's routes under its prefix.
    under_greedy = {
        (method, path)
        for method, path in served
        for route in greedy
        if method == route.method and path.startswith(route.path.split("{proxy+}")[0])
    }
    assert served - under_greedy == declared
    assert all(any(path.startswith(r.path.split("{proxy+}")[0]) for _, path in under_greedy) for r in greedy)


def test_every_function_folder_is_in_the_template():
    folders = {path.name for path in (ROOT / "functions").iterdir() if (path / "app.py").exists()}
    assert folders == {function.code_dir.name for function in FUNCTIONS.values()}


def test_runtime_and_architecture_live_in_globals_only():
    resources = template.load()["Resources"]
    for resource in resources.values():
        if resource["Type"] == "AWS::Serverless::Function":
            assert "Runtime" not in resource["Properties"] and "Architectures" not in resource["Properties"]


def test_one_python_version_everywhere():
    """template.yaml's Globals name the runtime; the layers, the tooling, the docs and this interpreter agree."""
    version = template.runtime_version()
    assert version == "3.13"  # python3.11 is deprecated on Lambda in 2027 and runs on Amazon Linux 2
    # The layer test loads compiled extensions built for the runtime: only the runtime's minor version can.
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == version
    for name in ("CommonLayer", "AdminLayer"):
        layer = template.load()["Resources"][name]
        assert layer["Properties"]["CompatibleRuntimes"] == [f"python{version}"]
    assert template.load()["Resources"]["AdminLayer"]["Metadata"]["BuildMethod"] == f"python{version}"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'requires-python = "=={version}.*"' in pyproject
    assert f'target-version = "py{version.replace(".", "")}"' in pyproject
    readme = (ROOT / "README.md").read_text()
    assert f"Python {version}" in readme
    stale = re.findall(r"python ?3\.(?:\d+)", readme + (ROOT / "docs" / "DESIGN.md").read_text(), flags=re.I)
    assert {found.lower().replace(" ", "") for found in stale} <= {f"python{version}"}


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
    # The layer's Makefile runs PYTHON; the admin layer needs python3.x on PATH (the venv's, the runtime's version).
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PYTHON": sys.executable, "PATH": f"{BIN}:{os.environ['PATH']}"}
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
    assert (layer / "ent_accounts" / "store" / "__init__.py").exists()
    assert (layer / "ent_accounts" / "templates" / "mail" / "validation.html").exists()
    assert (layer / "ent_accounts" / "templates" / "letters" / "eleve.txt").exists()
    assert not (layer / "boto3").exists()  # the runtime has it
    # Lean: what only the school function needs (PDF, sealing) is not in every function's layer.
    assert not {"fpdf", "PIL", "cryptography", "python_calamine"} & {p.name for p in layer.iterdir()}
    # Pruned by layers/common/Makefile (tests/test_layer_build.py runs every function from it); the school
    # function's own dependencies (fpdf2, Pillow, fontTools, cryptography: about 60 MB) must never land here.
    # 10 MB until the OpenID provider (issue 15); 10.5 MB until the school console (issue 19): test_layer_build.py
    assert _size(layer) < 11_000_000
    for function in FUNCTIONS.values():
        built = tmp_path / "build" / function.logical_id
        assert {p.name for p in built.iterdir()} == {"app.py"}  # code only
    # The school function's own dependencies, in its own layer, for Lambda's platform.
    admin = {p.name for p in (tmp_path / "build" / "AdminLayer" / "python").iterdir()}
    assert {"fpdf", "PIL", "cryptography", "python_calamine"} <= admin
    assert any(p.name.endswith("aarch64-linux-gnu.so") for p in (tmp_path / "build" / "AdminLayer").rglob("*.so"))


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def test_only_the_school_routes_need_a_signature():
    """Translated as CloudFormation will: /api/admin/ routes are AWS_IAM-authorised, invoked with the API's own
    permission (not the caller's credentials); every public route stays open."""
    from samtranslator.translator.transform import transform

    document = copy.deepcopy(template.load())
    for resource in document["Resources"].values():
        for uri in ("CodeUri", "ContentUri"):
            if uri in resource.get("Properties", {}):
                resource["Properties"][uri] = "s3://bucket/key"
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")
    translated = transform(document, {}, _NoManagedPolicies())
    paths = translated["Resources"]["Api"]["Properties"]["Body"]["paths"]
    seen = 0
    for path, methods in paths.items():
        for method, operation in methods.items():
            integration = operation["x-amazon-apigateway-integration"]
            if path.startswith("/api/admin/"):
                seen += 1
                assert operation.get("security") == [{"AWS_IAM": []}], (method, path)
                assert "credentials" not in integration, (method, path)
            else:
                assert "security" not in operation, (method, path)
    assert seen == 22  # 8 school routes (links included), 6 client registry routes, 5 grants routes, 3 staff routes
    body = translated["Resources"]["Api"]["Properties"]["Body"]
    binary = set(body["x-amazon-apigateway-binary-media-types"])
    assert binary & {"application/pdf", "*/*"}  # the letters' PDF leaves as bytes


class _NoManagedPolicies:
    def load(self):
        return {}
