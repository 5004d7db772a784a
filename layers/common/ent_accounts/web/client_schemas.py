"""Bodies of the client registry routes (/api/admin/clients…), as the OpenAPI document describes them.

Only the HTTP shape is checked here (JSON types, strictly: true is no number; sizes; unknown fields refused): the
rules of a registration, and their French messages, are the layer's (ent_accounts.sso.registration), whoever
registers a client. The documented formats (pattern, enum, bounds) are those rules, so that the document
says what is accepted.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ent_accounts.cas.attributes import CATALOG
from ent_accounts.flows.clients import DEFAULT_GRACE_HOURS, MAX_GRACE_HOURS
from ent_accounts.sso.clients import AuthMethod
from ent_accounts.sso.registration import MAX_SCHOOLS, MAX_URIS, NAME_MAX_LENGTH, URI_MAX_LENGTH
from ent_accounts.web.schemas import Instant

METHODS = [method.value for method in AuthMethod]
CLIENT_ID = {"pattern": "^[a-z0-9][a-z0-9._-]{2,63}$", "minLength": 3}

Uri = Annotated[
    str,
    Field(
        max_length=URI_MAX_LENGTH,
        examples=["https://ent.example.fr/oidc/retour"],
        json_schema_extra={"format": "uri"},
        description="Adresse absolue en https:// (http:// seulement sur 127.0.0.1, [::1] ou localhost), "
        "sans fragment ni joker : comparée telle quelle",
    ),
]
ServiceUrl = Annotated[
    str,
    Field(
        max_length=URI_MAX_LENGTH,
        examples=["https://pronote.example.fr/pronote/"],
        json_schema_extra={"format": "uri"},
        description="Adresse de service CAS https://hôte[:port]/chemin (http:// seulement sur 127.0.0.1, [::1] ou "
        "localhost), sans paramètres ni fragment : même protocole, même hôte, même port, et le même chemin, ou un "
        "chemin au-dessous quand celui-ci finit par /",
    ),
]
Method = Annotated[str, Field(max_length=40, json_schema_extra={"enum": METHODS})]
CasAttribute = Annotated[str, Field(max_length=40, examples=["uid"], json_schema_extra={"enum": list(CATALOG)})]
Uai = Annotated[str, Field(max_length=20, examples=["0341234A"])]


class ClientFields(BaseModel):
    """What ops register; the service adds the secret, the subject salt, the dates and the version."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str,
        Field(
            max_length=NAME_MAX_LENGTH * 4,
            examples=["ENT Occitanie"],
            description="Nom montré aux élèves et aux parents : « Connexion à : … »",
            json_schema_extra={"minLength": 1, "maxLength": NAME_MAX_LENGTH},
        ),
    ]
    redirect_uris: Annotated[
        list[Uri],
        Field(
            max_length=MAX_URIS,
            description="Adresses de retour OpenID Connect ; un client a des redirect_uris, des service_urls (CAS), "
            "ou les deux",
        ),
    ] = []
    token_endpoint_auth_method: Method | None = Field(
        None,
        description="none : client public (PKCE seul). Absent : client_secret_basic avec des redirect_uris, none "
        "pour un service CAS seul (qui n'a pas de secret)",
    )
    post_logout_redirect_uris: Annotated[list[Uri], Field(max_length=MAX_URIS)] = []
    backchannel_logout_uri: Uri | None = None
    initiate_login_uri: Uri | None = Field(
        None, description="Où la page des services (/bureau) envoie l'élève pour ouvrir ce service"
    )
    schools: Annotated[
        list[Uai],
        Field(max_length=MAX_SCHOOLS, description="Codes UAI des établissements servis (ou all_schools à true)"),
    ] = []
    all_schools: bool = Field(False, strict=True, description="Tous les établissements (exclusif de schools)")
    pairwise_subject: bool = Field(
        False,
        strict=True,
        description="Un sub propre à ce service (OIDC Core §8.1) ; ne change plus après l'enregistrement ; "
        "exclusif de service_urls (CAS donne l'identifiant)",
    )
    service_urls: Annotated[
        list[ServiceUrl],
        Field(
            max_length=MAX_URIS,
            description="Adresses de service CAS ; chacune à un seul client (le chemin le plus précis l'emporte)",
        ),
    ] = []
    cas_attributes: Annotated[
        list[CasAttribute],
        Field(
            max_length=len(CATALOG), description="Attributs CAS remis à la validation d'un ticket (aucun par défaut)"
        ),
    ] = []
    cas_single_logout: bool = Field(
        True,
        strict=True,
        description="Prévenir le service (logoutRequest, CAS SLO) quand la session par laquelle il a été ouvert finit",
    )


class ClientCreateRequest(ClientFields):
    client_id: Annotated[
        str | None,
        Field(
            max_length=64,
            examples=["ent-occitanie"],
            description="Choisi par vous, ou fabriqué à partir du nom s'il manque",
            json_schema_extra=CLIENT_ID,
        ),
    ] = None


class ClientUpdateRequest(ClientFields):
    version: Annotated[
        int | None,
        Field(
            ge=1,
            strict=True,
            description="La version lue (GET) : si le client a changé depuis, la demande est refusée (409)",
        ),
    ] = None


class SecretRotationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_hours: Annotated[
        int,
        Field(
            strict=True,
            description="Heures pendant lesquelles l'ancien secret fonctionne encore (0 : il cesse aussitôt)",
            json_schema_extra={"minimum": 0, "maximum": MAX_GRACE_HOURS},
        ),
    ] = DEFAULT_GRACE_HOURS


class ClientView(BaseModel):
    """A registered client as ops see it: never its secret's hash nor its subject salt."""

    client_id: str
    name: str
    redirect_uris: list[str]
    token_endpoint_auth_method: Literal["client_secret_basic", "client_secret_post", "none"]
    post_logout_redirect_uris: list[str]
    backchannel_logout_uri: str | None
    initiate_login_uri: str | None
    schools: list[str]
    all_schools: bool
    pairwise_subject: bool
    service_urls: list[str]
    cas_attributes: list[str]
    cas_single_logout: bool
    has_secret: bool
    previous_secret_expires_at: Instant | None = Field(
        description="Pendant une rotation : jusqu'à quand l'ancien secret fonctionne encore"
    )
    created_at: Instant | None
    updated_at: Instant | None
    version: int


class ClientWithSecret(ClientView):
    client_secret: str | None = Field(
        description="Le secret, donné cette seule fois (conservé seulement sous forme d'empreinte) ; null pour un "
        "client public ou un service CAS seul"
    )


class ClientList(BaseModel):
    clients: list[ClientView]
