"""Who the person is, as each service is told: `sub`, and the claims each scope releases.

- `sub`: the account's random `subject` (never the identifier: it is half the login, and built from the name), or
  for a client registered with
  `pairwise_subject`, BASE64URL(SHA-256(client's subject_salt + subject)) (OIDC Core §8.1): two such services
  cannot match their users through it.
- `sid`, the session's name in ID tokens and logout tokens: the session's random `sid`, or for a pairwise client
  BASE64URL(SHA-256(subject_salt + "sid:" + sid)) cut to 22 characters: a `sid` shared by every service would let
  two pairwise services (or a pairwise one and any public one) match their users for as long as the session lives.
- `profile`: given_name, family_name, preferred_username (the identifier, as the student types it).
- `email`: email and email_verified, only for an address the person validated (an unvalidated or absent address
  releases nothing: a service must not mail an address nobody proved).
- `ent`: what ENTs read from EduConnect, under EduConnect's own names and shapes (its userinfo answers
  `"FrEduCtPersonAffiliation": ["eleve2d"]`, `"FrEduCtEleveUAI": "0379142G"`): FrEduCtPersonAffiliation `eleve2d`
  (a student) or `resp2d` (a parent, "responsable légal"), the second-degree values, as these accounts are those of
  collèges and lycées; FrEduCtEleveUAI, the student's school (students only: EduConnect gives a parent's schools
  through the children, which come with families, issue 17); and the class. EduConnect releases no class (ENTs
  read it from their directory, the SDET's `ENTEleveClasses`), so the class goes under that SDET name, as a list
  with the school's label ("4e B"), students only.
- `ent`, families: `FrEduVecteur`, the vector ATEN and EduConnect send, `type|nom|prénom|id|UAI`, as Open ENT NG
  builds and reads it (edificeio/entcore, FrEduVecteurService: a student `4|nom|prénom|id|UAI`, a parent one value
  per child `2|nom|prénom|id of the child|UAI of the child`, the names being the parent's own); and the SDET's link
  attributes: for a parent `ENTAuxPersRelEleveEleve` (the children), for a student `ENTEleveAutoriteParentale` (the
  responsables). Every id is what this client knows the other person by: their `sub` for this client (pairwise
  included), never an identifier.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

from ent_accounts.accounts import Account, Role
from ent_accounts.sso.clients import Client

# In the order discovery lists them; `openid` releases `sub` only.
SCOPES = ("openid", "profile", "email", "ent")
SCOPE_CLAIMS = {
    "openid": ("sub",),
    "profile": ("given_name", "family_name", "preferred_username"),
    "email": ("email", "email_verified"),
    "ent": (
        "FrEduCtPersonAffiliation",
        "FrEduCtEleveUAI",
        "ENTEleveClasses",
        "FrEduVecteur",
        "ENTAuxPersRelEleveEleve",
        "ENTEleveAutoriteParentale",
    ),
}
# What ID tokens carry besides the scopes' claims (OIDC Core §2), for discovery's claims_supported.
ID_TOKEN_CLAIMS = ("iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "amr")
CLAIMS_SUPPORTED = (*ID_TOKEN_CLAIMS, *(claim for scope in SCOPES for claim in SCOPE_CLAIMS[scope]))
SID_CHARACTERS = 22  # 128 bits in base64url, as long as the session's own sid
AFFILIATION = {Role.STUDENT: "eleve2d", Role.PARENT: "resp2d"}
VECTOR_TYPE = {Role.STUDENT: "4", Role.PARENT: "2"}  # ATEN's vector types: 4 a student, 2 a responsable légal


def subject_for(client: Client, subject: str) -> str:
    """The `sub` this client knows the account by."""
    if not client.pairwise_subject:
        return subject
    digest = hashlib.sha256((client.subject_salt + subject).encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sid_for(client: Client, sid: str) -> str:
    """The `sid` this client knows the session by (its ID tokens and logout tokens say the same)."""
    if not client.pairwise_subject or not sid:
        return sid
    digest = hashlib.sha256((client.subject_salt + "sid:" + sid).encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")[:SID_CHARACTERS]


def vector(account: Account, known_as: str, child: Account | None = None) -> str:
    """One FrEduVecteur value: the account's type and names, and the id and school of the student it is about (the
    account itself, or for a parent one of their children)."""
    student = child or account
    return "|".join((VECTOR_TYPE[account.role], account.last_name, account.first_name, known_as, student.uai))


def scope_claims(
    account: Account,
    scopes: tuple[str, ...],
    family: Iterable[tuple[Account, str]] = (),
    subject: str | None = None,
) -> dict:
    """The claims the granted scopes release about the account (`sub` apart). `family`: the accounts linked to it
    (a parent's children, a student's responsables), each with the id this client knows them by; `subject`: the
    account's own `sub` for this client (a student's vector)."""
    claims: dict = {}
    if "profile" in scopes:
        claims.update(
            given_name=account.first_name, family_name=account.last_name, preferred_username=account.identifier
        )
    if "email" in scopes and account.has_recovery_address:
        claims.update(email=account.email, email_verified=True)
    if "ent" in scopes:
        claims["FrEduCtPersonAffiliation"] = [AFFILIATION[account.role]]
        if account.role is Role.STUDENT:
            claims["FrEduCtEleveUAI"] = account.uai
            if account.school_class:
                claims["ENTEleveClasses"] = [account.school_class]
        linked = sorted(family, key=lambda pair: pair[1])
        # FrEduVecteur carries names: released only to a client the `profile` scope was granted to as well.
        names = "profile" in scopes
        if account.role is Role.PARENT and linked:
            if names:
                claims["FrEduVecteur"] = [vector(account, known_as, child) for child, known_as in linked]
            claims["ENTAuxPersRelEleveEleve"] = [known_as for _, known_as in linked]
        if account.role is Role.STUDENT:
            if subject and names:
                claims["FrEduVecteur"] = [vector(account, subject)]
            if linked:
                claims["ENTEleveAutoriteParentale"] = [known_as for _, known_as in linked]
    return claims
