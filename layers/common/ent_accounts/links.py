"""The pages' addresses, in one place: the routes serve them, redirects and mails link to them.

Use cases get a `Links` (built by web/ from the request, or by a scheduled handler from the settings) and ask it for
a link: they never write a page's path themselves, and the mail templates only receive the finished link.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

ROOT = "/"
LOGIN = "/connexion"
LOGOUT = "/deconnexion"
FIRST_CONNECTION = "/premiere-connexion"
FIRST_CONNECTION_CANCEL = "/premiere-connexion/annuler"
PENDING = "/compte-en-attente"
DESK = "/bureau"
MY_ACCOUNT = "/mon-compte"
MY_ADDRESS = "/mon-compte/adresse"
# Paths, not secrets (ruff's S105 reads "password" in a name as one).
MY_PASSWORD = "/mon-compte/mot-de-passe"  # noqa: S105
FORGOT_PASSWORD = "/mot-de-passe-oublie"  # noqa: S105
PASSWORD_RESET = "/reinitialiser-mot-de-passe"  # noqa: S105
FORGOT_IDENTIFIER = "/identifiant-oublie"
EMAIL_VALIDATION = "/valider-adresse-mail"
# The footer's mandatory pages (DSFR): the accessibility statement, the legal notice, personal data.
ACCESSIBILITY = "/accessibilite"
LEGAL_NOTICE = "/mentions-legales"
PERSONAL_DATA = "/donnees-personnelles"
# The school staff's console (web/routes/school_console.py): its own cookie, whose Path is STAFF_HOME.
STAFF_HOME = "/etablissement"
STAFF_LOGIN = "/etablissement/connexion"
STAFF_CODE = "/etablissement/code"
STAFF_INVITATION = "/etablissement/invitation"
STAFF_ROLE_OFFER = "/etablissement/role"
STAFF_ENROLMENT = "/etablissement/activation-code"
STAFF_RECOVERY_CODES = "/etablissement/codes-de-secours"
STAFF_LOGOUT = "/etablissement/deconnexion"
# Help (linked from every page's header and footer, and from error pages): where the identifier is, what to do.
HELP = "/aide"
# Where the pages send the browser, once signed in, to finish a sign-in a service asked for (oidc/, cas/).
CONTINUE_SIGN_IN = "/oidc/continue"
# … which sends a CAS sign-in on to CAS's own (cas/login.py): the pages need not know which protocol asked.
CAS_CONTINUE = "/cas/continue"


# What the login page says to someone sent back to it (?fin=…): whoever it is, student or parent, so in words
# that address neither.
ENDED_NOTICES = {
    "deconnexion": (
        "Déconnexion effectuée : la session est fermée sur cet appareil. Sur un ordinateur partagé, penser aussi à "
        "fermer le navigateur."
    ),
    "session": (
        "La session a pris fin (après un moment sans activité, ou fermée depuis un autre appareil) : il faut se "
        "connecter de nouveau pour continuer."
    ),
    "annulation": (
        "Première connexion annulée : rien n'a été enregistré. Le mot de passe provisoire du courrier reste valable "
        "pour recommencer."
    ),
    "validation": (
        "L'adresse mail est validée et le compte est prêt : il reste à se connecter avec l'identifiant et le mot de "
        "passe personnel pour accéder aux services."
    ),
}


@dataclass(frozen=True)
class Links:
    """Links to the pages of the service at `base_url` (no trailing slash; the API's stage included in AWS)."""

    base_url: str

    def page(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def with_code(self, path: str, token: str) -> str:
        """A link that carries a code (the only secret a URL of ours ever holds)."""
        return f"{self.base_url}{path}?code={quote(token)}"

    def login(self, ended: str | None = None) -> str:
        """The login page; `ended` ("deconnexion", "session") makes it say why the person is back there."""
        return self.page(LOGIN) + (f"?fin={ended}" if ended in ENDED_NOTICES else "")

    def desk(self) -> str:
        """The services page: signed out, it sends to the login page, which comes back to it."""
        return self.page(DESK)

    def email_validation(self, token: str) -> str:
        """The link of a validation mail, of a reminder and of an address change's confirmation."""
        return self.with_code(EMAIL_VALIDATION, token)

    def password_reset(self, token: str) -> str:
        return self.with_code(PASSWORD_RESET, token)

    def staff_invitation(self, token: str) -> str:
        """The link of a staff member's invitation mail."""
        return self.with_code(STAFF_INVITATION, token)

    def staff_role_offer(self, token: str) -> str:
        """The link of a role offer's mail (a school's administrator invited an existing member)."""
        return self.with_code(STAFF_ROLE_OFFER, token)

    def forgot_password(self) -> str:
        return self.page(FORGOT_PASSWORD)
