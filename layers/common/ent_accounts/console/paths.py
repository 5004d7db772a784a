"""The paths the school pages link to, under /etablissement/<uai>/ (French slugs, like the students' pages).

Proposed for the routes that will serve these pages; a caller with other paths passes its own `SchoolPaths`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

CONSOLE = "/etablissement"


@dataclass(frozen=True)
class SchoolPaths:
    """Every page of one school's console; `root` (a stage prefix) is added by the templates, as for other pages."""

    uai: str

    @property
    def base(self) -> str:
        return f"{CONSOLE}/{quote(self.uai, safe='')}"

    @property
    def dashboard(self) -> str:
        return self.base

    @property
    def accounts(self) -> str:
        return f"{self.base}/comptes"

    def account(self, identifier: str) -> str:
        return f"{self.accounts}/{quote(identifier, safe='')}"

    def reset(self, identifier: str) -> str:
        return f"{self.account(identifier)}/reinitialiser"

    def delete(self, identifier: str) -> str:
        return f"{self.account(identifier)}/supprimer"

    @property
    def upload(self) -> str:
        return f"{self.base}/import"

    @property
    def import_confirm(self) -> str:
        return f"{self.base}/import/creer"

    @property
    def letters(self) -> str:
        return f"{self.base}/lettres"

    @property
    def contact(self) -> str:
        """The school's name and contact, which its students' and parents' pages show (administrators edit it)."""
        return f"{self.base}/coordonnees"

    @property
    def team(self) -> str:
        """The school's staff (administrators only): the list, the invitation form."""
        return f"{self.base}/equipe"

    @property
    def team_remove(self) -> str:
        """Where the confirmation page posts: a member taken off the school's team."""
        return f"{self.team}/retirer"

    def team_remove_confirmation(self, member_id: str) -> str:
        return f"{self.team_remove}?{urlencode({'membre': member_id})}"

    def chase(self, weeks: int | None = None) -> str:
        path = f"{self.base}/a-relancer"
        return f"{path}?{urlencode({'semaines': weeks})}" if weeks else path

    def reminders(self, weeks: int, school_class: str | None = None) -> str:
        """The reminder letters (PDF) of the accounts to chase: a GET, since printing them changes nothing."""
        query = {"semaines": weeks, **({"classe": school_class} if school_class else {})}
        return f"{self.base}/a-relancer/lettres.pdf?{urlencode(query)}"

    def listing(self, **query: str | int | None) -> str:
        """The list with these search terms and filters (empty ones left out)."""
        kept = {name: value for name, value in query.items() if value not in (None, "")}
        return f"{self.accounts}?{urlencode(kept)}" if kept else self.accounts
