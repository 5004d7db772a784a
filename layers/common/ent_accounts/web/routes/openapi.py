from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

router = Router()


@router.get("/api/openapi.json", include_in_schema=False)
def get_openapi():
    # Imported here: the document is built from every route, which only this function needs to know.
    from ent_accounts.web.openapi import openapi_document

    return Response(status_code=200, content_type="application/json", body=openapi_document())
