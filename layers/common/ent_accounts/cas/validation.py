"""Validating a service ticket (CAS 3.0 §2.4–2.9, §4.2): the rules every validation endpoint shares, whatever the
answer's shape (responses.py writes CAS 1 text, CAS 2/3 XML, JSON or SAML 1.1).

In order:
1. `ticket` and `service` are required, each once: else INVALID_REQUEST (nothing read, nothing spent).
2. A proxy ticket (`PT-`) is never issued here (no proxying): INVALID_TICKET_SPEC where the endpoint takes no proxy
   ticket (§2.4, §2.5: "MUST NOT return a successful authentication if it receives a proxy ticket"), INVALID_TICKET
   where it does (/proxyValidate: not recognised). Anything else that is not the shape of our tickets:
   INVALID_TICKET, without a lookup.
3. The ticket is consumed: one conditional DeleteItem, whatever follows (§3.1.1: a failed validation kills the
   ticket too; two at once, one gets it). None: INVALID_TICKET.
4. Expired (CAS_TICKET_SECONDS): INVALID_TICKET. Another `service` than the exact URL it was issued to:
   INVALID_SERVICE (§2.5.3). `renew` asked and the password was not typed for this sign-in: INVALID_TICKET.
5. The service is recorded on the session it came through (single logout). A session ended meanwhile: INVALID_TICKET
   (the service would outlive the logout, never told); a session already holding MAX_CAS_LOGINS services: success,
   logged and counted, that service is not told of the logout.
DynamoDB unavailable at any step: INTERNAL_ERROR. A `pgtUrl` is never called (no proxy granting tickets): the
validation answers without <cas:proxyGrantingTicket>, as §2.5.4 says for a callback that is not accepted, and the
refusal is logged. Every failure is logged with its code and counted (metrics.CAS_VALIDATION_FAILURES); the ticket
itself never reaches a log.

Requests (DynamoDB): 1 DeleteItem (the ticket), 1 UpdateItem (the service added to the session); nothing for a
request refused before the lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

from ent_accounts import metrics
from ent_accounts.cas.tickets import PROXY_TICKET, SERVICE_TICKET, ServiceTicket, looks_like_ours
from ent_accounts.codes import hash_token
from ent_accounts.errors import ServiceBusy
from ent_accounts.observability import logger
from ent_accounts.oidc.authorization_request import Params
from ent_accounts.services import Services
from ent_accounts.sessions import CasLogin
from ent_accounts.store import StoreFailure, StoreUnavailable, ValueRefused

INVALID_REQUEST = "INVALID_REQUEST"
INVALID_TICKET_SPEC = "INVALID_TICKET_SPEC"
INVALID_TICKET = "INVALID_TICKET"
INVALID_SERVICE = "INVALID_SERVICE"
INTERNAL_ERROR = "INTERNAL_ERROR"
MAX_TICKET = 256  # §3.1.1: services accept tickets up to 256 characters; a longer one is nobody's


@dataclass
class ValidationFailure(Exception):
    """A validation that fails: its CAS error code (§2.5.3) and a description for the service's logs (English, as
    the specification's examples; it never echoes what the request sent)."""

    code: str
    description: str
    client_id: str | None = None  # the ticket's service, once the ticket was found

    def __str__(self) -> str:
        return f"{self.code}: {self.description}"


def one(params: Params, name: str) -> str | None:
    """A parameter given once, None when absent; ValidationFailure (INVALID_REQUEST) when given twice."""
    values = params.get(name) or ()
    if len(values) > 1:
        raise ValidationFailure(INVALID_REQUEST, f"the parameter '{name}' is given more than once")
    return values[0] if values else None


def renew_asked(params: Params) -> bool:
    return any(value.strip().lower() != "false" for value in params.get("renew") or ())


def validate_params(services: Services, params: Params, *, takes_proxy_tickets: bool, endpoint: str) -> ServiceTicket:
    """The validation of a request's `ticket`, `service`, `renew` and `pgtUrl` (/validate, /serviceValidate,
    /proxyValidate and their /p3/ forms); ValidationFailure otherwise (logged and counted)."""
    try:
        ticket, service, pgt_url = one(params, "ticket"), one(params, "service"), one(params, "pgtUrl")
    except ValidationFailure as failure:
        failed(failure, endpoint)
        raise
    return validate(
        services,
        ticket=ticket,
        service=service,
        renew=renew_asked(params),
        takes_proxy_tickets=takes_proxy_tickets,
        pgt_url=pgt_url,
        endpoint=endpoint,
    )


def validate(
    services: Services,
    *,
    ticket: str | None,
    service: str | None,
    renew: bool,
    takes_proxy_tickets: bool,
    pgt_url: str | None = None,
    endpoint: str = "serviceValidate",
) -> ServiceTicket:
    """The ticket, consumed and valid for this service; ValidationFailure otherwise (logged and counted)."""
    try:
        found = _validate(services, ticket, service, renew, takes_proxy_tickets)
    except ValidationFailure as failure:
        failed(failure, endpoint)
        raise
    except (StoreUnavailable, StoreFailure, ValueRefused, ServiceBusy):
        failure = ValidationFailure(INTERNAL_ERROR, "the ticket could not be validated now; try again")
        failed(failure, endpoint)
        raise failure from None
    if pgt_url:
        logger.info("cas pgtUrl not called: no proxy granting tickets here", extra={"client_id": found.client_id})
    metrics.count(metrics.CAS_VALIDATIONS)
    logger.info("cas ticket validated", extra={"client_id": found.client_id, "endpoint": endpoint})
    return found


def failed(failure: ValidationFailure, endpoint: str) -> None:
    """Log and count a refused validation (the ticket is never logged)."""
    metrics.count(metrics.CAS_VALIDATION_FAILURES[failure.code])
    extra = {"code": failure.code, "reason": failure.description, "endpoint": endpoint}
    if failure.client_id:
        extra["client_id"] = failure.client_id
    logger.info("cas validation refused", extra=extra)


def _validate(
    services: Services, ticket: str | None, service: str | None, renew: bool, takes_proxy_tickets: bool
) -> ServiceTicket:
    if not ticket or not service:
        missing = " and ".join(name for name, value in (("ticket", ticket), ("service", service)) if not value)
        raise ValidationFailure(INVALID_REQUEST, f"the parameter {missing} is required")
    if ticket.startswith(PROXY_TICKET):
        if takes_proxy_tickets:
            raise ValidationFailure(INVALID_TICKET, "ticket not recognized (no proxy tickets are issued here)")
        raise ValidationFailure(INVALID_TICKET_SPEC, "a proxy ticket was given where only service tickets are valid")
    if len(ticket) > MAX_TICKET or not ticket.startswith(SERVICE_TICKET) or not looks_like_ours(ticket):
        raise ValidationFailure(INVALID_TICKET, "ticket not recognized")
    now = services.clock.now()
    found = services.store.consume_service_ticket(hash_token(ticket))
    if found is None:
        raise ValidationFailure(INVALID_TICKET, "ticket not recognized (unknown, or already validated)")
    if found.valid_until <= now:
        raise ValidationFailure(INVALID_TICKET, "ticket expired", found.client_id)
    if service != found.service:
        raise ValidationFailure(INVALID_SERVICE, "the ticket was issued to another service", found.client_id)
    if renew and not found.from_new_login:
        raise ValidationFailure(
            INVALID_TICKET, "renew was set and the ticket did not come from a new login", found.client_id
        )
    recorded = services.store.record_cas_login(found.session_hash, CasLogin(found.client_id, service, ticket))
    if recorded == "ended":
        raise ValidationFailure(INVALID_TICKET, "the single sign-on session has ended", found.client_id)
    if recorded == "full":
        metrics.count(metrics.CAS_LOGINS_NOT_RECORDED)
        logger.warning("cas login not recorded: the session holds too many", extra={"client_id": found.client_id})
    return found
