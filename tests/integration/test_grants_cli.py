"""`ent_admin grants …`, its requests served by the admin function (moto and DynamoDB Local): ops give an
integration its schools, list, change and remove them; the integration then works in its schools only; a caller
without every school is refused, and inputs the service refuses are told in the options' words."""

from __future__ import annotations

import json

from local.harness import OPS_CALLER
from tests.integration.school import OTHER_UAI, UAI, created, row
from tests.integration.test_school_cli import run

ROLE = "arn:aws:iam::123456789012:role/siecle-sync"
SESSION = "arn:aws:sts::123456789012:assumed-role/siecle-sync/nightly"


def test_ops_grant_an_integration_its_schools_and_take_them_back(world, capsys):
    created(world, [row("Dupont", "Jeanne", birth_date="2011-05-14")])
    created(world, [row("Martin", "Louise", birth_date="2012-01-02")], OTHER_UAI)
    code, out = run(world, "grants", "set", "--principal", ROLE, "--uai", UAI.lower())
    assert (code, out) == (0, f"{ROLE} : 1 établissement ({UAI}).\n")
    code, out = run(world, "grants", "list")
    assert code == 0
    assert (
        out.splitlines()[0]
        == "arn:aws:iam::123456789012:role/ent-ops : tous les établissements (paramètre AdminPrincipals)"
    )
    assert out.splitlines()[1].startswith(f"{ROLE} : 1 établissement ({UAI}) (par {OPS_CALLER}, le ")

    world.admin_caller = SESSION  # the integration, signing as a session of its role
    code, out = run(world, "lister", "--uai", UAI)
    assert code == 0 and "jdupont" in out
    code, out = run(world, "lister", "--uai", OTHER_UAI)
    assert code == 1 and "lmartin" not in out and "(404)" in capsys.readouterr().err
    code, out = run(world, "grants", "me")
    assert (code, out) == (0, f"{SESSION} : 1 établissement ({UAI}).\n")
    code, _ = run(world, "grants", "set", "--principal", ROLE, "--all-schools")
    err = capsys.readouterr().err
    assert code == 1 and "(403)" in err and "réservée à l'exploitation" in err

    world.admin_caller = OPS_CALLER
    code, out = run(world, "grants", "set", "--principal", ROLE, "--uai", UAI, "--uai", OTHER_UAI, "--json")
    assert code == 0 and json.loads(out)["schools"] == [UAI, OTHER_UAI] and json.loads(out)["version"] == 2
    code, out = run(world, "grants", "remove", "--principal", ROLE, "--oui")
    assert (code, out) == (0, f"{ROLE} n'agit plus sur aucun établissement.\n")
    world.admin_caller = SESSION
    assert run(world, "lister", "--uai", UAI)[0] == 1


def test_a_principal_the_service_cannot_grant_is_told_in_the_options_words(world, capsys):
    code, _ = run(world, "grants", "set", "--principal", SESSION, "--uai", UAI)
    err = capsys.readouterr().err
    assert code == 2 and "--principal : " in err and "donnez le rôle" in err
    code, _ = run(world, "grants", "set", "--principal", ROLE, "--uai", "12")
    err = capsys.readouterr().err
    assert code == 2 and "--uai : « 12 »" in err
    code, _ = run(world, "grants", "remove", "--principal", ROLE, "--oui")
    assert code == 1 and "Aucune autorisation n'est enregistrée pour ce principal." in capsys.readouterr().err


def test_ops_add_a_school_to_an_integration_and_take_one_back_keeping_the_others(world, capsys):
    code, out = run(world, "grants", "set", "--principal", ROLE, "--uai", UAI)
    assert code == 0
    code, out = run(world, "grants", "change", "--principal", ROLE, "--add", OTHER_UAI.lower(), "--add", "0311234C")
    assert (code, out) == (0, f"{ROLE} : 3 établissements (0311234C, {UAI}, {OTHER_UAI}).\n")
    code, out = run(world, "grants", "change", "--principal", ROLE, "--remove", UAI, "--json")
    assert code == 0 and json.loads(out)["schools"] == ["0311234C", OTHER_UAI] and json.loads(out)["version"] == 3
    code, _ = run(world, "grants", "change", "--principal", ROLE)
    assert code == 2 and "--add" in capsys.readouterr().err
    code, _ = run(world, "grants", "change", "--principal", ROLE, "--remove", "0311234C", "--remove", OTHER_UAI)
    err = capsys.readouterr().err
    assert code == 2 and "--remove : Il ne lui resterait aucun établissement" in err
    code, _ = run(world, "grants", "change", "--principal", ROLE, "--add", "12")
    assert code == 2 and "--add : « 12 »" in capsys.readouterr().err
