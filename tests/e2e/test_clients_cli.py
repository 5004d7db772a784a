"""The README's client registration, as typed: `python -m ent_admin clients …` against the local server over HTTP."""

from __future__ import annotations

import json

from tests.e2e.test_school_cli import ent_admin


def test_register_a_service_keep_its_secret_rotate_it_and_delete_it(server):
    created = ent_admin(
        server,
        "clients",
        "create",
        "--client-id",
        "ent-demo-e2e",
        "--name",
        "ENT de démonstration",
        "--redirect-uri",
        "http://127.0.0.1:8080/retour",
        "--schools",
        "0349999X",
    )
    assert created.returncode == 0, created.stderr
    assert "Service ent-demo-e2e enregistré" in created.stdout and "affiché cette seule fois" in created.stdout
    secret = created.stdout.split("(affiché cette seule fois) : ")[1].split()[0]

    listed = ent_admin(server, "clients", "list")
    assert "ent-demo-e2e" in listed.stdout and "ENT de démonstration" in listed.stdout and secret not in listed.stdout
    shown = json.loads(ent_admin(server, "clients", "show", "ent-demo-e2e", "--json").stdout)
    assert shown["has_secret"] and shown["schools"] == ["0349999X"] and secret not in json.dumps(shown)

    rotated = ent_admin(server, "clients", "rotate-secret", "ent-demo-e2e", "--json")
    assert rotated.returncode == 0, rotated.stderr
    assert json.loads(rotated.stdout)["client_secret"] not in (None, secret)

    refused = ent_admin(server, "clients", "update", "ent-demo-e2e", "--redirect-uri", "http://ent.example.fr/")
    assert refused.returncode == 2 and "--redirect-uri n° 1 : Seules les adresses https://" in refused.stderr

    assert ent_admin(server, "clients", "delete", "ent-demo-e2e", "--oui").returncode == 0
    gone = ent_admin(server, "clients", "show", "ent-demo-e2e")
    assert gone.returncode == 1 and "(404)" in gone.stderr


def test_register_a_cas_service_without_a_secret_and_one_url_per_service(server):
    url = "https://pronote-e2e.example.fr/pronote/"
    created = ent_admin(
        server,
        "clients",
        "create",
        "--client-id",
        "pronote-e2e",
        "--name",
        "Pronote",
        "--service-url",
        url,
        "--cas-attributes",
        "uid,nom,prenom",
        "--schools",
        "0349999X",
    )
    assert created.returncode == 0, created.stderr
    assert "Service CAS" in created.stdout and "affiché cette seule fois" not in created.stdout
    shown = json.loads(ent_admin(server, "clients", "show", "pronote-e2e", "--json").stdout)
    assert shown["service_urls"] == [url] and shown["cas_attributes"] == ["uid", "nom", "prenom"]
    assert shown["has_secret"] is False and shown["token_endpoint_auth_method"] == "none"

    taken = ent_admin(server, "clients", "create", "--name", "Autre", "--service-url", url, "--schools", "0349999X")
    assert taken.returncode == 2 and "(client « pronote-e2e »)" in taken.stderr

    assert ent_admin(server, "clients", "delete", "pronote-e2e", "--oui").returncode == 0
    again = ent_admin(server, "clients", "create", "--name", "Autre", "--service-url", url, "--schools", "0349999X")
    assert again.returncode == 0, again.stderr
