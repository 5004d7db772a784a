"""The DSFR files the pages use, served with year-long cache headers under a URL that changes with their content."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".md": "text/plain",
}
CACHE_FOREVER = "public, max-age=31536000, immutable"


@lru_cache(maxsize=1)
def asset_version() -> str:
    """A fingerprint of every static file: a new deployment with other files gets new URLs."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def static_file(relative: str) -> tuple[bytes, str] | None:
    """The file's bytes and type, or None (unknown, or outside the static folder)."""
    path = (STATIC_DIR / relative).resolve()
    if STATIC_DIR not in path.parents or not path.is_file() or path.suffix not in TYPES:
        return None
    return path.read_bytes(), TYPES[path.suffix]
