"""The school command line a secretary can trust (issue 17, item 4): French everywhere, the file's own line numbers,
confirmations that name the person, files only their owner reads in a folder they chose, the school's name
remembered, progress on long runs, lists over 2,000 lines sent in parts that resume, parents linked by hand."""

from __future__ import annotations

import errno
import io
import json
import stat
import sys
from pathlib import Path

import pytest

from ent_admin import files, imports, progress
from ent_admin.api import Answer, Client
from ent_admin.cli import main
from tests.integration.helpers import activate
from tests.integration.test_school_cli import LIST, Served, pdf_pages

UAI = "0341234A"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)  # the current folder: nothing may land here unasked
    return tmp_path / "home"


@pytest.fixture
def school_list(tmp_path):
    path = tmp_path / "listes" / "eleves.csv"
    path.parent.mkdir()
    path.write_bytes(LIST.encode("cp1252"))
    return path


def run(world, *args, send=None):
    out = io.StringIO()
    client = Client("http://127.0.0.1:3000", sign=False, send=send or Served(world), sleep=lambda _: None)
    code = main(["--url", "http://127.0.0.1:3000", *args], client=client, out=out)
    return code, out.getvalue()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- French everywhere -----------------------------------------------------------------------------------------


def test_help_and_argument_errors_are_in_french(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("utilisation : ent-admin") and "afficher cette aide et quitter" in text
    assert "usage:" not in text and "show this help" not in text and "options:" not in text

    with pytest.raises(SystemExit):
        main(["importer", "--help"])
    text = capsys.readouterr().out
    assert "CSV" in text and ".xlsx" in text and ".ods" in text and "SIECLE" in text and "2 000 lignes" in text

    for argv, expected in [
        (["lister", "--uai", UAI, "--statut", "perdu"], "choix invalide : 'perdu' (choisissez parmi"),
        (["voir"], "arguments obligatoires manquants : identifiant, --uai"),
        (["lister", "--uai", UAI, "--plus"], "arguments inconnus : --plus"),
        (["lister", "--uai"], "argument --uai : une valeur est attendue après cette option"),
        (["effacer"], "choix invalide : 'effacer'"),
    ]:
        with pytest.raises(SystemExit) as done:
            main(["--url", "http://127.0.0.1:3000", *argv])
        error = capsys.readouterr().err
        assert done.value.code == 2 and expected in error and "erreur :" in error, error
        for english in ("usage:", "error:", "invalid choice", "required", "unrecognized", "expected"):
            assert english not in error


def test_file_errors_are_in_french(world, tmp_path, capsys, monkeypatch):
    code, _ = run(world, "importer", str(tmp_path / "absent.csv"), "--uai", UAI)
    assert code == 2 and "absent.csv : ce fichier ou ce dossier n'existe pas." in capsys.readouterr().err
    code, _ = run(world, "importer", str(tmp_path), "--uai", UAI)
    assert code == 2 and "c'est un dossier ; donnez le fichier de la liste" in capsys.readouterr().err

    locked = tmp_path / "verrouille.csv"
    locked.write_text(LIST)

    def refused(self):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refused)  # the tests run as root: chmod 000 would not stop them
    code, _ = run(world, "importer", str(locked), "--uai", UAI)
    error = capsys.readouterr().err
    assert code == 2 and "accès refusé" in error and "Permission denied" not in error
    assert world.items() == []


def test_an_account_is_shown_in_french(world, school_list, tmp_path, capsys):
    assert run(world, "importer", str(school_list), "--uai", UAI, "--dossier", str(tmp_path / "l"))[0] == 0
    code, out = run(world, "voir", "elebihanperez", "--uai", UAI)
    assert code == 0
    lines = [" ".join(line.split()) for line in out.splitlines()]  # the labels are aligned with spaces
    assert lines[:7] == [
        "Élodie Le Bihan-Pérez (elebihanperez)",
        "profil : élève",
        "classe : 4e B",
        "statut : première connexion à faire",
        "date de naissance : 14 mai 2011",
        "adresse mail : aucune",
        "lettre valable jusqu'au : 28 février 2027",
    ]
    assert "{" not in out and "PROVISIONED" not in out and "status" not in out and "2011-05-14" not in out
    code, out = run(world, "voir", "zndiaye", "--uai", UAI)
    assert "date de naissance : non donnée" in [" ".join(line.split()) for line in out.splitlines()]


def test_counts_are_singular_or_plural_as_french_says(world, tmp_path):
    one = tmp_path / "un.csv"
    one.write_text("Nom;Prénom\r\nDupont;Jeanne\r\n", encoding="utf-8")
    code, out = run(world, "importer", str(one), "--uai", UAI, "--dossier", str(tmp_path / "l"))
    assert code == 0 and "1 compte créé pour l'établissement 0341234A." in out and "(1 lettre)" in out
    code, out = run(world, "lister", "--uai", UAI)
    assert out.rstrip().endswith("1 compte.")


# --- the file's own line numbers -------------------------------------------------------------------------------


def test_refused_lines_are_named_as_the_spreadsheet_numbers_them(world, tmp_path, capsys):
    school_list = tmp_path / "eleves.csv"
    # A blank line after the header: the spreadsheet's line numbers are no longer the rows' order + 1.
    school_list.write_text(
        "Nom;Prénom;Classe\r\n\r\nDurand;Léa;4e B\r\nDupont2;Jeanne;4e B\r\nMartin3;Paul;4e B\r\n", encoding="utf-8"
    )
    served = Served(world)
    code, _ = run(world, "importer", str(school_list), "--uai", UAI, send=served)
    error = capsys.readouterr().err
    assert code == 2
    assert "\nRien n'a été créé : 2 lignes à corriger (4, 5).\n" in error
    assert "Ligne 4 (Jeanne Dupont2) : Un nom ne peut contenir que des lettres" in error
    assert "Ligne 5 (Paul Martin3)" in error
    assert error.count("Rien n'a été") == 1 and "enregistré" not in error
    assert world.items() == []


def test_each_row_is_sent_with_its_line(world, tmp_path):
    school_list = tmp_path / "eleves.csv"
    school_list.write_text("Nom;Prénom\r\n\r\nDurand;Léa\r\nDupont;Jeanne\r\n", encoding="utf-8")
    bodies = []

    def send(request):
        bodies.append(json.loads(request.data))
        return Served(world)(request)

    assert run(world, "importer", str(school_list), "--uai", UAI, "--dossier", str(tmp_path / "l"), send=send)[0] == 0
    assert [row["line"] for row in bodies[0]["accounts"]] == [3, 4]


# --- confirmations naming the person ---------------------------------------------------------------------------


@pytest.fixture
def imported(world, school_list, tmp_path):
    assert run(world, "importer", str(school_list), "--uai", UAI, "--dossier", str(tmp_path / "l"))[0] == 0


class Terminal:
    """Someone at the terminal, answering the command's question."""

    def __init__(self, monkeypatch, answer: str) -> None:
        self.questions: list[str] = []
        monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
        monkeypatch.setattr("builtins.input", lambda question: self.questions.append(question) or answer)


def test_a_reset_asks_naming_the_student_and_does_nothing_when_refused(world, imported, tmp_path, monkeypatch):
    before = world.store.get_account("jdupont").provisional_password_hash
    terminal = Terminal(monkeypatch, "n")
    code, _ = run(world, "reinitialiser", "jdupont", "--uai", UAI, "--dossier", str(tmp_path / "l"))
    assert code == 1
    assert terminal.questions == ["Réinitialiser le mot de passe de Jeanne DUPONT (4e B, jdupont) ? [o/N] "]
    assert world.store.get_account("jdupont").provisional_password_hash == before

    terminal = Terminal(monkeypatch, "o")
    code, out = run(world, "reinitialiser", "jdupont", "--uai", UAI, "--dossier", str(tmp_path / "l"))
    assert code == 0 and "nouveau mot de passe provisoire" in out
    assert world.store.get_account("jdupont").provisional_password_hash != before


def test_resetting_an_active_account_says_what_changes_for_the_student(world, tmp_path, monkeypatch):
    world.provision("jdupont12", first_name="Jean", last_name="Dupont", school_class="4e B")
    activate(world, "jdupont12", email="jean@laposte.net")
    terminal = Terminal(monkeypatch, "o")
    code, _ = run(world, "reinitialiser", "jdupont12", "--uai", UAI, "--dossier", str(tmp_path / "l"))
    assert code == 0
    (question,) = terminal.questions
    assert question.startswith("Réinitialiser le mot de passe de Jean Dupont (4e B, jdupont12) ?")
    assert "Ce compte est actif : son mot de passe actuel ne fonctionnera plus" in question
    assert "devra refaire sa première connexion" in question and "un message le prévient" in question


def test_without_a_terminal_nor_oui_nothing_is_done(world, imported, capsys):
    code, _ = run(world, "supprimer", "jdupont", "--uai", UAI)
    error = capsys.readouterr().err
    assert code == 2 and "Supprimer le compte de Jeanne DUPONT (4e B, jdupont) ?" in error and "--oui" in error
    assert world.store.get_account("jdupont") is not None
    code, out = run(world, "supprimer", "jdupont", "--uai", UAI, "--oui")
    assert code == 0 and "Compte de Jeanne DUPONT (4e B, jdupont) supprimé." in out
    assert world.store.get_account("jdupont") is None


# --- files only their owner reads, in a folder the user chose ---------------------------------------------------


def test_letters_and_lists_are_written_owner_only_in_the_default_folder(world, school_list, home, tmp_path):
    code, out = run(world, "importer", str(school_list), "--uai", UAI)
    assert code == 0, out
    folder = home / "ENT-lettres"
    assert mode(folder) == 0o700
    assert mode(folder / "eleves-lettres.pdf") == 0o600 and mode(folder / "eleves-identifiants.csv") == 0o600
    assert len(pdf_pages(folder / "eleves-lettres.pdf")) == 4
    assert str(folder / "eleves-lettres.pdf") in out

    code, _ = run(world, "reinitialiser", "jdupont", "--uai", UAI, "--oui")
    assert code == 0 and mode(folder / "jdupont.pdf") == 0o600
    code, _ = run(world, "lettres", "--uai", UAI, "--classe", "3e A", "--oui")
    assert code == 0 and mode(folder / "lettres-0341234A-3e-A.pdf") == 0o600
    # A file the user names is theirs too, even one that was there before with wider rights.
    chosen = tmp_path / "liste.csv"
    chosen.write_text("old")
    chosen.chmod(0o644)
    assert run(world, "lister", "--uai", UAI, "--csv", str(chosen))[0] == 0
    assert mode(chosen) == 0o600 and "jdupont" in chosen.read_text(encoding="utf-8-sig")

    # Nothing in the current folder, nothing beside the list but the list.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "liste.csv", "listes"]
    assert [p.name for p in school_list.parent.iterdir()] == ["eleves.csv"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_a_chosen_folder_is_created_owner_only(world, school_list, tmp_path):
    folder = tmp_path / "secretariat" / "rentree"
    assert run(world, "importer", str(school_list), "--uai", UAI, "--dossier", str(folder))[0] == 0
    assert mode(folder) == 0o700 and mode(folder / "eleves-lettres.pdf") == 0o600


def test_the_files_are_never_created_readable_by_others(tmp_path, monkeypatch):
    """The mode is given when the file is created (never a chmod after writing, when others could open it)."""
    import os

    created = []
    real_open = os.open

    def watched(path, flags, mode=0o777, *args, **kwargs):
        if flags & os.O_CREAT:
            created.append(mode)
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", watched)
    files.write_private(tmp_path / "lettres.pdf", b"%PDF")
    assert created and all(mode & 0o077 == 0 for mode in created)
    assert mode_of(tmp_path / "lettres.pdf") == 0o600


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- the school's name, remembered per UAI ----------------------------------------------------------------------


def test_the_school_name_given_once_is_printed_on_later_letters(world, school_list, tmp_path, capsys):
    folder = str(tmp_path / "l")
    code, _ = run(world, "importer", str(school_list), "--uai", UAI, "--dossier", folder)
    assert code == 0
    error = capsys.readouterr().err
    assert "Les lettres porteront « Établissement 0341234A » : donnez le nom" in error and "--etablissement" in error

    code, _ = run(world, "reinitialiser", "jdupont", "--uai", UAI, "--oui", "--dossier", folder, "--etablissement",
                  "Collège Molière")  # fmt: skip
    assert code == 0 and "Collège Molière (0341234A)" in pdf_pages(tmp_path / "l" / "jdupont.pdf")[0]
    remembered = tmp_path / "config" / "ent-admin" / "etablissements.json"
    assert json.loads(remembered.read_text()) == {UAI: "Collège Molière"} and mode(remembered) == 0o600
    assert mode(remembered.parent) == 0o700

    capsys.readouterr()
    code, _ = run(world, "reinitialiser", "zndiaye", "--uai", "0341234a", "--oui", "--dossier", folder)
    assert code == 0 and "Collège Molière (0341234A)" in pdf_pages(tmp_path / "l" / "zndiaye.pdf")[0]
    assert "Établissement 0341234A" not in capsys.readouterr().err


# --- progress, and lists over 2,000 lines -----------------------------------------------------------------------


def test_progress_is_shown_on_stderr_for_long_runs(world, school_list, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "SHOWN_FROM", 3)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    code, out = run(world, "importer", str(school_list), "--uai", UAI, "--dossier", str(tmp_path / "l"))
    assert code == 0
    error = capsys.readouterr().err
    assert "Envoi au service : 2 / 4 lignes" in error and "Envoi au service : 4 / 4 lignes" in error
    assert "Impression des lettres : 4 / 4 lettres" in error
    assert "Envoi au service" not in out  # the output stays what a script reads


class FakeService:
    """An import route answering each part with made-up accounts; can fail the first time it sees a given part."""

    def __init__(self, fail_part: int | None = None) -> None:
        self.bodies, self.keys, self.fail_part = [], [], fail_part
        self.answers: dict[str, dict] = {}

    def __call__(self, request) -> Answer:
        body = json.loads(request.data)
        key = dict(request.header_items())["Idempotency-key"]
        self.bodies.append(body)
        self.keys.append(key)
        if self.fail_part is not None and len(self.answers) == self.fail_part:
            self.fail_part = None
            raise ConnectionResetError("lost")
        if key not in self.answers:
            number = len(self.answers)
            accounts = [
                {
                    "row": i,
                    "identifier": f"p{number}x{i}",
                    "provisional_password": "abcd-efgh-jkmn",
                    "provisional_expires_at": "2027-02-28T12:00:00Z",
                    "last_name": row["last_name"],
                    "first_name": row["first_name"],
                    "role": row["role"],
                    "class": row.get("class"),
                }
                for i, row in enumerate(body["accounts"])
            ]
            self.answers[key] = {"uai": UAI, "login_url": "https://ent.example/connexion", "accounts": accounts}
        return Answer(201, {}, json.dumps(self.answers[key]).encode())


def long_list(tmp_path, count: int) -> Path:
    path = tmp_path / "college.csv"
    names = "".join(
        f"Nom{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}{chr(65 + i // 676)};Élève\r\n" for i in range(count)
    )
    path.write_text("Nom;Prénom\r\n" + names, encoding="utf-8")
    return path


def fake_run(service, *args):
    out = io.StringIO()
    client = Client("http://127.0.0.1:3000", sign=False, send=service, sleep=lambda _: None)
    code = main(["--url", "http://127.0.0.1:3000", *args], client=client, out=out)
    return code, out.getvalue()


def test_a_list_over_2000_lines_goes_in_parts_of_at_most_2000_each_with_its_key(tmp_path, monkeypatch):
    monkeypatch.setattr("ent_admin.cli._write_letters", lambda path, accounts, *a: path.write_bytes(b"%PDF"))
    school_list = long_list(tmp_path, 4500)
    service = FakeService()
    code, out = fake_run(service, "importer", str(school_list), "--uai", UAI, "--dossier", str(tmp_path / "l"))
    assert code == 0, out
    assert [len(body["accounts"]) for body in service.bodies] == [2000, 2000, 500]
    assert len(set(service.keys)) == 3
    assert [body["accounts"][0]["line"] for body in service.bodies] == [2, 2002, 4002]
    assert "4500 comptes créés" in out.replace("\u202f", "")
    listing = (tmp_path / "l" / "college-identifiants.csv").read_text(encoding="utf-8-sig")
    assert "p2x499" in listing and listing.count("\n") == 4501


def test_an_interrupted_list_in_parts_resumes_replaying_the_finished_parts(world, school_list, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    lost = Served(world)
    calls = []

    def send(request):
        calls.append(dict(request.header_items())["Idempotency-key"])
        if len(calls) > 1:  # the second part never gets its answer back: the command gives up
            lost.lose_answers = 1
        return lost(request)

    folder = str(tmp_path / "l")
    code, _ = run(world, "importer", str(school_list), "--uai", UAI, "--dossier", folder, send=send)
    assert code == 1
    state = json.loads((school_list.parent / "eleves.csv.cle-import").read_text())
    assert sorted(part["done"] for part in state["parts"].values()) == [False, True]
    assert mode(school_list.parent / "eleves.csv.cle-import") == 0o600

    served = Served(world)
    code, out = run(world, "importer", str(school_list), "--uai", UAI, "--dossier", folder, send=served)
    assert code == 0 and "Reprise de l'importation précédente" in out and "4 comptes créés" in out
    keys = [headers["Idempotency-key"] for method, path, headers in served.requests if method == "POST"]
    assert keys == [calls[0], calls[1]]  # both parts again, with their keys: the first one replayed
    assert len([i for i in world.items() if i["sk"]["S"] == "ACCOUNT"]) == 4
    assert len(pdf_pages(tmp_path / "l" / "eleves-lettres.pdf")) == 4
    assert not (school_list.parent / "eleves.csv.cle-import").exists()


def test_a_refused_later_part_says_which_lines_were_created(world, school_list, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    school_list.write_text(LIST.replace("N’Diaye;Zoé", "N’Diaye4;Zoé"))
    code, _ = run(world, "importer", str(school_list), "--uai", UAI, "--dossier", str(tmp_path / "l"))
    error = capsys.readouterr().err
    assert code == 2 and "Rien n'a été créé de cette partie : 1 ligne à corriger (4)." in error
    assert "Les lignes 2 à 3 ont déjà été créées : corrigez le fichier et relancez la même commande" in error
    school_list.write_text(LIST)
    code, out = run(world, "importer", str(school_list), "--uai", UAI, "--dossier", str(tmp_path / "l"))
    assert code == 0 and "4 comptes créés" in out
    assert len([i for i in world.items() if i["sk"]["S"] == "ACCOUNT"]) == 4  # the first part was not made twice


# --- families (the service's answer may say who was already there; links by hand) --------------------------------


def test_people_already_there_are_counted_when_the_service_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr("ent_admin.cli._write_letters", lambda path, accounts, *a: path.write_bytes(b"%PDF"))
    school_list = tmp_path / "eleves.csv"
    school_list.write_text("Nom;Prénom;Classe\r\nDupont;Jeanne;3e B\r\nDurand;Léa;3e B\r\n", encoding="utf-8")
    answer = {
        "uai": UAI,
        "login_url": "https://ent.example/connexion",
        "accounts": [
            {
                "row": 1,
                "identifier": "ldurand",
                "provisional_password": "abcd-efgh-jkmn",
                "provisional_expires_at": "2027-02-28T12:00:00Z",
                "last_name": "Durand",
                "first_name": "Léa",
                "role": "eleve",
                "class": "3e B",
            }
        ],
        "existing": [
            {
                "row": 0,
                "identifier": "jdupont",
                "role": "eleve",
                "first_name": "Jeanne",
                "last_name": "Dupont",
                "class": "3e B",
                "previous_class": "4e B",
            }
        ],
        "links": [],
    }
    code, out = fake_run(lambda request: Answer(201, {}, json.dumps(answer).encode()), "importer", str(school_list),
                         "--uai", UAI, "--dossier", str(tmp_path / "l"))  # fmt: skip
    assert code == 0
    assert "1 compte créé, 1 déjà présent pour l'établissement 0341234A." in out
    assert "Ligne 2 : Jeanne Dupont (jdupont) déjà présent, classe 4e B → 3e B" in out


def test_a_parent_is_linked_and_unlinked_by_hand(capsys):
    requests = []

    def service(request):
        requests.append((request.get_method(), request.full_url, request.data))
        if request.get_method() == "POST" and len(requests) > 1:
            return Answer(409, {}, json.dumps({"error": "already_linked", "message": "Ce lien existe déjà."}).encode())
        return Answer(201 if request.get_method() == "POST" else 204, {}, b"{}")

    code, out = fake_run(service, "lier", "MDupont", "jdupont", "--uai", UAI)
    assert code == 0 and "mdupont est maintenant lié à son enfant jdupont." in out
    method, url, data = requests[0]
    assert (method, url) == ("POST", "http://127.0.0.1:3000/api/admin/links")
    assert json.loads(data) == {"uai": UAI, "parent": "mdupont", "child": "jdupont"}

    code, _ = fake_run(service, "lier", "mdupont", "jdupont", "--uai", UAI)
    assert code == 1 and "mdupont est déjà lié à jdupont : rien n'a changé." in capsys.readouterr().err

    code, out = fake_run(service, "delier", "mdupont", "jdupont", "--uai", UAI, "--oui")
    assert code == 0 and "Le lien entre mdupont et jdupont est retiré." in out
    assert requests[-1][:2] == (
        "DELETE",
        "http://127.0.0.1:3000/api/admin/links?uai=0341234A&parent=mdupont&child=jdupont",
    )


def test_voir_shows_a_parents_children_and_a_students_responsables():
    parent = {
        "identifier": "mdupont",
        "role": "parent",
        "first_name": "Marc",
        "last_name": "Dupont",
        "class": None,
        "status": "ACTIVE",
        "email_verified": True,
        "has_email": True,
        "birth_date": None,
        "children": [
            {"identifier": "jdupont", "first_name": "Jeanne", "last_name": "Dupont", "class": "4e B"},
            {"identifier": "ldupont", "first_name": "Léo", "last_name": "Dupont", "class": "6e A"},
        ],
    }
    code, out = fake_run(lambda request: Answer(200, {}, json.dumps(parent).encode()), "voir", "mdupont", "--uai", UAI)
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert code == 0 and "profil : parent" in lines and "statut : actif" in lines
    assert "adresse mail : validée (mot de passe oublié possible)" in lines
    assert "enfants : Jeanne Dupont (4e B, jdupont), Léo Dupont (6e A, ldupont)" in lines
    student = {**parent, "role": "eleve", "children": None, "responsables": []}
    code, out = fake_run(lambda request: Answer(200, {}, json.dumps(student).encode()), "voir", "mdupont", "--uai", UAI)
    assert "responsables : aucun" in [" ".join(line.split()) for line in out.splitlines()]
