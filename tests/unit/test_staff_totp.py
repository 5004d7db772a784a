"""TOTP (RFC 6238) on the injected clock: the RFC's vectors, the ±1 step window, replay, recovery codes."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from ent_accounts.clock import FrozenClock
from ent_accounts.staff import recovery, totp

# RFC 6238, Appendix B: the SHA-1 seed is the ASCII "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("seconds", "expected"), RFC_VECTORS)
def test_the_rfc_6238_vectors(seconds, expected):
    step = seconds // 30
    assert totp.code_at_step(RFC_SECRET, step, digits=8) == expected
    assert totp.code_at(RFC_SECRET, datetime.fromtimestamp(seconds, UTC)) == expected[-6:]


@pytest.fixture
def clock():
    return FrozenClock(datetime(2026, 9, 1, 8, 0, 10, tzinfo=UTC))


@pytest.fixture
def secret():
    return totp.new_secret()


def test_the_window_is_one_step_each_side(clock, secret):
    now = clock.now()
    current = totp.step_of(now)
    for offset in (-1, 0, 1):
        code = totp.code_at_step(secret, current + offset)
        assert totp.accepted_step(secret, code, now) == current + offset
    for offset in (-2, 2):  # just outside the window
        assert totp.accepted_step(secret, totp.code_at_step(secret, current + offset), now) is None


def test_a_code_from_a_minute_ago_is_refused(clock, secret):
    code = totp.code_at(secret, clock.now())
    clock.advance(seconds=30)
    assert totp.accepted_step(secret, code, clock.now()) is not None  # the previous step: still in the window
    clock.advance(seconds=30)
    assert totp.accepted_step(secret, code, clock.now()) is None


def test_a_used_code_and_any_earlier_one_are_refused(clock, secret):
    now = clock.now()
    code = totp.code_at(secret, now)
    step = totp.accepted_step(secret, code, now)
    assert totp.accepted_step(secret, code, now, last_step=step) is None  # replay
    earlier = totp.code_at(secret, now - timedelta(seconds=30))
    assert totp.accepted_step(secret, earlier, now, last_step=step) is None  # older than the last accepted
    later = totp.code_at(secret, now + timedelta(seconds=30))
    assert totp.accepted_step(secret, later, now, last_step=step) == step + 1


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 34 5"])
def test_what_is_not_six_digits_is_refused_before_any_hash(typed, secret, clock):
    assert totp.accepted_step(secret, typed, clock.now()) is None


def test_spaces_as_applications_show_them_are_accepted(clock, secret):
    code = totp.code_at(secret, clock.now())
    assert totp.accepted_step(secret, f"{code[:3]} {code[3:]}", clock.now()) is not None


def test_the_secret_and_its_uri_are_what_applications_read(secret):
    assert len(secret) == 32 and set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert totp.grouped(secret).replace(" ", "") == secret and len(totp.grouped(secret).split()) == 8
    uri = urlsplit(totp.provisioning_uri(secret, "claire.martin@ac-montpellier.fr"))
    query = parse_qs(uri.query)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert query == {
        "secret": [secret],
        "issuer": ["ENT établissements"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
    assert "claire.martin@ac-montpellier.fr" in uri.path


def test_recovery_codes_are_ten_distinct_and_hashed_alike_however_typed():
    codes = recovery.new_codes()
    assert len(set(codes)) == 10
    code = codes[0]
    assert recovery.looks_like_recovery_code(code.lower().replace("-", " "))
    secret, member_id = totp.new_secret(), "a" * 24
    stored = recovery.hash_code(secret, member_id, code)
    assert stored == recovery.hash_code(secret, member_id, code.lower().replace("-", ""))
    assert stored != code and len(stored) == 64
    # Keyed: neither another member's nor another secret's hash of the same code matches, nor its plain SHA-256.
    assert stored != recovery.hash_code(secret, "b" * 24, code)
    assert stored != recovery.hash_code(totp.new_secret(), member_id, code)
    assert stored != hashlib.sha256(recovery.normalize(code).encode()).hexdigest()
    assert not recovery.looks_like_recovery_code("123456")
