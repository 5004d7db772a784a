"""Warm instances of a function on this machine, as Lambda keeps them: each serves one request at a time; a request
takes a free one (the most recently used, as Lambda reuses the warmest), else starts a new one (a cold start: the
handler's module imported again, its own state), up to a limit per function, and waits for one to be free beyond it
(as a function at its reserved concurrency is throttled, here queued).

All of a function's instances share this process: the shared layer's modules are imported once (what a container's
cold start would import again is only the handler's module and the resolver it builds). Powertools' REST resolver
keeps the event being handled on its base class, one per process, which is right in Lambda (one request per process)
but not here: `isolate_requests` makes that slot one per thread.
"""

from __future__ import annotations

import os
import threading
from abc import ABCMeta
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

DEFAULT_INSTANCES = 4  # per function, when neither --instances nor LOCAL_INSTANCES says otherwise


def instances_from_env() -> int:
    value = os.environ.get("LOCAL_INSTANCES", "")
    try:
        return max(1, int(value)) if value else DEFAULT_INSTANCES
    except ValueError:
        raise SystemExit(f"LOCAL_INSTANCES must be a whole number, not {value!r}") from None


class Instances:
    """The warm instances of one function: at most `limit`, each one request at a time."""

    def __init__(self, start: Callable[[], Callable], limit: int) -> None:
        self._start = start  # a new instance's handler (a cold start)
        self.limit = limit
        self._free: list[Callable] = []
        self.started = 0  # instances started so far (never more than `limit`)
        self.busy = 0
        self.waiting = 0  # requests waiting for an instance
        self._changed = threading.Condition()

    @contextmanager
    def take(self) -> Iterator[Callable]:
        """A free instance's handler for one request."""
        with self._changed:
            self.waiting += 1
            try:
                while not self._free and self.started >= self.limit:
                    self._changed.wait()
            finally:
                self.waiting -= 1
            handler = self._free.pop() if self._free else None
            if handler is None:
                self.started += 1
            self.busy += 1
        try:
            if handler is None:
                try:
                    handler = self._start()  # outside the lock: other instances serve meanwhile
                except BaseException:
                    with self._changed:
                        self.started -= 1
                        self._changed.notify()
                    raise
            yield handler
        finally:
            with self._changed:
                self.busy -= 1
                if handler is not None:
                    self._free.append(handler)
                self._changed.notify()


class _PerThread:
    """A class attribute whose value is one per thread (what each instance's request would have in its process)."""

    def __init__(self, name: str, slots: threading.local) -> None:
        self.name = name
        self.slots = slots

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        try:
            return getattr(self.slots, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: Any, value: Any) -> None:
        setattr(self.slots, self.name, value)


def isolate_requests() -> None:
    """Powertools' `BaseRouter.current_event` and `lambda_context` (set on the class by `resolve`, read through the
    app and its routers) one per thread. Installed once per process, before any request; Powertools is not changed on
    disk and a Lambda never runs this. The resolver's class gets a metaclass whose descriptors catch
    `BaseRouter.current_event = …`; the same descriptors on the class answer `app.current_event`."""
    import importlib

    importlib.import_module("ent_accounts.web")  # first: the event handler package as the functions import it
    api_gateway = importlib.import_module("aws_lambda_powertools.event_handler.api_gateway")

    base = api_gateway.BaseRouter
    if isinstance(type(base).__dict__.get("current_event"), _PerThread):
        return
    slots = threading.local()
    names = ("current_event", "lambda_context")
    for name in names:  # on the class itself first (instances read these), while the metaclass is still ABCMeta
        setattr(base, name, _PerThread(name, slots))
    per_thread = type("PerThreadRouterMeta", (ABCMeta,), {name: _PerThread(name, slots) for name in names})
    base.__class__ = per_thread
