"""The token signer on moto's KMS, as a relying party sees its tokens: RS256 compact JWS with a kid, checked against
the JWKS by joserfc and by plain cryptography; one KMS call per token; the JWKS fetched once per container; and an
id_token_hint that comes back checked locally, None for anything that is not a token of ours."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import boto3
import pytest
from botocore.stub import Stubber
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc import jws
from joserfc.jwk import KeySet
from moto import mock_aws

from ent_accounts.errors import ServiceBusy
from ent_accounts.kms import KeyUnusable, client_config
from ent_accounts.oidc.signing import TokenSigner, kid
from ent_accounts.services import Services
from ent_accounts.settings import Settings
from local.harness import REGION, requests_of

CLAIMS = {
    "iss": "https://comptes.ent.example.fr",
    "sub": "b1f0c6c2-9a43-4a51-8d1e-3c1f2b7a9e10",
    "aud": "ent-occitanie",
    "iat": 1796050000,
    "exp": 1796050300,
    "given_name": "Léa",
    "family_name": "Dupont-Brémond",
}


@pytest.fixture
def kms():
    with mock_aws():
        yield boto3.client("kms", region_name=REGION, config=client_config())


def new_key(kms, spec: str = "RSA_2048", usage: str = "SIGN_VERIFY") -> str:
    return kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]["Arn"]


@pytest.fixture
def key(kms) -> str:
    return new_key(kms)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def parts(token: str) -> tuple[dict, dict, bytes]:
    header, payload, signature = token.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload)), unb64(signature)


def verify_with_cryptography(token: str, jwk: dict) -> None:
    """RFC 7518 3.3 by hand: RSASSA-PKCS1-v1_5 with SHA-256 over the signing input, the key rebuilt from n and e."""
    numbers = rsa.RSAPublicNumbers(int.from_bytes(unb64(jwk["e"])), int.from_bytes(unb64(jwk["n"])))
    signing_input, _, signature = token.rpartition(".")
    numbers.public_key().verify(unb64(signature), signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())


def test_a_token_is_rs256_with_the_kms_key_id_as_kid(kms, key):
    signer = TokenSigner(key, client=kms)
    header, payload, signature = parts(signer.sign(CLAIMS))
    assert header == {"alg": "RS256", "typ": "JWT", "kid": key.rsplit("/", 1)[1]}
    assert payload == CLAIMS  # names with accents as UTF-8
    assert len(signature) == 256  # RSA 2048
    assert parts(signer.sign({"events": {}}, typ="logout+jwt"))[0]["typ"] == "logout+jwt"


def test_the_kid_is_known_without_asking_kms(kms, key):
    signer = TokenSigner(key, client=kms)
    found, calls = requests_of(kms, lambda: signer.kid)
    assert found == kid(key) == key.split(":key/")[1] and calls == []


def test_a_relying_party_verifies_the_token_against_the_jwks_with_joserfc_and_with_cryptography(kms, key):
    signer = TokenSigner(key, client=kms)
    token = signer.sign(CLAIMS)
    jwks = json.loads(json.dumps(signer.jwks()))  # as served, as fetched
    [jwk] = jwks["keys"]
    assert jwk.keys() == {"kty", "use", "alg", "kid", "n", "e"}
    assert (jwk["kty"], jwk["use"], jwk["alg"], jwk["kid"]) == ("RSA", "sig", "RS256", kid(key))
    verified = jws.deserialize_compact(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert json.loads(verified.payload) == CLAIMS
    verify_with_cryptography(token, jwk)


def test_the_jwks_is_kms_s_own_public_key(kms, key):
    [jwk] = TokenSigner(key, client=kms).jwks()["keys"]
    der = serialization.load_der_public_key(kms.get_public_key(KeyId=key)["PublicKey"]).public_numbers()
    assert int.from_bytes(unb64(jwk["n"])) == der.n and int.from_bytes(unb64(jwk["e"])) == der.e == 65537
    assert not {"d", "p", "q", "dp", "dq", "qi"} & jwk.keys()  # no private part, ever


def test_one_kms_call_per_token_and_its_message_is_only_a_digest(kms, key):
    signer = TokenSigner(key, client=kms)
    sent = []
    kms.meta.events.register("provide-client-params.kms.Sign", lambda params, **_: sent.append(dict(params)))
    tokens, calls = requests_of(kms, lambda: [signer.sign({**CLAIMS, "nonce": "n" * 8000}) for _ in range(3)])
    assert calls == ["Sign", "Sign", "Sign"]
    for token, params in zip(tokens, sent, strict=True):
        signing_input = token.rsplit(".", 1)[0].encode()
        assert params["Message"] == hashlib.sha256(signing_input).digest()  # no claim reaches KMS, any size signs
        assert (params["MessageType"], params["SigningAlgorithm"]) == ("DIGEST", "RSASSA_PKCS1_V1_5_SHA_256")


def test_the_jwks_is_fetched_once_per_container(kms, key):
    published = new_key(kms)
    signer = TokenSigner(key, (published,), client=kms)
    first, calls = requests_of(kms, signer.jwks)
    assert calls == ["GetPublicKey", "GetPublicKey"]
    assert [jwk["kid"] for jwk in first["keys"]] == [kid(key), kid(published)]  # the signing key first
    again, calls = requests_of(kms, signer.jwks)
    assert again == first and calls == []
    again["keys"].clear()  # what a caller does with its copy does not change the next answer
    assert signer.jwks() == first
    # Checking a token needs the public key of its kid, which the JWKS already fetched: no KMS call.
    token = signer.sign(CLAIMS)
    claims, calls = requests_of(kms, lambda: signer.verified_claims(token))
    assert claims == CLAIMS and calls == []


def test_a_hint_is_checked_with_one_get_public_key_at_most_and_never_kms_verify(kms, key):
    token = TokenSigner(key, client=kms).sign(CLAIMS)
    fresh = TokenSigner(key, client=kms)  # another container, which never served the JWKS
    claims, calls = requests_of(kms, lambda: [fresh.verified_claims(token) for _ in range(3)])
    assert claims == [CLAIMS] * 3 and calls == ["GetPublicKey"]


def test_a_token_of_a_published_key_is_verified_and_one_of_another_key_is_not(kms, key):
    previous, stranger = new_key(kms), new_key(kms)
    signer = TokenSigner(key, (previous,), client=kms)
    assert signer.verified_claims(TokenSigner(previous, client=kms).sign(CLAIMS)) == CLAIMS
    assert signer.verified_claims(TokenSigner(stranger, client=kms).sign(CLAIMS)) is None  # unknown kid
    # The stranger's signature under our kid: a known kid, a bad signature.
    _, payload, signature = TokenSigner(stranger, client=kms).sign(CLAIMS).split(".")
    ours = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": kid(key)}).encode())
    assert signer.verified_claims(f"{ours}.{payload}.{signature}") is None


def tampered(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    claims = {**json.loads(unb64(payload)), **changes}
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


def test_a_tampered_payload_or_header_is_refused(kms, key):
    signer = TokenSigner(key, client=kms)
    token = signer.sign(CLAIMS)
    assert signer.verified_claims(token) == CLAIMS
    assert signer.verified_claims(tampered(token, sub="another-student")) is None
    header, payload, signature = token.split(".")
    retyped = b64(json.dumps({"alg": "RS256", "typ": "JWT+x", "kid": kid(key)}).encode())
    assert signer.verified_claims(f"{retyped}.{payload}.{signature}") is None
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert signer.verified_claims(f"{header}.{payload}.{flipped}") is None


def test_alg_none_and_an_hmac_made_with_the_public_key_are_refused(kms, key):
    signer = TokenSigner(key, client=kms)
    payload = b64(json.dumps(CLAIMS).encode())
    for alg in ("none", "None", "NONE", ""):
        header = b64(json.dumps({"alg": alg, "kid": kid(key)}).encode())
        assert signer.verified_claims(f"{header}.{payload}.") is None
    # The classic confusion: HS256 keyed with the RSA public key an attacker downloads from the JWKS.
    der = kms.get_public_key(KeyId=key)["PublicKey"]
    pem = serialization.load_der_public_key(der).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for secret in (der, pem):  # made by hand: joserfc itself refuses a public key as an HMAC secret
        signing_input = f"{b64(json.dumps({'alg': 'HS256', 'kid': kid(key)}).encode())}.{payload}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert signer.verified_claims(f"{signing_input}.{b64(mac)}") is None
    # A header that asks for an extension we do not know (RFC 7515 4.1.11) is refused even when well signed.
    critical = signer.sign(CLAIMS).split(".")
    crit = b64(json.dumps({"alg": "RS256", "kid": kid(key), "crit": ["exp"], "exp": 1}).encode())
    assert signer.verified_claims(f"{crit}.{critical[1]}.{critical[2]}") is None


def well_signed(kms, key: str, header: dict, payload: bytes) -> str:
    """A JWS whose signature really is the key's, over whatever header and payload: only the content is wrong."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(payload)}"
    digest = hashlib.sha256(signing_input.encode()).digest()
    signature = kms.sign(KeyId=key, Message=digest, MessageType="DIGEST", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")[
        "Signature"
    ]
    return f"{signing_input}.{b64(signature)}"


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        42,
        b"a.b.c",
        ["a", "b", "c"],
        "",
        ".",
        "..",
        "a.b",
        "a.b.c.d",
        "a.b.c",
        "é.é.é",
        "eyJ.eyJ.sig",
        "====.====.====",
        "e30.e30.",  # {} . {} . nothing
        b64(b"[1, 2]") + ".e30.c2ln",
        b64(b'{"alg": "RS256", "kid": 7}') + ".e30.c2ln",
        b64(b'{"alg": "RS256", "kid": ["x"]}') + ".e30.c2ln",
        b64(b"\xff\xfe") + ".e30.c2ln",
        b64(b"[" * 100_000) + ".e30.c2ln",
        b64(b"[" * 5000) + ".e30.c2ln",  # deep enough for a RecursionError, short enough to be read
        "x" * 1_000_000,
        "a." * 10_000,
    ],
)
def test_anything_that_is_not_a_token_of_ours_is_none_and_never_raises(kms, key, garbage):
    assert TokenSigner(key, client=kms).verified_claims(garbage) is None


def test_a_well_signed_token_whose_content_is_not_a_claims_object_is_none(kms, key):
    signer = TokenSigner(key, client=kms)
    header = {"alg": "RS256", "typ": "JWT", "kid": kid(key)}
    assert signer.verified_claims(well_signed(kms, key, header, json.dumps(CLAIMS).encode())) == CLAIMS
    for payload in (b"[1, 2]", b'"text"', b"not json", b"\xff\xfe", b"{" * 5000, b"[" * 5000):
        assert signer.verified_claims(well_signed(kms, key, header, payload)) is None, payload
    padded = well_signed(kms, key, header, json.dumps(CLAIMS).encode()).split(".")
    assert signer.verified_claims(f"{padded[0]}=.{padded[1]}.{padded[2]}") is None  # base64url has no padding


def test_no_signing_key_means_no_tokens_and_a_key_is_named_by_its_arn_only(kms):
    with pytest.raises(RuntimeError, match="OIDC_SIGNING_KEY is not set"):
        TokenSigner("", client=kms).sign(CLAIMS)
    assert TokenSigner("", client=kms).verified_claims("a.b.c") is None
    for wrong in ("alias/ent-accounts", "arn:aws:kms:eu-west-3:123456789012:alias/ent", "1234abcd-12ab-34cd-56ef"):
        with pytest.raises(ValueError, match="not a KMS key ARN"):
            TokenSigner(wrong)


def test_the_services_sign_with_the_settings_keys_through_their_kms_client(kms, key):
    published = new_key(kms)
    settings = Settings.from_env(
        {"TABLE_NAME": "t", "OIDC_SIGNING_KEY": key, "OIDC_PUBLISHED_KEYS": f" {published} , {key} "}
    )
    signer = Services.from_settings(settings, kms=kms).signer
    assert [jwk["kid"] for jwk in signer.jwks()["keys"]] == [kid(key), kid(published)]  # no key twice
    assert signer.verified_claims(signer.sign(CLAIMS)) == CLAIMS


def test_a_key_that_cannot_sign_rs256_is_a_configuration_error_not_a_bad_request(kms):
    for spec, usage in (("ECC_NIST_P256", "SIGN_VERIFY"), ("RSA_2048", "ENCRYPT_DECRYPT")):
        arn = new_key(kms, spec, usage)
        with pytest.raises(KeyUnusable):
            TokenSigner(arn, client=kms).jwks()
        with pytest.raises(KeyUnusable):
            TokenSigner(arn, client=kms).sign(CLAIMS)


def test_a_disabled_key_is_a_configuration_error(kms, key):
    kms.disable_key(KeyId=key.rsplit("/", 1)[1])
    with pytest.raises(KeyUnusable, match="DisabledException"):
        TokenSigner(key, client=kms).sign(CLAIMS)


@pytest.mark.parametrize("code", ["ThrottlingException", "KMSInternalException", "DependencyTimeoutException"])
def test_kms_busy_is_a_retry_later_for_signing_and_for_the_jwks(key, code):
    client = boto3.client("kms", region_name=REGION, config=client_config())
    with Stubber(client) as stub:
        stub.add_client_error("sign", code, http_status_code=400)
        stub.add_client_error("get_public_key", code, http_status_code=400)
        with pytest.raises(ServiceBusy):
            TokenSigner(key, client=client).sign(CLAIMS)
        with pytest.raises(ServiceBusy):
            TokenSigner(key, client=client).jwks()


def test_the_stack_signs_with_the_template_s_key_on_both_backends(world):
    """The harness (tests, benchmarks) wires moto's KMS with the key the template's defaults create, whichever
    engine holds the table."""
    signer = world.services.signer
    metadata = world.kms.describe_key(KeyId=signer.signing_key)["KeyMetadata"]
    assert (metadata["KeySpec"], metadata["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")
    assert signer.published_keys == ()  # slot B is off by default
    token, calls = world.kms_requests(lambda: signer.sign(CLAIMS))
    assert calls == ["Sign"] and signer.verified_claims(token) == CLAIMS
