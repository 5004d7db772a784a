"""The client registry as ops and the académie use it: register a service, change it, rotate its secret, delete it,
list and look.

A confidential client's secret is made here, handed back once (registration, rotation) and kept only as a hash. A
rotation keeps the previous secret working for a grace period (the service's configuration is changed meanwhile),
then only the new one. A CAS service without redirect URIs has no secret (sso/registration.py). Every change is
audited with the caller's identity (never a secret), in the same transaction as the change, and counted.

A CAS service URL belongs to one client. A registration or a change asking for a URL another client holds is
refused, naming that client: first from a read of the registry (one Query, only when the registration has service
URLs), then by the store's claim on each URL (store/clients.py), which also refuses, with the same answer, the
loser of two registrations racing for one URL that both passed the read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ent_accounts import metrics, registry_cache
from ent_accounts.clock import iso
from ent_accounts.errors import ClientChangedMeanwhile, ClientIdTaken, ClientNotFound, InvalidRequest
from ent_accounts.services import Services
from ent_accounts.sso.clients import (
    CLIENT_ID_PATTERN,
    AuthMethod,
    Client,
    hash_secret,
    new_client_secret,
    new_subject_salt,
    service_url_key,
)
from ent_accounts.sso.registration import Registration, generated_client_id
from ent_accounts.store import AuditEvent, ClientExists, Conflict, ServiceUrlTaken

DEFAULT_GRACE_HOURS = 24
MAX_GRACE_HOURS = 168  # a week: long enough to reach whoever configures the service, short enough for a leak
GENERATED_ID_ATTEMPTS = 3  # a made-up client_id that happens to exist is made up again
REGISTERED_FIELDS = (
    "name",
    "redirect_uris",
    "token_endpoint_auth_method",
    "post_logout_redirect_uris",
    "backchannel_logout_uri",
    "initiate_login_uri",
    "schools",
    "all_schools",
    "pairwise_subject",
    "service_urls",
    "cas_attributes",
    "cas_single_logout",
)
GRACE_MESSAGE = f"Le délai de grâce (grace_hours) est un nombre d'heures entre 0 et {MAX_GRACE_HOURS} (une semaine)."
PAIRWISE_FIXED = (
    "Le choix d'un sub propre à ce service (pairwise_subject) ne change pas après l'enregistrement : chaque "
    "élève y changerait d'identité. Enregistrez un autre client pour changer ce choix."
)
PUBLIC_CLIENT_MESSAGE = (
    "Ce client est public (token_endpoint_auth_method none) : il n'a pas de secret. Passez-le d'abord à "
    "client_secret_basic ou client_secret_post (PUT), puis demandez un secret."
)
CAS_ONLY_MESSAGE = (
    "Ce service ne parle que CAS (il n'a pas d'adresse de retour OpenID Connect) : il n'a pas de secret, ses "
    "validations de tickets ne s'authentifient pas. Ajoutez-lui d'abord des redirect_uris (PUT), puis demandez un "
    "secret."
)
SERVICE_URL_TAKEN = (
    "Une adresse de service ne désigne qu'un service, et {taken} déjà à un autre client : retirez-la d'abord de "
    "celui-ci, ou choisissez un chemin plus précis (le plus précis l'emporte)."
)


@dataclass(frozen=True)
class Issued:
    """A client and the secret it was just given: shown this once, stored only as a hash (None: a public client)."""

    client: Client
    secret: str | None


def list_clients(services: Services) -> list[Client]:
    return services.store.list_clients()


def show(services: Services, client_id: str) -> Client:
    client = services.store.get_client(client_id) if CLIENT_ID_PATTERN.fullmatch(client_id) else None
    if client is None:
        raise ClientNotFound()
    return client


def register(services: Services, registration: Registration, request_id: str, actor: str) -> Issued:
    """A new client with its own subject salt and, unless it is public (or a CAS service alone), a new secret."""
    _refuse_taken_service_urls(services, registration, registration.client_id)
    now = services.clock.now()
    secret = None if registration.token_endpoint_auth_method is AuthMethod.NONE else new_client_secret()
    for _ in range(GENERATED_ID_ATTEMPTS):
        client = Client(
            client_id=registration.client_id or generated_client_id(registration.name),
            **_registered(registration),
            subject_salt=new_subject_salt(),
            secret_hashes=(hash_secret(secret),) if secret else (),
            created_at=now,
            updated_at=now,
        )
        event = AuditEvent("client_registered", request_id, {"by": actor, **_described(client)})
        try:
            stored = services.store.create_client(client, event)
        except ClientExists:
            if registration.client_id:
                raise ClientIdTaken() from None
            continue
        except ServiceUrlTaken as taken:
            _refuse_lost_claims(services, taken, client.client_id)
        except Conflict:
            raise ClientChangedMeanwhile() from None
        metrics.count(metrics.CLIENTS_REGISTERED)
        registry_cache.forget(services.store)
        return Issued(stored, secret)
    raise ClientChangedMeanwhile()


def update(
    services: Services,
    client_id: str,
    registration: Registration,
    request_id: str,
    actor: str,
    expected_version: int | None = None,
) -> Client:
    """Replace what ops registered (PUT): the secret, the salt and the creation date stay. `expected_version`: the
    version the caller read; a client changed since is not overwritten (409). Made public, a client loses its
    secret; made confidential again, it needs a new one (`rotate_secret`)."""
    current = show(services, client_id)
    if expected_version is not None and expected_version != current.version:
        raise ClientChangedMeanwhile()
    if registration.pairwise_subject != current.pairwise_subject:
        raise InvalidRequest(PAIRWISE_FIXED, fields={"pairwise_subject": PAIRWISE_FIXED})
    _refuse_taken_service_urls(services, registration, client_id)
    now = services.clock.now()
    hashes, previous_expires = _live_secrets(current, now)
    if registration.token_endpoint_auth_method is AuthMethod.NONE:
        hashes, previous_expires = (), None
    changed = replace(
        current,
        **_registered(registration),
        secret_hashes=hashes,
        previous_secret_expires_at=previous_expires,
        updated_at=now,
    )
    fields = [name for name in REGISTERED_FIELDS if getattr(changed, name) != getattr(current, name)]
    if not fields and hashes == current.secret_hashes:
        return current  # the same registration sent again: nothing to write
    details = {"by": actor, "changed": ",".join(fields) or "-", **_described(changed)}
    if current.secret_hashes and not hashes:
        details["removed"] = "secret"
    try:
        stored = services.store.replace_client(
            changed, current.version, AuditEvent("client_updated", request_id, details), previous=current
        )
    except ServiceUrlTaken as taken:
        _refuse_lost_claims(services, taken, client_id)
    except Conflict:
        raise ClientChangedMeanwhile() from None
    metrics.count(metrics.CLIENTS_UPDATED)
    registry_cache.forget(services.store)
    return stored


def rotate_secret(
    services: Services, client_id: str, request_id: str, actor: str, grace_hours: int = DEFAULT_GRACE_HOURS
) -> Issued:
    """A new secret; the current one keeps working `grace_hours` more (0: it stops at once, for a secret that
    leaked). A secret older than the current one stops at once: only two work at a time."""
    if isinstance(grace_hours, bool) or not isinstance(grace_hours, int) or not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise InvalidRequest(GRACE_MESSAGE, fields={"grace_hours": GRACE_MESSAGE})
    current = show(services, client_id)
    if not current.speaks_oidc:
        raise InvalidRequest(CAS_ONLY_MESSAGE, fields={"redirect_uris": CAS_ONLY_MESSAGE})
    if current.is_public:
        raise InvalidRequest(PUBLIC_CLIENT_MESSAGE, fields={"token_endpoint_auth_method": PUBLIC_CLIENT_MESSAGE})
    now = services.clock.now()
    secret = new_client_secret()
    hashes: tuple[str, ...] = (hash_secret(secret),)
    previous_expires = None
    if grace_hours and current.secret_hashes:
        hashes += current.secret_hashes[:1]
        previous_expires = now + timedelta(hours=grace_hours)
    rotated = replace(current, secret_hashes=hashes, previous_secret_expires_at=previous_expires, updated_at=now)
    details = {
        "by": actor,
        "grace_hours": str(grace_hours),
        "previous_secret_expires_at": iso(previous_expires) if previous_expires else "-",
    }
    try:
        stored = services.store.replace_client(
            rotated, current.version, AuditEvent("client_secret_rotated", request_id, details), previous=current
        )
    except Conflict:
        # Another change won: this secret was never stored, so it is never shown.
        raise ClientChangedMeanwhile() from None
    metrics.count(metrics.CLIENT_SECRETS_ROTATED)
    return Issued(stored, secret)


def delete(services: Services, client_id: str, request_id: str, actor: str) -> None:
    """The client stops at once: its secret, its redirect URIs, its place on the services page. Its audit events
    stay for the retention period."""
    if not CLIENT_ID_PATTERN.fullmatch(client_id):
        raise ClientNotFound()
    try:
        deleted = services.store.delete_client(client_id, AuditEvent("client_deleted", request_id, {"by": actor}))
    except Conflict:
        raise ClientChangedMeanwhile() from None
    if not deleted:
        raise ClientNotFound()
    metrics.count(metrics.CLIENTS_DELETED)
    registry_cache.forget(services.store)


def live_previous_secret(client: Client, now: datetime) -> datetime | None:
    """Until when the previous secret still works, while a rotation's grace lasts (None: only one secret works)."""
    expires = client.previous_secret_expires_at
    return expires if expires is not None and now < expires and len(client.secret_hashes) > 1 else None


def _live_secrets(client: Client, now: datetime) -> tuple[tuple[str, ...], datetime | None]:
    """The hashes worth keeping: the current one, and the previous one while its grace lasts."""
    expires = live_previous_secret(client, now)
    return (client.secret_hashes if expires else client.secret_hashes[:1]), expires


def _refuse_taken_service_urls(services: Services, registration: Registration, client_id: str | None) -> None:
    """InvalidRequest naming the clients that hold service URLs this registration asks for (the registry as read
    now: a registration racing with this one is settled by the store's claims)."""
    if not registration.service_urls:
        return
    holders = {
        service_url_key(url): other.client_id
        for other in services.store.list_clients()
        if other.client_id != client_id
        for url in other.service_urls
    }
    taken = {url: holders[service_url_key(url)] for url in registration.service_urls if service_url_key(url) in holders}
    if taken:
        _refuse(taken)


def _refuse_lost_claims(services: Services, lost: ServiceUrlTaken, client_id: str) -> None:
    """The registration lost a service URL's claim to another client (registered between the read and the write):
    the same refusal as the read's, naming it; or, if that client has let the URL go since, 409 (send it again)."""
    taken = {url: services.store.service_holder(url) for url in lost.urls}
    if any(holder in (None, client_id) for holder in taken.values()):
        raise ClientChangedMeanwhile() from None
    _refuse(taken)


def _refuse(taken: dict[str, str]) -> None:
    listed = ", ".join(f"{url} (client « {holder} »)" for url, holder in taken.items())
    message = SERVICE_URL_TAKEN.format(
        taken=f"l'adresse {listed} est" if len(taken) == 1 else f"les adresses {listed} sont"
    )
    raise InvalidRequest(message, fields={"service_urls": message})


def _registered(registration: Registration) -> dict:
    return {name: getattr(registration, name) for name in REGISTERED_FIELDS}


def _described(client: Client) -> dict[str, str]:
    """What an auditor needs to see of a registration (where browsers are sent, whom it may sign in, what a CAS
    service is told): not its name or logout addresses, and never a secret, a hash or the salt."""
    described = {
        "redirect_uris": " ".join(client.redirect_uris),
        "auth_method": client.token_endpoint_auth_method.value,
        "schools": "all" if client.all_schools else str(len(client.schools)),
    }
    if client.speaks_cas:  # where tickets go, and what each validation tells about the person
        described["service_urls"] = " ".join(client.service_urls)
        described["cas_attributes"] = " ".join(client.cas_attributes) or "-"
    return described
