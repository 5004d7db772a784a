"""Which registered service a CAS request's `service` URL belongs to.

A client registers service URLs as `scheme://host[:port]/path` (no query, no fragment, no user info). A requested
service matches a registered URL when its scheme, host and port are the same (compared whole: `ent.example.fr`
never matches `ent.example.fr.evil.example`) and its path is the registered path, or lies below it when the
registered path ends with "/" (`https://pronote.example.fr/pronote/` covers `/pronote/eleve.html`). The query is
not compared (Pronote and mod_auth_cas put the page's own parameters there) but is kept: the ticket is bound to the
exact URL the service sent, and the browser goes back to it.

A service URL that could be read two ways is refused rather than matched: user info (`https://ent@evil/`), a
backslash, spaces or other characters a URL cannot hold unencoded, a fragment, dot segments (`/pronote/../admin`)
and encoded dots, slashes or backslashes in the path. No wildcard, no regular expression: an open redirect cannot
be registered by mistake.

The registry is read through registry_cache.py (one Query a minute per container, not one per login): a service
registered in another container is found within a minute at worst, sooner when a request misses (a miss re-lists
the registry when the copy is more than MISS_REFRESH old). Whoever answers a request reads the client afresh and
checks `accepts_service` again, so a deleted or changed client is never trusted from the copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ent_accounts.registry_cache import registered_clients
from ent_accounts.sso.clients import Client

if TYPE_CHECKING:
    from ent_accounts.store import Store

MAX_LENGTH = 2000
MISS_REFRESH = timedelta(seconds=5)
DEFAULT_PORTS = {"https": 443, "http": 80}
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?\[\]@!$&'()*+,;=%]+")  # RFC 3986, without "#"
_AMBIGUOUS_ESCAPES = re.compile(r"%(2e|2f|5c|00)", re.IGNORECASE)


@dataclass(frozen=True)
class ServiceUrl:
    """A service URL as a request gave it (`url`, kept exactly), with the parts it is matched on."""

    url: str
    scheme: str
    host: str  # lower case
    port: int  # the scheme's default when the URL names none
    path: str  # "/" when the URL has none

    @property
    def origin(self) -> str:
        port = "" if DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}{port}"


def parse_service(raw: str | None) -> ServiceUrl | None:
    """The service URL, or None for one that is malformed or could be read two ways (see the module's docstring).
    http:// is accepted here for any host; only a registered URL decides (and registration allows http only on the
    loopback)."""
    if not raw or len(raw) > MAX_LENGTH or not _URL_CHARACTERS.fullmatch(raw):
        return None
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc or parts.fragment:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or _AMBIGUOUS_ESCAPES.search(path) or _has_dot_segment(path):
        return None
    return ServiceUrl(raw, scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme], path)


def registered_url_error(url: str) -> str | None:
    """Why a URL cannot be registered as a service URL (French, for the ops engineer: "vous"), or None."""
    service = parse_service(url)
    if service is None:
        return (
            "Cette adresse de service est mal formée : indiquez-la sous la forme https://hôte[:port]/chemin, sans "
            "identifiant (…@), sans fragment (#…), sans segment « . » ou « .. » et sans caractère non encodé."
        )
    if urlsplit(url).query:
        return (
            "Une adresse de service enregistrée ne contient pas de paramètres (?…) : seuls le protocole, l'hôte, le "
            "port et le chemin sont comparés."
        )
    if service.scheme == "http" and service.host not in LOOPBACK_HOSTS:
        return (
            "Seules les adresses https:// sont admises (http:// uniquement sur la machine locale : 127.0.0.1, "
            "[::1] ou localhost)."
        )
    return None


def covers(registered: str, service: ServiceUrl) -> bool:
    """Whether this registered service URL covers the requested service."""
    pattern = parse_service(registered)
    if pattern is None or (pattern.scheme, pattern.host, pattern.port) != (service.scheme, service.host, service.port):
        return False
    if pattern.path.endswith("/"):
        return service.path.startswith(pattern.path)
    return service.path == pattern.path


def accepts_service(client: Client, service: ServiceUrl) -> bool:
    return any(covers(registered, service) for registered in client.service_urls)


def registered_service(store: Store, now: datetime, service: ServiceUrl) -> Client | None:
    """The client whose registered URL covers the service, the most specific one (the longest path) when several
    do, then the first by client_id; None for a service no client registered. From the registry's cached copy: the
    caller reads the client afresh before trusting it."""
    found = _most_specific(registered_clients(store, now), service)
    if found is None:
        found = _most_specific(registered_clients(store, now, max_age=MISS_REFRESH), service)
    return found


def _most_specific(clients: tuple[Client, ...], service: ServiceUrl) -> Client | None:
    best: tuple[int, str] | None = None
    chosen = None
    for client in clients:
        for registered in client.service_urls:
            if covers(registered, service):
                rank = (-len(urlsplit(registered).path or "/"), client.client_id)
                if best is None or rank < best:
                    best, chosen = rank, client
    return chosen


def _has_dot_segment(path: str) -> bool:
    return any(segment in (".", "..") for segment in path.split("/"))
