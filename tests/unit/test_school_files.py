"""A school's list as its software writes it (Excel's and LibreOffice's CSV, .xlsx, .ods, a SIECLE export): the
people read, the birth dates kept, the line numbers the spreadsheet shows, the report of which column is used for
what, and the files refused with a French reason before anything is sent."""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import date

import pytest

from ent_accounts.school_files import PersonRow, Responsable, SchoolFileError, read_school_file
from ent_accounts.school_files.dates import parse_date
from tests.support import school_files as files


def people(school_file) -> list[tuple]:
    return [(r.line, r.last_name, r.first_name, r.birth_date, r.school_class, r.role) for r in school_file.rows]


def class_4b(lines=(2, 3, 4, 5)) -> list[tuple]:
    return [
        (line, last, first, born.isoformat(), klass, "eleve")
        for line, (last, first, born, klass) in zip(lines, files.CLASS_4B, strict=True)
    ]


def problems(filename: str, data: bytes, **options) -> list[str]:
    with pytest.raises(SchoolFileError) as raised:
        read_school_file(filename, data, **options)
    return raised.value.problems


# --- the real files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "kind"),
    [
        (files.excel_csv_windows_1252, "CSV Windows-1252, séparateur « ; »"),
        (files.excel_csv_utf8_bom, "CSV UTF-8 avec BOM, séparateur « ; »"),
    ],
)
def test_excel_csv_files_keep_their_date_naiss_birth_dates(build, kind):
    school_file = read_school_file("4eB.csv", build())
    assert people(school_file) == class_4b()
    assert school_file.kind == kind
    assert school_file.describe() == [
        f"« 4eB.csv » : {kind}, en-tête en ligne 1.",
        "Colonne A « NOM » : nom de l'élève",
        "Colonne B « PRENOM » : prénom de l'élève",
        "Colonne C « DATE NAISS » : date de naissance de l'élève",
        "Colonne D « CLASSE » : classe de l'élève",
        "4 lignes lues : 4 élèves.",
    ]


def test_a_siecle_export_gives_students_their_responsables():
    school_file = read_school_file("ExportCSV.csv", files.siecle_export())
    assert [(r.line, r.last_name, r.first_name, r.birth_date, r.school_class) for r in school_file.rows] == [
        (2, "MARTIN", "Lucas", "2011-09-03", "4B"),
        (3, "MARTIN", "Emma", "2013-02-17", "6A"),
        (4, "LE BIHAN-PEREZ", "Élodie", "2011-05-14", "4B"),  # the usage name, when there is one
        (5, "NGUYEN", "Thị Hương", "2012-06-01", "5C"),
    ]
    lucas, emma, elodie, huong = school_file.rows
    parents = (
        Responsable("MARTIN", "Sophie", "sophie.martin@example.fr", "MERE"),
        Responsable("MARTIN", "Paul", "paul.martin@example.fr", "PERE"),
    )
    assert lucas.responsables == emma.responsables == parents  # siblings: the same two parents
    assert elodie.responsables == (
        Responsable("PEREZ", "Ana", "ana.perez@example.fr", "MERE"),
        Responsable("LE BIHAN", "Yann", None, "PERE"),  # no e-mail address: still a responsable
    )
    assert huong.responsables == (
        Responsable("NGUYEN", "Văn Minh", "tuteur.nguyen@example.fr", "TUTEUR"),
        Responsable("TRẦN", "Thị Lan", "lan.tran@example.fr", "TUTRICE"),
    )
    assert elodie.as_api() == {
        "line": 4,
        "last_name": "LE BIHAN-PEREZ",
        "first_name": "Élodie",
        "birth_date": "2011-05-14",
        "role": "eleve",
        "class": "4B",
        "responsables": [
            {"last_name": "PEREZ", "first_name": "Ana", "email": "ana.perez@example.fr", "relation": "MERE"},
            {"last_name": "LE BIHAN", "first_name": "Yann", "relation": "PERE"},
        ],
    }
    assert school_file.describe() == [
        "« ExportCSV.csv » : CSV UTF-8 avec BOM, séparateur « ; », en-tête en ligne 1.",
        "Colonne A « NOM DE FAMILLE » : nom de l'élève",
        "Colonne B « NOM D'USAGE » : nom d'usage de l'élève (remplace le nom quand il est rempli)",
        "Colonne C « PRENOM 1 » : prénom de l'élève",
        "Colonne D « PRENOM 2 » : ignorée",
        "Colonne E « DATE NAISS » : date de naissance de l'élève",
        "Colonne F « SEXE » : ignorée",
        "Colonne G « INE » : ignorée",
        "Colonne H « DIVISION » : classe de l'élève",
        "Colonne I « NOM RESP LEG 1 » : nom du responsable 1",
        "Colonne J « PRENOM RESP LEG 1 » : prénom du responsable 1",
        "Colonne K « LIEN PARENTE RESP 1 » : lien du responsable 1 avec l'élève",
        "Colonne L « COURRIEL RESP 1 » : adresse mail du responsable 1",
        "Colonne M « Nom représentant légal 2 » : nom du responsable 2",
        "Colonne N « Prénom représentant légal 2 » : prénom du responsable 2",
        "Colonne O « LIEN PARENTE RESP 2 » : lien du responsable 2 avec l'élève",
        "Colonne P « COURRIEL RESP 2 » : adresse mail du responsable 2",
        "4 lignes lues : 4 élèves, 8 responsables légaux nommés.",
    ]
    assert [(c.position, c.letter, c.header, c.use) for c in school_file.columns][:2] == [
        (0, "A", "NOM DE FAMILLE", "nom de l'élève"),
        (1, "B", "NOM D'USAGE", "nom d'usage de l'élève (remplace le nom quand il est rempli)"),
    ]


def test_an_xlsx_from_excel_takes_the_sheet_with_the_header_and_its_date_cells():
    school_file = read_school_file("eleves.xlsx", files.xlsx_workbook())
    assert school_file.kind == "classeur Excel (.xlsx), feuille « Élèves »"
    assert school_file.header_line == 3  # under a merged title and a blank row
    assert people(school_file) == [
        *class_4b(lines=(4, 5, 6, 7)),  # Jeanne's date was typed as text: read alike
        (8, "Petit", "Léa", "2012-08-09", "3", "eleve"),  # a class typed as a number: "3", not "3.0"
    ]


def test_an_ods_from_libreoffice_counts_its_blank_line():
    school_file = read_school_file("eleves.ods", files.ods_workbook())
    assert school_file.kind == "classeur LibreOffice (.ods)"
    assert people(school_file) == class_4b(lines=(2, 3, 5, 6))


def test_the_format_is_told_by_the_bytes_not_the_name():
    assert read_school_file("eleves.csv", files.xlsx_workbook()).kind.startswith("classeur Excel (.xlsx)")
    assert read_school_file("eleves.xlsx", files.excel_csv_windows_1252()).kind.startswith("CSV Windows-1252")


# --- CSV as spreadsheets write it ---------------------------------------------------------------------------

EXCEL_FR = (
    "Nom;Prénom;Date de naissance;Classe;Profil\r\n"
    "Le Bihan-Pérez;Élodie;14/05/2011;4e B;Élève\r\n"
    "DUPONT;Jeanne;02/03/2012;4e B;élève\r\n"
    "N’Diaye;Zoé;;3e A;ELEVE\r\n"
    ";;;;\r\n"
    "Dupont;Marc;;;Parent\r\n"
)
EXPECTED = [
    (2, "Le Bihan-Pérez", "Élodie", "2011-05-14", "4e B", "eleve"),
    (3, "DUPONT", "Jeanne", "2012-03-02", "4e B", "eleve"),
    (4, "N’Diaye", "Zoé", None, "3e A", "eleve"),
    (6, "Dupont", "Marc", None, None, "parent"),
]


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (EXCEL_FR.encode("cp1252"), "CSV Windows-1252, séparateur « ; »"),
        (codecs.BOM_UTF8 + EXCEL_FR.encode(), "CSV UTF-8 avec BOM, séparateur « ; »"),
        (EXCEL_FR.replace(";", "\t").encode("utf-16"), "CSV UTF-16, séparateur tabulation"),  # "Texte Unicode"
        (
            (
                '"nom","prénom","date de naissance","classe","profil"\n'
                '"Le Bihan-Pérez","Élodie","14/05/2011","4e B","Élève"\n'
                '"DUPONT","Jeanne","2/3/2012","4e B","élève"\n'
                '"N’Diaye","Zoé","","3e A","eleve"\n'
                "\n"
                '"Dupont","Marc","","","parent"\n'
            ).encode(),
            "CSV UTF-8, séparateur « , »",  # LibreOffice's defaults
        ),
    ],
)
def test_csv_in_every_encoding_and_separator_spreadsheets_use(data, kind):
    school_file = read_school_file("liste.csv", data)
    assert (people(school_file), school_file.kind) == (EXPECTED, kind)
    assert school_file.describe()[-1] == "4 lignes lues : 3 élèves, 1 parent."
    assert "Colonne A « Nom » : nom" in school_file.describe() or "Colonne A « nom » : nom" in school_file.describe()


def test_excel_separator_line_counts_and_columns_come_in_any_order():
    text = (
        "sep=,\r\n"
        "Classe,PRENOM,Nom de famille,INE,Date de naissance (JJ/MM/AAAA)\r\n"
        '"4e B, groupe 2",Élodie,Le Bihan-Pérez,123456789AB,14/05/2011\r\n'
    )
    school_file = read_school_file("liste.csv", text.encode())
    assert people(school_file) == [(3, "Le Bihan-Pérez", "Élodie", "2011-05-14", "4e B, groupe 2", "eleve")]
    assert school_file.header_line == 2
    assert "Colonne D « INE » : ignorée" in school_file.describe()


def test_a_cell_over_two_lines_is_one_row_as_the_spreadsheet_shows():
    text = 'nom;prénom;classe\n"Dupont";"Jeanne";"4e B\n(option latin)"\nMartin;Paul;3e A\n'
    assert [(r.line, r.school_class) for r in read_school_file("l.csv", text.encode()).rows] == [
        (2, "4e B (option latin)"),
        (3, "3e A"),
    ]


def test_a_missing_profile_column_takes_the_default():
    school_file = read_school_file("p.csv", b"nom;prenom;courriel\nDupont;Paul;paul@example.fr\n", "parent")
    assert school_file.rows == [PersonRow(2, "Dupont", "Paul", None, None, "parent", "paul@example.fr")]
    assert school_file.describe()[1:4] == [
        "Colonne A « nom » : nom du parent",
        "Colonne B « prenom » : prénom du parent",
        "Colonne C « courriel » : adresse mail du parent (lignes des parents)",
    ]
    assert school_file.rows[0].as_api()["email"] == "paul@example.fr"


@pytest.mark.parametrize(
    "header",
    [
        "NOM;PRENOM;DATE NAISS",
        "Nom élève;Prénom élève;Date de naissance de l'élève",
        "nom;prénom;Né(e) le",
        "NOM DE FAMILLE;PRENOM 1;DATE NAISS.",
        "Nom;Prénoms;DDN",
    ],
)
def test_birth_date_headers_schools_write(header):
    (row,) = read_school_file("l.csv", f"{header}\nDupont;Jeanne;14/05/2011\n".encode()).rows
    assert row.birth_date == "2011-05-14"


def test_responsables_columns_in_the_spellings_schools_use():
    header = (
        "Nom;Prénom;Nom du responsable légal 1;Prénom responsable 1;Mail parent 1;Lien de parenté RL1;"
        "Responsable 2 - Nom;Responsable 2 - Prénom;Adresse courriel représentant légal 2"
    )
    line = "Dupont;Jeanne;Dupont;Marc;marc@example.fr;PERE;Durand;Anne;anne@example.fr"
    (row,) = read_school_file("l.csv", f"{header}\n{line}\n".encode()).rows
    assert row.responsables == (
        Responsable("Dupont", "Marc", "marc@example.fr", "PERE"),
        Responsable("Durand", "Anne", "anne@example.fr", None),
    )


# --- refusals -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["D. NAISSANCE", "Anniversaire", "Naiss"])
def test_an_unknown_birth_date_column_refuses_the_file(header):
    data = f"NOM;PRENOM;{header};CLASSE\nDupont;Jeanne;14/05/2011;4e B\n".encode("cp1252")
    assert problems("4eB.csv", data) == [
        f"Ligne 1, colonne C « {header} » : elle ressemble à une date de naissance mais n'est pas reconnue. "
        "Renommez son en-tête « date de naissance » (ou supprimez la colonne si ce n'en est pas une)."
    ]


def test_a_column_of_dates_nobody_uses_refuses_the_file():
    data = "Nom;Prénom;Jour;Classe\nDupont;Jeanne;14/05/2011;4e B\nMartin;Paul;;4e B\n".encode()
    assert problems("l.csv", data) == [
        "Ligne 1, colonne C « Jour » : elle contient des dates mais n'est pas utilisée. Si ce sont les dates de "
        "naissance, renommez son en-tête « date de naissance » ; sinon supprimez la colonne."
    ]


def test_other_dates_beside_the_birth_date_and_the_place_of_birth_are_ignored():
    data = "Nom;Prénom;Date naiss;Lieu de naissance;Date entrée\nDupont;Jeanne;14/05/2011;Sète;01/09/2022\n"
    school_file = read_school_file("l.csv", data.encode())
    assert school_file.rows[0].birth_date == "2011-05-14"
    assert school_file.describe()[4:6] == [
        "Colonne D « Lieu de naissance » : ignorée",
        "Colonne E « Date entrée » : ignorée",
    ]


def test_the_file_with_one_bad_line_names_it():
    assert problems("4eB.csv", files.with_one_bad_line()) == [
        "Ligne 3 : date de naissance « 31/02/2012 » invalide (attendu JJ/MM/AAAA)."
    ]


def test_every_bad_line_is_named_before_anything_is_sent():
    text = (
        "Nom;Prénom;Date de naissance;Profil;Nom resp 1;Prénom resp 1;Courriel resp 1\n"
        "Dupont;Jeanne;31/02/2011;élève;;;\n"
        "Martin;;;élève;;;\n"
        "\n"
        "Durand;Paul;14/05/11;professeur;;;\n"
        "Petit;Léa;14/05/2011;élève;Petit;;petit@\n"
        "Roux;Jean;01/01/2090;élève;;;\n"
        "Blanc;Lou;40677;élève;;;\n"
        "Noir;Léo;14/05/2011;élève;;;\n"
    )
    assert problems("l.csv", text.encode()) == [
        "Ligne 2 : date de naissance « 31/02/2011 » invalide (attendu JJ/MM/AAAA).",
        "Ligne 3 : prénom manquant.",
        "Ligne 5 : date de naissance « 14/05/11 » invalide (attendu JJ/MM/AAAA) ; "
        "profil « professeur » inconnu (attendu élève ou parent).",
        "Ligne 6 : responsable 1 : prénom manquant.",
        "Ligne 7 : date de naissance « 01/01/2090 » pas plausible.",
        "Ligne 8 : date de naissance « 40677 » invalide (attendu JJ/MM/AAAA ; dans le tableur, mettez la colonne "
        "au format Date).",
    ]


def test_a_responsable_s_bad_address_is_named():
    text = "Nom;Prénom;Nom resp 1;Prénom resp 1;Courriel resp 1\nPetit;Léa;Petit;Marc;marc@\n"
    assert problems("l.csv", text.encode()) == ["Ligne 2 : adresse mail du responsable 1 « marc@ » invalide."]


def test_missing_name_columns_are_named_with_what_was_found():
    assert problems("l.csv", "Élève;Classe\nDupont;4e B\n".encode()) == [
        "Ligne 1 : colonnes obligatoires absentes : nom et prénom. L'en-tête doit nommer au moins les colonnes "
        "« nom » et « prénom » (dans les 10 premières lignes). Colonnes trouvées (ligne 1) : « Élève », « Classe »."
    ]
    (problem,) = problems("l.csv", "Liste des élèves\n\nNom;Classe\nDupont;4e B\n".encode())
    assert problem.startswith("Ligne 3 : colonne obligatoire absente : prénom.")


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("vide.csv", b"", "Le fichier « vide.csv » est vide."),
        ("vide.csv", b"\r\n \r\n", "Le fichier « vide.csv » est vide."),
        (
            "l.csv",
            "nom;prénom\n".encode(),
            "Le fichier « l.csv » ne contient aucune personne sous son en-tête (ligne 1).",
        ),
        (
            "l.csv",
            "nom;prénom\n;\n\n".encode(),
            "Le fichier « l.csv » ne contient aucune personne sous son en-tête (ligne 1).",
        ),
    ],
)
def test_empty_files(filename, data, expected):
    assert problems(filename, data) == [expected]


ACCEPTED = "envoyez une liste CSV (enregistrée depuis le tableur), un classeur Excel (.xlsx) ou LibreOffice (.ods)."


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "est un document PDF, pas une liste"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "est une image PNG, pas une liste"),
        (bytes(range(256)) * 8, "n'est pas une liste lisible (du binaire)"),
        (b"PK\x03\x04\x14\x00\x00\x00garbage" * 10, "est une archive ZIP abîmée"),
        (files.docx_like(), "est un document de traitement de texte, pas une liste"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            "n'a pas pu être lu comme un classeur Excel 97-2003 (.xls)",
        ),
    ],
)
def test_what_is_no_list_is_refused_in_french_without_its_bytes(data, expected):
    (problem,) = problems("eleves.xlsx", data)
    assert problem == f"Le fichier « eleves.xlsx » {expected} : {ACCEPTED}"


def test_a_truncated_workbook_is_refused():
    data = files.xlsx_workbook()
    (problem,) = problems("eleves.xlsx", data[: len(data) // 2])
    assert problem.startswith("Le fichier « eleves.xlsx » ")
    assert problem.isprintable()


def test_a_workbook_without_the_columns_quotes_its_cells_short_and_printable():
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["Élève\n" + "x" * 100, "Classe"])
    workbook.active.append(["Dupont", "4e B"])
    data = io.BytesIO()
    workbook.save(data)
    (problem,) = problems("eleves.xlsx", data.getvalue())
    assert "Colonnes trouvées (ligne 1) : « Élève " + "x" * 33 + "… », « Classe »." in problem
    assert problem.isprintable()


def test_quoted_cells_from_a_binary_csv_are_cut_and_printable():
    data = b"nom;pr\xe9nom;naissance\nDupont;Jeanne;" + b"\x01\x02" + b"9" * 200 + b"\n"
    (problem,) = problems("l.csv", data)
    assert problem.isprintable() and len(problem) < 150


def test_a_workbook_that_is_a_zip_of_another_thing_is_not_opened():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    (problem,) = problems("eleves.ods", data.getvalue())
    assert "traitement de texte" in problem


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14/05/2011", date(2011, 5, 14)),
        ("4/5/2011", date(2011, 5, 4)),
        ("14-05-2011", date(2011, 5, 14)),
        ("14.05.2011", date(2011, 5, 14)),
        ("2011-05-14", date(2011, 5, 14)),
        ("14/05/2011 00:00", date(2011, 5, 14)),
        ("2011-05-14T00:00:00", date(2011, 5, 14)),
        ("29/02/2012", date(2012, 2, 29)),
        ("29/02/2011", None),
        ("05/14/2011", None),
        ("14/05/11", None),
        ("hier", None),
    ],
)
def test_dates(raw, expected):
    assert parse_date(raw) == expected


def test_a_class_the_spreadsheet_turned_into_a_date_is_named():
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["Nom", "Prénom", "Classe"])
    workbook.active.append(["Dupont", "Jeanne", date(2025, 3, 4)])  # typed 4/3, for the 4e 3
    data = io.BytesIO()
    workbook.save(data)
    assert problems("eleves.xlsx", data.getvalue()) == [
        "Ligne 2 : classe « 04/03/2025 » : le tableur en a fait une date ; mettez la colonne au format Texte et "
        "retapez-la."
    ]


def test_hidden_sheets_are_not_read():
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Ancienne liste"
    workbook.active.append(["Nom", "Prénom"])
    workbook.active.append(["Ancien", "Élève"])
    workbook.active.sheet_state = "hidden"
    current = workbook.create_sheet("2025")
    current.append(["Nom", "Prénom"])
    current.append(["Dupont", "Jeanne"])
    data = io.BytesIO()
    workbook.save(data)
    school_file = read_school_file("eleves.xlsx", data.getvalue())
    assert [row.last_name for row in school_file.rows] == ["Dupont"]
    assert school_file.kind == "classeur Excel (.xlsx)"


def test_siecle_s_one_line_per_responsable_gives_one_student_with_both():
    school_file = read_school_file("responsables.csv", files.siecle_responsables_export())
    one_per_student = read_school_file("ExportCSV.csv", files.siecle_export())
    assert [(r.line, r.last_name, r.first_name, r.birth_date, r.responsables) for r in school_file.rows] == [
        (line, r.last_name, r.first_name, r.birth_date, r.responsables)
        for line, r in zip((2, 4, 6, 8), one_per_student.rows, strict=True)
    ]
    assert school_file.merged_lines == (3, 5, 7, 9)
    assert school_file.describe()[5:] == [
        "Colonne E « NOM RESPONSABLE » : nom du responsable 1",
        "Colonne F « PRENOM RESPONSABLE » : prénom du responsable 1",
        "Colonne G « LIEN DE PARENTE » : lien du responsable 1 avec l'élève",
        "Colonne H « COURRIEL RESPONSABLE » : adresse mail du responsable 1",
        "8 lignes lues : 4 élèves, 8 responsables légaux nommés.",
        "Lignes 3, 5, 7, 9 : un élève déjà lu plus haut (mêmes nom, prénom, date de naissance et classe), avec un "
        "autre responsable : une seule personne, ses responsables réunis.",
    ]


def test_more_than_four_responsables_for_one_student_is_refused():
    lines = "".join(f"Dupont;Jeanne;14/05/2011;4e B;Dupont;Parent{n}\n" for n in range(5))
    data = f"nom;prénom;date naiss;classe;nom responsable;prénom responsable\n{lines}".encode()
    assert problems("l.csv", data) == ["Ligne 6 : plus de 4 responsables pour l'élève de la ligne 2."]


def test_a_line_repeated_as_it_was_is_left_for_the_service_to_name():
    line = "Dupont;Jeanne;14/05/2011;4e B;Dupont;Marc\n"
    data = f"nom;prénom;date naiss;classe;nom responsable;prénom responsable\n{line}{line}".encode()
    school_file = read_school_file("l.csv", data)
    assert [row.line for row in school_file.rows] == [2, 3] and school_file.merged_lines == ()


@pytest.mark.parametrize("build", [files.xlsx_workbook, files.ods_workbook, files.excel_csv_windows_1252])
def test_a_damaged_file_is_refused_in_french_never_a_crash(build):
    import random

    data, chance = build(), random.Random(17)  # seeded: the same damage on every run
    for _ in range(40):
        damaged = bytearray(data)
        for _ in range(20):
            damaged[chance.randrange(len(damaged))] = chance.randrange(256)
        try:
            read_school_file("eleves", bytes(damaged))
        except SchoolFileError as error:
            assert all(problem.isprintable() for problem in error.problems), error.problems


def test_a_column_saying_what_another_gives_is_ignored_and_two_birth_dates_refused():
    data = "Nom;Prénom;Classe;Nom de famille;;Division\nDupont;Jeanne;4e B;DUPONT;x;4B\n".encode()
    assert read_school_file("l.csv", data).describe()[1:7] == [
        "Colonne A « Nom » : nom de l'élève",
        "Colonne B « Prénom » : prénom de l'élève",
        "Colonne C « Classe » : classe de l'élève",
        "Colonne D « Nom de famille » : ignorée (la colonne A donne déjà la même chose)",
        "Colonne E (sans en-tête) : ignorée",
        "Colonne F « Division » : ignorée (la colonne C donne déjà la même chose)",
    ]
    data = "Nom;Prénom;Date de naissance;DATE NAISS\nDupont;Jeanne;;14/05/2011\n".encode()
    assert problems("l.csv", data) == [
        "Ligne 1, colonne D « DATE NAISS » : la colonne C donne déjà la date de naissance. Gardez-en une seule "
        "(supprimez ou renommez l'autre)."
    ]
    assert problems("l.csv", "Nom;Prénom;\nDupont;Jeanne;14/05/2011\n".encode())[0].startswith(
        "Ligne 1, colonne C (sans en-tête) : elle contient des dates mais n'est pas utilisée."
    )


def test_a_workbook_that_unpacks_too_big_is_not_opened(monkeypatch):
    from ent_accounts.school_files import formats

    monkeypatch.setattr(formats, "MAX_UNPACKED", 1_000_000)
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * 2_000_000)  # a few kB packed
    assert problems("eleves.xlsx", data.getvalue()) == [
        "Le classeur « eleves.xlsx » est trop gros : plus de 1 Mo une fois décompressé. Enregistrez seulement la "
        "liste des élèves."
    ]
