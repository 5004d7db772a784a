"""The services (clients) an académie lets sign its students and parents in, as the registry keeps them.

A client is registered by ops or the académie (admin routes, `ent_admin clients`), never by itself: there is no
dynamic registration. Its redirect URIs are compared as exact strings (RFC 9700 §4.1.3), its secret is shown once
and kept only as a SHA-256 hash (256 random bits need no slow hash), and it may sign in only the accounts of the
schools it serves.

The rules of a registration (`checked_registration`) live here, whoever asks (the admin routes, the CLI through
them, the local demo): each field's check answers in French, for the ops engineer or the académie's staff who read
it ("vous"), and returns None when the value is acceptable.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from ent_accounts.errors import InvalidRequest
from ent_accounts.schools import UAI_MESSAGE, normalize_uai, tidy


class AuthMethod(StrEnum):
    """How a client authenticates at the token endpoint (OAuth 2.0 `token_endpoint_auth_method`)."""

    CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 (a method's name, not a secret)
    CLIENT_SECRET_POST = "client_secret_post"  # noqa: S105
    NONE = "none"  # a public client (an app that cannot keep a secret): PKCE alone binds its codes


SECRET_BYTES = 32


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str  # shown to students and parents: "Connexion à : ENT Occitanie"
    redirect_uris: tuple[str, ...]
    token_endpoint_auth_method: AuthMethod = AuthMethod.CLIENT_SECRET_BASIC
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str | None = None  # told when a session it was signed in through ends
    initiate_login_uri: str | None = None  # where the services page (/bureau) sends a student to open it
    schools: frozenset[str] = frozenset()  # UAIs whose students and parents it may sign in …
    all_schools: bool = False  # … or every school, granted explicitly
    pairwise_subject: bool = False  # its `sub` differs from every other client's (OIDC Core §8.1)
    subject_salt: str = ""  # random, per client, never shown: what makes its pairwise `sub` its own
    secret_hashes: tuple[str, ...] = ()  # the current secret's hash, then the previous one's during a rotation
    previous_secret_expires_at: datetime | None = None  # the previous secret works until then
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 0  # bumped at each change: an update based on an older read is refused
    # CAS (cas/): the service URLs it may ask tickets for (scheme://host[:port]/path, a path ending in "/" covering
    # everything below it: cas/services.py), the attributes its validations release (cas/attributes.py), and
    # whether it receives CAS single logout requests when a session it was signed in through ends.
    service_urls: tuple[str, ...] = ()
    cas_attributes: tuple[str, ...] = ()
    cas_single_logout: bool = True

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method is AuthMethod.NONE

    def serves(self, uai: str) -> bool:
        return self.all_schools or uai in self.schools

    def accepts_redirect_uri(self, uri: str) -> bool:
        return uri in self.redirect_uris

    def accepts_post_logout_redirect_uri(self, uri: str) -> bool:
        return uri in self.post_logout_redirect_uris

    @property
    def speaks_oidc(self) -> bool:
        return bool(self.redirect_uris)

    @property
    def speaks_cas(self) -> bool:
        return bool(self.service_urls)


def new_client_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def new_subject_salt() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(client: Client, secret: str, now: datetime) -> bool:
    """Whether `secret` is the client's current secret, or its previous one while the rotation's grace lasts.

    Every stored hash is compared (constant time each), so the time taken says nothing about which one matched."""
    if not client.secret_hashes or not secret:
        return False
    presented = hash_secret(secret)
    current, *previous = client.secret_hashes
    matches = hmac.compare_digest(presented, current)
    grace = client.previous_secret_expires_at is not None and now < client.previous_secret_expires_at
    for old in previous:
        matches |= hmac.compare_digest(presented, old) and grace
    return matches


# --- registration: what ops ask a client to be, checked --------------------------------------------------------------

CLIENT_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
NAME_MAX_LENGTH = 80
URI_MAX_LENGTH = 2000
MAX_URIS = 20  # redirect URIs, and post-logout redirect URIs: a service has a few, one per environment at most
MAX_SCHOOLS = 5000  # an académie's schools, primary schools included (≈ 50 KB of the 400 KB an item may hold)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})  # http allowed there only: a developer's machine
# What RFC 3986 allows in a URI, unencoded (an exact-match redirect URI is compared as the RP sends it: spaces or
# accents would be sent percent-encoded, and never match).
_URI_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")

CLIENT_ID_MESSAGE = (
    "L'identifiant du client doit faire de 3 à 64 caractères : des minuscules non accentuées, des chiffres, "
    "et . _ - (pas au début), par exemple ent-occitanie."
)
AUTH_METHOD_MESSAGE = "La méthode d'authentification doit être client_secret_basic, client_secret_post ou none."
SCHOOLS_MISSING = (
    "Indiquez les établissements (codes UAI) dont ce service peut connecter les élèves et les parents, "
    "ou all_schools à true pour tous les établissements."
)
SCHOOLS_AND_ALL = (
    "Choisissez : la liste des établissements (schools) ou tous les établissements (all_schools), pas les deux."
)
REDIRECT_URIS_MISSING = "Indiquez au moins une adresse de retour (redirect_uris), exacte, en https://."


@dataclass(frozen=True)
class Registration:
    """A client as ops registered it, checked: every field of a Client but those the service keeps to itself (its
    secret, its salt, its dates and version). `client_id` None: the service makes one up from the name."""

    client_id: str | None
    name: str
    redirect_uris: tuple[str, ...]
    token_endpoint_auth_method: AuthMethod = AuthMethod.CLIENT_SECRET_BASIC
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str | None = None
    initiate_login_uri: str | None = None
    schools: frozenset[str] = frozenset()
    all_schools: bool = False
    pairwise_subject: bool = False


def client_id_error(client_id: str) -> str | None:
    return None if CLIENT_ID_PATTERN.fullmatch(client_id) else CLIENT_ID_MESSAGE


def name_error(name: str) -> str | None:
    """The name as students read it on the login page ("Connexion à : …"): one line of text."""
    if any(unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp") for char in name):
        return (
            "Le nom du service ne peut contenir ni retour à la ligne, ni tabulation, ni autre caractère de contrôle : "
            "écrivez-le sur une seule ligne."
        )
    name = tidy(name)
    if not name:
        return "Indiquez le nom du service, tel que les élèves le verront (« Connexion à : ENT … »)."
    if len(name) > NAME_MAX_LENGTH:
        return f"Le nom du service est trop long (au plus {NAME_MAX_LENGTH} caractères)."
    return None


def uri_error(uri: str) -> str | None:
    """An address the service sends a browser (or a logout notification) to: absolute, https (http only on the
    loopback, for a developer), compared as an exact string, so no fragment and no wildcard."""
    if not uri:
        return "Cette adresse est vide."
    if len(uri) > URI_MAX_LENGTH:
        return f"Cette adresse est trop longue (au plus {URI_MAX_LENGTH} caractères)."
    if not _URI_CHARACTERS.fullmatch(uri):
        return (
            "Cette adresse contient des caractères qu'une adresse web ne peut pas contenir tels quels (espace, "
            "lettre accentuée, guillemet, caractère de contrôle…) : encodez-les (%20, %C3%A9…)."
        )
    if "*" in uri:
        return "Les jokers (*) ne sont pas admis : indiquez chaque adresse exacte."
    if "#" in uri:
        return "Une adresse enregistrée ne peut pas contenir de fragment (#…)."
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number in range)
    except ValueError:
        return "Cette adresse est mal formée (son nom d'hôte ou son port n'est pas valide)."
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "L'adresse doit être absolue et commencer par https://, par exemple https://ent.example.fr/oidc/retour."
    if "@" in parts.netloc:
        return "Une adresse ne peut pas contenir d'identifiant ni de mot de passe (…@)."
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        return (
            "Seules les adresses https:// sont admises (http:// uniquement sur la machine locale : 127.0.0.1, "
            "[::1] ou localhost)."
        )
    return None


def parse_auth_method(raw: str) -> AuthMethod | None:
    return next((method for method in AuthMethod if method.value == raw), None)


def checked_registration(
    *,
    client_id: str | None,
    name: str,
    redirect_uris: Iterable[str],
    token_endpoint_auth_method: str = AuthMethod.CLIENT_SECRET_BASIC.value,
    post_logout_redirect_uris: Iterable[str] = (),
    backchannel_logout_uri: str | None = None,
    initiate_login_uri: str | None = None,
    schools: Iterable[str] = (),
    all_schools: bool = False,
    pairwise_subject: bool = False,
) -> Registration:
    """The registration, tidied (URIs without duplicates, in the order given; UAIs in capitals), or InvalidRequest
    naming every field to fix (`redirect_uris[1]` for the second address)."""
    fields: dict[str, str] = {}
    if client_id is not None and (error := client_id_error(client_id)):
        fields["client_id"] = error
    if error := name_error(name):
        fields["name"] = error
    redirects = _uris("redirect_uris", redirect_uris, fields)
    if not redirects and "redirect_uris" not in fields:
        fields["redirect_uris"] = REDIRECT_URIS_MISSING
    post_logout = _uris("post_logout_redirect_uris", post_logout_redirect_uris, fields)
    for field, uri in (("backchannel_logout_uri", backchannel_logout_uri), ("initiate_login_uri", initiate_login_uri)):
        if uri is not None and (error := uri_error(uri)):
            fields[field] = error
    method = parse_auth_method(token_endpoint_auth_method)
    if method is None:
        fields["token_endpoint_auth_method"] = AUTH_METHOD_MESSAGE
    served = _schools(list(schools), all_schools, fields)
    if fields:
        raise InvalidRequest("Le client n'a pas été enregistré : certains champs sont à corriger.", fields=fields)
    return Registration(
        client_id=client_id,
        name=tidy(name),
        redirect_uris=redirects,
        token_endpoint_auth_method=method,
        post_logout_redirect_uris=post_logout,
        backchannel_logout_uri=backchannel_logout_uri,
        initiate_login_uri=initiate_login_uri,
        schools=served,
        all_schools=all_schools,
        pairwise_subject=pairwise_subject,
    )


def generated_client_id(name: str) -> str:
    """An identifier made up from the name and 8 random hex digits: `ent-occitanie-3f9a2c1b`."""
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", name.casefold()).encode("ascii", "ignore").decode())
    stem = "-".join(words)[:40].strip("-") or "client"
    return f"{stem}-{secrets.token_hex(4)}"


def _uris(field: str, uris: Iterable[str], fields: dict[str, str]) -> tuple[str, ...]:
    uris = list(uris)
    if len(uris) > MAX_URIS:
        fields[field] = f"Au plus {MAX_URIS} adresses."
        return ()
    for index, uri in enumerate(uris):
        if error := uri_error(uri):
            fields[f"{field}[{index}]"] = error
    return tuple(dict.fromkeys(uris))


def _schools(raw: list[str], all_schools: bool, fields: dict[str, str]) -> frozenset[str]:
    if all_schools and raw:
        fields["all_schools"] = SCHOOLS_AND_ALL
        return frozenset()
    if not all_schools and not raw:
        fields["schools"] = SCHOOLS_MISSING
        return frozenset()
    if len(raw) > MAX_SCHOOLS:
        fields["schools"] = f"Au plus {MAX_SCHOOLS} établissements : au-delà, choisissez all_schools."
        return frozenset()
    served = set()
    for index, value in enumerate(raw):
        uai = normalize_uai(value)
        if uai is None:
            fields[f"schools[{index}]"] = UAI_MESSAGE
        else:
            served.add(uai)
    return frozenset(served)
