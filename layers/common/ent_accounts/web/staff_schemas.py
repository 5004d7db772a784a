"""Bodies of the staff routes of ops (/api/admin/staff…), as the OpenAPI document describes them. The rules and
their French messages are the flow's (flows/staff.py), whoever invites."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ent_accounts.web.schemas import Instant


class StaffInviteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    email: str = Field(
        max_length=254, examples=["claire.martin@ac-montpellier.fr"], description="Adresse professionnelle"
    )
    first_name: str = Field(max_length=100, examples=["Claire"])
    last_name: str = Field(max_length=100, examples=["Martin"])
    uai: str = Field(max_length=20, examples=["0341234A"])
    role: str = Field(max_length=20, examples=["gestionnaire"], description="administrateur, gestionnaire ou lecteur")


class StaffView(BaseModel):
    member_id: str
    email: str
    first_name: str
    last_name: str
    status: Literal["INVITED", "ACTIVE", "DISABLED"]
    roles: dict[str, Literal["administrateur", "gestionnaire", "lecteur"]] = Field(description="UAI → rôle")
    enrolled: bool = Field(description="Application d'authentification associée")
    recovery_codes_left: int


class StaffInvited(StaffView):
    new: bool = Field(description="Nouveau compte (false : rôle ajouté à un compte existant)")
    invitation_expires_at: Instant | None = Field(description="Fin de validité du lien envoyé ; null : aucun envoi")


class StaffList(BaseModel):
    uai: str
    staff: list[StaffView]
