"""Find which function of template.yaml serves a request, import its handler once (a warm container), call it."""

from __future__ import annotations

import importlib.util
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from local import template
from local.events import LambdaContext, api_event, match_resource

log = logging.getLogger("local")
LAYER_DIR = template.ROOT / "layers" / "common"


def _ensure_layer_on_path() -> None:
    # In Lambda the layer is at /opt/python; here it is the layer's source folder.
    if str(LAYER_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_DIR))


@dataclass
class Target:
    function: template.Function
    resource: str


class Functions:
    """The functions of the template, each imported on first use and kept (like a warm Lambda container)."""

    def __init__(self, template_path: Path = template.TEMPLATE) -> None:
        _ensure_layer_on_path()
        self.by_id = template.functions(template_path)
        self._handlers: dict[str, Callable] = {}
        self.import_seconds: dict[str, float] = {}

    def handler(self, logical_id: str) -> Callable:
        if logical_id not in self._handlers:
            function = self.by_id[logical_id]
            module_name, attribute = function.handler.rsplit(".", 1)
            started = time.perf_counter()
            module = _import_file(f"function_{logical_id}", function.code_dir / f"{module_name.replace('.', '/')}.py")
            self.import_seconds[logical_id] = time.perf_counter() - started
            log.info("cold start %s: handler imported in %.0f ms", logical_id, self.import_seconds[logical_id] * 1000)
            self._handlers[logical_id] = getattr(module, attribute)
        return self._handlers[logical_id]

    def route(self, method: str, path: str) -> Target | None:
        """The function whose API event matches, as API Gateway picks it: the most specific resource for the path
        first (static paths win over paths with parameters, and the root's greedy `/{proxy+}`, the French "not
        found", loses to every other), then its method: a resource without that method answers None."""
        matching = [
            (route, function)
            for function in self.by_id.values()
            for route in function.routes
            if match_resource(route.path, path) is not None
        ]
        if not matching:
            return None
        resource = min(
            {route.path for route, _ in matching}, key=lambda found: (found == "/{proxy+}", found.count("{"))
        )
        for route, function in matching:
            if route.path == resource and route.method in (method.upper(), "ANY"):
                return Target(function, resource)
        return None

    def invoke_http(self, method: str, url: str, **kwargs: Any) -> dict | None:
        """Call the function serving this request with the proxy event API Gateway would send; None if no route."""
        target = self.route(method, url.split("?", 1)[0])
        if target is None:
            return None
        event = api_event(method, url, resource=target.resource, **kwargs)
        return self.handler(target.function.logical_id)(event, LambdaContext(target.function.logical_id))

    def invoke(self, logical_id: str, event: dict) -> Any:
        return self.handler(logical_id)(event, LambdaContext(logical_id))


def _import_file(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
