"""Threads racing on DynamoDB Local: exactly one wins, the others get a clear answer, nothing is lost or doubled."""

from __future__ import annotations

import threading
from collections import Counter

from ent_accounts.errors import DomainError
from ent_accounts.flows.account_settings import request_email_change
from ent_accounts.flows.password_reset import reset_password, send_password_reset
from ent_accounts.flows.sessions import SignedIn
from ent_accounts.flows.validation import validate_email
from ent_accounts.links import Links
from ent_accounts.services import services
from ent_accounts.store import Conflict
from tests.integration.helpers import NEW_PASSWORD, activate, first_connection, last_code, login
from tests.support.figures import record
from tests.support.links import code_in
from tests.support.store_helpers import audit_events

RACERS = 4


def race(attempt) -> Counter:
    """Run `attempt(i)` in RACERS threads released at once; count what each got (a result or an error code)."""
    barrier, outcomes = threading.Barrier(RACERS), Counter()

    def run(i):
        barrier.wait()
        try:
            outcomes[attempt(i)] += 1
        except DomainError as error:
            outcomes[f"{error.status} {error.code}"] += 1
        except Conflict:  # the API answers it as 409 "conflict": the account changed during the request
            outcomes["409 conflict"] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    record("races run")
    return outcomes


def test_the_same_validation_link_clicked_at_once(real_engine):
    world = real_engine
    first_connection(world, "jdupont12", world.provision("jdupont12"), email="jeanne@laposte.net")
    code = last_code(world)
    outcomes = race(lambda i: validate_email(services(), code, f"r{i}").status)
    assert outcomes["validated"] == 1 and outcomes["validated"] + outcomes["already_validated"] == RACERS
    events = [e["type"] for e in audit_events(world.store, "jdupont12")]
    assert events.count("email_validated") == 1


def test_the_same_reset_link_used_at_once(real_engine):
    world = real_engine
    world.provision("jdupont12")
    activate(world, "jdupont12", email="jeanne@laposte.net")
    send_password_reset(services(), "jdupont12", Links("https://ent.example.fr"), "r")
    world.deliver_outbox()  # the link leaves from the outbox, as the stream's sender sends it
    code = code_in(world.mails()[-1].html)
    outcomes = race(lambda i: reset_password(services(), code, f"Nouveau-Mot-{i}x", f"r{i}") and "changed")
    assert outcomes["changed"] == 1 and outcomes["410 invalid_or_expired_code"] == RACERS - 1
    winners = [i for i in range(RACERS) if login(world, "jdupont12", f"Nouveau-Mot-{i}x").status == 200]
    assert len(winners) == 1  # one password set, not a mix
    assert login(world, "jdupont12", NEW_PASSWORD).status == 401


def test_address_changes_at_once_leave_one_pending_address(real_engine):
    world = real_engine
    world.provision("jdupont12")
    activate(world, "jdupont12", email="jeanne@laposte.net")
    account = world.store.get_account("jdupont12")

    def change(i):
        address = f"nouvelle{i}@laposte.net"
        request_email_change(services(), SignedIn(account), NEW_PASSWORD, address, address, Links("https://x"), f"r{i}")
        return "sent"

    outcomes = race(change)
    assert outcomes["sent"] >= 1 and outcomes["sent"] + outcomes["409 conflict"] == RACERS
    world.deliver_outbox()  # the committed change's mails leave from the outbox
    pending = world.store.get_account("jdupont12").pending_email
    # Only the stored pending address's link confirms; every other mail's link is refused.
    for mail in [m for m in world.mails() if m.to[0].startswith("nouvelle")]:
        status = world.call("POST", "/api/validate-email", {"code": code_in(mail.html)}).status
        assert status == (200 if mail.to == [pending] else 410)
    assert world.store.get_account("jdupont12").email == pending
