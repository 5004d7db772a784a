"""`ent_admin staff …` for ops, its requests served by the admin function (moto and DynamoDB Local): invite, list,
disable; an invited member then signs in to the console; refusals in French."""

from __future__ import annotations

from tests.integration.test_school_cli import run
from tests.support.staff import enrol, sign_in

EMAIL = "claire.martin@ac-montpellier.fr"
INVITE = [
    "staff",
    "invite",
    "--email",
    "Claire.Martin@ac-montpellier.fr",
    "--first-name",
    "Claire",
    "--last-name",
    "Martin",
    "--uai",
    "0341234a",
    "--role",
    "gestionnaire",
]


def test_invite_list_and_disable_a_staff_member(world):
    code, out = run(world, *INVITE)
    assert code == 0, out
    assert f"Invitation envoyée à Claire Martin ({EMAIL})" in out
    member_id = out.split("Identifiant du membre : ")[1].split()[0]
    assert world.mails()[-1].to == [EMAIL]
    events = world.store.staff_events(member_id)
    assert events[0]["type"] == "staff_invited" and events[0]["by"].startswith("arn:aws:")  # the IAM caller

    code, out = run(world, "staff", "list", "--uai", "0341234A")
    assert code == 0 and "invité (activation à faire)" in out and "gestionnaire" in out
    _, secret, _ = enrol(world)
    code, out = run(world, "staff", "list", "--uai", "0341234A")
    assert "actif" in out and "1 membre du personnel dans l'établissement 0341234A." in out

    # The same address at a second school: a role more, no new account and no mail (already active).
    mails = len(world.mails())
    code, out = run(world, *INVITE[:-4], "--uai", "0759999Z", "--role", "lecteur")
    assert code == 0 and "a maintenant le rôle lecteur dans l'établissement 0759999Z" in out
    assert len(world.mails()) == mails
    assert world.store.get_staff_member(member_id).roles == {"0341234A": "gestionnaire", "0759999Z": "lecteur"}
    code, out = run(world, "staff", "list", "--uai", "0759999Z")
    assert "lecteur" in out and member_id in out
    assert "0 membre" in run(world, "staff", "list", "--uai", "0123456B")[1]

    code, out = run(world, "staff", "disable", member_id, "--oui")
    assert code == 0 and "est désactivé" in out
    world.clock.advance(seconds=30)
    _, page = sign_in(world, EMAIL, secret)
    assert page.status == 403


def test_refusals_are_said_in_french(world, capsys):
    code, _ = run(world, *INVITE[:3], "pas-une-adresse", *INVITE[4:])
    assert code == 2
    assert "email : Cette adresse mail n'est pas valide." in capsys.readouterr().err
    code, _ = run(world, "staff", "disable", "0123456789abcdef01234567", "--oui")
    assert code == 1 and "Aucun membre du personnel" in capsys.readouterr().err
    assert not world.mails()
