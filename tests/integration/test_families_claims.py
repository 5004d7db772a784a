"""ENTs learn the families through the claims (OIDC scope `ent`) and the CAS attributes: a parent's children, a
student's responsables, under ATEN's and the SDET's names, each known by what that service knows them by."""

from __future__ import annotations

from ent_accounts.accounts import Role
from ent_accounts.oidc.claims import subject_for
from tests.integration.cas import SERVICE, register_service, ticket_from, validation
from tests.integration.cas import log_in_on_the_page as cas_log_in
from tests.integration.cas import login_url as cas_login_url
from tests.integration.oidc import code_from, log_in_on_the_page
from tests.integration.test_cas_validation import attributes, success
from tests.support.oidc import Rp, RpBrowser, register


def family(world):
    """Jeanne (4e B) and Léo Dupont, their mother Marie (active, with an address)."""
    world.provision("jdupont", school_class="4e B")
    world.provision("ldupont", first_name="Léo", school_class="6e A", birth_date=None)
    world.provision("mdupont", role=Role.PARENT, first_name="Marie", birth_date=None)
    for child in ("jdupont", "ldupont"):
        answer = world.call("POST", "/api/admin/links", {"uai": "0341234A", "parent": "mdupont", "child": child})
        assert answer.status == 201, answer.text
    world.activate("mdupont", "marie@laposte.net")
    world.activate("jdupont", "jeanne@laposte.net")
    return world


def id_claims(world, rp, identifier):
    browser = RpBrowser(world)
    browser.get(rp.authorize_url())
    log_in_on_the_page(browser, identifier)
    answer = rp.token(code_from(browser, rp))
    assert answer.status == 200, answer.text
    return rp.id_token(answer)


def test_a_parent_signs_in_to_an_ent_with_their_children(world):
    family(world)
    client, secret = register(world.store, pairwise_subject=True)
    rp = Rp(world, client, secret)
    claims = id_claims(world, rp, "mdupont")
    jeanne, leo = (subject_for(client, world.store.get_account(c).subject) for c in ("jdupont", "ldupont"))
    assert claims["FrEduCtPersonAffiliation"] == ["resp2d"]
    assert sorted(claims["FrEduVecteur"]) == sorted(
        [f"2|Dupont|Marie|{jeanne}|0341234A", f"2|Dupont|Marie|{leo}|0341234A"]
    )
    assert sorted(claims["ENTAuxPersRelEleveEleve"]) == sorted([jeanne, leo])
    assert "jdupont" not in repr(claims)  # never an identifier: the pairwise sub this client knows them by
    # The child signing in to the same service is known by that very sub.
    child = id_claims(world, rp, "jdupont")
    assert child["sub"] == jeanne and child["FrEduVecteur"] == [f"4|Dupont|Jeanne|{jeanne}|0341234A"]
    assert child["ENTEleveAutoriteParentale"] == [claims["sub"]]
    announced = set(world.call("GET", "/.well-known/openid-configuration").json()["claims_supported"])
    assert {"FrEduVecteur", "ENTAuxPersRelEleveEleve", "ENTEleveAutoriteParentale"} <= announced


def test_a_cas_service_reads_the_children_by_identifier(world):
    family(world)
    register_service(world.store, cas_attributes=("nom", "FrEduVecteur", "ENTAuxPersRelEleveEleve"))
    browser = RpBrowser(world)
    browser.get(cas_login_url())
    cas_log_in(browser, "mdupont")
    answer = success(validation(world, "/cas/p3/serviceValidate", ticket_from(browser, SERVICE)))
    released = attributes(answer)
    assert released["FrEduVecteur"] == ["2|Dupont|Marie|jdupont|0341234A", "2|Dupont|Marie|ldupont|0341234A"]
    assert released["ENTAuxPersRelEleveEleve"] == ["jdupont", "ldupont"]
