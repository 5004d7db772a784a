"""Bodies of the grants routes (/api/admin/grants…), as the OpenAPI document describes them: only the HTTP shape
here; the rules (what a principal is, the UAIs) and their French messages are the flow's (flows/iam_grants.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ent_accounts.flows.iam_grants import MAX_SCHOOLS
from ent_accounts.web.schemas import Instant

Principal = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2048,
        examples=["arn:aws:iam::123456789012:role/siecle-sync-occitanie"],
        description="ARN d'un rôle IAM (toutes ses sessions en profitent) ou d'un utilisateur IAM",
    ),
]
Uai = Annotated[str, Field(max_length=20, examples=["0341234A"])]


class GrantRequest(BaseModel):
    """The schools a principal may act on through /api/admin/, replacing what it held."""

    model_config = ConfigDict(extra="forbid")

    principal: Principal
    schools: list[Uai] = Field(default_factory=list, max_length=MAX_SCHOOLS, description="Codes UAI")
    all_schools: bool = Field(False, strict=True, description="Tous les établissements (exclusif de schools)")
    version: int | None = Field(
        None,
        strict=True,
        ge=0,
        description="La version lue (0 : aucune autorisation) : une autorisation modifiée entre-temps n'est pas "
        "écrasée (409)",
    )


class GrantChange(BaseModel):
    """Schools added to a principal's grant and others taken from it, the rest kept (no version needed)."""

    model_config = ConfigDict(extra="forbid")

    principal: Principal
    add: list[Uai] = Field(default_factory=list, max_length=MAX_SCHOOLS, description="Codes UAI à ajouter")
    remove: list[Uai] = Field(default_factory=list, max_length=MAX_SCHOOLS, description="Codes UAI à retirer")


class GrantView(BaseModel):
    principal: str = Field(description="La clé : le rôle sans son chemin, ou l'utilisateur")
    arn: str = Field(description="L'ARN tel qu'il a été donné")
    schools: list[str]
    all_schools: bool
    created_by: str
    created_at: Instant | None
    updated_by: str
    updated_at: Instant | None
    version: int


class GrantList(BaseModel):
    grants: list[GrantView]
    admin_principals: list[str] = Field(
        description="Les principaux du paramètre AdminPrincipals : tous les établissements, hors de la table"
    )


class CallerScope(BaseModel):
    caller: str = Field(description="Qui a signé la demande (ARN IAM)")
    principal: str | None = Field(description="Le principal dont l'autorisation s'applique (None : aucun)")
    all_schools: bool
    schools: list[str]
    bootstrap: bool = Field(description="Un principal du paramètre AdminPrincipals")
