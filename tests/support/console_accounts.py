"""Made-up accounts of one school, as its list shows them, for the console's views and pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ent_accounts.accounts import Status
from ent_accounts.console.paths import SchoolPaths
from ent_accounts.schools import SchoolAccount

UAI = "0341234A"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SCHOOL = SchoolPaths(UAI)


def student(identifier, first, last, school_class="4e B", status=Status.PROVISIONED, **extra) -> SchoolAccount:
    values = {
        "email_verified": status is Status.ACTIVE,
        "validation_deadline": None,
        "provisional_expires_at": NOW + timedelta(days=80) if status is Status.PROVISIONED else None,
    }
    values.update(extra)
    return SchoolAccount(identifier, "eleve", first, last, school_class, status, **values)


def parent(identifier, first, last, status=Status.PROVISIONED, children=(), **extra) -> SchoolAccount:
    values = {
        "email_verified": status is Status.ACTIVE,
        "validation_deadline": None,
        "provisional_expires_at": NOW + timedelta(days=80) if status is Status.PROVISIONED else None,
        "linked": tuple(children),
    }
    values.update(extra)
    return SchoolAccount(identifier, "parent", first, last, None, status, **values)


def pending(identifier, first, last, days, school_class="4e B", role="eleve") -> SchoolAccount:
    maker = student if role == "eleve" else parent
    extra = {"school_class": school_class} if role == "eleve" else {}
    return maker(
        identifier, first, last, status=Status.PENDING_VALIDATION, validation_deadline=NOW + timedelta(days=days),
        **extra,
    )  # fmt: skip


FATOU = ("fpetit", "Fatou", "Petit", "3e A")


FATOU = ("fpetit", "Fatou", "Petit", "3e A")


def school() -> list[SchoolAccount]:
    """Eleven accounts: 4e B (five students), 3e A (two), one without class, three parents."""
    return [
        student("jdupont", "Jeanne", "Dupont", "4e B"),
        student("zlebihan", "Zoé", "Le Bihan", "4e B", Status.ACTIVE),
        pending("amartin", "Arthur", "Martin", 5, "4e B"),  # deleted within the week
        pending("bnguyen", "Bảo", "Nguyễn", 12, "4e B"),  # within two weeks
        student("cdurand", "Chloé", "Durand", "4e B", provisional_expires_at=NOW - timedelta(days=1)),  # expired
        student("eleroy", "Émile", "Leroy", "3e A", provisional_expires_at=NOW + timedelta(days=20)),  # 4 weeks
        pending("fpetit", "Fatou", "Petit", 40, "3e A"),  # beyond four weeks
        student("gsans", "Gaël", "Sansclasse", None, Status.ACTIVE),
        parent("mdupont", "Marie", "Dupont", children=[("jdupont", "Jeanne", "Dupont", "4e B")]),
        parent("pmartin", "Paul", "Martin", Status.ACTIVE, children=[("amartin", "Arthur", "Martin", "4e B"), FATOU]),
        pending("lseul", "Lucie", "Seul", 6, role="parent"),
    ]
