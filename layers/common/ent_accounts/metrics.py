"""Business metrics: counted where things happen (flows, mailer), published as CloudWatch EMF log lines.

Powertools Metrics writes one JSON line per invocation to stdout; CloudWatch turns it into metrics of the
namespace POWERTOOLS_METRICS_NAMESPACE (EntAccounts) with the dimensions `service` and `stage`, so the dev and prod
stacks of one account never mix. The alarms and the dashboard of template.yaml read these names.
"""

from __future__ import annotations

import functools

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from ent_accounts.settings import current_telemetry

_telemetry = current_telemetry()
metrics = Metrics(namespace=_telemetry.metrics_namespace, service=_telemetry.service_name)
metrics.set_default_dimensions(stage=_telemetry.stage)

LOGINS = "Logins"  # sessions opened with the personal password
LOGIN_FAILURES = "LoginFailures"  # wrong password or unknown identifier, wherever a password is checked
LOCK_OUTS = "LockOuts"  # locks imposed after repeated failures (each longer lock counts again)
FIRST_CONNECTIONS = "FirstConnections"
VALIDATIONS = "Validations"  # addresses confirmed by a link (account activation or address change)
ACCOUNTS_EXPIRED = "AccountsExpired"  # pending accounts deleted by the sweep (emitted at every run, even 0)
REMINDERS_SENT = "RemindersSent"
MAILS_SENT = "MailsSent"
MAILS_FAILED = "MailsFailed"  # SES unavailable or refusing to send (503 for the user, or a reminder retried)
MAILS_REJECTED = "MailsRejected"  # SES refused the recipient's address itself (400: give another address)
# Forgotten-password requests, counted by the mail queue's consumer: a link mailed, or nothing mailed (no such account,
# no validated address, an address that bounces, or the address's daily allowance spent; the log says which).
RESET_MAILS_SENT = "ResetMailsSent"
RESET_MAILS_REFUSED = "ResetMailsRefused"
# Forgotten-identifier requests, counted by the same consumer: a mail listing the identifiers of the accounts whose
# validated address it is, or nothing mailed (no such account, an address that bounces, the day's allowance spent).
IDENTIFIER_MAILS_SENT = "IdentifierMailsSent"
IDENTIFIER_MAILS_REFUSED = "IdentifierMailsRefused"
BOUNCES = "Bounces"  # permanent bounces reported by SES (suppressed addresses included)
COMPLAINTS = "Complaints"
# Single sign-on: authorization codes issued to services (a sign-in to a client), token exchanges, sign-ins refused
# (the audit event and the log say why: a school the client does not serve, a locked account, a code presented
# again …), and sessions ended (logout by the person or through a service).
CLIENT_SIGN_INS = "ClientSignIns"
TOKENS_ISSUED = "TokensIssued"
SIGN_IN_REFUSALS = "SignInRefusals"
LOGOUTS = "Logouts"
# CAS (cas/): service tickets issued (each is also a ClientSignIns), tickets validated, and validations refused, one
# metric per CAS error code (the log line says which client and why); a validation whose session already holds
# MAX_CAS_LOGINS services succeeds without being recorded there (that service is not told of the logout).
CAS_TICKETS_ISSUED = "CasTicketsIssued"
CAS_VALIDATIONS = "CasValidations"
CAS_VALIDATION_FAILURES = {
    "INVALID_REQUEST": "CasInvalidRequest",
    "INVALID_TICKET_SPEC": "CasInvalidTicketSpec",
    "INVALID_TICKET": "CasInvalidTicket",
    "INVALID_SERVICE": "CasInvalidService",
    "INTERNAL_ERROR": "CasInternalError",
}
CAS_LOGINS_NOT_RECORDED = "CasLoginsNotRecorded"
# Changes of the client registry (admin routes, `ent_admin clients`): each is audited too, with who made it.
CLIENTS_REGISTERED = "ClientsRegistered"
CLIENTS_UPDATED = "ClientsUpdated"
CLIENT_SECRETS_ROTATED = "ClientSecretsRotated"
CLIENTS_DELETED = "ClientsDeleted"
# Single logout, one notice per client a session was signed in through: put on the logout queue when the session ended,
# refused by the queue (that client is not told; the logout went through), acknowledged by the client, or a delivery
# attempt that failed (the client answered something else or could not be reached: the queue hands it over again).
# These count every protocol; the CAS single logout requests are counted again apart, so that the two can be told
# apart (OIDC back-channel logout = the total less CAS): a CAS service down does not look like an OIDC client down.
LOGOUT_NOTICES_QUEUED = "LogoutNoticesQueued"
LOGOUT_NOTICES_NOT_QUEUED = "LogoutNoticesNotQueued"
LOGOUT_NOTICES_DELIVERED = "LogoutNoticesDelivered"
LOGOUT_NOTICES_FAILED = "LogoutNoticesFailed"
CAS_LOGOUT_REQUESTS_DELIVERED = "CasLogoutRequestsDelivered"
CAS_LOGOUT_REQUESTS_FAILED = "CasLogoutRequestsFailed"

ALL = (
    LOGINS,
    LOGIN_FAILURES,
    LOCK_OUTS,
    FIRST_CONNECTIONS,
    VALIDATIONS,
    ACCOUNTS_EXPIRED,
    REMINDERS_SENT,
    MAILS_SENT,
    MAILS_FAILED,
    MAILS_REJECTED,
    RESET_MAILS_SENT,
    RESET_MAILS_REFUSED,
    IDENTIFIER_MAILS_SENT,
    IDENTIFIER_MAILS_REFUSED,
    BOUNCES,
    COMPLAINTS,
    CLIENT_SIGN_INS,
    TOKENS_ISSUED,
    SIGN_IN_REFUSALS,
    LOGOUTS,
    CAS_TICKETS_ISSUED,
    CAS_VALIDATIONS,
    *CAS_VALIDATION_FAILURES.values(),
    CAS_LOGINS_NOT_RECORDED,
    CLIENTS_REGISTERED,
    CLIENTS_UPDATED,
    CLIENT_SECRETS_ROTATED,
    CLIENTS_DELETED,
    LOGOUT_NOTICES_QUEUED,
    LOGOUT_NOTICES_NOT_QUEUED,
    LOGOUT_NOTICES_DELIVERED,
    LOGOUT_NOTICES_FAILED,
    CAS_LOGOUT_REQUESTS_DELIVERED,
    CAS_LOGOUT_REQUESTS_FAILED,
)


def count(name: str, value: int = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def publish_metrics(handler):
    """Write the invocation's metrics when the handler ends, whatever the outcome; nothing when none was counted.

    Powertools' own log_metrics warns on every invocation without a metric (most GET requests count nothing), and
    keeps the metrics in memory when POWERTOOLS_METRICS_DISABLED is set (the local server): both are avoided here.
    """

    @functools.wraps(handler)
    def wrapper(event, context):
        try:
            return handler(event, context)
        finally:
            if metrics.metric_set:
                metrics.flush_metrics()
                metrics.clear_metrics()

    return wrapper
