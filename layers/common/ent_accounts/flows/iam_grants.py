"""Which schools an IAM caller of /api/admin/ may act on, and the grants ops manage to say so.

`scope_of` answers for one request's caller (principals.py says how a signer is matched to a grant):
- `local`, the caller of a request no IAM signed, holds every school only where the settings say the functions are
  served locally (the local server, `sam local`: AWS_SAM_LOCAL); in Lambda, where API Gateway's AWS_IAM always
  names the signer, it holds nothing;
- a principal listed in the AdminPrincipals parameter (settings.admin_principals) holds every school: ops'
  bootstrap, which no write to the table can take away;
- any other principal holds what its grant says (store/iam_grants.py), or nothing without one.

Managing grants (set, change, remove, list) needs every school: a caller limited to its schools can neither widen
its own grant nor see who else may act where. Each change is audited (`by`: the caller's ARN; the schools before and
after) in the change's transaction.

**The grant a warm container read is trusted for at most `LIFETIME` (30 s)**, per store, per principal, like the
client registry's copy (registry_cache.py): a nightly sync sends thousands of requests, each would otherwise read
its grant again. What that costs: a grant removed or narrowed through another container still works there for up to
30 seconds; one changed through this container (the local server runs every function in one process) is read again
at once (`forget`). The time is the services' clock, so tests move it, and a clock set back reads again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from ent_accounts import schools as school_codes
from ent_accounts.errors import AllSchoolsRequired, GrantChangedMeanwhile, GrantNotFound, InvalidRequest
from ent_accounts.principals import LOCAL, PRINCIPAL_MESSAGE, Grant, Scope, caller_principal, granted_principal
from ent_accounts.services import Services
from ent_accounts.store import AuditEvent, Conflict

if TYPE_CHECKING:
    from ent_accounts.store import Store

LIFETIME = timedelta(seconds=30)
MAX_SCHOOLS = 5000  # an académie's schools, several times over; 8 characters each, far below an item's 400 KB
SCHOOLS_MESSAGE = "Donnez au moins un établissement (UAI), ou bien tous les établissements (all_schools), pas les deux."
TOO_MANY_MESSAGE = f"Au plus {MAX_SCHOOLS} établissements par autorisation : donnez plutôt tous les établissements."
NO_CHANGE_MESSAGE = "Donnez au moins un établissement à ajouter (add) ou à retirer (remove)."
HOLDS_ALL_MESSAGE = (
    "Cette identité agit sur tous les établissements : donnez-lui plutôt ses établissements à la place (set)."
)
NONE_LEFT_MESSAGE = "Il ne lui resterait aucun établissement : retirez plutôt son autorisation (remove)."
CHANGE_ATTEMPTS = 8  # as many changes at once as the races send; each lost write is read and applied again

_copies: WeakKeyDictionary[Store, dict[str, tuple[datetime, Grant | None]]] = WeakKeyDictionary()


def scope_of(services: Services, caller: str) -> Scope:
    """What the caller who signed as `caller` (an ARN, or `local`) may act on."""
    if caller == LOCAL:
        return Scope(caller, all_schools=services.settings.local_server)
    principal = caller_principal(caller)
    if principal is None:
        return Scope(caller)
    if principal in services.settings.admin_principals:
        return Scope(caller, all_schools=True, bootstrap=True)
    grant = _grant(services, principal)
    if grant is None:
        return Scope(caller)
    return Scope(caller, all_schools=grant.all_schools, schools=grant.schools)


def require_all_schools(scope: Scope) -> None:
    """Refuse (403) a caller that does not hold every school: what only ops may do."""
    if not scope.all_schools:
        raise AllSchoolsRequired()


def list_grants(services: Services, scope: Scope) -> list[Grant]:
    require_all_schools(scope)
    return services.store.list_grants()


def show_grant(services: Services, scope: Scope, arn: str) -> Grant:
    require_all_schools(scope)
    grant = services.store.get_grant(_principal(arn))
    if grant is None:
        raise GrantNotFound()
    return grant


def set_grant(
    services: Services,
    scope: Scope,
    arn: str,
    uais: Iterable[str],
    all_schools: bool,
    request_id: str,
    expected_version: int | None = None,
) -> Grant:
    """Give `arn` these schools (or all of them), replacing what it held; returns the grant as stored.
    `expected_version`: the version read before (0: none existed), so that a change made meanwhile is not lost."""
    require_all_schools(scope)
    principal = _principal(arn)
    wanted = _schools(uais, all_schools)
    current = services.store.get_grant(principal)
    version = current.version if current else 0
    if expected_version is not None and expected_version != version:
        raise GrantChangedMeanwhile()
    now = services.clock.now()
    grant = Grant(
        principal=principal,
        arn=arn.strip(),
        schools=frozenset() if all_schools else wanted,
        all_schools=all_schools,
        created_by=current.created_by if current else scope.caller,
        created_at=current.created_at if current else now,
        updated_by=scope.caller,
        updated_at=now,
        version=version + 1,
    )
    details = {"by": scope.caller, "arn": grant.arn, "schools": _described(grant), "previous": _described(current)}
    try:
        services.store.put_grant(grant, version, AuditEvent("grant_set", request_id, details))
    except Conflict:
        raise GrantChangedMeanwhile() from None
    finally:
        forget(services.store)
    return grant


def change_grant_schools(
    services: Services, scope: Scope, arn: str, add: Iterable[str], remove: Iterable[str], request_id: str
) -> Grant:
    """Add schools to `arn`'s grant and take others from it, keeping the rest (a grant is made if it has none);
    returns the grant as stored. Unlike `set_grant`, it needs no version: the change is applied to the grant as it
    is when written, so another change made meanwhile (another operator, another container) is kept, never
    overwritten: the write is conditional on the version read, and read again and applied again when it lost."""
    require_all_schools(scope)
    principal = _principal(arn)
    added, removed = _uais(add, "add"), _uais(remove, "remove")
    if not added and not removed:
        raise InvalidRequest(NO_CHANGE_MESSAGE, fields={"add": NO_CHANGE_MESSAGE})
    if both := added & removed:
        message = f"{', '.join(sorted(both))} : à la fois ajouté et retiré."
        raise InvalidRequest(message, fields={"remove": message})
    for _ in range(CHANGE_ATTEMPTS):
        current = services.store.get_grant(principal)
        if current is not None and current.all_schools:
            raise InvalidRequest(HOLDS_ALL_MESSAGE, fields={"add" if added else "remove": HOLDS_ALL_MESSAGE})
        before = current.schools if current else frozenset()
        wanted = (before | added) - removed
        if not wanted:
            raise InvalidRequest(NONE_LEFT_MESSAGE, fields={"remove": NONE_LEFT_MESSAGE})
        if len(wanted) > MAX_SCHOOLS:
            raise InvalidRequest(TOO_MANY_MESSAGE, fields={"add": TOO_MANY_MESSAGE})
        if current is not None and wanted == before:
            return current  # already so: nothing written, nothing audited
        version = current.version if current else 0
        now = services.clock.now()
        grant = Grant(
            principal=principal,
            arn=current.arn if current else arn.strip(),
            schools=frozenset(wanted),
            all_schools=False,
            created_by=current.created_by if current else scope.caller,
            created_at=current.created_at if current else now,
            updated_by=scope.caller,
            updated_at=now,
            version=version + 1,
        )
        details = {
            "by": scope.caller,
            "arn": grant.arn,
            "schools": _described(grant),
            "previous": _described(current),
            "added": ",".join(sorted(wanted - before)),
            "removed": ",".join(sorted(before - wanted)),
        }
        try:
            services.store.put_grant(grant, version, AuditEvent("grant_changed", request_id, details))
            return grant
        except Conflict:
            continue  # changed meanwhile: apply this change to what it is now
        finally:
            forget(services.store)
    raise GrantChangedMeanwhile()


def remove_grant(services: Services, scope: Scope, arn: str, request_id: str) -> None:
    """Take every school from `arn` (its grant goes; the audit events stay)."""
    require_all_schools(scope)
    principal = _principal(arn)
    current = services.store.get_grant(principal)
    if current is None:
        raise GrantNotFound()
    details = {"by": scope.caller, "arn": current.arn, "previous": _described(current)}
    try:
        services.store.delete_grant(principal, current.version, AuditEvent("grant_removed", request_id, details))
    except Conflict:
        raise GrantChangedMeanwhile() from None
    finally:
        forget(services.store)


def forget(store: Store) -> None:
    """A grant changed: this container reads grants again."""
    _copies.pop(store, None)


def _grant(services: Services, principal: str) -> Grant | None:
    now = services.clock.now()
    copies = _copies.setdefault(services.store, {})
    copy = copies.get(principal)
    if copy is not None and copy[0] <= now < copy[0] + LIFETIME:
        return copy[1]
    grant = services.store.get_grant(principal)
    copies[principal] = (now, grant)
    return grant


def _principal(arn: str) -> str:
    principal = granted_principal(arn or "")
    if principal is None:
        raise InvalidRequest(PRINCIPAL_MESSAGE, fields={"principal": PRINCIPAL_MESSAGE})
    return principal


def _schools(uais: Iterable[str], all_schools: bool) -> frozenset[str]:
    raw = [uai for uai in uais if uai and uai.strip()]
    if all_schools == bool(raw):
        raise InvalidRequest(SCHOOLS_MESSAGE, fields={"schools": SCHOOLS_MESSAGE})
    wanted = _uais(raw, "schools")
    if len(wanted) > MAX_SCHOOLS:
        raise InvalidRequest(TOO_MANY_MESSAGE, fields={"schools": TOO_MANY_MESSAGE})
    return wanted


def _uais(uais: Iterable[str], field: str) -> frozenset[str]:
    """The UAIs given (normalised, blanks left out); the first malformed one refused, named, under `field`."""
    wanted = set()
    for uai in (uai for uai in uais if uai and uai.strip()):
        code = school_codes.normalize_uai(uai)
        if code is None:
            message = f"« {uai.strip()[:20]} » : {school_codes.UAI_MESSAGE}"
            raise InvalidRequest(message, fields={field: message})
        wanted.add(code)
    return frozenset(wanted)


def _described(grant: Grant | None) -> str:
    if grant is None:
        return "none"
    return "all" if grant.all_schools else ",".join(sorted(grant.schools))
