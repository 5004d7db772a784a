"""Powertools' REST resolver without the rest of its event handler package, at every HTTP function's cold start.

`aws_lambda_powertools/event_handler/__init__.py` imports every resolver Powertools has, to export their names: AppSync
(and with it asyncio, about 16 ms), Bedrock agents, VPC Lattice, function URLs; and any import of one of its modules
(`…event_handler.api_gateway`) runs it first. The functions here use the REST resolver only. So `install`, run by
`ent_accounts.web` before any module of the package is imported, registers the package as Python would, from its own
folder, without running its __init__; its submodules import as usual. The names the __init__ exports are given on
first use: the REST resolver's from the modules that define them (what its own modules import from the package), any
other by running the real __init__ then, so that nothing a Powertools module asks of its package is missing.
Powertools is not changed; `tests/unit/test_cold_start_imports.py` checks what each HTTP function imports.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

PACKAGE = "aws_lambda_powertools.event_handler"
# The package's exports that the REST resolver's modules import from the package itself, and where each is defined.
REST_NAMES = {
    "ALBResolver": "api_gateway",
    "APIGatewayHttpResolver": "api_gateway",
    "APIGatewayRestResolver": "api_gateway",
    "ApiGatewayResolver": "api_gateway",
    "CORSConfig": "api_gateway",
    "Response": "api_gateway",
    "Depends": "depends",
    "DependencyResolutionError": "depends",
    "Request": "request",
}


def install() -> None:
    """Register the event handler package without running its __init__ (nothing if it is already imported)."""
    if PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    package = importlib.util.module_from_spec(spec)
    state = {"initialised": False}

    def __getattr__(name: str):
        if name in REST_NAMES:
            value = getattr(importlib.import_module(f"{PACKAGE}.{REST_NAMES[name]}"), name)
            setattr(package, name, value)
            return value
        if name.startswith("__") or importlib.util.find_spec(f"{PACKAGE}.{name}") is not None:
            # A submodule (`from …event_handler import content_types`): the import system loads it.
            raise AttributeError(name)
        if not state["initialised"]:  # another export (AppSyncResolver …): what importing the package would do
            state["initialised"] = True
            spec.loader.exec_module(package)
            if name in package.__dict__:
                return package.__dict__[name]
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")

    package.__getattr__ = __getattr__
    sys.modules[PACKAGE] = package
    parent = sys.modules.get(PACKAGE.rsplit(".", 1)[0])
    if isinstance(parent, ModuleType):
        parent.event_handler = package
