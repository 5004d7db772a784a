from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts import links
from ent_accounts.lockout import FAILURE_MEMORY
from ent_accounts.services import services
from ent_accounts.web.api import error_body, json_response
from ent_accounts.web.pages import page_for
from ent_accounts.web.static import CACHE_FOREVER, static_file

router = Router()
FAVICON_CACHE = "public, max-age=86400"


def _serve(relative: str):
    found = static_file(relative)
    if found is None:
        return json_response(404, error_body("not_found", "Ce fichier n'existe pas."))
    body, content_type = found
    # The URL carries the files' fingerprint, so browsers may keep them for a year.
    return Response(status_code=200, content_type=content_type, body=body, headers={"Cache-Control": CACHE_FOREVER})


@router.get("/favicon.ico", include_in_schema=False)
def get_favicon():
    """What browsers ask for whatever the page says (the pages name favicon.svg): its URL never changes, so a day."""
    body, content_type = static_file("favicon.ico")
    return Response(status_code=200, content_type=content_type, body=body, headers={"Cache-Control": FAVICON_CACHE})


@router.get("/static/<version>/<name>", include_in_schema=False)
def get_static(version: str, name: str):
    return _serve(name)


@router.get("/static/<version>/<folder>/<name>", include_in_schema=False)
def get_static_in_folder(version: str, folder: str, name: str):
    return _serve(f"{folder}/{name}")


# --- the footer's mandatory pages ------------------------------------------------------------------------------


def _footer_page(template: str, **context):
    settings = services().settings
    return page_for(
        router,
        template,
        **context,
        publisher_name=settings.publisher_name,
        publisher_contact=settings.publisher_contact,
        validation_months=settings.validation_months,
        session_hours=settings.session_hours,
        provisional_password_months=settings.provisional_password_months,
        challenge_minutes=settings.challenge_minutes,
        reset_link_minutes=settings.reset_link_minutes,
        email_change_link_hours=settings.email_change_link_hours,
        failure_memory_hours=int(FAILURE_MEMORY.total_seconds() // 3600),
        session_idle_minutes=settings.session_idle_minutes,
        audit_retention_days=settings.audit_retention_days,
        log_retention_days=settings.log_retention_days,
    )


@router.get(links.ACCESSIBILITY, include_in_schema=False)
def get_accessibility_page():
    return _footer_page("accessibility.html")


@router.get(links.LEGAL_NOTICE, include_in_schema=False)
def get_legal_notice_page():
    return _footer_page("legal_notice.html")


@router.get(links.PERSONAL_DATA, include_in_schema=False)
def get_personal_data_page():
    return _footer_page("personal_data.html")


@router.get(links.HELP, include_in_schema=False)
def get_help_page():
    """Help for whoever asks (nobody is known: impersonal words): the identifier, a forgotten password or
    identifier, the validation mail, who to ask."""
    from ent_accounts.mail import SUBJECTS

    return _footer_page("help.html", validation_subject=SUBJECTS["validation"])
