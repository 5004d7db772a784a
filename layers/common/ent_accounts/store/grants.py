"""The items of single sign-on's records (pending sign-ins, authorization codes, access tokens): keys and
conversions, each keyed by the SHA-256 of its secret, with `expires_at` (TTL). The reads that combine them with
sessions and clients are store/authorizations.py; the writes that go together, store/transaction.py."""

from __future__ import annotations

import json

from ent_accounts.clock import epoch, from_epoch
from ent_accounts.oidc.grants import AccessToken, AuthorizationCode
from ent_accounts.sso.sign_in import PendingSignIn


def sign_in_key(ref_hash: str) -> dict:
    return {"pk": {"S": f"SIGNIN#{ref_hash}"}, "sk": {"S": "SIGNIN"}}


def code_key(code_hash: str) -> dict:
    return {"pk": {"S": f"AUTHCODE#{code_hash}"}, "sk": {"S": "AUTHCODE"}}


def access_token_key(token_hash: str) -> dict:
    return {"pk": {"S": f"ACCESS#{token_hash}"}, "sk": {"S": "ACCESS"}}


def sign_in_item(sign_in: PendingSignIn) -> dict:
    item = {
        **sign_in_key(sign_in.ref_hash),
        "protocol": {"S": sign_in.protocol},
        "client_id": {"S": sign_in.client_id},
        "client_name": {"S": sign_in.client_name},
        "return_to": {"S": sign_in.return_to},
        "requested_at": {"N": str(epoch(sign_in.requested_at))},
        "expires_at": {"N": str(epoch(sign_in.expires_at))},
        "params": {"S": json.dumps(sign_in.params, separators=(",", ":"))},
        "force_login": {"BOOL": sign_in.force_login},
    }
    if sign_in.login_hint:
        item["login_hint"] = {"S": sign_in.login_hint}
    if sign_in.max_age is not None:
        item["max_age"] = {"N": str(sign_in.max_age)}
    return item


def sign_in_from_item(item: dict) -> PendingSignIn:
    max_age = item.get("max_age", {}).get("N")
    return PendingSignIn(
        ref_hash=item["pk"]["S"].removeprefix("SIGNIN#"),
        protocol=item["protocol"]["S"],
        client_id=item["client_id"]["S"],
        client_name=item["client_name"]["S"],
        return_to=item["return_to"]["S"],
        requested_at=from_epoch(int(item["requested_at"]["N"])),
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        params=json.loads(item["params"]["S"]),
        login_hint=item.get("login_hint", {}).get("S"),
        force_login=item.get("force_login", {}).get("BOOL", False),
        max_age=int(max_age) if max_age is not None else None,
    )


def code_item(code: AuthorizationCode) -> dict:
    item = {
        **code_key(code.code_hash),
        "client_id": {"S": code.client_id},
        "redirect_uri": {"S": code.redirect_uri},
        "code_challenge": {"S": code.code_challenge},
        "identifier": {"S": code.identifier},
        "session_hash": {"S": code.session_hash},
        "sid": {"S": code.sid},
        "sub": {"S": code.sub},
        "scope": {"S": code.scope},
        "auth_time": {"N": str(epoch(code.auth_time))},
        "valid_until": {"N": str(epoch(code.valid_until))},
        "expires_at": {"N": str(epoch(code.expires_at))},
        "claims": {"S": json.dumps(code.claims, ensure_ascii=False, separators=(",", ":"))},
        "used": {"BOOL": code.used},
    }
    if code.nonce is not None:
        item["nonce"] = {"S": code.nonce}
    if code.credential_version is not None:
        item["credential_version"] = {"N": str(code.credential_version)}
    if code.access_token_hash:
        item["access_token_hash"] = {"S": code.access_token_hash}
    return item


def code_from_item(item: dict) -> AuthorizationCode:
    return AuthorizationCode(
        code_hash=item["pk"]["S"].removeprefix("AUTHCODE#"),
        client_id=item["client_id"]["S"],
        redirect_uri=item["redirect_uri"]["S"],
        code_challenge=item["code_challenge"]["S"],
        identifier=item["identifier"]["S"],
        session_hash=item["session_hash"]["S"],
        sid=item["sid"]["S"],
        sub=item["sub"]["S"],
        scope=item["scope"]["S"],
        auth_time=from_epoch(int(item["auth_time"]["N"])),
        valid_until=from_epoch(int(item["valid_until"]["N"])),
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        claims=json.loads(item["claims"]["S"]),
        nonce=item.get("nonce", {}).get("S"),
        credential_version=int(item["credential_version"]["N"]) if "credential_version" in item else None,
        used=item.get("used", {}).get("BOOL", False),
        access_token_hash=item.get("access_token_hash", {}).get("S"),
    )


def access_token_item(token: AccessToken) -> dict:
    return {
        **access_token_key(token.token_hash),
        "client_id": {"S": token.client_id},
        "sub": {"S": token.sub},
        "scope": {"S": token.scope},
        "expires_at": {"N": str(epoch(token.expires_at))},
        "claims": {"S": json.dumps(token.claims, ensure_ascii=False, separators=(",", ":"))},
        "identifier": {"S": token.identifier},
        "session_hash": {"S": token.session_hash},
    }


def access_token_from_item(item: dict) -> AccessToken:
    return AccessToken(
        token_hash=item["pk"]["S"].removeprefix("ACCESS#"),
        client_id=item["client_id"]["S"],
        sub=item["sub"]["S"],
        scope=item["scope"]["S"],
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        claims=json.loads(item["claims"]["S"]),
        identifier=item.get("identifier", {}).get("S", ""),
        session_hash=item.get("session_hash", {}).get("S", ""),
    )
