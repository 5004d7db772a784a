"""A school's list sent as requests of at most 2,000 rows (the service's limit), each with its own idempotency key.

The keys are kept, with which parts are done, in `<file>.cle-import` beside the list until the letters are written:
the same command run after a failure (the network, the computer, a line to correct in a later part) sends the parts
again with their keys, so the service replays the finished ones (their accounts and passwords, kept 24 hours) and
creates only the rest. A part is known by its rows' content: correcting a line of the third part gives the third part
a new key and leaves the first two as they were.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ent_accounts.school_files import PersonRow
from ent_admin.api import ApiError, Client
from ent_admin.common import Stop
from ent_admin.files import write_private
from ent_admin.french import plural
from ent_admin.progress import Progress

CHUNK_ROWS = 2000  # the service's MAX_ROWS per request


@dataclass
class Imported:
    uai: str = ""
    login_url: str = ""
    accounts: list[dict] = field(default_factory=list)  # created, `row` = index in the whole list
    existing: list[dict] | None = None  # recognised (when the service says so), `row` likewise
    links: list[dict] = field(default_factory=list)
    resumed: bool = False


def chunks(rows: list[PersonRow], size: int) -> list[tuple[int, list[PersonRow]]]:
    return [(start, rows[start : start + size]) for start in range(0, len(rows), size)]


def _digest(uai: str, rows: list[PersonRow]) -> str:
    body = {"uai": uai, "accounts": [row.as_api() for row in rows]}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class State:
    """The `.cle-import` file: {"uai", "parts": {digest of a part: {"key", "done"}}}."""

    def __init__(self, path: Path, uai: str) -> None:
        self.path, self.uai = path, uai
        self.parts: dict[str, dict[str, Any]] = {}
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(kept, dict) and kept.get("uai") == uai and isinstance(kept.get("parts"), dict):
                self.parts = kept["parts"]
        except (OSError, ValueError):
            pass

    def key(self, digest: str) -> tuple[str, bool]:
        """The part's key, and whether it was kept from an earlier run."""
        if digest in self.parts:
            return self.parts[digest]["key"], True
        self.parts[digest] = {"key": uuid.uuid4().hex, "done": False}
        self.save()
        return self.parts[digest]["key"], False

    def done(self, digest: str) -> None:
        self.parts[digest]["done"] = True
        self.save()

    def forget(self, digest: str) -> None:
        self.parts.pop(digest, None)
        if any(part["done"] for part in self.parts.values()):
            self.save()
        else:
            self.remove()

    def save(self) -> None:
        write_private(self.path, json.dumps({"uai": self.uai, "parts": self.parts}).encode("utf-8"))

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def send(client: Client, uai: str, rows: list[PersonRow], state: State, out, size: int | None = None) -> Imported:
    """Every part sent (or replayed) in order; Stop naming the file's lines when the service refuses a part."""
    imported = Imported()
    parts = chunks(rows, size or CHUNK_ROWS)
    with Progress("Envoi au service", len(rows), "lignes") as progress:
        for number, (start, part) in enumerate(parts, 1):
            digest = _digest(uai, part)
            key, kept = state.key(digest)
            if kept:
                imported.resumed = True
            body = {"uai": uai, "accounts": [row.as_api() for row in part]}
            try:
                answer = client.call("POST", "/api/admin/accounts", body=body, headers={"Idempotency-Key": key}).json()
            except ApiError as error:
                if error.status != 400:
                    raise
                state.forget(digest)  # nothing of this part was created: once corrected it starts afresh
                raise Stop(refused(error, rows, start, part, parts[: number - 1]), 2) from None
            state.done(digest)
            _gather(imported, answer, start)
            progress.advance(start + len(part))
    if imported.resumed:
        print("Reprise de l'importation précédente de ce fichier (les comptes ne sont pas recréés).", file=out)
    return imported


def _gather(imported: Imported, answer: dict, start: int) -> None:
    imported.uai, imported.login_url = answer["uai"], answer["login_url"]
    imported.accounts += [{**account, "row": account.get("row", 0) + start} for account in answer["accounts"]]
    if "existing" in answer:  # the service recognises people already there (re-import)
        imported.existing = (imported.existing or []) + [
            {**one, "row": one.get("row", 0) + start} for one in answer["existing"] or []
        ]
    imported.links += answer.get("links") or []


def refused(error: ApiError, rows: list[PersonRow], start: int, part: list[PersonRow], done: list) -> str:
    """The service names rows as accounts[i] of its request: say which line of the file, and whose, with the lines
    as the spreadsheet numbers them (the service's own count is of its request's rows)."""
    problems, other = [], []
    lines: set[int] = set()
    for name, message in (error.body.get("fields") or {}).items():
        index = name.split("]")[0].removeprefix("accounts[")
        if name.startswith("accounts[") and index.isdigit() and int(index) < len(part):
            row = part[int(index)]
            lines.add(row.line)
            problems.append(f"Ligne {row.line} ({row.first_name} {row.last_name}) : {message}")
        elif name == "accounts" and "trop longue" in message:
            other.append(f"{message} Le service accepte au plus 2 000 lignes par demande.")
        else:
            other.append(f"{name} : {message}")
    if lines:
        numbers = ", ".join(str(line) for line in sorted(lines)[:20]) + (" …" if len(lines) > 20 else "")
        head = f"Rien n'a été créé : {plural(len(lines), 'ligne')} à corriger ({numbers})."
    else:
        message = str(error)
        head = message if message.startswith(("Rien n'a été", "Aucun compte")) else f"Rien n'a été créé : {message}"
    if done:
        first, last = rows[0].line, done[-1][1][-1].line
        head = head.replace("Rien n'a été créé", "Rien n'a été créé de cette partie")
        head += (
            f"\nLes lignes {first} à {last} ont déjà été créées : corrigez le fichier et relancez la même commande, "
            "elles ne seront pas recréées et leurs lettres seront imprimées avec les autres."
        )
    return "\n".join([head, *problems, *other])
