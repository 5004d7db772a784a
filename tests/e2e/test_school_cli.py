"""The README's school workflow, as typed: `python -m ent_admin` against the local server over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys

import pypdf

from tests.support.server import ROOT


def ent_admin(server, *args: str, home=None) -> subprocess.CompletedProcess:
    # The user's home and configuration: where letters go by default and school names are remembered.
    env = {**os.environ, **({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")} if home else {})}
    return subprocess.run(
        [sys.executable, "-m", "ent_admin", "--url", server.url, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_import_a_list_then_print_follow_and_reset(server, tmp_path):
    school_list = tmp_path / "4eB.csv"
    school_list.write_bytes(
        "Nom;Prénom;Date de naissance;Classe\r\nLe Bihan-Pérez;Élodie;14/05/2011;4e B\r\n".encode("cp1252")
    )
    done = ent_admin(server, "importer", str(school_list), "--uai", "0349999X", home=tmp_path)
    assert done.returncode == 0, done.stderr
    (page,) = pypdf.PdfReader(tmp_path / "ENT-lettres" / "4eB-lettres.pdf").pages
    assert "elebihanperez" in page.extract_text() and f"{server.url}/connexion" in page.extract_text()

    listed = ent_admin(server, "lister", "--uai", "0349999X")
    assert "elebihanperez" in listed.stdout and "première connexion à faire" in listed.stdout

    letters = ent_admin(
        server,
        "lettres",
        "--uai",
        "0349999X",
        "--classe",
        "4e B",
        "--sortie",
        str(tmp_path / "l.pdf"),
        "--oui",
        home=tmp_path,
    )
    assert letters.returncode == 0, letters.stderr
    assert len(pypdf.PdfReader(tmp_path / "l.pdf").pages) == 1  # binary PDF through the HTTP server

    refused = ent_admin(server, "voir", "elebihanperez", "--uai", "0341234A")
    assert refused.returncode == 1 and "(404)" in refused.stderr
