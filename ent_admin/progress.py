"""A counter line on stderr for what takes long (an import of hundreds of lines, hundreds of letters), so that the
person at the terminal sees the command working. On a terminal the line is rewritten in place, with the seconds
elapsed while the service works; written to a file (stderr redirected) it gives one line per step."""

from __future__ import annotations

import sys
import threading
import time

SHOWN_FROM = 100  # lines or letters: below that the command answers in a few seconds


class Progress:
    def __init__(self, label: str, total: int, unit: str, stream=None, shown: bool | None = None) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream or sys.stderr
        self.shown = total >= SHOWN_FROM if shown is None else shown
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self.shown:
            self._write()
            if self.tty:
                self._ticker = threading.Thread(target=self._tick, daemon=True)
                self._ticker.start()
        return self

    def advance(self, done: int) -> None:
        self.done = done
        if self.shown:
            self._write()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._ticker:
            self._ticker.join()
        if self.shown and self.tty:
            print(file=self.stream)  # leave the last counter on its own line

    def _line(self) -> str:
        elapsed = int(time.monotonic() - self._started)
        return f"{self.label} : {_spaced(self.done)} / {_spaced(self.total)} {self.unit} ({elapsed} s)"

    def _write(self) -> None:
        if self.tty:
            print("\r" + self._line(), end="", file=self.stream, flush=True)
        else:
            print(self._line(), file=self.stream, flush=True)

    def _tick(self) -> None:
        while not self._stop.wait(1):
            self._write()


def _spaced(number: int) -> str:
    """2 000, as French writes numbers (a narrow no-break space)."""
    return f"{number:,}".replace(",", "\u202f")
