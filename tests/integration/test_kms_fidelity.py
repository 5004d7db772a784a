"""moto's KMS, as the tests, the local server and sam local use it, behaves as AWS documents Sign and GetPublicKey
(API_Sign.html, API_GetPublicKey.html): the signature verifies with the DER public key, a digest is signed as a
digest, the limits and the key states are enforced. Where moto 5.2.5 falls short, local/moto_kms.py corrects it;
`test_moto_by_itself_still_needs_the_corrections` says when a moto upgrade makes a correction useless."""

from __future__ import annotations

import hashlib
import itertools

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from moto import mock_aws
from moto.server import ThreadedMotoServer

from local import moto_kms
from local.harness import REGION

RS256 = "RSASSA_PKCS1_V1_5_SHA_256"
MESSAGE = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"  # a JWS signing input


@pytest.fixture
def kms():
    with mock_aws():
        yield boto3.client("kms", region_name=REGION)


def rsa_key(kms, spec="RSA_2048") -> tuple[str, str]:
    metadata = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    return metadata["Arn"], metadata["KeyId"]


def public(kms, arn):
    return serialization.load_der_public_key(kms.get_public_key(KeyId=arn)["PublicKey"])


def code(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_a_raw_signature_verifies_with_the_der_public_key(kms):
    arn, _ = rsa_key(kms)
    answer = kms.sign(KeyId=arn, Message=MESSAGE, SigningAlgorithm=RS256)
    assert (answer["KeyId"], answer["SigningAlgorithm"]) == (arn, RS256)
    public(kms, arn).verify(answer["Signature"], MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        public(kms, arn).verify(answer["Signature"], MESSAGE + b"x", padding.PKCS1v15(), hashes.SHA256())


def test_get_public_key_describes_an_rsa_signing_key(kms):
    arn, _ = rsa_key(kms)
    answer = kms.get_public_key(KeyId=arn)
    assert answer["KeyId"] == arn  # AWS: "The Amazon Resource Name (key ARN) of the asymmetric KMS key"
    assert answer["KeyUsage"] == "SIGN_VERIFY" and answer["KeySpec"] == "RSA_2048"
    assert RS256 in answer["SigningAlgorithms"]
    key = serialization.load_der_public_key(answer["PublicKey"])  # DER SubjectPublicKeyInfo (RFC 5280)
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048 and key.public_numbers().e == 65537


def test_a_digest_is_signed_without_being_hashed_again(kms):
    arn, _ = rsa_key(kms)
    digest = hashlib.sha256(MESSAGE).digest()
    signed = kms.sign(KeyId=arn, Message=digest, MessageType="DIGEST", SigningAlgorithm=RS256)["Signature"]
    public(kms, arn).verify(signed, MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    public(kms, arn).verify(signed, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    # PKCS#1 v1.5 is deterministic: the digest's signature is the message's ("A message and its hash digest are
    # considered to be the same message").
    assert signed == kms.sign(KeyId=arn, Message=MESSAGE, MessageType="RAW", SigningAlgorithm=RS256)["Signature"]


def test_a_pss_digest_signature_verifies_too(kms):
    arn, _ = rsa_key(kms)
    digest = hashlib.sha256(MESSAGE).digest()
    signed = kms.sign(KeyId=arn, Message=digest, MessageType="DIGEST", SigningAlgorithm="RSASSA_PSS_SHA_256")
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    public(kms, arn).verify(signed["Signature"], MESSAGE, pss, hashes.SHA256())


@pytest.mark.parametrize("length", [1, 31, 33, 48, 64])
def test_a_digest_of_the_wrong_length_is_refused(kms, length):
    arn, _ = rsa_key(kms)
    call = lambda: kms.sign(KeyId=arn, Message=b"d" * length, MessageType="DIGEST", SigningAlgorithm=RS256)  # noqa: E731
    assert code(call) == "ValidationException"


def test_a_raw_message_is_at_most_4096_bytes(kms):
    arn, _ = rsa_key(kms)
    kms.sign(KeyId=arn, Message=b"m" * 4096, SigningAlgorithm=RS256)
    assert code(lambda: kms.sign(KeyId=arn, Message=b"m" * 4097, SigningAlgorithm=RS256)) == "ValidationException"


def test_an_algorithm_the_key_spec_cannot_make_is_refused(kms):
    arn, _ = rsa_key(kms)
    # AWS answers InvalidKeyUsageException ("incompatible with the type of key material in the KMS key (KeySpec)");
    # moto ValidationException. Either way nothing is signed; the service maps both to KeyUnusable.
    digest = hashlib.sha256(MESSAGE).digest()
    for algorithm, message_type, message in itertools.product(
        ("ECDSA_SHA_256", "SM2DSA"), ("RAW", "DIGEST"), (MESSAGE, digest)
    ):
        request = {"KeyId": arn, "Message": message, "MessageType": message_type, "SigningAlgorithm": algorithm}
        assert code(lambda request=request: kms.sign(**request)) in {"ValidationException", "InvalidKeyUsageException"}
    encrypting = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["Arn"]
    assert code(lambda: kms.sign(KeyId=encrypting, Message=MESSAGE, SigningAlgorithm=RS256)) in {
        "ValidationException",
        "InvalidKeyUsageException",
    }
    assert code(lambda: kms.sign(KeyId=arn, Message=MESSAGE, MessageType="HASHED", SigningAlgorithm=RS256)) == (
        "ValidationException"
    )


def test_a_disabled_key_neither_signs_nor_publishes_until_enabled(kms):
    arn, key_id = rsa_key(kms)
    kms.disable_key(KeyId=key_id)
    assert code(lambda: kms.sign(KeyId=arn, Message=MESSAGE, SigningAlgorithm=RS256)) == "DisabledException"
    assert code(lambda: kms.get_public_key(KeyId=arn)) == "DisabledException"
    kms.enable_key(KeyId=key_id)
    kms.sign(KeyId=arn, Message=MESSAGE, SigningAlgorithm=RS256)


def test_a_key_pending_deletion_cannot_sign_and_a_cancelled_deletion_leaves_it_disabled(kms):
    arn, key_id = rsa_key(kms)
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert code(lambda: kms.sign(KeyId=arn, Message=MESSAGE, SigningAlgorithm=RS256)) == "KMSInvalidStateException"
    assert code(lambda: kms.get_public_key(KeyId=arn)) == "KMSInvalidStateException"
    kms.cancel_key_deletion(KeyId=key_id)  # AWS: the key comes back Disabled
    assert code(lambda: kms.sign(KeyId=arn, Message=MESSAGE, SigningAlgorithm=RS256)) == "DisabledException"


def test_an_unknown_key_is_not_found(kms):
    arn, key_id = rsa_key(kms)
    other = arn.replace(key_id, "00000000-0000-4000-8000-000000000000")
    assert code(lambda: kms.sign(KeyId=other, Message=MESSAGE, SigningAlgorithm=RS256)) == "NotFoundException"


def test_each_key_has_its_own_material_even_when_moto_reuses_it_between_tests():
    def four_keys() -> list[int]:
        with mock_aws():  # a fresh moto, as each test has
            kms = boto3.client("kms", region_name=REGION)
            return [public(kms, rsa_key(kms)[0]).public_numbers().n for _ in range(4)]

    first = four_keys()
    assert len(set(first)) == 4
    assert four_keys() == first  # the next test's keys reuse the material, in the same order: no two alike


def test_moto_by_itself_still_needs_the_corrections(kms):
    """If this fails after a moto upgrade, moto does it right by itself: drop the correction from local/moto_kms.py
    (moto's open pull request getmoto/moto#10202 implements DIGEST)."""
    arn, key_id = rsa_key(kms)
    digest = hashlib.sha256(MESSAGE).digest()
    with moto_kms.as_shipped():
        signed = kms.sign(KeyId=arn, Message=digest, MessageType="DIGEST", SigningAlgorithm=RS256)["Signature"]
        with pytest.raises(InvalidSignature):  # the digest was hashed again
            public(kms, arn).verify(signed, MESSAGE, padding.PKCS1v15(), hashes.SHA256())
        kms.sign(KeyId=arn, Message=b"d", MessageType="DIGEST", SigningAlgorithm=RS256)  # any length
        kms.sign(KeyId=arn, Message=b"m" * 5000, SigningAlgorithm=RS256)  # past 4096 bytes
        assert kms.get_public_key(KeyId=arn)["KeyId"] == key_id  # not the ARN
        kms.disable_key(KeyId=key_id)
        kms.sign(KeyId=arn, Message=MESSAGE, SigningAlgorithm=RS256)  # a disabled key signs


def test_the_corrections_hold_on_the_moto_server_of_sam_local_too():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        kms = boto3.client("kms", region_name=REGION, endpoint_url=f"http://{host}:{port}")
        arn, _ = rsa_key(kms)
        digest = hashlib.sha256(MESSAGE).digest()
        signed = kms.sign(KeyId=arn, Message=digest, MessageType="DIGEST", SigningAlgorithm=RS256)["Signature"]
        public(kms, arn).verify(signed, MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    finally:
        server.stop()
