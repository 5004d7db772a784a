from datetime import UTC, datetime, timedelta

from ent_accounts import lockout
from ent_accounts.accounts import Account, Role, Status, due_reminder, next_event_at


def test_lock_grows_from_the_fifth_failure_and_is_capped():
    locks = [lockout.lock_after(n) for n in range(1, 14)]
    minutes = [lock.total_seconds() / 60 for lock in locks]
    assert minutes == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_guesses_per_day_stay_far_below_nist_ceiling():
    elapsed, failures = timedelta(0), 0
    while elapsed < timedelta(days=1):
        failures += 1
        elapsed += lockout.lock_after(failures) or timedelta(seconds=1)
    assert failures < 40  # NIST SP 800-63B allows at most 100 consecutive failures


def pending(deadline, stage=0):
    return Account(
        "x",
        "0341234A",
        Role.STUDENT,
        "A",
        "B",
        status=Status.PENDING_VALIDATION,
        validation_deadline=deadline,
        reminder_stage=stage,
    )


def test_next_event_and_due_reminders():
    deadline = datetime(2027, 2, 28, 14, 37, tzinfo=UTC)
    account = pending(deadline)
    assert next_event_at(account) == datetime(2027, 1, 28, 14, 37, tzinfo=UTC)
    assert due_reminder(account, datetime(2027, 1, 28, 14, 36, tzinfo=UTC)) is None
    assert due_reminder(account, datetime(2027, 1, 28, 14, 37, tzinfo=UTC)) == 1
    assert due_reminder(account, datetime(2027, 2, 21, 14, 37, tzinfo=UTC)) == 2  # late run: only the latest
    account.reminder_stage = 1
    assert next_event_at(account) == datetime(2027, 2, 21, 14, 37, tzinfo=UTC)
    assert due_reminder(account, datetime(2027, 2, 1, tzinfo=UTC)) is None
    account.reminder_stage = 2
    assert next_event_at(account) == deadline
    assert due_reminder(account, deadline) is None
    account.status = Status.ACTIVE
    assert next_event_at(account) is None
