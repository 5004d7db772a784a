"""What the school pages say of an account, in French: its status, its role, its audit events; how a name is
folded for search and how an address is masked."""

from __future__ import annotations

import re
import unicodedata

from ent_accounts.accounts import Status

STATUS_LABELS = {
    # PROVISIONED is also an account the school reset: its holder signed in before, but must start again.
    Status.PROVISIONED: "Première connexion à faire",
    Status.PENDING_VALIDATION: "Adresse mail à valider",
    Status.ACTIVE: "Actif",
}
# The order the pages list statuses in: the work still to do first.
STATUSES = (Status.PROVISIONED, Status.PENDING_VALIDATION, Status.ACTIVE)
# The query's word for each status (the list's filter), short and French.
STATUS_SLUGS = {
    Status.PROVISIONED: "premiere-connexion",
    Status.PENDING_VALIDATION: "a-valider",
    Status.ACTIVE: "actif",
}
ROLE_LABELS = {"eleve": "Élève", "parent": "Parent"}
ROLE_PLURALS = {"eleve": "Élèves", "parent": "Parents"}
NO_CLASS = "Sans classe"
NO_CLASS_QUERY = "-"  # the list's class filter for accounts without a class

# Every event type the service writes in an account's partition (grep `audit(` and `record_event(`). A type not
# here (a newer one) is shown as written: the trail never hides an event because it has no label yet.
EVENT_LABELS = {
    "account_deleted_by_school": "Compte supprimé par l'établissement",
    "account_expired": "Compte supprimé : adresse mail non validée à temps",
    "account_locked": "Connexion bloquée un moment après trop d'essais",
    "email_change_requested": "Changement d'adresse mail demandé",
    "email_changed": "Adresse mail changée",
    "email_undeliverable": "Adresse mail injoignable (les mails n'arrivent pas)",
    "email_validated": "Adresse mail validée",
    "first_connection": "Première connexion",
    "first_connection_wrong_birth_date": "Première connexion : date de naissance erronée",
    "letter_reissued_by_school": "Nouvelle lettre d'accès imprimée par l'établissement",
    "linked_by_school": "Lien familial ajouté par l'établissement",
    "logged_out": "Déconnexion",
    "login_failed": "Échec de connexion (mot de passe erroné)",
    "login_succeeded": "Connexion",
    "parent_deleted_with_last_child": "Compte parent supprimé avec celui de son dernier enfant",
    "password_changed": "Mot de passe changé",
    "password_reset": "Mot de passe renouvelé par le lien reçu par mail",
    "password_reset_by_school": "Mot de passe réinitialisé par l'établissement",
    "password_reset_refused_address_limit": "Renouvellement du mot de passe refusé : trop de demandes",
    "password_reset_refused_no_address": "Renouvellement du mot de passe refusé : pas d'adresse validée",
    "password_reset_refused_undeliverable": "Renouvellement du mot de passe refusé : adresse injoignable",
    "password_reset_requested": "Renouvellement du mot de passe demandé",
    "reminder_not_sent": "Rappel de validation non envoyé",
    "reminder_sent": "Rappel de validation envoyé par mail",
    "sign_in_refused": "Connexion à un service refusée",
    "signed_in_to_client": "Connexion à un service",
    "tokens_issued": "Connexion à un service (jetons remis)",
    "unlinked_by_school": "Lien familial retiré par l'établissement",
    "validation_mail_resent": "Mail de validation renvoyé",
}
# The details an event may carry, named in French; others are shown as written. Never a secret (store/audit.py).
DETAIL_LABELS = {
    "by": "Par",
    "child": "Enfant",
    "client_id": "Service",
    "reason": "Motif",
    "before": "Avant l'échéance",
    "failures": "Échecs",
    "until": "Jusqu'à",
    "status": "Statut",
    "address": "Adresse",
    "uai": "Établissement",
    "created_at": "Créé le",
}
DETAIL_VALUES = {
    "before": {"month": "un mois avant", "week": "une semaine avant"},
    "address": {"email": "adresse du compte", "pending_email": "nouvelle adresse en attente"},
    "reason": {"bounce": "mail rejeté", "complaint": "signalé comme indésirable"},
    "status": {status.value: label for status, label in STATUS_LABELS.items()},
}
# Fields of an event item that are its envelope, not its details.
EVENT_ENVELOPE = {"pk", "sk", "type", "time", "request_id", "expires_at"}


def status_label(status: Status | str) -> str:
    try:
        return STATUS_LABELS[Status(status)]
    except ValueError:
        return str(status)


def role_label(role: str) -> str:
    return ROLE_LABELS.get(str(role), str(role))


def event_label(event_type: str) -> str:
    return EVENT_LABELS.get(event_type, event_type)


def detail_label(name: str) -> str:
    return DETAIL_LABELS.get(name, name)


def detail_value(name: str, value: str) -> str:
    return DETAIL_VALUES.get(name, {}).get(value, value)


def fold(text: str | None) -> str:
    """Text as search compares it: accents, case and repeated spaces aside ("Zoé  LE BIHAN" is "zoe le bihan")."""
    spelled = unicodedata.normalize("NFKD", (text or "").casefold().replace("œ", "oe").replace("æ", "ae"))
    plain = "".join(char for char in spelled if not unicodedata.combining(char)).replace("’", "'")
    return " ".join(plain.split())


def class_key(school_class: str | None) -> tuple:
    """Classes in a stable order, numbers as numbers ("6e 2" before "6e 10"); no class last."""
    if not school_class:
        return (1, ())
    parts = re.split(r"(\d+)", fold(school_class))
    return (0, tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts if part))


def class_label(school_class: str | None) -> str:
    return school_class or NO_CLASS


def mask_email(address: str | None) -> str | None:
    """An address as staff see it: its first character and its domain, "j…@laposte.net".

    Staff need to know whether an account has an address and roughly which (to tell a student "the mail went to
    your laposte.net address, look there", or to spot a school address typed instead of a personal one), but not
    the address itself: it is the holder's personal data and their way to recover the account, and every staff
    member of the school, readers included, sees this page. The admin API likewise gives only `has_email`.
    """
    if not address:
        return None
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return "…"
    return f"{local[0]}…@{domain}"
