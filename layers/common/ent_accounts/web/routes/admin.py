"""School routes (/api/admin/…): IAM-authorised in AWS (template.yaml), each scoped to one school's UAI.

IAM says who signed, not which schools the signer may touch: every route naming a school first checks that the
caller's grant covers it (`school`), and answers a school outside it exactly as an unknown account (404, nothing
read or changed). A route for ops only (the client registry, the grants, anything acting beyond one school) starts
with `require_all_schools()`. See flows/iam_grants.py."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Query

from ent_accounts import schools
from ent_accounts.accounts import Status
from ent_accounts.errors import InvalidRequest, NotFound
from ent_accounts.flows import iam_grants
from ent_accounts.flows.provisioning import import_accounts
from ent_accounts.flows.school import (
    children_lines,
    delete_by_school,
    link_by_school,
    reissue_letters,
    reset_by_school,
    school_account,
    school_accounts,
    school_family,
    unlink_by_school,
)
from ent_accounts.flows.school_contact import contact_for_pages
from ent_accounts.idempotency import checked_key, run_once
from ent_accounts.observability import logger
from ent_accounts.principals import LOCAL, Scope
from ent_accounts.services import services
from ent_accounts.web import admin_views
from ent_accounts.web.admin_schemas import (
    CreateAccountsRequest,
    CreateAccountsResponse,
    LettersRequest,
    LinkRequest,
    LinkResponse,
    ResetResponse,
    SchoolAccountDetail,
    SchoolAccountList,
)
from ent_accounts.web.api import json_response
from ent_accounts.web.context import request_context
from ent_accounts.web.schemas import documented, error_responses

router = Router()

UaiQuery = Annotated[str, Query(max_length=20, description="Code UAI de l'établissement", examples=["0341234A"])]
STATUS_MESSAGE = "Le statut doit être PROVISIONED, PENDING_VALIDATION ou ACTIVE."


def caller() -> str:
    """Who signed the request (IAM user or role ARN, set by API Gateway); `local` when nobody did (the local server:
    the only place that caller holds any school, see flows/iam_grants.py)."""
    identity = router.current_event.request_context.identity
    return identity.user_arn or identity.caller or LOCAL


def scope() -> Scope:
    """The schools the request's caller may act on (its grant, read at most 30 s ago by this container)."""
    return iam_grants.scope_of(services(), caller())


def require_all_schools() -> None:
    """The first line of a route for ops only: a caller without every school is refused (403)."""
    iam_grants.require_all_schools(scope())


def school(uai: str) -> str:
    """The (normalised) UAI, if the caller's grant covers it; else the answer of an unknown account (404)."""
    if not scope().covers(uai):
        raise NotFound()
    return uai


def checked_uai(raw: str) -> str:
    """The UAI of a query, normalised and covered by the caller's grant (400 when malformed, else 404)."""
    uai = schools.normalize_uai(raw)
    if uai is None:
        raise InvalidRequest(schools.UAI_MESSAGE, fields={"uai": schools.UAI_MESSAGE})
    return school(uai)


def login_url() -> str:
    return request_context(router).links.login()


@router.post(
    "/api/admin/accounts",
    summary="Créer les comptes d'un établissement (jusqu'à 2 000), avec leurs mots de passe provisoires",
    description=(
        "Toutes les lignes sont vérifiées d'abord : si une seule est invalide, aucun compte n'est créé. "
        "Une personne que l'établissement a déjà (mêmes nom, prénom et date de naissance ; un parent : mêmes noms "
        "et adresse mail, ou mêmes noms qu'un parent du même enfant) n'est pas recréée : elle est dans `existing`. "
        "Les responsables d'un élève deviennent des comptes parents liés à lui (`links`). "
        "L'en-tête Idempotency-Key (32 à 128 caractères aléatoires) est obligatoire : renvoyer la même demande avec "
        "la même clé redonne la même réponse sans créer les comptes une deuxième fois."
    ),
    responses=documented(201, "Comptes créés", CreateAccountsResponse, 400, 404, 409, 422),
)
def post_accounts(
    body: CreateAccountsRequest,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", description="32 à 128 caractères")] = None,
):
    school(body.uai)
    key = checked_key(router.current_event.headers.get("Idempotency-Key") or idempotency_key)
    rows = admin_views.new_accounts(body.accounts)
    current, link = services(), login_url()

    def work() -> dict:
        result = import_accounts(current, body.uai, rows, caller())
        counts = {"accounts": len(result.issued), "existing": len(result.existing), "links": len(result.links)}
        logger.info("accounts created", extra={"uai": body.uai, **counts, "by": caller()})
        return admin_views.kept_answer(result, link)

    payload = admin_views.import_payload(rows)
    kept = run_once(current, f"create-accounts#{body.uai}", key, payload, work, router.lambda_context)
    return json_response(201, admin_views.created_answer(body.uai, body.accounts, kept))


@router.get(
    "/api/admin/accounts",
    summary="Lister les comptes d'un établissement, par statut, avec leurs échéances",
    responses=documented(200, "Les comptes", SchoolAccountList, 400, 404),
)
def get_accounts(
    uai: UaiQuery,
    status: Annotated[str | None, Query(description="PROVISIONED, PENDING_VALIDATION ou ACTIVE")] = None,
    school_class: Annotated[str | None, Query(alias="class", max_length=100)] = None,
):
    uai = checked_uai(uai)
    wanted = None
    if status:
        wanted = next((value for value in Status if value.value == status.strip().upper()), None)
        if wanted is None:
            raise InvalidRequest(STATUS_MESSAGE, fields={"status": STATUS_MESSAGE})
    accounts = school_accounts(services(), uai, wanted, schools.tidy(school_class) if school_class else None)
    now = services().clock.now()
    return json_response(200, {"uai": uai, "accounts": [admin_views.listed_with_family(a, now) for a in accounts]})


@router.get(
    "/api/admin/accounts/<identifier>",
    summary="Voir un compte de l'établissement (jamais de secret)",
    responses=documented(200, "Le compte", SchoolAccountDetail, 400, 404),
)
def get_account(identifier: str, uai: UaiQuery):
    account = school_account(services(), checked_uai(uai), identifier)
    linked = school_family(services(), account)
    return json_response(200, admin_views.detail(account, services().clock.now(), linked))


@router.post(
    "/api/admin/accounts/<identifier>/password-reset",
    summary="Réinitialiser le mot de passe : nouveau mot de passe provisoire, retour à la première connexion",
    description="Toutes les sessions du compte se terminent. Une adresse mail déjà validée est conservée.",
    responses=documented(200, "Nouveau mot de passe provisoire", ResetResponse, 400, 404, 409),
)
def post_password_reset(identifier: str, uai: UaiQuery):
    uai = checked_uai(uai)
    issued = reset_by_school(services(), uai, identifier, request_context(router).request_id, caller())
    return json_response(200, admin_views.reset_answer(issued, uai, login_url()))


@router.delete(
    "/api/admin/accounts/<identifier>",
    summary="Supprimer un compte (son identifiant ne sera jamais redonné)",
    responses={204: {"description": "Compte supprimé"}, **error_responses(400, 404, 409)},
)
def delete_account(identifier: str, uai: UaiQuery):
    delete_by_school(services(), checked_uai(uai), identifier, request_context(router).request_id, caller())
    return Response(status_code=204, body="")


@router.post(
    "/api/admin/letters",
    summary="Réimprimer les lettres d'accès d'une sélection (nouveaux mots de passe provisoires), en PDF",
    description=(
        "Les mots de passe provisoires ne sont connus que sous forme d'empreinte : réimprimer une lettre en donne un "
        "nouveau, et les lettres déjà distribuées pour ces comptes ne fonctionnent plus. Seuls les comptes qui n'ont "
        "pas fait leur première connexion sont concernés."
    ),
    responses={
        200: {"description": "Les lettres, une page par compte", "content": {"application/pdf": {}}},
        **error_responses(400, 404, 409),
    },
)
def post_letters(body: LettersRequest):
    from ent_accounts.letters import render_pdf  # fpdf2 is loaded only when letters are printed

    school(body.uai)
    issued = reissue_letters(
        services(),
        body.uai,
        request_context(router).request_id,
        caller(),
        school_class=body.school_class,
        role=body.role,
        identifiers=body.identifiers,
    )
    children = children_lines(services(), [one.account for one in issued])
    # The name the caller gives, else the one the school's contact holds (its administrators write it).
    contact = body.school_name is None and contact_for_pages(services(), body.uai)
    name = body.school_name or (contact.name if contact else None)
    letters = [admin_views.letter(one, login_url(), name, children.get(one.account.identifier, ())) for one in issued]
    file_name = admin_views.letters_file_name(body.uai, body.school_class)
    return Response(
        status_code=200,
        content_type="application/pdf",
        body=render_pdf(letters),
        headers={
            "Content-Disposition": f'attachment; filename="{file_name}"',
            "X-Letters-Count": str(len(letters)),
        },
    )


@router.post(
    "/api/admin/links",
    summary="Lier un parent à un élève de l'établissement (quand le fichier ne pouvait pas le dire)",
    responses=documented(201, "Lien ajouté", LinkResponse, 400, 404, 409),
)
def post_link(body: LinkRequest):
    school(body.uai)
    parent, child = link_by_school(
        services(), body.uai, body.parent, body.child, request_context(router).request_id, caller()
    )
    return json_response(201, {"uai": body.uai, "parent": parent.identifier, "child": child.identifier})


@router.delete(
    "/api/admin/links",
    summary="Retirer le lien entre un parent et un élève (le compte du parent reste)",
    responses={204: {"description": "Lien retiré"}, **error_responses(400, 404)},
)
def delete_link(
    uai: UaiQuery,
    parent: Annotated[str, Query(min_length=1, max_length=64, description="Identifiant du parent")],
    child: Annotated[str, Query(min_length=1, max_length=64, description="Identifiant de l'élève")],
):
    unlink_by_school(services(), checked_uai(uai), parent, child, request_context(router).request_id, caller())
    return Response(status_code=204, body="")
