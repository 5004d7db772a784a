"""The CSV the command line writes for a spreadsheet: text only, never a formula, and read back as it was (reading
a school's list is tests/unit/test_school_files.py's)."""

import csv
import io

from ent_accounts.school_files import read_school_file
from ent_admin.spreadsheet import write_csv


def test_a_list_written_for_a_spreadsheet_holds_text_and_reads_back_as_it_was(tmp_path):
    names = ["-Dupont", "=1+1", "@SUM(1)", "+33612345678", "\tDurand", "\rMarc", "'t Hooft", "Dupont", "'-Martin"]
    path = tmp_path / "liste.csv"
    write_csv(path, [["Nom", "Prénom", "Classe"], *[[name, "Jeanne", "-A1-B1"] for name in names]])
    written = path.read_bytes().decode("utf-8-sig")
    assert written.startswith("Nom;Prénom;Classe\r\n'-Dupont;Jeanne;'-A1-B1\r\n")
    cells = list(csv.reader(io.StringIO(written, newline=""), delimiter=";"))[1:]
    assert [row[0] for row in cells] == [
        "'-Dupont",
        "'=1+1",
        "'@SUM(1)",
        "'+33612345678",
        "'\tDurand",
        "'\rMarc",
        "'t Hooft",  # nothing a spreadsheet would evaluate: as it was
        "Dupont",
        "''-Martin",
    ]
    rows = read_school_file(path.name, path.read_bytes()).rows
    assert [row.last_name for row in rows] == [
        "-Dupont",
        "=1+1",
        "@SUM(1)",
        "+33612345678",
        "Durand",
        "Marc",
        "'t Hooft",
        "Dupont",
        "'-Martin",
    ]
    assert {row.school_class for row in rows} == {"-A1-B1"}
