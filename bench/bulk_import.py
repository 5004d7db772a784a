"""5. Bulk import: one POST /api/admin/accounts of a school's list (bench/import_accounts.py's measurement)."""

from __future__ import annotations

from typing import Any

from bench import import_accounts

COGNITO_CREATIONS_PER_SECOND = 50  # Amazon Cognito's default quota for AdminCreateUser


def bulk_import(count: int, backend: str) -> dict[str, Any]:
    elapsed = import_accounts.measure(backend, count)
    return {
        "accounts": count,
        "backend": backend,
        "seconds": round(elapsed, 2),
        "accounts_per_second": round(count / elapsed, 1),
        "cognito_default_quota_per_second": COGNITO_CREATIONS_PER_SECOND,
    }
