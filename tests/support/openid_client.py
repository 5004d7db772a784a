"""openid-client (npm, an OpenID-certified relying party library) as the tests drive it: one `node` process per
step of tests/relying_parties/node/openid_client_rp.mjs, which prints JSON.

`start()` gives the authorization URL (PKCE S256, state and nonce kept in a file of its own); the test walks the
provider's pages to the redirect URI, then `finish()` hands that URL to the library, which validates the response
and the ID token and calls userinfo. A refusal by the library comes back as {"ok": False, "error": ..., "code": ...};
a crash of the script raises.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.server import ROOT

NODE_DIR = ROOT / "tests" / "relying_parties" / "node"
SCRIPT = NODE_DIR / "openid_client_rp.mjs"
INSTALLED = NODE_DIR / "node_modules" / "openid-client" / "package.json"
REFUSED = 2  # the script's exit status when the library reported a failure (printed as JSON)


def unavailable() -> str | None:
    if shutil.which("node") is None:
        return "no node on this machine: `apt-get install nodejs npm` (.ci/run installs npm)"
    return None


def check_installed() -> None:
    if not INSTALLED.exists():
        raise AssertionError(f"{INSTALLED.parent} is missing: `make setup` installs openid-client (npm ci)")


@dataclass
class Attempt:
    authorization_url: str
    state_file: Path
    redirect_uri: str


class OpenIdClient:
    def __init__(self, issuer: str, client_id: str, client_secret: str | None = None, auth: str = "basic") -> None:
        check_installed()
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.auth = auth
        self.folder = Path(tempfile.mkdtemp(prefix="openid-client-"))
        self._attempts = 0

    def run(self, command: str, *arguments: str, secret: str | None = None) -> dict:
        """One step of the script; `secret` replaces the client's own for this step (a wrong one, say)."""
        # Every value as --name=value: a random one (secret, token, sub) may start with "-", which node's parseArgs
        # would take for an option.
        line = ["node", str(SCRIPT), command, f"--issuer={self.issuer}", f"--client-id={self.client_id}"]
        line += [f"--auth={self.auth}"]
        if secret or self.client_secret:
            line += [f"--client-secret={secret or self.client_secret}"]
        line += arguments
        done = subprocess.run(line, capture_output=True, text=True, timeout=60, cwd=NODE_DIR, check=False)
        if done.returncode not in (0, REFUSED):
            raise AssertionError(f"openid_client_rp.mjs {command} crashed ({done.returncode}):\n{done.stderr}")
        return json.loads(done.stdout)

    def metadata(self) -> dict:
        answer = self.run("metadata")
        assert answer["ok"], answer
        return answer["metadata"]

    def start(self, redirect_uri: str, **options: str | int) -> Attempt:
        """Options: scope, prompt, max_age, login_hint (as the authorization request's parameters)."""
        self._attempts += 1
        state_file = self.folder / f"attempt-{self._attempts}.json"
        arguments = [f"--redirect-uri={redirect_uri}", f"--state-file={state_file}"]
        for name, value in options.items():
            arguments += [f"--{name.replace('_', '-')}={value}"]
        answer = self.run("start", *arguments)
        assert answer["ok"], answer
        return Attempt(answer["authorization_url"], state_file, redirect_uri)

    def finish(
        self,
        attempt: Attempt,
        callback: str,
        *,
        wrong_verifier: bool = False,
        token_redirect_uri: str | None = None,
        secret: str | None = None,
    ) -> dict:
        arguments = [f"--state-file={attempt.state_file}", f"--callback={callback}"]
        if wrong_verifier:
            arguments.append("--wrong-verifier")
        if token_redirect_uri:
            arguments += [f"--token-redirect-uri={token_redirect_uri}"]
        return self.run("finish", *arguments, secret=secret)

    def userinfo(self, access_token: str, subject: str) -> dict:
        return self.run("userinfo", f"--access-token={access_token}", f"--subject={subject}")

    def clean(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
