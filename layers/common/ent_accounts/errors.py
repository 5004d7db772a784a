"""Domain errors: each carries the API error code, the HTTP status and the French sentence for the user.

Use cases raise them; one place in web/ turns them into answers. What a student or a parent may read before
anybody is known (a login refused, a link that no longer works, the service busy) is said impersonally; a
sentence said only to a known account is a `Say` (wording.py) with its "tu" and "vous" forms.
"""

from __future__ import annotations

from ent_accounts.wording import Message, Say, text_for


class DomainError(Exception):
    """`message` and the `fields`' messages are plain (neutral) sentences or `Say`s (wording.py); `audience`: the
    role of the account the refusal is about, when the raiser knows it, so that the answer speaks to that reader
    (`message_for`, `fields_for`). Without one, a Say gives its neutral form."""

    status = 400
    code = "invalid_request"
    message: Message = "La demande est invalide."
    retry_after: int | None = None  # seconds: the answer's Retry-After, for a refusal that time lifts

    def __init__(
        self,
        message: Message | None = None,
        *,
        fields: dict[str, Message] | None = None,
        audience: str | None = None,
        **extra,
    ) -> None:
        self.message = message or self.message
        super().__init__(str(self.message))
        self.fields = fields or {}
        self.audience = audience
        self.extra = extra  # additional documented keys of the error body, e.g. validation_deadline
        self.headers: dict[str, str] = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def message_for(self, audience: str | None = None) -> str:
        """The sentence for `audience` (by default the one the raiser named)."""
        return text_for(self.message, audience or self.audience) or ""

    def fields_for(self, audience: str | None = None) -> dict[str, str]:
        """The fields' messages for `audience` (by default the one the raiser named)."""
        return {name: text_for(message, audience or self.audience) or "" for name, message in self.fields.items()}


class InvalidRequest(DomainError):
    pass


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"
    message = "Identifiant ou mot de passe incorrect."


class AccountPendingValidation(DomainError):
    status = 403
    code = "account_pending_validation"
    message = Say(
        "Ton compte est en attente de validation : ouvre le mail que tu as reçu et clique sur le lien de validation.",
        "Votre compte est en attente de validation : ouvrez le mail que vous avez reçu et cliquez sur le lien de "
        "validation.",
        "Compte en attente de validation : le lien de validation est dans le mail reçu à l'adresse indiquée.",
    )


class InvalidChallenge(DomainError):
    status = 401
    code = "invalid_challenge"
    message = (
        "La session de première connexion a expiré : il faut se connecter de nouveau avec le mot de passe provisoire."
    )


class AlreadyCompleted(DomainError):
    status = 409
    code = "already_completed"
    message = (
        "La première connexion de ce compte a déjà été faite : la connexion se fait maintenant avec le mot de passe "
        "personnel."
    )


class NotPending(DomainError):
    status = 409
    code = "not_pending"
    message = "Ce compte n'attend pas de validation d'adresse mail."


class InvalidOrExpiredCode(DomainError):
    status = 410
    code = "invalid_or_expired_code"
    message = (
        "Ce lien n'est pas valide ou a expiré. Si le compte a été supprimé, l'établissement peut en créer un nouveau."
    )


class MailUnavailable(DomainError):
    status = 503
    code = "mail_unavailable"
    message = "Le mail n'a pas pu être envoyé pour le moment : merci de réessayer dans quelques minutes."
    retry_after = 60


class AddressUndeliverable(DomainError):
    """Mail to this address cannot arrive (SES refused it, or reported it bounced): the user must give another one.

    Nothing was stored, so the same request with another address works.
    """

    status = 400
    code = "email_undeliverable"
    message = Say(
        "Nos mails ne peuvent pas être remis à cette adresse : vérifie-la ou indique une autre adresse mail.",
        "Nos mails ne peuvent pas être remis à cette adresse : vérifiez-la ou indiquez une autre adresse mail.",
        "Nos mails ne peuvent pas être remis à cette adresse : une autre adresse mail est nécessaire.",
    )

    def __init__(self, field: str = "email", message: Message | None = None, audience: str | None = None) -> None:
        message = message or self.message
        super().__init__(message, fields={field: message}, audience=audience)

    def for_field(self, field: str, audience: str | None = None) -> AddressUndeliverable:
        """The same refusal, attached to the form field that held the address (and said to `audience`)."""
        return AddressUndeliverable(field, self.message, audience or self.audience)


class AccountLocked(DomainError):
    status = 429
    code = "account_locked"
    message = "Trop de tentatives de connexion : nouvel essai possible plus tard."

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        minutes = max(1, (retry_after + 59) // 60)
        plural = "s" if minutes > 1 else ""
        super().__init__(f"Trop de tentatives de connexion : nouvel essai possible dans {minutes} minute{plural}.")


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
    message = "Trop de mails ont été envoyés pour ce compte : nouvel essai possible dans une heure."
    retry_after = 3600


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    message = "La session a expiré ou n'est pas ouverte : il faut se connecter."


class ServiceBusy(DomainError):
    """AWS throttled us, timed out, or failed: nothing was half-done, and trying again shortly should work."""

    status = 503
    code = "service_unavailable"
    message = "Le service est très sollicité en ce moment : merci de réessayer dans quelques secondes."
    retry_after = 5


# --- school administration (read by school staff: "vous") -------------------------------------------


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = "Aucun compte de cet identifiant dans cet établissement."


class ChangedMeanwhile(DomainError):
    status = 409
    code = "conflict"
    message = "Ce compte a été modifié pendant la demande : recommencez."


class AlreadyLinked(DomainError):
    status = 409
    code = "already_linked"
    message = "Ce parent et cet élève sont déjà liés."


class RequestInProgress(DomainError):
    status = 409
    code = "request_in_progress"
    message = "Cette demande est déjà en cours de traitement : renvoyez-la dans une minute avec la même clé."
    retry_after = 30


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    message = "Cette clé d'idempotence a déjà servi pour une autre demande : utilisez une nouvelle clé."


# --- the client registry (read by ops or the académie's staff: "vous") ----------------------------------------------


class ClientNotFound(NotFound):
    message = "Aucun client n'est enregistré sous cet identifiant."


class ClientIdTaken(DomainError):
    status = 409
    code = "client_exists"
    message = "Un client est déjà enregistré sous cet identifiant : choisissez-en un autre, ou modifiez celui-ci (PUT)."


class ClientChangedMeanwhile(ChangedMeanwhile):
    message = "Ce client a été modifié pendant la demande : relisez-le et recommencez."


# --- IAM callers of /api/admin/ and their grants (read by ops: "vous") ------------------------------------------------


class AllSchoolsRequired(DomainError):
    status = 403
    code = "forbidden"
    message = (
        "Cette opération est réservée à l'exploitation : elle demande une autorisation sur tous les établissements, "
        "que cette identité IAM n'a pas."
    )


class GrantNotFound(NotFound):
    message = "Aucune autorisation n'est enregistrée pour ce principal."


class GrantChangedMeanwhile(ChangedMeanwhile):
    message = "Cette autorisation a été modifiée pendant la demande : relisez-la et recommencez."
