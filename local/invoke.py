"""Find which function of template.yaml serves a request, import its handler once (a warm container), call it."""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
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
        self._started: dict[str, int] = {}  # instances started per function (module copies imported)
        self._starting = threading.Lock()

    def handler(self, logical_id: str) -> Callable:
        """The function's handler, imported on first use and kept: one warm instance."""
        if logical_id not in self._handlers:
            self._handlers[logical_id] = self.start_instance(logical_id)
        return self._handlers[logical_id]

    def start_instance(self, logical_id: str) -> Callable:
        """A new warm instance's handler: the function's module imported again (a cold start), with its own module
        state (the resolver it builds); the shared layer's modules stay imported once."""
        function = self.by_id[logical_id]
        module_name, attribute = function.handler.rsplit(".", 1)
        with self._starting:
            number = self._started[logical_id] = self._started.get(logical_id, 0) + 1
        name = f"function_{logical_id}" + (f"_{number}" if number > 1 else "")
        started = time.perf_counter()
        module = _import_file(name, function.code_dir / f"{module_name.replace('.', '/')}.py")
        seconds = time.perf_counter() - started
        self.import_seconds.setdefault(logical_id, seconds)
        log.info("cold start %s (instance %d): handler imported in %.0f ms", logical_id, number, seconds * 1000)
        return getattr(module, attribute)

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
