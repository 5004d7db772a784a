"""`pip install .` gives a school's computer the `ent-admin` command, which runs outside the checkout: built as a
wheel from a copy of the sources, installed without its dependencies (no network: they come from this venv through a
.pth file) into a fresh venv, and run from another folder without PYTHONPATH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.support.server import ROOT


def test_the_installed_command_runs_outside_the_checkout(tmp_path):
    source = tmp_path / "source"  # a copy: the build's own folders stay out of the checkout
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source / "pyproject.toml")
    shutil.copytree(ROOT / "ent_admin", source / "ent_admin", ignore=ignore)
    shutil.copytree(ROOT / "layers" / "common" / "ent_accounts", source / "layers/common/ent_accounts", ignore=ignore)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp_path / "dist"), str(source))
    (wheel,) = (tmp_path / "dist").glob("*.whl")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    site = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # botocore, fpdf2, calamine…
    run(*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel))

    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [str(venv / "bin" / "ent-admin"), "--help"], cwd=elsewhere, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("utilisation : ent-admin") and "afficher cette aide et quitter" in done.stdout

    imports = "import ent_accounts, ent_admin; print(ent_accounts.__file__, ent_admin.__file__)"
    where = run(str(python), "-c", imports, cwd=elsewhere)
    assert str(ROOT) not in where and where.count(str(site)) == 2

    # A school's list read by the installed reader, a letter printed with the installed templates.
    school_list = elsewhere / "eleves.csv"
    school_list.write_bytes("Nom;Prénom;DATE NAISS\r\nDupont;Jeanne;02/03/2012\r\n".encode("cp1252"))
    done = subprocess.run(
        [str(venv / "bin" / "ent-admin"), "--url", "http://127.0.0.1:9", "importer", "eleves.csv", "--uai", "0341234A"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Colonne C « DATE NAISS » : date de naissance" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 1 and "Le service est injoignable" in done.stderr
    letter = (
        "from datetime import datetime, UTC; from ent_accounts.letters import Letter, render_pdf; "
        "print(len(render_pdf([Letter(uai='0341234A', last_name='Dupont', first_name='Jeanne', role='eleve', "
        "school_class=None, identifier='jdupont', provisional_password='abcd-efgh-jkmn', "
        "valid_until=datetime(2027, 2, 28, tzinfo=UTC), login_url='https://ent.example/connexion')])))"
    )
    assert int(run(str(python), "-c", letter, cwd=elsewhere)) > 1000


def run(*command: str, cwd: Path | None = None) -> str:
    done = subprocess.run(list(command), capture_output=True, text=True, check=False, cwd=cwd, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
