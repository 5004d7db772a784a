"""Schools' files as their software really writes them, made with the real writers (openpyxl for .xlsx, odfpy for
.ods, Windows-1252 and BOMs for Excel's CSV): what the reader, the command line and the re-import tests import.

Every builder returns the file's bytes; `CLASS_4B` and `SIECLE` say who is in them, for the assertions.
"""

from __future__ import annotations

import codecs
import io
from datetime import date, datetime

# The 4e B as the secretary's own spreadsheet has it: (last name, first name, birth date, class).
CLASS_4B = [
    ("Le Bihan-Pérez", "Élodie", date(2011, 5, 14), "4e B"),
    ("DUPONT", "Jeanne", date(2012, 3, 2), "4e B"),
    ("N’Diaye", "Zoé", date(2011, 11, 30), "4e B"),
    ("Lefèvre-Œuvray", "Zoë", date(2011, 1, 7), "4e B"),
]
EXCEL_HEADER = ["NOM", "PRENOM", "DATE NAISS", "CLASSE"]


def _csv(rows: list[list[str]], separator: str = ";") -> str:
    return "".join(separator.join(row) + "\r\n" for row in rows)


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def excel_csv_windows_1252() -> bytes:
    """Excel's "CSV (séparateur: point-virgule)" on a French Windows: Windows-1252, `;`, CRLF, JJ/MM/AAAA."""
    rows = [EXCEL_HEADER, *[[last, first, _day(born), klass] for last, first, born, klass in CLASS_4B]]
    return _csv(rows).encode("cp1252")


def excel_csv_utf8_bom() -> bytes:
    """Excel's "CSV UTF-8 (délimité par des virgules)" in French: a BOM, and still `;` (the list separator)."""
    return codecs.BOM_UTF8 + excel_csv_windows_1252().decode("cp1252").encode("utf-8")


# A SIECLE-like student export: two responsables per student; Lucas and Emma Martin are siblings sharing both
# parents; Yann Le Bihan has no e-mail address; Hương's guardians have Vietnamese names.
# (last, usage, first, born, division, responsables)
SIECLE = [
    (
        "MARTIN",
        "",
        "Lucas",
        date(2011, 9, 3),
        "4B",
        [
            ("MARTIN", "Sophie", "MERE", "sophie.martin@example.fr"),
            ("MARTIN", "Paul", "PERE", "paul.martin@example.fr"),
        ],
    ),
    (
        "MARTIN",
        "",
        "Emma",
        date(2013, 2, 17),
        "6A",
        [
            ("MARTIN", "Sophie", "MERE", "sophie.martin@example.fr"),
            ("MARTIN", "Paul", "PERE", "paul.martin@example.fr"),
        ],
    ),
    (
        "PEREZ",
        "LE BIHAN-PEREZ",
        "Élodie",
        date(2011, 5, 14),
        "4B",
        [("PEREZ", "Ana", "MERE", "ana.perez@example.fr"), ("LE BIHAN", "Yann", "PERE", "")],
    ),
    (
        "NGUYEN",
        "",
        "Thị Hương",
        date(2012, 6, 1),
        "5C",
        [
            ("NGUYEN", "Văn Minh", "TUTEUR", "tuteur.nguyen@example.fr"),
            ("TRẦN", "Thị Lan", "TUTRICE", "lan.tran@example.fr"),
        ],
    ),
]
SIECLE_HEADER = [
    "NOM DE FAMILLE",
    "NOM D'USAGE",
    "PRENOM 1",
    "PRENOM 2",
    "DATE NAISS",
    "SEXE",
    "INE",
    "DIVISION",
    "NOM RESP LEG 1",
    "PRENOM RESP LEG 1",
    "LIEN PARENTE RESP 1",
    "COURRIEL RESP 1",
    "Nom représentant légal 2",
    "Prénom représentant légal 2",
    "LIEN PARENTE RESP 2",
    "COURRIEL RESP 2",
]


def siecle_export() -> bytes:
    """As SIECLE's "exportation des élèves" gives it to a secretary: Windows-1252, `;`, its own column names."""
    rows = [SIECLE_HEADER]
    for index, (last, usage, first, born, division, responsables) in enumerate(SIECLE):
        cells = [last, usage, first, "", _day(born), "M" if index % 2 == 0 else "F", f"12345678{index:02d}AB", division]
        for resp_last, resp_first, relation, email in responsables:
            cells += [resp_last, resp_first, relation, email]
        rows.append(cells)
    # Vietnamese names are outside Windows-1252: SIECLE's export of such a school is UTF-8 with a BOM.
    return codecs.BOM_UTF8 + _csv(rows).encode("utf-8")


def xlsx_workbook() -> bytes:
    """Written by openpyxl as Excel would: a first sheet of instructions, then "Élèves" with a merged title row and
    a blank row above the header (line 3), birth dates as real date cells but one typed as text, a class typed as a
    number."""
    import openpyxl

    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Lisez-moi"
    notes.append(["Liste à importer dans l'ENT : feuille « Élèves »."])
    sheet = workbook.create_sheet("Élèves")
    sheet.append(["Collège Jean Moulin — 4e B, rentrée 2025"])
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append(["Nom", "Prénom", "Date de naissance", "Classe"])
    for index, (last, first, born, klass) in enumerate(CLASS_4B):
        born_cell = _day(born) if index == 1 else datetime(born.year, born.month, born.day)
        sheet.append([last, first, born_cell, klass])
        if index != 1:
            sheet.cell(row=sheet.max_row, column=3).number_format = "DD/MM/YYYY"
    sheet.append(["Petit", "Léa", date(2012, 8, 9), 3])
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def ods_workbook() -> bytes:
    """Written by odfpy as LibreOffice Calc would: date cells (office:date-value), a blank row between two."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Feuille1")

    def row(*values) -> None:
        cells = TableRow()
        for value in values:
            if isinstance(value, date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
                cell.addElement(P(text=_day(value)))
            elif value:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            else:
                cell = TableCell()
            cells.addElement(cell)
        table.addElement(cells)

    row(*EXCEL_HEADER)
    for index, (last, first, born, klass) in enumerate(CLASS_4B):
        row(last, first, born, klass)
        if index == 1:
            row("", "", "", "")
    document.spreadsheet.addElement(table)
    data = io.BytesIO()
    document.save(data)
    return data.getvalue()


def with_one_bad_line() -> bytes:
    """The Windows-1252 list with one mistake on line 3 (a date that does not exist)."""
    return excel_csv_windows_1252().replace(b"02/03/2012", b"31/02/2012")


def docx_like() -> bytes:
    """A ZIP that is no workbook (a word processor's file, sent by mistake)."""
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return data.getvalue()


def siecle_responsables_export() -> bytes:
    """SIECLE's other shape: one line per responsable, the student repeated on each (unnumbered columns)."""
    rows = [["NOM ELEVE", "PRENOM ELEVE", "DATE NAISS", "DIVISION", "NOM RESPONSABLE", "PRENOM RESPONSABLE",
             "LIEN DE PARENTE", "COURRIEL RESPONSABLE"]]  # fmt: skip
    for last, usage, first, born, division, responsables in SIECLE:
        for resp_last, resp_first, relation, email in responsables:
            if resp_last:
                rows.append([usage or last, first, _day(born), division, resp_last, resp_first, relation, email])
    return codecs.BOM_UTF8 + _csv(rows).encode("utf-8")
