"""Staff routes of ops (/api/admin/staff…): invite a school's staff member, list a school's staff, disable a member.
IAM-authorised in AWS like the school routes (template.yaml, AdminFunction). Ops only: each route requires a caller
granted "all schools" (`require_all_schools`, the IAM scoping of issue 19 item 3). A school's administrator does the
same from the console, for their school only (flows/staff.py checks `authorize(..., "manage_staff")`)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts.clock import iso
from ent_accounts.flows import staff as flows
from ent_accounts.observability import logger
from ent_accounts.services import services
from ent_accounts.staff.members import StaffMember
from ent_accounts.web.api import json_response
from ent_accounts.web.context import request_context
from ent_accounts.web.routes.admin import UaiQuery, caller, require_all_schools
from ent_accounts.web.schemas import documented
from ent_accounts.web.staff_schemas import StaffInvited, StaffInviteRequest, StaffList, StaffView

router = Router()


def view(member: StaffMember) -> dict:
    """A member as the routes show it: never a hash, a secret nor a sealed value."""
    return {
        "member_id": member.member_id,
        "email": member.email,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "status": member.status.value,
        "roles": {uai: role.value for uai, role in sorted(member.roles.items())},
        "enrolled": member.enrolled,
        "recovery_codes_left": len(member.recovery_code_hashes),
    }


@router.post(
    "/api/admin/staff",
    summary="Inviter un membre du personnel d'un établissement (lien d'activation par mail, valable 72 heures)",
    description=(
        "Une adresse inconnue devient un compte INVITED et reçoit le lien ; une adresse connue reçoit le rôle dans "
        "cet établissement (un membre peut avoir un rôle dans plusieurs établissements), et le lien de nouveau tant "
        "qu'elle n'a pas activé son compte."
    ),
    responses=documented(201, "Invité", StaffInvited, 400, 403, 409),
)
def post_staff(body: StaffInviteRequest):
    require_all_schools()
    here = request_context(router)
    invited = flows.invite(
        services(),
        here.links,
        email=body.email,
        first_name=body.first_name,
        last_name=body.last_name,
        uai=body.uai,
        role=body.role,
        actor=caller(),
        request_id=here.request_id,
    )
    logger.info("staff invited", extra={"uai": body.uai, "role": body.role, "new": invited.new, "by": caller()})
    expires = iso(invited.expires_at) if invited.expires_at else None
    return json_response(201, {**view(invited.member), "new": invited.new, "invitation_expires_at": expires})


@router.get(
    "/api/admin/staff",
    summary="Lister le personnel d'un établissement et les rôles de chacun",
    responses=documented(200, "Le personnel, par nom", StaffList, 400, 403),
)
def get_staff(uai: UaiQuery):
    require_all_schools()
    members = flows.school_staff(services(), uai)
    return json_response(200, {"uai": uai.strip().upper(), "staff": [view(member) for member in members]})


@router.post(
    "/api/admin/staff/<member_id>/disable",
    summary="Désactiver un membre du personnel : plus de connexion, ses sessions se terminent",
    responses=documented(200, "Le membre, désactivé", StaffView, 403, 404),
)
def post_disable(member_id: str):
    require_all_schools()
    member = flows.disable(services(), member_id, caller(), request_context(router).request_id)
    logger.info("staff disabled", extra={"member_id": member.member_id, "by": caller()})
    return json_response(200, view(member))
