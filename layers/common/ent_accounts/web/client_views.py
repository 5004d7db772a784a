"""The client registry routes' answers: what ops see of a client, never its secret's hash nor its salt; the secret
itself only in the answer that has just made it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ent_accounts.clock import iso
from ent_accounts.flows.clients import Issued, live_previous_secret
from ent_accounts.sso.clients import Client
from ent_accounts.sso.registration import Registration, checked_registration
from ent_accounts.web.client_schemas import ClientFields


def registration(body: ClientFields, client_id: str | None = None) -> Registration:
    return checked_registration(
        client_id=client_id,
        name=body.name,
        redirect_uris=body.redirect_uris,
        token_endpoint_auth_method=body.token_endpoint_auth_method,
        post_logout_redirect_uris=body.post_logout_redirect_uris,
        backchannel_logout_uri=body.backchannel_logout_uri,
        initiate_login_uri=body.initiate_login_uri,
        schools=body.schools,
        all_schools=body.all_schools,
        pairwise_subject=body.pairwise_subject,
        service_urls=body.service_urls,
        cas_attributes=body.cas_attributes,
        cas_single_logout=body.cas_single_logout,
    )


def client_view(client: Client, now: datetime) -> dict[str, Any]:
    previous = live_previous_secret(client, now)
    return {
        "client_id": client.client_id,
        "name": client.name,
        "redirect_uris": list(client.redirect_uris),
        "token_endpoint_auth_method": client.token_endpoint_auth_method.value,
        "post_logout_redirect_uris": list(client.post_logout_redirect_uris),
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "initiate_login_uri": client.initiate_login_uri,
        "schools": sorted(client.schools),
        "all_schools": client.all_schools,
        "pairwise_subject": client.pairwise_subject,
        "service_urls": list(client.service_urls),
        "cas_attributes": list(client.cas_attributes),
        "cas_single_logout": client.cas_single_logout,
        "has_secret": bool(client.secret_hashes),
        "previous_secret_expires_at": iso(previous) if previous else None,
        "created_at": iso(client.created_at) if client.created_at else None,
        "updated_at": iso(client.updated_at) if client.updated_at else None,
        "version": client.version,
    }


def issued_view(issued: Issued, now: datetime) -> dict[str, Any]:
    return {**client_view(issued.client, now), "client_secret": issued.secret}
