"""The rules of a registration: what ops may ask a client (sso/clients.py) to be, whoever asks (the admin routes,
the CLI through them, the local demo).

A client is an OpenID Connect client (redirect URIs), a CAS service (service URLs, cas/services.py), or both; it
needs one or the other. Each field's check answers in French, for the ops engineer or the académie's staff who read
it ("vous"), and returns None when the value is acceptable; `checked_registration` names every field to fix at once.

Which secret a client gets follows from what it speaks. A CAS service validates its tickets without authenticating
(CAS 3.0 §2.5: the ticket, bound to the service URL it was issued for, is what it presents), so a client with no
redirect URI never comes to the token endpoint and gets no secret: its `token_endpoint_auth_method` is `none`, and
asking for a secret method without a redirect URI is refused rather than giving a secret nothing would ever check.

What this module cannot see is the rest of the registry: a service URL another client registered is refused by the
registry's flow (flows/clients.py), which reads the registry, and by the store's claim on each URL
(store/clients.py), which settles two registrations racing for it.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ent_accounts.cas.attributes import CATALOG
from ent_accounts.cas.services import registered_url_error
from ent_accounts.errors import InvalidRequest
from ent_accounts.schools import UAI_MESSAGE, normalize_uai, tidy
from ent_accounts.sso.clients import CLIENT_ID_PATTERN, AuthMethod, service_url_key

NAME_MAX_LENGTH = 80
URI_MAX_LENGTH = 2000
MAX_URIS = 20  # redirect URIs, post-logout redirect URIs, service URLs: a service has a few, one per environment
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
NOTHING_TO_SIGN_IN = (
    "Indiquez au moins une adresse de retour OpenID Connect (redirect_uris, exacte, en https://) ou une adresse de "
    "service CAS (service_urls), ou les deux."
)
CAS_ONLY_AUTH_METHOD = (
    "Un service CAS sans adresse de retour OpenID Connect (redirect_uris) n'a pas de secret : il valide ses tickets "
    "sans s'authentifier. Laissez token_endpoint_auth_method de côté (ou mettez none), ou ajoutez des redirect_uris."
)
OIDC_ONLY = (
    "Ce champ sert à OpenID Connect : il n'a de sens qu'avec au moins une adresse de retour (redirect_uris). "
    "Retirez-le, ou ajoutez des redirect_uris."
)
CAS_ATTRIBUTES_WITHOUT_SERVICE = (
    "Les attributs CAS (cas_attributes) ne vont qu'à un service CAS : ajoutez au moins une adresse de service "
    "(service_urls), ou retirez-les."
)
PAIRWISE_AND_CAS = (
    "Un sub propre à ce service (pairwise_subject) et des adresses de service CAS (service_urls) ne vont pas "
    "ensemble : en CAS, le service reçoit l'identifiant de l'élève (user), que le sub propre au service cache "
    "justement. Enregistrez deux clients si le service a besoin des deux."
)


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
    service_urls: tuple[str, ...] = ()
    cas_attributes: tuple[str, ...] = ()  # in the catalog's order
    cas_single_logout: bool = True


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


def service_url_error(url: str) -> str | None:
    """A CAS service URL (`https://hôte[:port]/chemin`; a path ending in "/" covers everything below it), checked by
    the rules CAS matches requests with (cas/services.py), which also refuse a query or a fragment."""
    if not url:
        return "Cette adresse est vide."
    if len(url) > URI_MAX_LENGTH:
        return f"Cette adresse est trop longue (au plus {URI_MAX_LENGTH} caractères)."
    if "*" in url:  # a literal "*" to CAS's matching, which is surely not what its author meant
        return (
            "Les jokers (*) ne sont pas admis : un chemin qui finit par / couvre tout ce qui est au-dessous "
            "(https://pronote.example.fr/pronote/)."
        )
    return registered_url_error(url)


def cas_attribute_error(name: str) -> str | None:
    if name in CATALOG:
        return None
    return f"Attribut CAS inconnu. Les attributs possibles sont : {', '.join(CATALOG)} (majuscules comprises)."


def parse_auth_method(raw: str) -> AuthMethod | None:
    return next((method for method in AuthMethod if method.value == raw), None)


def checked_registration(
    *,
    client_id: str | None,
    name: str,
    redirect_uris: Iterable[str] = (),
    token_endpoint_auth_method: str | None = None,
    post_logout_redirect_uris: Iterable[str] = (),
    backchannel_logout_uri: str | None = None,
    initiate_login_uri: str | None = None,
    schools: Iterable[str] = (),
    all_schools: bool = False,
    pairwise_subject: bool = False,
    service_urls: Iterable[str] = (),
    cas_attributes: Iterable[str] = (),
    cas_single_logout: bool = True,
) -> Registration:
    """The registration, tidied (URIs without duplicates, in the order given; UAIs in capitals; attributes in the
    catalog's order), or InvalidRequest naming every field to fix (`redirect_uris[1]` for the second address).
    `token_endpoint_auth_method` None: client_secret_basic for a client with redirect URIs, none for a CAS service
    without any."""
    fields: dict[str, str] = {}
    redirect_uris, service_urls = list(redirect_uris), list(service_urls)
    oidc, cas = bool(redirect_uris), bool(service_urls)  # what it was asked to speak (the addresses checked below)
    if client_id is not None and (error := client_id_error(client_id)):
        fields["client_id"] = error
    if error := name_error(name):
        fields["name"] = error
    if not oidc and not cas:
        fields["redirect_uris"] = fields["service_urls"] = NOTHING_TO_SIGN_IN
    redirects = _uris("redirect_uris", redirect_uris, uri_error, fields)
    services = _uris("service_urls", service_urls, service_url_error, fields, key=service_url_key)
    post_logout = _uris("post_logout_redirect_uris", post_logout_redirect_uris, uri_error, fields)
    if post_logout and not oidc:
        fields["post_logout_redirect_uris"] = OIDC_ONLY
    for field, uri in (("backchannel_logout_uri", backchannel_logout_uri), ("initiate_login_uri", initiate_login_uri)):
        if uri is not None and (error := uri_error(uri)):
            fields[field] = error
    if backchannel_logout_uri is not None and not oidc and "backchannel_logout_uri" not in fields:
        fields["backchannel_logout_uri"] = OIDC_ONLY
    method = _auth_method(token_endpoint_auth_method, oidc, fields)
    served = _schools(list(schools), all_schools, fields)
    attributes = _cas_attributes(list(cas_attributes), fields)
    if attributes and not cas:
        fields["cas_attributes"] = CAS_ATTRIBUTES_WITHOUT_SERVICE
    if pairwise_subject and cas:
        fields["pairwise_subject"] = PAIRWISE_AND_CAS
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
        service_urls=services,
        cas_attributes=attributes,
        cas_single_logout=cas_single_logout,
    )


def generated_client_id(name: str) -> str:
    """An identifier made up from the name and 8 random hex digits: `ent-occitanie-3f9a2c1b`."""
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", name.casefold()).encode("ascii", "ignore").decode())
    stem = "-".join(words)[:40].strip("-") or "client"
    return f"{stem}-{secrets.token_hex(4)}"


def _uris(
    field: str,
    uris: Iterable[str],
    error_of: Callable[[str], str | None],
    fields: dict[str, str],
    key: Callable[[str], str] = str,
) -> tuple[str, ...]:
    """The acceptable addresses without duplicates (two that `key` makes equal are one: the first is kept), in the
    order given; each other one named in `fields`."""
    uris = list(uris)
    if len(uris) > MAX_URIS:
        fields[field] = f"Au plus {MAX_URIS} adresses."
        return ()
    kept: dict[str, str] = {}
    for index, uri in enumerate(uris):
        if error := error_of(uri):
            fields[f"{field}[{index}]"] = error
        else:
            kept.setdefault(key(uri), uri)
    return tuple(kept.values())


def _auth_method(raw: str | None, oidc: bool, fields: dict[str, str]) -> AuthMethod:
    if raw is None:
        return AuthMethod.CLIENT_SECRET_BASIC if oidc else AuthMethod.NONE
    method = parse_auth_method(raw)
    if method is None:
        fields["token_endpoint_auth_method"] = AUTH_METHOD_MESSAGE
        return AuthMethod.NONE
    if not oidc and method is not AuthMethod.NONE:
        fields["token_endpoint_auth_method"] = CAS_ONLY_AUTH_METHOD
    return method


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


def _cas_attributes(raw: list[str], fields: dict[str, str]) -> tuple[str, ...]:
    if len(raw) > len(CATALOG):
        fields["cas_attributes"] = f"Au plus {len(CATALOG)} attributs : ceux du catalogue, chacun une fois."
        return ()
    for index, name in enumerate(raw):
        if error := cas_attribute_error(name):
            fields[f"cas_attributes[{index}]"] = error
    return tuple(name for name in CATALOG if name in raw)
