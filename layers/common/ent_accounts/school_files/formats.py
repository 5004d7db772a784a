"""Bytes → the rows of cells a spreadsheet would show. The format is told by the bytes, never by the file's name:
CSV as Excel and LibreOffice write it (UTF-8 with or without BOM, Windows-1252, UTF-16; `;`, `,` or tab; Excel's
`sep=;` first line), and workbooks (.xlsx, .xls, .ods) through python-calamine, imported only when one comes (it
ships in the school function's layer, not in the common one).

A cell is text, or a `date` when the workbook stored a date. Every row is kept, blank ones too, so that a row's
place in the list is its line number as the spreadsheet shows it.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from ent_accounts.school_files.problems import SchoolFileError, shown

Cell = str | date

# What makes Excel or LibreOffice evaluate a cell (OWASP "CSV Injection"). The command line writes such a cell with
# a leading quote (ent_admin/spreadsheet.py); reading it back gives the value it had.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_SEPARATORS = {";": "« ; »", ",": "« , »", "\t": "tabulation"}
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls), or an encrypted .xlsx, or a Word .doc
_NOT_A_LIST = {  # magic numbers of what schools attach by mistake
    b"%PDF": "un document PDF",
    b"\x89PNG": "une image PNG",
    b"\xff\xd8\xff": "une image JPEG",
    b"GIF8": "une image GIF",
    b"{\\rtf": "un document RTF",
}
MAX_UNPACKED = 100_000_000  # bytes a workbook's parts may unpack to before calamine reads them
ACCEPTED = "une liste CSV (enregistrée depuis le tableur), un classeur Excel (.xlsx) ou LibreOffice (.ods)"


@dataclass(frozen=True)
class Sheet:
    kind: str  # in French: "CSV Windows-1252, séparateur « ; »", "classeur Excel (.xlsx), feuille « Élèves »"
    rows: list[list[Cell]]
    first_line: int  # the line number of rows[0] (2 after Excel's `sep=;` line)


def as_written(cell: str) -> str:
    """What ent_admin's `neutralised` was given: a list exported by the command line and imported again keeps its
    names as they were (`'-Dupont` is `-Dupont`)."""
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS) else cell


def read_sheets(filename: str, data: bytes) -> list[Sheet]:
    """Every sheet of the file, in order (a CSV has one)."""
    if not data.strip():
        raise SchoolFileError([f"Le fichier « {shown(filename)} » est vide."])
    for magic, what in _NOT_A_LIST.items():
        if data.startswith(magic):
            raise SchoolFileError([f"Le fichier « {shown(filename)} » est {what}, pas une liste : envoyez {ACCEPTED}."])
    if data.startswith(_ZIP):
        return _workbook(filename, data, _zip_kind(filename, data))
    if data.startswith(_OLE2):
        return _workbook(filename, data, "classeur Excel 97-2003 (.xls)")
    return [_csv(filename, data)]


def _zip_kind(filename: str, data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(entry.file_size for entry in archive.infolist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names and unpacked <= MAX_UNPACKED else b""
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError):
        raise SchoolFileError(
            [f"Le fichier « {shown(filename)} » est une archive ZIP abîmée : envoyez {ACCEPTED}."]
        ) from None
    if unpacked > MAX_UNPACKED:  # a school's list is a few hundred kB; this is not one (or a ZIP bomb)
        raise SchoolFileError(
            [
                f"Le classeur « {shown(filename)} » est trop gros : plus de {MAX_UNPACKED // 1_000_000} Mo une fois "
                "décompressé. Enregistrez seulement la liste des élèves."
            ]
        )
    if "xl/workbook.xml" in names:
        return "classeur Excel (.xlsx)"
    if "xl/workbook.bin" in names:
        return "classeur Excel binaire (.xlsb)"
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return "classeur LibreOffice (.ods)"
    if "word/document.xml" in names or mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
        what = "un document de traitement de texte"
    else:
        what = "une archive ZIP"
    raise SchoolFileError([f"Le fichier « {shown(filename)} » est {what}, pas une liste : envoyez {ACCEPTED}."])


def _workbook(filename: str, data: bytes, kind: str) -> list[Sheet]:
    import python_calamine  # the school function's layer only: CSV needs none of it

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [
            sheet.name
            for sheet in workbook.sheets_metadata
            if sheet.visible == python_calamine.SheetVisibleEnum.Visible
        ]
        tables = [(name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in visible]
    except python_calamine.PasswordError:
        raise SchoolFileError(
            [f"Le classeur « {shown(filename)} » est protégé par un mot de passe : enregistrez-le sans mot de passe."]
        ) from None
    except BaseException as error:  # calamine's errors (Xml, Zip …) and its Rust panics (a BaseException)
        if isinstance(error, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError):
            raise
        raise SchoolFileError(
            [f"Le fichier « {shown(filename)} » n'a pas pu être lu comme un {kind} : envoyez {ACCEPTED}."]
        ) from None
    several = len(tables) > 1
    return [
        Sheet(f"{kind}, feuille « {name} »" if several else kind, [[_cell(value) for value in row] for row in rows], 1)
        for name, rows in tables
    ]


def _cell(value: object) -> Cell:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)  # a class typed 3 is "3", not "3.0"
    if value is None:
        return ""
    return str(value)


def _csv(filename: str, data: bytes) -> Sheet:
    text, encoding = _decode(filename, data)
    lines = text.splitlines(keepends=True)
    delimiter, first_line = None, 1
    if lines and lines[0].strip().lower().startswith("sep="):
        # Excel's own line: it names the separator, and the spreadsheet does not show it as a row.
        delimiter = lines[0].strip()[4:5] or ";"
        lines, first_line = lines[1:], 2
    body = "".join(lines)
    delimiter = delimiter if delimiter in _SEPARATORS else _delimiter(body)
    try:
        rows = [
            [as_written(cell) for cell in row] for row in csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
        ]
    except csv.Error:
        raise SchoolFileError(
            [f"Le fichier « {shown(filename)} » n'est pas une liste CSV lisible : envoyez {ACCEPTED}."]
        ) from None
    return Sheet(f"CSV {encoding}, séparateur {_SEPARATORS[delimiter]}", rows, first_line)


def _decode(filename: str, data: bytes) -> tuple[str, str]:
    """UTF-16 by its BOM; UTF-8 (BOM or not) when it decodes; else Windows-1252 (Excel's "CSV (séparateur:
    point-virgule)" on a French Windows). Bytes no text has refuse the file, before anything is quoted from it."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        try:
            text = data.decode("utf-8-sig")
            encoding = "UTF-8 avec BOM" if data.startswith(codecs.BOM_UTF8) else "UTF-8"
        except UnicodeDecodeError:
            text, encoding = data.decode("cp1252", errors="replace"), "Windows-1252"
        controls = sum(1 for char in text if char < " " and char not in "\t\r\n")
        if controls * 100 <= len(text):  # a stray control character is a typo; many are a binary file
            return text, encoding
    raise SchoolFileError(
        [f"Le fichier « {shown(filename)} » n'est pas une liste lisible (du binaire) : envoyez {ACCEPTED}."]
    )


def _delimiter(body: str) -> str:
    """The separator that cuts the first lines into the most cells (a title line above the header has none)."""
    sample = "\n".join(body.splitlines()[:20])

    def cells(delimiter: str) -> int:
        try:
            return max((len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter)), default=0)
        except csv.Error:
            return 0

    return max(_SEPARATORS, key=cells)  # ties: `;` first, as a French Excel writes
