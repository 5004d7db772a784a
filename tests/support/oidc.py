"""What the OpenID Connect tests need: a signer standing for the KMS one (tests only, never in the layer), clients
registered in the store, and a relying party's side of the round trip (PKCE, the authorization request, the
redirects read back, the token request, the ID token verified against the JWKS with joserfc)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from ent_accounts.sso.clients import AuthMethod, Client, hash_secret, new_client_secret, new_subject_salt
from tests.support.browser import Browser

ISSUER = "https://127.0.0.1:3000"  # the world's requests come to this host; no PUBLIC_BASE_URL is set
REDIRECT_URI = "https://ent.example.fr/oidc/callback"
OTHER_REDIRECT_URI = "https://ent.example.fr/autre/callback"
SCHOOL = "0341234A"


class TestSigner:
    """The `services.signer` interface (sign, jwks, verified_claims) with an RSA key held in memory, RS256, a kid:
    what the KMS signer does, without KMS. Counts its signatures (one KMS Sign each in AWS)."""

    __test__ = False  # not a pytest class

    def __init__(self, kid: str = "test-key") -> None:
        from joserfc.jwk import RSAKey

        self.kid = kid
        self.key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)
        self.signatures = 0

    def sign(self, claims: dict, typ: str = "JWT") -> str:
        from joserfc import jwt

        self.signatures += 1
        return jwt.encode({"alg": "RS256", "typ": typ, "kid": self.kid}, claims, self.key)

    def jwks(self) -> dict:
        return {"keys": [self.key.as_dict(private=False)]}

    def verified_claims(self, token: str) -> dict | None:
        from joserfc import jwt
        from joserfc.errors import JoseError

        try:
            return dict(jwt.decode(token, self.key, algorithms=["RS256"]).claims)
        except (JoseError, ValueError, TypeError):
            return None


def install_signer(services, signer: TestSigner | None = None) -> TestSigner:
    signer = signer or TestSigner()
    services.signer = signer
    return signer


def verify_id_token(token: str, jwks: dict) -> tuple[dict, dict]:
    """(header, claims) of an ID token checked as a relying party does: RS256 with a key of the published JWKS."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    return dict(decoded.header), dict(decoded.claims)


def register(
    store,
    client_id: str = "ent-occitanie",
    method: AuthMethod = AuthMethod.CLIENT_SECRET_BASIC,
    **extra,
) -> tuple[Client, str | None]:
    """A client in the registry, as ops would register it; its secret (None for a public client)."""
    secret = None if method is AuthMethod.NONE else new_client_secret()
    client = Client(
        client_id=client_id,
        name=extra.pop("name", "ENT Occitanie"),
        redirect_uris=extra.pop("redirect_uris", (REDIRECT_URI, OTHER_REDIRECT_URI)),
        token_endpoint_auth_method=method,
        schools=extra.pop("schools", frozenset({SCHOOL})),
        subject_salt=extra.pop("subject_salt", new_subject_salt()),
        secret_hashes=(hash_secret(secret),) if secret else (),
        **extra,
    )
    store.create_client(client)
    return client, secret


def pkce() -> tuple[str, str]:
    """(code_verifier, its S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def basic(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: each part form-urlencoded, then joined with ':' and base64-encoded."""
    from urllib.parse import quote_plus

    return "Basic " + base64.b64encode(f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()).decode("ascii")


def query_of(location: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query, keep_blank_values=True).items()}


class RpBrowser(Browser):
    """The pages' browser that stops where the service's site begins (a redirect to another host), as the service
    then takes over: `self.left_to` is that address."""

    def __init__(self, world) -> None:
        super().__init__(world)
        self.left_to: str | None = None

    def get(self, url: str):
        self.left_to = None
        return super().get(url)

    def post(self, url: str, fields: dict[str, str], csrf: bool = True, headers=None):
        self.left_to = None
        return super().post(url, fields, csrf, headers)

    def _follow(self, answer):
        if answer.status in (301, 302, 303):
            location = answer.header("Location")
            if urlsplit(location).netloc not in ("", urlsplit(ISSUER).netloc):
                self.left_to = location
                return answer
        return super()._follow(answer)


@dataclass
class Rp:
    """One relying party's side of the code flow, on the world's handlers."""

    world: object
    client: Client
    secret: str | None
    redirect_uri: str = REDIRECT_URI
    verifier: str = ""
    state: str = ""
    nonce: str = ""
    extra: dict = field(default_factory=dict)

    def authorize_url(self, **params) -> str:
        self.verifier, challenge = pkce()
        self.state, self.nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        query = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile email ent",
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        query.update(params)
        return "/oidc/authorize?" + urlencode({k: v for k, v in query.items() if v is not None})

    def token(self, code: str, *, verifier: str | None = None, redirect_uri: str | None = None, auth="basic", **form):
        body = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri if redirect_uri is not None else self.redirect_uri,
            "code_verifier": verifier if verifier is not None else self.verifier,
            **form,
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if auth == "basic":
            headers["Authorization"] = basic(self.client.client_id, self.secret)
        elif auth == "post":
            body.update(client_id=self.client.client_id, client_secret=self.secret)
        elif auth == "none":
            body["client_id"] = self.client.client_id
        body = {k: v for k, v in body.items() if v is not None}
        return self.world.call("POST", "/oidc/token", urlencode(body), headers)

    def userinfo(self, access_token: str):
        return self.world.call("GET", "/oidc/userinfo", headers={"Authorization": f"Bearer {access_token}"})

    def id_token(self, token_answer) -> dict:
        jwks = json.loads(self.world.call("GET", "/oidc/jwks.json").text)
        _, claims = verify_id_token(token_answer.json()["id_token"], jwks)
        return claims
