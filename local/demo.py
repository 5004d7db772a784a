"""Demo data of the local server: accounts created as a school creates them (the provisioning flow), printed with
their provisional passwords; a demo ENT registered as ops register a service (the registry's flow), printed with
its secret, which the demo relying party on /_dev/rp/ (local/demo_rp.py) signs in with; and a demo CAS service
registered the same way (no secret: a CAS service validates its tickets without one), served on /_dev/cas/
(local/demo_cas.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ent_accounts.accounts import Role, Status
from ent_accounts.cas.attributes import CATALOG
from ent_accounts.errors import ClientNotFound
from ent_accounts.flows import clients as registry
from ent_accounts.flows.provisioning import create_accounts
from ent_accounts.flows.school import reset_by_school
from ent_accounts.flows.school_contact import current_contact, update_contact
from ent_accounts.schools import NewAccount
from ent_accounts.services import Services
from ent_accounts.sso.clients import Client
from ent_accounts.sso.registration import checked_registration

DEMO_SCHOOL = "0341234A"
DEMO = [
    NewAccount("Dupont", "Jeanne", Role.STUDENT, date(2011, 5, 14), "4e B"),  # → jdupont
    NewAccount("Martin", "Adam", Role.STUDENT, None, "3e A"),  # → amartin
    NewAccount("Dupont", "Paul", Role.PARENT),  # → pdupont
]
ACTOR = "local-demo"
DEMO_CLIENT_ID = "demo-ent"
DEMO_CLIENT_NAME = "ENT de démonstration"
RP_PATH = "/_dev/rp"  # where local/demo_rp.py is served
DEMO_CAS_ID = "demo-cas"
DEMO_CAS_NAME = "Service CAS de démonstration"
CAS_PATH = "/_dev/cas"  # where local/demo_cas.py is served


@dataclass
class DemoAccount:
    identifier: str
    name: str
    role: str
    birth_date: str | None
    provisional_password: str | None  # None when the account already did its first connection
    status: str


def ensure_demo_accounts(services: Services) -> list[DemoAccount]:
    """Create the demo accounts, or give those still waiting for their first connection a new provisional password
    (only its hash is stored, so a restarted server with kept data cannot print the old one)."""
    existing = {(a.last_name, a.first_name, a.role): a for a in services.store.school_accounts(DEMO_SCHOOL)}
    missing = [row for row in DEMO if _key(row) not in existing]
    issued = {}
    if missing:
        issued = {_key(missing[one.row]): one for one in create_accounts(services, DEMO_SCHOOL, missing, ACTOR)}
    shown = []
    for row in DEMO:
        one = issued.get(_key(row))
        if one is None and existing[_key(row)].status is Status.PROVISIONED:
            one = reset_by_school(services, DEMO_SCHOOL, existing[_key(row)].identifier, "demo", ACTOR)
        if one is not None:
            identifier, password, status = one.account.identifier, one.provisional_password, Status.PROVISIONED
        else:
            account = existing[_key(row)]
            identifier, password, status = account.identifier, None, account.status
        shown.append(
            DemoAccount(
                identifier,
                f"{row.first_name} {row.last_name}",
                row.role.value,
                row.birth_date.isoformat() if row.birth_date else None,
                password,
                status.value,
            )
        )
    return shown


DEMO_CONTACT = {
    "name": "Collège de démonstration",
    "phone": "04 67 00 00 00",
    "email": "secretariat@college-demo.example.fr",
    "web_page": "https://college-demo.example.fr",
    "hours": "Secrétariat : du lundi au vendredi de 8 h à 17 h",
}


def ensure_demo_contact(services: Services) -> str:
    """The demo school's name and contact, as its administrator writes them in the console (kept if already
    written, e.g. changed by hand on /etablissement/0341234A/coordonnees)."""
    stored = current_contact(services, DEMO_SCHOOL)
    if stored.version:
        return stored.name
    return update_contact(services, DEMO_SCHOOL, DEMO_CONTACT, 0, ACTOR, "demo").name


def _key(row: NewAccount) -> tuple[str, str, str]:
    return (row.last_name, row.first_name, row.role.value)


def ensure_demo_client(services: Services, url: str) -> tuple[Client, str]:
    """Register the demo ENT for the server at `url`, or bring its registration up to date (the port may have
    changed since data was kept) and give it a new secret: only the secret's hash is stored, so a restarted server
    could not print the old one. The old secret stops at once (no grace): nobody else holds it."""
    base = f"{url}{RP_PATH}"
    registration = checked_registration(
        client_id=DEMO_CLIENT_ID,
        name=DEMO_CLIENT_NAME,
        redirect_uris=[f"{base}/callback"],
        post_logout_redirect_uris=[f"{base}/"],
        backchannel_logout_uri=f"{base}/backchannel-logout",
        initiate_login_uri=f"{base}/login",
        schools=[DEMO_SCHOOL],
    )
    try:
        registry.show(services, DEMO_CLIENT_ID)
    except ClientNotFound:
        issued = registry.register(services, registration, "local-start", ACTOR)
        return issued.client, issued.secret
    registry.update(services, DEMO_CLIENT_ID, registration, "local-start", ACTOR)
    issued = registry.rotate_secret(services, DEMO_CLIENT_ID, "local-start", ACTOR, grace_hours=0)
    return issued.client, issued.secret


def ensure_demo_cas_service(services: Services, url: str) -> Client:
    """Register the demo CAS service for the server at `url` (its service URL, every attribute of the catalog, single
    logout, the services page's tile), or bring its registration up to date (the port may have changed since data
    was kept: the old service URL is released with it)."""
    base = f"{url}{CAS_PATH}"
    registration = checked_registration(
        client_id=DEMO_CAS_ID,
        name=DEMO_CAS_NAME,
        service_urls=[f"{base}/"],
        cas_attributes=CATALOG,
        initiate_login_uri=f"{base}/login",
        schools=[DEMO_SCHOOL],
    )
    try:
        registry.show(services, DEMO_CAS_ID)
    except ClientNotFound:
        return registry.register(services, registration, "local-start", ACTOR).client
    return registry.update(services, DEMO_CAS_ID, registration, "local-start", ACTOR)
