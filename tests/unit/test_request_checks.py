"""The nesting pre-scan of JSON bodies: brackets outside strings only, and cheap on the largest body."""

from __future__ import annotations

import time

import pytest

from ent_accounts.web.request_checks import MAX_JSON_DEPTH, nested_deeper_than


@pytest.mark.parametrize(
    ("text", "deeper"),
    [
        ("[" * 33 + "]" * 33, True),
        ("[" * 32 + "]" * 32, False),
        ('{"a": ' * 33 + "1" + "}" * 33, True),
        ('["' + "[" * 40 + '"]', False),  # in a string
        ('["\\"' + "[" * 40 + '"]', False),  # after an escaped quote, still in the string
        ('["\\\\", ' + "[" * 32 + "]" * 32 + "]", True),  # an escaped backslash ends with the string
        ('"' + "[" * 40, False),  # an unterminated string (json.loads refuses it)
        ("[]" * 1000, False),
    ],
)
def test_only_brackets_outside_strings_count(text, deeper):
    assert nested_deeper_than(text, MAX_JSON_DEPTH) is deeper


@pytest.mark.parametrize("body", ["[]" * 5_000_000, '["' + '\\"[' * 3_000_000 + '"]', "[" * 10_000_000])
def test_the_scan_of_a_10_mb_body_is_cheap(body):
    """API Gateway lets 10 MB through; CPU time, so a busy machine does not fail it."""
    started = time.process_time()
    nested_deeper_than(body, MAX_JSON_DEPTH)
    assert time.process_time() - started < 3
