"""What a CAS validation tells a service about the person: the `user` and the attributes its registration chose.

`user` is the account's identifier (the identifiant ATEN the student types, `jdupont12`): what CAS services of the
ENT world match their users on (Pronote's "Interconnexion CAS", the ENT's own services). Each service receives only
the attributes registered for it (`cas_attributes`, none by default), under the names the ENT world reads:

- `uid`: the identifier again, for services that read it from the attributes (Open ENT NG's default service);
- `nom`, `prenom`: last and first names, as Pronote's CAS interconnection and Open ENT NG name them;
- `mail`: the e-mail address, only once validated (an unvalidated address is released to nobody);
- `dateNaissance`: the birth date as Pronote reads it (DD/MM/YYYY), when the first connection gave it;
- `FrEduCtPersonAffiliation`: `eleve2d` (a student) or `resp2d` (a parent), EduConnect's name and values;
- `categories`: the profile as Pronote reads it, `National_1` (a student) or `National_2` (a parent);
- `FrEduCtEleveUAI`: the student's school (UAI), EduConnect's name (students only);
- `ENTEleveClasses`: the student's class, the SDET's name ("4e B"; students only, when the school gave one).

- `FrEduVecteur`: ATEN's vector `type|nom|prénom|id|UAI` as Open ENT NG builds it (edificeio/entcore,
  FrEduVecteurService): a student `4|nom|prénom|identifier|UAI`, a parent one value per child `2|nom|prénom|the
  child's identifier|the child's UAI` (the names the parent's own);
- `ENTAuxPersRelEleveEleve` (a parent: the children's identifiers) and `ENTEleveAutoriteParentale` (a student: the
  responsables' identifiers), the SDET's names.

CAS services know people by their identifier (`user`), so the links carry identifiers. Attribute values are lists
of strings (CAS attributes are multi-valued); an attribute with no value for this account is left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from ent_accounts.accounts import Account, Role

CATALOG = (
    "uid",
    "nom",
    "prenom",
    "mail",
    "dateNaissance",
    "FrEduCtPersonAffiliation",
    "categories",
    "FrEduCtEleveUAI",
    "ENTEleveClasses",
    "FrEduVecteur",
    "ENTAuxPersRelEleveEleve",
    "ENTEleveAutoriteParentale",
)
FAMILY = frozenset({"FrEduVecteur", "ENTAuxPersRelEleveEleve", "ENTEleveAutoriteParentale"})  # need the links read
AFFILIATION = {Role.STUDENT: "eleve2d", Role.PARENT: "resp2d"}
PRONOTE_CATEGORY = {Role.STUDENT: "National_1", Role.PARENT: "National_2"}
VECTOR_TYPE = {Role.STUDENT: "4", Role.PARENT: "2"}  # ATEN's vector types: 4 a student, 2 a responsable légal


def cas_user(account: Account) -> str:
    return account.identifier


def needs_family(names: Iterable[str]) -> bool:
    """Whether these attributes name the account's links (which cost a read at sign-in)."""
    return bool(FAMILY & set(names))


def released_attributes(account: Account, names: Iterable[str], family: Iterable[Account] = ()) -> dict[str, list[str]]:
    """The attributes of the account among `names` (unknown names are ignored), in the catalog's order. `family`:
    the accounts linked to it (a parent's children, a student's responsables)."""
    wanted = set(names)
    values = _values(account, sorted(family, key=lambda other: other.identifier))
    return {name: values[name] for name in CATALOG if name in wanted and values.get(name)}


def _vector(account: Account, student: Account) -> str:
    return "|".join((VECTOR_TYPE[account.role], account.last_name, account.first_name, student.identifier, student.uai))


def _values(account: Account, family: list[Account]) -> dict[str, list[str]]:
    student = account.role is Role.STUDENT
    linked = [other.identifier for other in family]
    values = {
        "uid": [account.identifier],
        "nom": [account.last_name],
        "prenom": [account.first_name],
        "mail": [account.email] if account.has_recovery_address and account.email else [],
        "dateNaissance": [account.birth_date.strftime("%d/%m/%Y")] if account.birth_date else [],
        "FrEduCtPersonAffiliation": [AFFILIATION[account.role]],
        "categories": [PRONOTE_CATEGORY[account.role]],
        "FrEduCtEleveUAI": [account.uai] if student else [],
        "ENTEleveClasses": [account.school_class] if student and account.school_class else [],
        "FrEduVecteur": [_vector(account, account)] if student else [_vector(account, child) for child in family],
        "ENTAuxPersRelEleveEleve": [] if student else linked,
        "ENTEleveAutoriteParentale": linked if student else [],
    }
    return {name: [value for value in given if value] for name, given in values.items()}
