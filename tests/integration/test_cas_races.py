"""A CAS ticket works once (CAS 3.0 §3.1.1), even when warm Lambda containers (one process each) validate it at the
same instant on one DynamoDB Local: the conditional delete lets exactly one of them have it."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import pytest

from tests.integration.cas import SERVICE, cas_world, saml_body, sign_in
from tests.integration.oidc import signed_in
from tests.support.containers import SIZE, Request
from tests.support.figures import record


@pytest.mark.parametrize("path", ["/cas/serviceValidate", "/cas/p3/serviceValidate", "/cas/validate"])
def test_one_ticket_validated_by_eight_processes_at_once_succeeds_once(real_engine, containers, path):
    world = real_engine
    cas_world(world)
    _, ticket = sign_in(world, signed_in(world))
    url = f"{path}?{urlencode({'ticket': ticket, 'service': SERVICE})}"
    outcomes = containers.at_once(world, [Request("GET", url) for _ in range(SIZE)])
    record("races run with 8 processes (warm containers) on one DynamoDB Local")
    assert {outcome.status for outcome in outcomes} == {200}  # CAS answers every validation 200
    if path == "/cas/validate":
        assert Counter(outcome.body for outcome in outcomes) == {"yes\njdupont12\n": 1, "no\n\n": SIZE - 1}
        return
    won = [outcome.body for outcome in outcomes if "<cas:authenticationSuccess>" in outcome.body]
    lost = [outcome.body for outcome in outcomes if 'code="INVALID_TICKET"' in outcome.body]
    assert len(won) == 1 and len(lost) == SIZE - 1
    assert "<cas:user>jdupont12</cas:user>" in won[0]


def test_one_ticket_validated_through_every_endpoint_at_once_succeeds_once(real_engine, containers):
    """The same ticket sent to each kind of validation at once (a service retrying through another endpoint)."""
    world = real_engine
    cas_world(world)
    _, ticket = sign_in(world, signed_in(world))
    query = urlencode({"ticket": ticket, "service": SERVICE})
    gets = ["/cas/validate", "/cas/serviceValidate", "/cas/proxyValidate", "/cas/p3/serviceValidate"]
    gets += ["/cas/p3/proxyValidate", "/cas/p3/serviceValidate", "/cas/serviceValidate"]
    requests = [Request("GET", f"{path}?{query}") for path in gets]
    requests.append(
        Request(
            "POST",
            f"/cas/samlValidate?{urlencode({'TARGET': SERVICE})}",
            saml_body(ticket),
            {"Content-Type": "text/xml"},
        )
    )
    outcomes = containers.at_once(world, requests)
    record("races run with 8 processes (warm containers) on one DynamoDB Local")
    successes = [
        outcome.body
        for outcome in outcomes
        if outcome.body.startswith("yes\n")
        or "<cas:authenticationSuccess>" in outcome.body
        or "samlp:Success" in outcome.body
    ]
    assert len(successes) == 1, [outcome.body[:120] for outcome in outcomes]
