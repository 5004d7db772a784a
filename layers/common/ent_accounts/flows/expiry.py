"""The scheduled sweep: delete pending accounts whose 3 months have passed (TTL is only a backstop)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ent_accounts.services import Services


@dataclass
class SweepSummary:
    expired_found: int = 0
    deleted: int = 0
    skipped: int = 0  # validated or deleted by someone else between the index read and the delete

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def sweep_expired_accounts(services: Services, request_id: str) -> SweepSummary:
    """Safe to run twice or concurrently: each delete is conditional on the account still being expired."""
    now = services.clock.now()
    summary = SweepSummary()
    for expired in services.store.expired_pending_accounts(now):
        summary.expired_found += 1
        if services.store.delete_expired_account(expired, now, request_id):
            summary.deleted += 1
        else:
            summary.skipped += 1
    return summary
