"""The school's list as spreadsheets export it: UTF-8 or Windows-1252, `;` or `,`, a BOM, JJ/MM/AAAA dates."""

import codecs
import csv
import io

import pytest

from ent_admin.spreadsheet import SpreadsheetError, parse_date, read_rows, write_csv

EXCEL_FR = (
    "Nom;Prénom;Date de naissance;Classe;Profil\r\n"
    "Le Bihan-Pérez;Élodie;14/05/2011;4e B;Élève\r\n"
    "DUPONT;Jeanne;02/03/2012;4e B;élève\r\n"
    "N’Diaye;Zoé;;3e A;ELEVE\r\n"
    ";;;;\r\n"
    "Dupont;Marc;;;Parent\r\n"
)


def write(tmp_path, text: str, encoding: str, bom: bytes = b""):
    path = tmp_path / "eleves.csv"
    path.write_bytes(bom + text.encode(encoding))
    return path


def check_rows(rows):
    assert [(r.line, r.last_name, r.first_name, r.birth_date, r.school_class, r.role) for r in rows] == [
        (2, "Le Bihan-Pérez", "Élodie", "2011-05-14", "4e B", "eleve"),
        (3, "DUPONT", "Jeanne", "2012-03-02", "4e B", "eleve"),
        (4, "N’Diaye", "Zoé", None, "3e A", "eleve"),
        (6, "Dupont", "Marc", None, None, "parent"),
    ]


def test_excel_on_french_windows_windows_1252_semicolons(tmp_path):
    check_rows(read_rows(write(tmp_path, EXCEL_FR, "cp1252")))


def test_utf8_with_bom_semicolons(tmp_path):
    check_rows(read_rows(write(tmp_path, EXCEL_FR, "utf-8", codecs.BOM_UTF8)))


def test_utf8_commas_with_quotes_as_libreoffice_writes(tmp_path):
    text = (
        '"nom","prénom","date de naissance","classe","profil"\n'
        '"Le Bihan-Pérez","Élodie","14/05/2011","4e B","Élève"\n'
        '"DUPONT","Jeanne","2/3/2012","4e B","élève"\n'
        '"N’Diaye","Zoé","","3e A","eleve"\n'
        "\n"
        '"Dupont","Marc","","","parent"\n'
    )
    check_rows(read_rows(write(tmp_path, text, "utf-8")))


def test_utf16_tab_separated_as_excel_unicode_text(tmp_path):
    text = EXCEL_FR.replace(";", "\t")
    check_rows(read_rows(write(tmp_path, text, "utf-16")))


def test_excel_separator_line_columns_in_another_order_and_extra_columns(tmp_path):
    text = (
        "sep=,\r\n"
        "Classe,PRENOM,Nom de famille,INE,Date de naissance\r\n"
        '"4e B, groupe 2",Élodie,Le Bihan-Pérez,123456789AB,14/05/2011\r\n'
    )
    (row,) = read_rows(write(tmp_path, text, "utf-8"))
    assert (row.line, row.last_name, row.first_name, row.school_class, row.birth_date, row.role) == (
        3,
        "Le Bihan-Pérez",
        "Élodie",
        "4e B, groupe 2",
        "2011-05-14",
        "eleve",
    )


def test_a_missing_profile_column_takes_the_default(tmp_path):
    rows = read_rows(write(tmp_path, "nom;prénom\nDupont;Paul\n", "utf-8"), default_role="parent")
    assert rows[0].role == "parent"


def test_every_bad_line_is_named_before_anything_is_sent(tmp_path):
    text = (
        "Nom;Prénom;Date de naissance;Profil\n"
        "Dupont;Jeanne;31/02/2011;élève\n"
        "Martin;;;élève\n"
        "Durand;Paul;14/05/11;professeur\n"
        "Petit;Léa;14/05/2011;élève\n"
    )
    with pytest.raises(SpreadsheetError) as raised:
        read_rows(write(tmp_path, text, "utf-8"))
    assert raised.value.problems == [
        "Ligne 2 : date de naissance « 31/02/2011 » invalide (attendu JJ/MM/AAAA).",
        "Ligne 3 : prénom manquant.",
        "Ligne 4 : date de naissance « 14/05/11 » invalide (attendu JJ/MM/AAAA) ; "
        "profil « professeur » inconnu (attendu élève ou parent).",
    ]


def test_missing_columns_are_named(tmp_path):
    with pytest.raises(SpreadsheetError) as raised:
        read_rows(write(tmp_path, "Élève;Classe\nDupont;4e B\n", "utf-8"))
    assert "nom, prénom" in raised.value.problems[0] and "« Élève », « Classe »" in raised.value.problems[0]


def test_empty_files(tmp_path):
    for text in ("", "nom;prénom\n", "nom;prénom\n;\n"):
        with pytest.raises(SpreadsheetError):
            read_rows(write(tmp_path, text, "utf-8"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14/05/2011", "2011-05-14"),
        ("4/5/2011", "2011-05-04"),
        ("14-05-2011", "2011-05-14"),
        ("14.05.2011", "2011-05-14"),
        ("2011-05-14", "2011-05-14"),
        ("29/02/2012", "2012-02-29"),
        ("29/02/2011", None),
        ("05/14/2011", None),
        ("14/05/11", None),
        ("hier", None),
    ],
)
def test_dates(raw, expected):
    assert parse_date(raw) == expected


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
    assert [row.last_name for row in read_rows(path)] == [
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
    assert {row.school_class for row in read_rows(path)} == {"-A1-B1"}
