"""The school command line, its requests served by the admin function (moto and DynamoDB Local): from a
spreadsheet export to the letters, a list to chase, a reset, a deletion, and an interrupted import run again."""

from __future__ import annotations

import base64
import csv
import io
from urllib.parse import urlsplit

import pypdf
import pytest

from ent_accounts.school_files import read_school_file
from ent_admin.api import Answer, Client
from ent_admin.cli import main
from tests.integration.helpers import login

LIST = (
    "Nom;Prénom;Date de naissance;Classe;Profil\r\n"
    "Le Bihan-Pérez;Élodie;14/05/2011;4e B;Élève\r\n"
    "DUPONT;Jeanne;02/03/2012;4e B;élève\r\n"
    "N’Diaye;Zoé;;3e A;eleve\r\n"
    "Dupont;Marc;;;Parent\r\n"
)


class Served:
    """Sends the CLI's HTTP requests to the functions of template.yaml, as API Gateway would; can lose answers."""

    def __init__(self, world, lose_answers: int = 0) -> None:
        self.world, self.lose_answers, self.requests = world, lose_answers, []

    def __call__(self, request) -> Answer:
        url = urlsplit(request.full_url)
        headers = dict(request.header_items())
        self.requests.append((request.get_method(), url.path, headers))
        raw = self.world.functions.invoke_http(
            request.get_method(),
            url.path + (f"?{url.query}" if url.query else ""),
            headers=headers,
            body=request.data,
            user_arn=self.world.admin_caller,  # SigV4 names the signer: API Gateway passes its ARN on
        )
        if self.lose_answers:
            self.lose_answers -= 1
            raise ConnectionResetError("the answer was lost on the way back")
        if raw is None:
            return Answer(403, {}, b'{"message":"Missing Authentication Token"}')
        body = raw.get("body") or ""
        data = base64.b64decode(body) if raw.get("isBase64Encoded") else body.encode()
        headers = {name.lower(): values[0] for name, values in (raw.get("multiValueHeaders") or {}).items()}
        headers.update({name.lower(): value for name, value in (raw.get("headers") or {}).items()})
        return Answer(raw["statusCode"], headers, data)


def run(world, *args, send=None):
    out = io.StringIO()
    client = Client("http://127.0.0.1:3000", sign=False, send=send or Served(world), sleep=lambda _: None)
    code = main(["--url", "http://127.0.0.1:3000", *args], client=client, out=out)
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """The user's home and configuration folders: where letters go by default and school names are remembered."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "home"


@pytest.fixture
def school_list(tmp_path):
    path = tmp_path / "eleves.csv"
    path.write_bytes(LIST.encode("cp1252"))  # Excel's "CSV (séparateur: point-virgule)" on a French Windows
    return path


def pdf_pages(path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def test_from_a_spreadsheet_export_to_the_letters(world, school_list, tmp_path):
    code, out = run(
        world,
        "importer",
        str(school_list),
        "--uai",
        "0341234A",
        "--etablissement",
        "Collège Molière",
        "--dossier",
        str(tmp_path),
    )
    assert code == 0, out
    assert "4 comptes créés pour l'établissement 0341234A." in out
    pages = pdf_pages(tmp_path / "eleves-lettres.pdf")
    assert len(pages) == 4
    identifiers = ["mdupont", "zndiaye", "jdupont", "elebihanperez"]  # sorted by class, then name
    for identifier, page in zip(identifiers, pages, strict=True):
        assert identifier in page and "Collège Molière (0341234A)" in page
    listing = (tmp_path / "eleves-identifiants.csv").read_text(encoding="utf-8-sig")
    assert "Le Bihan-Pérez;Élodie;4e B;eleve;elebihanperez" in listing
    assert not (tmp_path / "eleves.csv.cle-import").exists()
    stored = world.store.get_account("elebihanperez")
    assert stored.birth_date.isoformat() == "2011-05-14" and stored.school_class == "4e B"

    code, out = run(world, "lister", "--uai", "0341234A", "--statut", "premiere-connexion")
    assert code == 0 and "4 comptes." in out and "première connexion à faire" in out and "28 février 2027" in out

    code, out = run(
        world, "reinitialiser", "jdupont", "--uai", "0341234A", "--lettre", str(tmp_path / "j.pdf"), "--oui"
    )
    assert code == 0 and "toutes ses sessions sont fermées" in out
    new_password = out.split("nouveau mot de passe provisoire ")[1].split()[0]
    assert new_password in pdf_pages(tmp_path / "j.pdf")[0]
    assert login(world, "jdupont", new_password).json()["status"] == "first_connection_required"

    code, out = run(
        world, "lettres", "--uai", "0341234A", "--classe", "3e A", "--sortie", str(tmp_path / "3a.pdf"), "--oui"
    )
    assert code == 0 and out.startswith("1 lettre :") and "zndiaye" in pdf_pages(tmp_path / "3a.pdf")[0]

    code, out = run(world, "supprimer", "mdupont", "--uai", "0341234A", "--oui")
    assert code == 0 and world.store.get_account("mdupont") is None


def test_bad_lines_are_named_with_their_line_in_the_file(world, school_list, capsys):
    school_list.write_text(LIST.replace("DUPONT;Jeanne", "DUPONT2;Jeanne").replace("14/05/2011", "31/02/2011"))
    code, _ = run(world, "importer", str(school_list), "--uai", "0341234A")
    assert code == 2
    assert "Ligne 2 : date de naissance « 31/02/2011 » invalide" in capsys.readouterr().err
    school_list.write_text(LIST.replace("DUPONT;Jeanne", "DUPONT2;Jeanne"))
    code, _ = run(world, "importer", str(school_list), "--uai", "0341234A")
    error = capsys.readouterr().err
    assert code == 2 and "Ligne 3 (Jeanne DUPONT2) : Un nom ne peut contenir que des lettres" in error
    assert world.items() == []


def test_a_lost_answer_is_retried_with_the_same_key(world, school_list):
    served = Served(world, lose_answers=1)
    code, out = run(world, "importer", str(school_list), "--uai", "0341234A", send=served)
    assert code == 0, out
    posts = [headers for method, path, headers in served.requests if path == "/api/admin/accounts"]
    assert len(posts) == 2 and posts[0]["Idempotency-key"] == posts[1]["Idempotency-key"]
    assert len([i for i in world.items() if i["sk"]["S"] == "ACCOUNT"]) == 4  # created once


def test_an_import_that_failed_is_taken_up_again_without_creating_twice(world, school_list, tmp_path):
    served = Served(world, lose_answers=100)  # the network never brings the answer back: the command gives up
    code, _ = run(world, "importer", str(school_list), "--uai", "0341234A", send=served)
    assert code == 1 and (tmp_path / "eleves.csv.cle-import").exists()
    assert not (tmp_path / "eleves-lettres.pdf").exists()
    code, out = run(world, "importer", str(school_list), "--uai", "0341234A", "--dossier", str(tmp_path))  # again
    assert code == 0 and "Reprise de l'importation précédente" in out
    assert len([i for i in world.items() if i["sk"]["S"] == "ACCOUNT"]) == 4
    assert len(pdf_pages(tmp_path / "eleves-lettres.pdf")) == 4
    assert not (tmp_path / "eleves.csv.cle-import").exists()


def test_another_school_and_a_bad_code_are_refused(world, school_list, capsys):
    assert run(world, "importer", str(school_list), "--uai", "0341234A")[0] == 0
    assert run(world, "voir", "jdupont", "--uai", "0751234B")[0] == 1
    assert "(404) : Aucun compte de cet identifiant dans cet établissement." in capsys.readouterr().err
    assert run(world, "lister", "--uai", "34")[0] == 1
    assert "7 chiffres suivis d'une lettre" in capsys.readouterr().err


FORMULAS = ["-Dupont", "-A1-B1", "=1+1", "@SUM(1)", "+33 6 12 34 56 78", "\tDurand", "\rMarc", "-2+3"]


def test_the_files_written_for_a_spreadsheet_hold_no_formula(world, tmp_path):
    school_list = tmp_path / "eleves.csv"
    school_list.write_text("Nom;Prénom;Classe\r\n-Dupont;Jeanne;-A1-B1\r\n", encoding="utf-8")
    code, out = run(world, "importer", str(school_list), "--uai", "0341234A", "--dossier", str(tmp_path))
    assert code == 0, out
    # Accounts whose names reached the table some other way than a checked import: the export must hold anyway.
    world.provision("formule1", last_name="=1+1", first_name="@SUM(1)", school_class="+33 6 12 34 56 78")
    world.provision("formule2", last_name="\tDurand", first_name="\rMarc", school_class="-2+3")
    code, out = run(world, "lister", "--uai", "0341234A", "--csv", str(tmp_path / "liste.csv"))
    assert code == 0, out

    listing = csv_cells(tmp_path / "eleves-identifiants.csv")
    assert ["'-Dupont", "Jeanne", "'-A1-B1", "eleve", "jdupont"] in listing
    cells = [cell for row in [*listing, *csv_cells(tmp_path / "liste.csv")] for cell in row]
    for formula in FORMULAS:
        assert "'" + formula in cells, formula
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]

    # Read again as a school's list (an export edited and imported back), the names are as they were.
    listed = tmp_path / "eleves-identifiants.csv"
    (again,) = read_school_file(listed.name, listed.read_bytes()).rows
    assert (again.last_name, again.school_class) == ("-Dupont", "-A1-B1")


def csv_cells(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream, delimiter=";"))


def test_a_school_name_on_several_lines_is_refused_before_anything_is_sent(world, school_list, tmp_path, capsys):
    name = "Collège Molière\nMot de passe provisoire : 000000000000"
    served = Served(world)
    code, _ = run(world, "importer", str(school_list), "--uai", "0341234A", "--etablissement", name, send=served)
    assert code == 2 and "--etablissement : Le nom de l'établissement ne peut contenir ni retour à la ligne" in (
        capsys.readouterr().err
    )
    assert served.requests == [] and world.items() == [] and not (tmp_path / "eleves-lettres.pdf").exists()

    assert run(world, "importer", str(school_list), "--uai", "0341234A")[0] == 0
    sortie = str(tmp_path / "lettres.pdf")
    for command in (["lettres", "--classe", "3e A", "--sortie", sortie, "--oui"], ["reinitialiser", "jdupont"]):
        served = Served(world)
        code, _ = run(world, *command, "--uai", "0341234A", "--etablissement", name, send=served)
        assert code == 2 and "sur une seule ligne" in capsys.readouterr().err
        assert served.requests == []
