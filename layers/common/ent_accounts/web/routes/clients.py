"""Client registry routes (/api/admin/clients…): the services allowed to sign students and parents in, registered
by ops or the académie. IAM-authorised in AWS like the school routes (template.yaml, AdminFunction), and only for a
caller holding every school (a client may sign in any school's students)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts.flows import clients
from ent_accounts.observability import logger
from ent_accounts.services import services
from ent_accounts.web import client_views
from ent_accounts.web.api import json_response
from ent_accounts.web.client_schemas import (
    ClientCreateRequest,
    ClientList,
    ClientUpdateRequest,
    ClientView,
    ClientWithSecret,
    SecretRotationRequest,
)
from ent_accounts.web.context import request_context
from ent_accounts.web.routes.admin import caller, require_all_schools
from ent_accounts.web.schemas import documented, error_responses

router = Router()


def _now():
    return services().clock.now()


def _request_id() -> str:
    return request_context(router).request_id


@router.post(
    "/api/admin/clients",
    summary="Enregistrer un service (client OpenID Connect, service CAS, ou les deux) : son secret est donné cette "
    "seule fois",
    description=(
        "Le secret (sauf pour un client public, token_endpoint_auth_method none, et pour un service CAS sans "
        "redirect_uris, qui n'en a pas) n'apparaît que dans cette réponse : conservez-le dans la configuration du "
        "service. Il n'est gardé que sous forme d'empreinte ; s'il est perdu, demandez-en un nouveau (POST …/secret). "
        "Une adresse de service CAS déjà enregistrée pour un autre client est refusée (400, qui la détient)."
    ),
    responses=documented(201, "Client enregistré, avec son secret", ClientWithSecret, 400, 403, 409),
)
def post_client(body: ClientCreateRequest):
    require_all_schools()
    registration = client_views.registration(body, body.client_id)
    issued = clients.register(services(), registration, _request_id(), caller())
    logger.info("client registered", extra={"client_id": issued.client.client_id, "by": caller()})
    return json_response(201, client_views.issued_view(issued, _now()))


@router.get(
    "/api/admin/clients",
    summary="Lister les services enregistrés (jamais de secret)",
    responses=documented(200, "Les clients, par identifiant", ClientList, 403),
)
def get_clients():
    require_all_schools()
    now = _now()
    return json_response(200, {"clients": [client_views.client_view(c, now) for c in clients.list_clients(services())]})


@router.get(
    "/api/admin/clients/<client_id>",
    summary="Voir un service enregistré (jamais de secret)",
    responses=documented(200, "Le client", ClientView, 403, 404),
)
def get_client(client_id: str):
    require_all_schools()
    return json_response(200, client_views.client_view(clients.show(services(), client_id), _now()))


@router.put(
    "/api/admin/clients/<client_id>",
    summary="Remplacer l'enregistrement d'un service (le secret et le sub des comptes restent)",
    description=(
        "Tous les champs sont remplacés par ceux envoyés. Avec version (celle lue par GET), un client modifié "
        "entre-temps n'est pas écrasé (409). Passé en client public (none), ou en service CAS sans redirect_uris, "
        "le client perd son secret ; les adresses de service qu'il ne liste plus sont libérées."
    ),
    responses=documented(200, "Le client modifié", ClientView, 400, 403, 404, 409),
)
def put_client(client_id: str, body: ClientUpdateRequest):
    require_all_schools()
    registration = client_views.registration(body)
    changed = clients.update(services(), client_id, registration, _request_id(), caller(), body.version)
    logger.info("client updated", extra={"client_id": changed.client_id, "by": caller()})
    return json_response(200, client_views.client_view(changed, _now()))


@router.delete(
    "/api/admin/clients/<client_id>",
    summary="Supprimer un service : il ne peut plus connecter personne",
    responses={204: {"description": "Client supprimé"}, **error_responses(403, 404, 409)},
)
def delete_client(client_id: str):
    require_all_schools()
    clients.delete(services(), client_id, _request_id(), caller())
    logger.info("client deleted", extra={"client_id": client_id, "by": caller()})
    return Response(status_code=204, body="")


@router.post(
    "/api/admin/clients/<client_id>/secret",
    summary="Donner un nouveau secret à un service ; l'ancien fonctionne encore pendant le délai de grâce",
    description=(
        "Le nouveau secret n'apparaît que dans cette réponse. L'ancien fonctionne encore grace_hours heures "
        "(24 par défaut, 0 à 168 ; 0 pour un secret divulgué) ; un secret plus ancien cesse aussitôt."
    ),
    responses=documented(200, "Le client et son nouveau secret", ClientWithSecret, 400, 403, 404, 409),
)
def post_secret(client_id: str, body: SecretRotationRequest | None = None):
    require_all_schools()
    grace = (body or SecretRotationRequest()).grace_hours
    issued = clients.rotate_secret(services(), client_id, _request_id(), caller(), grace)
    logger.info("client secret rotated", extra={"client_id": client_id, "grace_hours": grace, "by": caller()})
    return json_response(200, client_views.issued_view(issued, _now()))
