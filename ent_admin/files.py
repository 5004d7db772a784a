"""What the command line writes on the school's computer: letters with provisional passwords, lists of names, the
import's state and the school names it remembers. Every such file is its owner's only (0600) from its creation,
in a folder the user chose (or ~/ENT-lettres), never left in the current folder by default."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ent_admin.common import Stop
from ent_admin.french import os_error

DEFAULT_FOLDER = "ENT-lettres"  # in the home folder: outside any checkout, out of a shared folder by default


def default_folder() -> Path:
    return Path.home() / DEFAULT_FOLDER


def output_folder(chosen: Path | None) -> Path:
    """The folder the letters go to, created owner-only (0700) when it does not exist yet."""
    folder = (chosen or default_folder()).expanduser()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise Stop(f"Impossible de créer le dossier {folder} : {os_error(error)}.", 2) from None
    if not folder.is_dir():
        raise Stop(f"{folder} n'est pas un dossier : choisissez-en un avec --dossier.", 2)
    return folder


def write_private(path: Path, data: bytes) -> None:
    """Write the file readable by its owner only, at no moment by anyone else: a new file created 0600 beside it
    (os.open with the mode, exclusive), then put in its place (an existing file of wider rights is replaced)."""
    path = path.expanduser()
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise Stop(f"Impossible d'écrire {path} : {os_error(error)}.", 1) from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, 0o600)  # mkstemp creates it 0600 already: said again, as it is the point
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory", str(path))
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise Stop(f"Impossible d'écrire {path} : {os_error(error)}.", 1) from None


def read_input(path: Path) -> bytes:
    """The school's file, or a French reason why it cannot be read."""
    try:
        if path.is_dir():
            raise Stop(f"Impossible de lire {path} : c'est un dossier ; donnez le fichier de la liste.", 2)
        return path.read_bytes()
    except OSError as error:
        raise Stop(f"Impossible de lire {path} : {os_error(error)}.", 2) from None


# --- the school names remembered per UAI ------------------------------------------------------------------------


def config_folder() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ent-admin"


def _names_file() -> Path:
    return config_folder() / "etablissements.json"


def remembered_names() -> dict[str, str]:
    try:
        names = json.loads(_names_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else {}


def remember_name(uai: str, name: str) -> None:
    """Keep the school's name for its UAI (a later command prints it without --etablissement)."""
    names = remembered_names()
    if names.get(uai) == name:
        return
    folder = config_folder()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise Stop(f"Impossible de créer {folder} : {os_error(error)}.", 1) from None
    names[uai] = name
    write_private(_names_file(), json.dumps(names, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"))
