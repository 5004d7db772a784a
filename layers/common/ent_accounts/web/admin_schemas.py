"""Bodies of the school routes (/api/admin/…): checked with French messages the school reads, and documented."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from ent_accounts import schools
from ent_accounts.web.schemas import Instant, OptionalEmail, blank_is_none, parse_birth_date

MAX_ROWS = 2000


def _birth_date(value: str) -> date:
    # The school's date in the API's format; the CLI turns spreadsheet dates (JJ/MM/AAAA) into it.
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise PydanticCustomError("date_format", "La date doit être au format AAAA-MM-JJ.")
    return parse_birth_date(value)


def _uai(value: str) -> str:
    uai = schools.normalize_uai(value)
    if uai is None:
        raise PydanticCustomError("uai_format", schools.UAI_MESSAGE)
    return uai


def _name(value: str) -> str:
    value = schools.tidy(value)
    if error := schools.name_error(value):
        raise PydanticCustomError("name_format", error)
    return value


def _school_name(value: str) -> str:
    if error := schools.school_name_error(value):
        raise PydanticCustomError("school_name_format", error)
    return schools.tidy(value)


def _role(value: str) -> str:
    role = schools.parse_role(value)
    if role is None:
        raise PydanticCustomError("role_value", schools.ROLE_MESSAGE)
    return role.value


def _class(value: str) -> str:
    value = schools.tidy(value)
    if error := schools.class_error(value):
        raise PydanticCustomError("class_format", error)
    return value


Uai = Annotated[
    str, Field(max_length=20, examples=["0341234A"], description="Code UAI de l'établissement"), AfterValidator(_uai)
]
PersonName = Annotated[str, Field(max_length=200, examples=["Le Bihan-Pérez"]), AfterValidator(_name)]
RoleName = Annotated[str, Field(max_length=20, json_schema_extra={"enum": ["eleve", "parent"]}), AfterValidator(_role)]
SchoolClass = Annotated[str, Field(max_length=100, examples=["4e B"]), AfterValidator(_class)]
OptionalSchoolClass = Annotated[SchoolClass | None, BeforeValidator(blank_is_none)]
SchoolName = Annotated[
    str,
    Field(max_length=200, examples=["Collège Jean Moulin"], description="Nom imprimé sur les lettres, sur une ligne"),
    AfterValidator(_school_name),
]
BirthDate = Annotated[
    str,
    Field(max_length=10, examples=["2011-05-14"], json_schema_extra={"format": "date"}),
    AfterValidator(_birth_date),
]
OptionalBirthDate = Annotated[BirthDate | None, BeforeValidator(blank_is_none)]
StatusName = Literal["PROVISIONED", "PENDING_VALIDATION", "ACTIVE"]


class ResponsableRow(BaseModel):
    """A student's legal guardian named on the student's line: a parent account linked to the student."""

    last_name: PersonName
    first_name: PersonName
    email: OptionalEmail = None
    relation: Annotated[str | None, Field(max_length=40, examples=["MERE"])] = None


class NewAccountRow(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    last_name: PersonName
    first_name: PersonName
    birth_date: OptionalBirthDate = None
    role: RoleName
    school_class: OptionalSchoolClass = Field(None, alias="class")
    line: Annotated[
        int | None, Field(ge=1, le=1_000_000, description="Ligne dans le fichier de l'établissement (messages)")
    ] = None
    email: Annotated[
        OptionalEmail, Field(description="Adresse d'un parent (le reconnaît ; validée à sa connexion)")
    ] = None
    responsables: Annotated[list[ResponsableRow], Field(max_length=schools.MAX_RESPONSABLES)] = []
    homonym: bool = Field(False, description="Créer même si l'établissement a déjà ces nom, prénom et date")


class CreateAccountsRequest(BaseModel):
    uai: Uai
    accounts: Annotated[list[NewAccountRow], Field(min_length=1, max_length=MAX_ROWS)]


class IssuedAccount(BaseModel):
    """A created or reset account with its provisional password: shown this once, never stored in clear."""

    model_config = ConfigDict(populate_by_name=True)

    row: int = Field(description="Index de la ligne dans la demande (à partir de 0)")
    identifier: str
    provisional_password: str
    provisional_expires_at: Instant
    last_name: str
    first_name: str
    role: Literal["eleve", "parent"]
    birth_date: str | None = None
    school_class: str | None = Field(None, alias="class")


class LinkedPerson(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    identifier: str
    first_name: str
    last_name: str
    school_class: str | None = Field(None, alias="class")


class CreatedAccount(IssuedAccount):
    children: list[LinkedPerson] | None = Field(None, description="Les enfants d'un parent (nommés sur sa lettre)")


class ExistingAccount(BaseModel):
    """A person the school already had: recognised, not created (no new password)."""

    model_config = ConfigDict(populate_by_name=True)

    row: int
    identifier: str
    role: Literal["eleve", "parent"]
    first_name: str
    last_name: str
    school_class: str | None = Field(None, alias="class")
    previous_class: str | None = Field(None, description="La classe d'avant, quand l'import l'a changée")
    children: list[LinkedPerson] | None = None


class Link(BaseModel):
    parent: str
    child: str


class CreateAccountsResponse(BaseModel):
    uai: str
    login_url: str
    accounts: list[CreatedAccount]
    existing: list[ExistingAccount] = []
    links: list[Link] = []


class LinkRequest(BaseModel):
    uai: Uai
    parent: Annotated[str, Field(min_length=1, max_length=64)]
    child: Annotated[str, Field(min_length=1, max_length=64)]


class LinkResponse(Link):
    uai: str


class ResetResponse(IssuedAccount):
    uai: str
    login_url: str
    status: Literal["PROVISIONED"]


class SchoolAccountView(BaseModel):
    """An account as the school sees it: never a secret, nor the personal e-mail address itself."""

    model_config = ConfigDict(populate_by_name=True)

    identifier: str
    role: Literal["eleve", "parent"]
    first_name: str
    last_name: str
    school_class: str | None = Field(None, alias="class")
    status: StatusName
    email_verified: bool
    validation_deadline: Instant | None
    provisional_expires_at: Instant | None
    deadline: Instant | None = Field(
        description="L'échéance à surveiller : validation de l'adresse mail, ou fin du mot de passe provisoire"
    )


class SchoolAccountRow(SchoolAccountView):
    children: list[LinkedPerson] | None = Field(None, description="Un parent : ses enfants")
    responsables: list[LinkedPerson] | None = Field(None, description="Un élève : ses responsables")


class SchoolAccountList(BaseModel):
    uai: str
    accounts: list[SchoolAccountRow]


class SchoolAccountDetail(SchoolAccountView):
    uai: str
    children: list[LinkedPerson] | None = Field(None, description="Un parent : ses enfants")
    responsables: list[LinkedPerson] | None = Field(None, description="Un élève : ses responsables")
    birth_date: str | None
    has_email: bool
    created_at: Instant | None


class LettersRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    uai: Uai
    school_class: OptionalSchoolClass = Field(None, alias="class")
    role: Annotated[RoleName | None, BeforeValidator(blank_is_none)] = None
    identifiers: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=500)] = []
    school_name: Annotated[SchoolName | None, BeforeValidator(blank_is_none)] = None
