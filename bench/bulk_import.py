"""5. Bulk import: one POST /api/admin/accounts of a school's list (bench/import_accounts.py's measurement)."""

from __future__ import annotations

from typing import Any

from bench import import_accounts

COGNITO_CREATIONS_PER_SECOND = 50  # Amazon Cognito's default quota for AdminCreateUser


def bulk_import(count: int, backend: str) -> dict[str, Any]:
    run = import_accounts.measure(backend, count)
    return {
        "accounts": count,
        "backend": backend,
        "seconds": round(run.seconds, 2),
        "accounts_per_second": round(count / run.seconds, 1),
        "cognito_default_quota_per_second": COGNITO_CREATIONS_PER_SECOND,
        # The school index (docs/DESIGN.md, "Hot keys"): its writes, over how many keys, the busiest key's.
        "index_writes": run.index_writes,
        "index_keys": run.index_keys,
        "busiest_index_key_writes": run.busiest_key_writes,
        "busiest_index_key_writes_per_second": round(run.busiest_key_per_second(), 1),
    }
