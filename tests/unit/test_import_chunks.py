"""How a big import is cut into transactions: each counter once per transaction, at most 100 writes each."""

from collections import Counter

from ent_accounts.flows.provisioning import _chunks
from ent_accounts.store import Store

MAX_WRITES = Store.max_writes_per_transaction


def check(bases):
    chunks = _chunks(bases, MAX_WRITES)
    seen = Counter()
    for chunk in chunks:
        in_chunk = [base for base, _ in chunk]
        assert len(in_chunk) == len(set(in_chunk))  # a transaction cannot write one counter twice
        assert sum(1 + len(indices) for _, indices in chunk) <= MAX_WRITES
        for _, indices in chunk:
            seen.update(indices)
    assert sorted(seen) == list(range(len(bases))) and set(seen.values()) == {1}
    return chunks


def test_distinct_names_fill_transactions():
    chunks = check([f"e{n}" for n in range(1000)])
    assert len(chunks) == 20  # 50 rows and their 50 counters each


def test_a_very_common_name_is_split_over_transactions():
    chunks = check(["jmartin"] * 250 + ["adupont"] * 3)
    assert len(chunks) >= 3


def test_mixed():
    check(["jmartin", "adupont", "jmartin", "zz"] * 60 + [f"x{n}" for n in range(77)])
