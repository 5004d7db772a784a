"""The nesting pre-scan of JSON bodies: brackets outside strings only, up to the largest body."""

from __future__ import annotations

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


@pytest.mark.parametrize(
    ("body", "deeper"),
    [("[]" * 5_000_000, False), ('["' + '\\"[' * 3_000_000 + '"]', False), ("[" * 10_000_000, True)],
)
def test_a_10_mb_body_is_scanned_to_the_right_answer(body, deeper):
    """API Gateway lets 10 MB through: the scan reads it all and answers (its CPU time is in bench/json_scan.py)."""
    assert nested_deeper_than(body, MAX_JSON_DEPTH) is deeper
