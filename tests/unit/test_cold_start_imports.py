"""What an HTTP function's cold start imports: Powertools' REST resolver, not its other resolvers (AppSync and asyncio
with it), and no scan of the installed distributions for pydantic plugins (PYDANTIC_DISABLE_PLUGINS in the template).
Each import runs in a fresh interpreter with the layer and the function's folder on its path, as in Lambda."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from local import template

ROOT = template.ROOT
LAYER = ROOT / "layers" / "common"
HTTP_FUNCTIONS = {logical_id: function for logical_id, function in template.functions().items() if function.routes}

PROBE = """
import json, sys
sys.path[:0] = sys.argv[1:3]
__import__(sys.argv[3])
import pydantic.plugin._loader as loader
print(json.dumps({
    "asyncio": "asyncio" in sys.modules,
    "appsync": any(name.startswith("aws_lambda_powertools.event_handler.appsync") for name in sys.modules),
    "other_resolvers": sorted(
        name for name in sys.modules
        if name.split(".")[2:3] and name.split(".")[2] in ("bedrock_agent", "vpc_lattice", "lambda_function_url")
        and name.startswith("aws_lambda_powertools.event_handler.")
    ),
    "plugins_scanned": loader._plugins is not None,
    "rest_resolver": "aws_lambda_powertools.event_handler.api_gateway" in sys.modules,
}))
"""


def imported(function: template.Function, **extra_env: str) -> dict:
    """What importing the function's handler module left in sys.modules, with the template's plain variables set."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    env.update({name: value for name, value in function.environment.items() if isinstance(value, str)})
    env.update(TABLE_NAME="accounts", AWS_DEFAULT_REGION="eu-west-3", **extra_env)
    module = function.handler.rsplit(".", 1)[0]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(LAYER), str(function.code_dir), module],
        capture_output=True,
        text=True,
        env=env,
        cwd=function.code_dir,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_template_disables_pydantic_plugins_for_every_function():
    for function in template.functions().values():
        assert function.environment.get("PYDANTIC_DISABLE_PLUGINS") == "__all__", function.logical_id


@pytest.mark.parametrize("logical_id", sorted(HTTP_FUNCTIONS))
def test_an_http_function_imports_the_rest_resolver_only(logical_id):
    found = imported(HTTP_FUNCTIONS[logical_id])
    assert found == {
        "asyncio": False,
        "appsync": False,
        "other_resolvers": [],
        "plugins_scanned": False,
        "rest_resolver": True,
    }


def test_the_probe_sees_what_it_looks_for():
    """Without the template's variable pydantic scans for plugins; and what the package exports beyond the REST
    resolver still imports (the real __init__ runs then, AppSync and asyncio with it)."""
    login = HTTP_FUNCTIONS["LoginFunction"]
    assert imported(login, PYDANTIC_DISABLE_PLUGINS="")["plugins_scanned"] is True
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import ent_accounts.web; "
        "from aws_lambda_powertools.event_handler import Response, AppSyncResolver; "
        "from aws_lambda_powertools.event_handler.api_gateway import Response as Same; "
        "assert Response is Same and 'asyncio' in sys.modules and AppSyncResolver.__name__ == 'AppSyncResolver'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(LAYER)],
        capture_output=True,
        text=True,
        env={**os.environ, "TABLE_NAME": "accounts", "AWS_DEFAULT_REGION": "eu-west-3"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
