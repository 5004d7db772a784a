"""IAM callers of /api/admin/ and the schools they may act on.

API Gateway's AWS_IAM authorisation says who signed a request (`requestContext.identity.userArn`) but not which
schools that caller may touch: the UAI is in the body or the query, out of IAM's sight. A grant, kept in the table
by ops (store/iam_grants.py), names a principal and its schools, or "all schools"; the admin routes compare the
request's UAI with the caller's grant.

What a grant names, and how a caller is matched to it:
- a role, `arn:<partition>:iam::<account>:role[/<path>]/<name>`. A caller using the role signs as one of its
  sessions, `arn:<partition>:sts::<account>:assumed-role/<name>/<session>`, whose ARN carries neither the role's path
  nor anything but its name: both are brought to `arn:<partition>:iam::<account>:role/<name>` (a role's name is
  unique in its account, whatever its path), so every session of the role holds the role's grant;
- an IAM user, `arn:<partition>:iam::<account>:user[/<path>]/<name>`, matched exactly (API Gateway gives the
  user's ARN as IAM has it, path included).
Anything else (a federated user, the account's root, an ARN that does not parse, a partition other than aws,
aws-cn and aws-us-gov) holds no grant: the caller is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
_NAME = r"[\w+=,.@-]{1,64}"  # IAM's role and user names
_PATH = r"(?:/[\x21-\x7e]{0,510})?"  # IAM's paths: /…/, printable ASCII
_ACCOUNT = r"\d{12}"
_PARTITION = "|".join(re.escape(p) for p in PARTITIONS)
_ROLE = re.compile(
    rf"arn:(?P<partition>{_PARTITION}):iam::(?P<account>{_ACCOUNT}):role{_PATH}/(?P<name>{_NAME})", re.ASCII
)
_USER = re.compile(
    rf"arn:(?P<partition>{_PARTITION}):iam::(?P<account>{_ACCOUNT}):user{_PATH}/(?P<name>{_NAME})", re.ASCII
)
_SESSION = re.compile(
    rf"arn:(?P<partition>{_PARTITION}):sts::(?P<account>{_ACCOUNT}):assumed-role/(?P<name>{_NAME})/[\w+=,.@-]{{2,64}}",
    re.ASCII,
)
LOCAL = "local"  # the caller of a request that no IAM signed: the local server's (web/routes/admin.py)

PRINCIPAL_MESSAGE = (
    "Le principal est l'ARN d'un rôle IAM (arn:aws:iam::123456789012:role/NomDuRole) ou d'un utilisateur IAM "
    "(arn:aws:iam::123456789012:user/nom) ; pour une session (arn:aws:sts::…:assumed-role/NomDuRole/session), donnez "
    "le rôle : toutes ses sessions en profitent."
)


def _role(partition: str, account: str, name: str) -> str:
    return f"arn:{partition}:iam::{account}:role/{name}"


def caller_principal(arn: str | None) -> str | None:
    """The principal whose grant applies to the caller who signed as `arn` (None: no grant can apply)."""
    if not arn or len(arn) > 2048:
        return None
    if match := _SESSION.fullmatch(arn):
        return _role(match["partition"], match["account"], match["name"])
    if match := _ROLE.fullmatch(arn):
        return _role(match["partition"], match["account"], match["name"])
    if _USER.fullmatch(arn):
        return arn
    return None


def granted_principal(arn: str) -> str | None:
    """The key a grant for `arn` (a role or an IAM user, as ops write it) is kept under; None for anything else,
    an assumed-role session included (a grant names the role: every session of it holds the grant)."""
    arn = arn.strip()
    if len(arn) > 2048:
        return None
    if match := _ROLE.fullmatch(arn):
        return _role(match["partition"], match["account"], match["name"])
    if _USER.fullmatch(arn):
        return arn
    return None


@dataclass(frozen=True)
class Grant:
    """The schools one IAM principal may act on through /api/admin/ (or all of them), as ops set them."""

    principal: str  # the key (granted_principal): a role without its path, or a user's ARN
    arn: str  # as ops wrote it (a role's path kept), for reading
    schools: frozenset[str] = frozenset()
    all_schools: bool = False
    created_by: str = ""
    created_at: datetime | None = None
    updated_by: str = ""
    updated_at: datetime | None = None
    version: int = 0


@dataclass(frozen=True)
class Scope:
    """What the caller of one request may act on: the schools of its grant, or all of them."""

    caller: str
    all_schools: bool = False
    schools: frozenset[str] = field(default_factory=frozenset)
    bootstrap: bool = False  # an ARN of the AdminPrincipals parameter (never in the table)

    def covers(self, uai: str) -> bool:
        return self.all_schools or uai in self.schools
