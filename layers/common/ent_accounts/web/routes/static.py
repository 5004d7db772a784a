from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from ent_accounts.web.api import error_body, json_response
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
