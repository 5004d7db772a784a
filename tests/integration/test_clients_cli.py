"""`ent_admin clients …`, its requests served by the admin function (moto and DynamoDB Local): register a service and
keep its secret, list, show, change what the options name, rotate, delete; refusals in the options' words."""

from __future__ import annotations

import json

from ent_accounts.sso.clients import secret_matches
from tests.integration.test_school_cli import Served, run

CREATE = [
    "clients",
    "create",
    "--client-id",
    "ent-occitanie",
    "--name",
    "ENT Occitanie",
    "--redirect-uri",
    "https://ent.example.fr/oidc/retour",
    "--redirect-uri",
    "http://127.0.0.1:8080/retour",
    "--post-logout-redirect-uri",
    "https://ent.example.fr/au-revoir",
    "--schools",
    "0341234A,0341235b",
]


def secret_in(out: str) -> str:
    return out.split("(affiché cette seule fois) : ")[1].split()[0]


def works(world, secret, client_id="ent-occitanie") -> bool:
    return secret_matches(world.store.get_client(client_id), secret, world.clock.now())


def test_register_list_show_update_rotate_and_delete_a_service(world):
    code, out = run(world, *CREATE)
    assert code == 0, out
    assert "Service ent-occitanie enregistré : « ENT Occitanie »." in out
    secret = secret_in(out)
    assert "ne pourra plus jamais être affiché" in out and "clients rotate-secret ent-occitanie" in out
    assert works(world, secret)
    stored = world.store.get_client("ent-occitanie")
    assert stored.schools == {"0341234A", "0341235B"} and len(stored.redirect_uris) == 2

    code, out = run(world, "clients", "list")
    assert code == 0 and "ent-occitanie" in out and "1 service enregistré." in out and secret not in out
    code, out = run(world, "clients", "show", "ent-occitanie")
    assert (
        code == 0
        and "Adresses de retour :\n  https://ent.example.fr/oidc/retour\n  http://127.0.0.1:8080/retour\n" in out
    )
    assert "Établissements : 0341234A, 0341235B" in out and secret not in out

    code, out = run(world, "clients", "update", "ent-occitanie", "--name", "ENT Occitanie (lycées)", "--all-schools")
    assert code == 0 and "Service ent-occitanie modifié (version 2)." in out
    changed = world.store.get_client("ent-occitanie")
    assert changed.name == "ENT Occitanie (lycées)" and changed.all_schools and not changed.schools
    assert changed.redirect_uris == stored.redirect_uris  # what no option named stays
    assert changed.post_logout_redirect_uris == ("https://ent.example.fr/au-revoir",)
    code, out = run(world, "clients", "update", "ent-occitanie", "--post-logout-redirect-uri", "")
    assert code == 0 and world.store.get_client("ent-occitanie").post_logout_redirect_uris == ()
    assert works(world, secret)

    code, out = run(world, "clients", "rotate-secret", "ent-occitanie", "--grace-hours", "2")
    assert code == 0 and "Nouveau secret pour le service ent-occitanie." in out
    assert "L'ancien secret fonctionne encore jusqu'au 30 novembre 2026 à 17 h 37" in out  # Paris time
    new = secret_in(out)
    assert works(world, new) and works(world, secret)
    world.clock.advance(hours=2)
    assert not works(world, secret)

    code, out = run(world, "clients", "delete", "ent-occitanie", "--oui")
    assert code == 0 and "Service ent-occitanie supprimé." in out
    assert world.store.get_client("ent-occitanie") is None


def test_the_json_output_is_the_services_answer(world):
    code, out = run(world, *CREATE, "--json")
    created = json.loads(out)
    assert code == 0 and created["client_id"] == "ent-occitanie" and works(world, created["client_secret"])
    code, out = run(world, "clients", "list", "--json")
    assert [c["client_id"] for c in json.loads(out)] == ["ent-occitanie"] and '"client_secret"' not in out
    code, out = run(world, "clients", "show", "ent-occitanie", "--json")
    assert json.loads(out)["version"] == 1
    code, out = run(world, "clients", "rotate-secret", "ent-occitanie", "--grace-hours", "0", "--json")
    rotated = json.loads(out)
    assert works(world, rotated["client_secret"]) and not works(world, created["client_secret"])


def test_a_public_client_and_a_generated_id(world):
    code, out = run(
        world,
        "clients",
        "create",
        "--name",
        "Appli mobile",
        "--redirect-uri",
        "https://appli.example.fr/retour",
        "--all-schools",
        "--auth-method",
        "none",
        "--pairwise",
    )
    assert code == 0 and "pas de secret, PKCE seul" in out and "affiché cette seule fois" not in out
    (client,) = world.store.list_clients()
    assert client.client_id.startswith("appli-mobile-") and client.is_public and client.pairwise_subject


def test_refusals_name_the_options(world, capsys):
    code, _ = run(
        world,
        "clients",
        "create",
        "--client-id",
        "ENT",
        "--name",
        "ENT",
        "--redirect-uri",
        "https://ent.example.fr/ok",
        "--redirect-uri",
        "http://ent.example.fr/retour",
        "--schools",
        "0341234A,34",
    )
    err = capsys.readouterr().err
    assert code == 2 and "Le service a refusé la demande : Le client n'a pas été enregistré" in err
    assert "--client-id : L'identifiant du client doit faire de 3 à 64 caractères" in err
    assert "--redirect-uri n° 2 : Seules les adresses https:// sont admises" in err
    assert "--schools n° 2 : Le code de l'établissement (UAI) doit comporter 7 chiffres" in err
    assert world.store.list_clients() == []

    assert run(world, *CREATE)[0] == 0
    code, _ = run(world, *CREATE)
    err = capsys.readouterr().err
    assert code == 1 and "déjà enregistré" in err and "clients rotate-secret ent-occitanie --grace-hours 0" in err
    code, _ = run(world, "clients", "rotate-secret", "ent-occitanie", "--grace-hours", "200")
    assert code == 2 and "--grace-hours : Le délai de grâce" in capsys.readouterr().err
    code, _ = run(world, "clients", "update", "ent-occitanie")
    assert code == 2 and "Rien à modifier" in capsys.readouterr().err
    code, _ = run(world, "clients", "show", "personne")
    assert code == 1 and "(404) : Aucun client n'est enregistré sous cet identifiant." in capsys.readouterr().err
    code, _ = run(world, "clients", "delete", "ent-occitanie")  # no terminal to confirm: nothing done
    assert code == 2 and "--oui" in capsys.readouterr().err and world.store.get_client("ent-occitanie")


def test_an_update_does_not_overwrite_a_change_made_meanwhile(world, capsys):
    assert run(world, *CREATE)[0] == 0

    class ChangedInBetween(Served):
        """Another admin's change lands between the command's read and its write."""

        def __call__(self, request):
            if request.get_method() == "PUT":
                self.world.expect(
                    "PUT",
                    "/api/admin/clients/ent-occitanie",
                    {"name": "Autre admin", "redirect_uris": ["https://autre.example.fr/cb"], "all_schools": True},
                )
            return super().__call__(request)

    code, _ = run(world, "clients", "update", "ent-occitanie", "--name", "Moi", send=ChangedInBetween(world))
    assert code == 1 and "(409)" in capsys.readouterr().err
    assert world.store.get_client("ent-occitanie").name == "Autre admin"


def test_a_lost_rotation_answer_is_retried_and_the_secret_printed_works(world):
    assert run(world, *CREATE)[0] == 0
    code, out = run(world, "clients", "rotate-secret", "ent-occitanie", send=Served(world, lose_answers=1))
    assert code == 0 and works(world, secret_in(out))


# --- CAS services --------------------------------------------------------------------------------------------------

PRONOTE = "https://pronote.example.fr/pronote/"
CREATE_CAS = [
    "clients",
    "create",
    "--client-id",
    "pronote",
    "--name",
    "Pronote",
    "--service-url",
    PRONOTE,
    "--cas-attributes",
    "uid,nom prenom;categories",
    "--schools",
    "0341234A",
]


def test_register_a_cas_service_show_it_and_change_its_attributes(world):
    code, out = run(world, *CREATE_CAS)
    assert code == 0, out
    assert "Service pronote enregistré : « Pronote »." in out
    assert "Service CAS (sans adresse de retour OpenID Connect) : pas de secret" in out
    assert "affiché cette seule fois" not in out
    stored = world.store.get_client("pronote")
    assert stored.service_urls == (PRONOTE,) and stored.cas_attributes == ("uid", "nom", "prenom", "categories")
    assert stored.cas_single_logout and stored.secret_hashes == () and not stored.speaks_oidc

    code, out = run(world, "clients", "show", "pronote")
    assert code == 0 and "Protocoles : CAS\n" in out and "Authentification : aucune (CAS) — aucun (service CAS)" in out
    assert f"Adresses de service CAS :\n  {PRONOTE}\n" in out and "Adresses de retour : aucune" in out
    assert "Attributs CAS : uid, nom, prenom, categories" in out and "Déconnexion CAS (logoutRequest) : oui" in out
    code, out = run(world, "clients", "list")
    assert code == 0 and "protocoles" in out and "CAS  " in out and "aucune (CAS)" in out

    code, out = run(world, "clients", "update", "pronote", "--cas-attributes", "uid", "--no-cas-single-logout")
    assert code == 0 and "Service pronote modifié (version 2)." in out and "rotate-secret" not in out
    changed = world.store.get_client("pronote")
    assert changed.cas_attributes == ("uid",) and not changed.cas_single_logout and changed.service_urls == (PRONOTE,)
    code, out = run(world, "clients", "update", "pronote", "--cas-attributes", "")
    assert code == 0 and world.store.get_client("pronote").cas_attributes == ()
    code, out = run(world, "clients", "show", "pronote")
    assert "Attributs CAS : aucun (seulement l'identifiant, user)" in out


def test_a_cas_service_given_redirect_uris_then_needs_a_secret_and_loses_it_without_them(world, capsys):
    assert run(world, *CREATE_CAS)[0] == 0
    code, _ = run(world, "clients", "rotate-secret", "pronote")
    assert code == 2 and "ne parle que CAS" in capsys.readouterr().err

    code, out = run(world, "clients", "update", "pronote", "--redirect-uri", "https://pronote.example.fr/oidc/cb")
    assert code == 0 and "Attention : ce service n'a pas de secret" in out and "clients rotate-secret pronote" in out
    both = world.store.get_client("pronote")
    assert both.token_endpoint_auth_method.value == "client_secret_basic" and both.speaks_oidc and both.speaks_cas
    code, out = run(world, "clients", "rotate-secret", "pronote")
    assert code == 0 and works(world, secret_in(out), "pronote")
    code, out = run(world, "clients", "show", "pronote")
    assert "Protocoles : OIDC+CAS" in out

    code, out = run(world, "clients", "update", "pronote", "--redirect-uri", "")
    assert code == 0 and "Son secret ne fonctionne plus" in out
    cas_only = world.store.get_client("pronote")
    assert cas_only.token_endpoint_auth_method.value == "none" and cas_only.secret_hashes == ()


def test_cas_refusals_name_the_options(world, capsys):
    code, _ = run(
        world,
        "clients",
        "create",
        "--name",
        "Pronote",
        "--service-url",
        "https://pronote.example.fr/pronote/?login=true",
        "--cas-attributes",
        "uid,email",
        "--all-schools",
    )
    err = capsys.readouterr().err
    assert code == 2 and "--service-url n° 1 : Une adresse de service enregistrée ne contient pas de paramètres" in err
    assert "--cas-attributes n° 2 : Attribut CAS inconnu. Les attributs possibles sont : uid, nom" in err
    code, _ = run(world, "clients", "create", "--name", "Rien", "--all-schools")
    err = capsys.readouterr().err
    assert code == 2 and "--redirect-uri : Indiquez au moins une adresse de retour OpenID Connect" in err
    assert "--service-url : Indiquez au moins" in err

    assert run(world, *CREATE_CAS)[0] == 0
    code, _ = run(world, *CREATE, "--service-url", "https://PRONOTE.example.fr/pronote/")
    err = capsys.readouterr().err
    assert code == 2 and "--service-url : Une adresse de service ne désigne qu'un service" in err
    assert "(client « pronote »)" in err and world.store.get_client("ent-occitanie") is None
    code, _ = run(
        world,
        *CREATE_CAS[:2],
        "--name",
        "X",
        "--service-url",
        "https://x.fr/",
        "--all-schools",
        "--auth-method",
        "client_secret_post",
    )
    assert code == 2 and "--auth-method : Un service CAS sans adresse de retour" in capsys.readouterr().err
    assert world.store.list_clients()[0].client_id == "pronote" and len(world.store.list_clients()) == 1
