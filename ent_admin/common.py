"""What every command shares: the way a command stops with a French message, and the confirmation it may ask."""

from __future__ import annotations

import sys


class Stop(Exception):
    """Ends the command with a French message and an exit code (1: the service refused, 2: the input is wrong)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def confirm(args, question: str) -> None:
    """Go on with --oui, or when the person at the terminal answers yes; stop otherwise (nothing was done)."""
    if args.oui:
        return
    if not sys.stdin.isatty():
        raise Stop(f"{question} Ajoutez --oui pour confirmer.", 2)
    if input(f"{question} [o/N] ").strip().lower() not in ("o", "oui"):
        raise Stop("Abandon : rien n'a été fait.", 1)
