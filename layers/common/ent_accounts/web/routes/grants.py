"""Grants routes (/api/admin/grants…): which schools each IAM caller of /api/admin/ may act on. Managing them is for
a caller holding every school (ops); any caller may read its own scope (…/grants/me). See flows/iam_grants.py."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ent_accounts.clock import iso
from ent_accounts.flows import iam_grants
from ent_accounts.observability import logger
from ent_accounts.principals import Grant, caller_principal
from ent_accounts.services import services
from ent_accounts.web.api import json_response
from ent_accounts.web.context import request_context
from ent_accounts.web.grant_schemas import CallerScope, GrantChange, GrantList, GrantRequest, GrantView
from ent_accounts.web.routes.admin import scope
from ent_accounts.web.schemas import documented, error_responses

router = Router()

PrincipalQuery = Annotated[str, Query(min_length=1, max_length=2048, description="ARN du rôle ou de l'utilisateur")]


def grant_view(grant: Grant) -> dict:
    return {
        "principal": grant.principal,
        "arn": grant.arn,
        "schools": sorted(grant.schools),
        "all_schools": grant.all_schools,
        "created_by": grant.created_by,
        "created_at": iso(grant.created_at) if grant.created_at else None,
        "updated_by": grant.updated_by,
        "updated_at": iso(grant.updated_at) if grant.updated_at else None,
        "version": grant.version,
    }


@router.get(
    "/api/admin/grants",
    summary="Lister les autorisations des identités IAM (les établissements de chacune)",
    responses=documented(200, "Les autorisations, par principal", GrantList, 403),
)
def get_grants():
    grants = iam_grants.list_grants(services(), scope())
    admins = sorted(services().settings.admin_principals)
    return json_response(200, {"grants": [grant_view(g) for g in grants], "admin_principals": admins})


@router.get(
    "/api/admin/grants/me",
    summary="Les établissements sur lesquels l'identité IAM qui signe la demande peut agir",
    responses=documented(200, "L'autorisation de l'appelant", CallerScope),
)
def get_my_grant():
    mine = scope()
    return json_response(
        200,
        {
            "caller": mine.caller,
            "principal": caller_principal(mine.caller),
            "all_schools": mine.all_schools,
            "schools": sorted(mine.schools),
            "bootstrap": mine.bootstrap,
        },
    )


@router.put(
    "/api/admin/grants",
    summary="Donner à une identité IAM ses établissements (ou tous), à la place de ce qu'elle avait",
    responses=documented(200, "L'autorisation enregistrée", GrantView, 400, 403, 409),
)
def put_grant(body: GrantRequest):
    grant = iam_grants.set_grant(
        services(),
        scope(),
        body.principal,
        body.schools,
        body.all_schools,
        request_context(router).request_id,
        body.version,
    )
    schools = "all" if grant.all_schools else len(grant.schools)
    logger.info("grant set", extra={"principal": grant.principal, "schools": schools, "by": scope().caller})
    return json_response(200, grant_view(grant))


@router.patch(
    "/api/admin/grants",
    summary="Ajouter des établissements à une identité IAM ou lui en retirer, en gardant les autres",
    responses=documented(200, "L'autorisation enregistrée", GrantView, 400, 403, 409),
)
def patch_grant(body: GrantChange):
    grant = iam_grants.change_grant_schools(
        services(), scope(), body.principal, body.add, body.remove, request_context(router).request_id
    )
    logger.info(
        "grant changed", extra={"principal": grant.principal, "schools": len(grant.schools), "by": scope().caller}
    )
    return json_response(200, grant_view(grant))


@router.delete(
    "/api/admin/grants",
    summary="Retirer son autorisation à une identité IAM : elle n'agit plus sur aucun établissement",
    responses={204: {"description": "Autorisation retirée"}, **error_responses(400, 403, 404, 409)},
)
def delete_grant(principal: PrincipalQuery):
    iam_grants.remove_grant(services(), scope(), principal, request_context(router).request_id)
    logger.info("grant removed", extra={"principal": principal, "by": scope().caller})
    return Response(status_code=204, body="")
