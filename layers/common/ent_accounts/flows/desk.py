"""The services page (« Bureau », /bureau): the registered services a signed-in student or parent may open.

A service is listed when it serves the account's school and was registered with an initiate-login URI: the page
sends the browser there, and the service starts its own sign-in with us (OpenID Connect Core 1.0 §4, "Initiating
Login from a Third Party"), which the person's session here answers at once. The link carries `iss`, our issuer,
so that a service registered with several providers knows which one to ask; no `target_link_uri` (the service's
own home is where it lands) and no `login_hint` (the session already says who it is).

The registry is read through registry_cache.py: at most one Query a minute per container, not one per view.

A parent's page also lists their children (names and class), from the links (store/families.py): one Query of the
parent's links and one BatchGetItem of the children, for parents only.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from ent_accounts.accounts import Account, Role
from ent_accounts.registry_cache import registered_clients
from ent_accounts.services import Services
from ent_accounts.sso.clients import Client


@dataclass(frozen=True)
class ServiceLink:
    """One tile of the page: the service's name as registered, and where opening it sends the browser."""

    client_id: str
    name: str
    url: str


def services_page(services: Services, account: Account, issuer: str) -> list[ServiceLink]:
    """The services `account` may open, sorted by name as a French reader sorts (accents and case aside).
    `issuer`: our issuer (the public base URL, exactly as discovery gives it)."""
    clients = registered_clients(services.store, services.clock.now())
    shown = [client for client in clients if client.initiate_login_uri and client.serves(account.uai)]
    shown.sort(key=lambda client: (_sort_key(client.name), client.client_id))
    return [ServiceLink(client.client_id, client.name, initiate_login_url(client, issuer)) for client in shown]


def initiate_login_url(client: Client, issuer: str) -> str:
    """The client's initiate-login URI with `iss` added to its query (a registered query is kept as written: it is
    compared by nobody, but the service may read it)."""
    uri = client.initiate_login_uri or ""
    separator = "&" if urlsplit(uri).query else ("" if uri.endswith("?") else "?")
    return f"{uri}{separator}{urlencode({'iss': issuer})}"


def _sort_key(name: str) -> str:
    """Accents off and case folded: "École" sorts among the e's, before "ENT"."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def children_of(services: Services, account: Account) -> list[Account]:
    """A parent's children, by first name (a student's page lists nobody)."""
    if account.role is not Role.PARENT:
        return []
    family = services.store.family(account.identifier)
    children = services.store.get_accounts(family.children).values() if family.children else []
    return sorted(children, key=lambda child: (_sort_key(child.first_name), _sort_key(child.last_name)))
