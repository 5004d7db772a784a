"""The client registry as the services page (/bureau) reads it: listed once per container for at most a minute.

Why a cache: /bureau is the page every student and parent lands on after signing in, and listing the registry is one
strongly consistent Query of one partition (pk=CLIENTS) whose items may each hold an académie's schools (up to about
50 KB each). Read at every view, tens of clients would cost up to hundreds of read units a view, all on that one
partition, whose limit (3,000 read units a second) the first morning of a school year would reach. Cached, a warm
container reads the registry at most once a minute, whatever its traffic.

What a minute of staleness costs: in a container other than the one that changed it, a newly registered service
appears on the page, or a deleted one disappears from it, up to a minute later. Nothing else trusts this copy: a
sign-in reads its client afresh (one GetItem), so a stale tile signs nobody in to a deleted or changed client. CAS
finds the service a `service` URL belongs to through this copy too (cas/services.py), then reads that client afresh. A
change made through this container (the local server runs every function in one process) is seen at once: the
registry's flows call `forget`.

The time is the services' clock (injectable), so tests move it instead of waiting, and a clock set back (the local
server's /_dev/clock) reads the registry again rather than trusting a copy "from the future".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from ent_accounts.sso.clients import Client

if TYPE_CHECKING:
    from ent_accounts.store import Store

LIFETIME = timedelta(seconds=60)

# One copy per store (a test builds a store per table; a function has one), read and replaced whole: two requests of
# the local server's threads that miss at once both read the registry, and either copy is right.
_copies: WeakKeyDictionary[Store, tuple[datetime, tuple[Client, ...]]] = WeakKeyDictionary()


def registered_clients(store: Store, now: datetime, max_age: timedelta = LIFETIME) -> tuple[Client, ...]:
    """Every registered client, as listed at most `max_age` (at most LIFETIME) ago by this container."""
    copy = _copies.get(store)
    if copy is not None and copy[0] <= now < copy[0] + min(max_age, LIFETIME):
        return copy[1]
    clients = tuple(store.list_clients())
    _copies[store] = (now, clients)
    return clients


def forget(store: Store) -> None:
    """The registry changed: the next read lists it again."""
    _copies.pop(store, None)
