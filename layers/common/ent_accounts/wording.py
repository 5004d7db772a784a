"""One register per audience (issue 18): "tu" to a student, "vous" to a parent, and impersonal words, with
neither, where nobody is known yet (before a login: the login page, a forgotten password, a mistyped address).

A sentence that addresses its reader is a `Say` with its three forms; a plain `str` is already neutral and fits
everyone. Use cases and errors hold messages as they are (`Message`); the web layer turns them into text once,
for the audience it knows (`web/pages.py: page`, `DomainError.message_for`). Every form is gender-neutral.
"""

from __future__ import annotations

from dataclasses import dataclass

STUDENT = "eleve"  # the account roles (accounts.Role), which are the audiences
PARENT = "parent"


@dataclass(frozen=True)
class Say:
    """A sentence for a student ("tu"), for a parent ("vous"), and for a reader not known ("neutral": neither)."""

    student: str
    parent: str
    neutral: str

    def to(self, audience: str | None) -> str:
        """The form for `audience` (an account's role, "eleve" or "parent"); any other value: the neutral one."""
        if audience == PARENT:
            return self.parent
        if audience == STUDENT:
            return self.student
        return self.neutral

    def format(self, **values: object) -> Say:
        """The three forms with the same values put in (str.format)."""
        return Say(self.student.format(**values), self.parent.format(**values), self.neutral.format(**values))

    def __str__(self) -> str:  # a message shown without an audience (a log line, an exception's text)
        return self.neutral


Message = str | Say


def text_for(message: Message | None, audience: str | None) -> str | None:
    """A message as `audience` reads it (a plain str is the same for everyone)."""
    return message.to(audience) if isinstance(message, Say) else message


def audience_of(context: dict) -> str | None:
    """The audience a page speaks to: its `audience`, else its account's role, else None (nobody known)."""
    audience = context.get("audience")
    if audience is None and (account := context.get("account")) is not None:
        audience = getattr(account, "role", None)
    return None if audience is None else str(audience)


def resolved(value: object, audience: str | None) -> object:
    """`value` with every Say in it turned into its text for `audience`: the value itself, or the values of a dict
    (a form's errors) or the items of a tuple or list (one level down, as the pages pass them)."""
    if isinstance(value, Say):
        return value.to(audience)
    if isinstance(value, dict) and any(isinstance(item, Say) for item in value.values()):
        return {key: item.to(audience) if isinstance(item, Say) else item for key, item in value.items()}
    if isinstance(value, (tuple, list)) and any(isinstance(item, Say) for item in value):
        return type(value)(item.to(audience) if isinstance(item, Say) else item for item in value)
    return value
