"""Every CSV the command line writes goes through `write_csv`: a cell a spreadsheet would take for a formula is
written as text (OWASP "CSV Injection"), and reading such a file back gives the value it had (`as_written`).

Reading a school's list (CSV, .xlsx, .ods) is ent_accounts.school_files' job: the service reads the same way.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ent_accounts.school_files.formats import FORMULA_STARTS, as_written

__all__ = ["FORMULA_STARTS", "as_written", "csv_bytes", "neutralised", "write_csv"]


def write_csv(path: Path, rows: list[list]) -> None:
    """A CSV for a spreadsheet (UTF-8 with BOM, `;`, as Excel opens it on a French Windows), every cell as text."""
    path.write_bytes(csv_bytes(rows))


def csv_bytes(rows: list[list]) -> bytes:
    """The CSV `write_csv` writes, as bytes (the command line writes them owner-only, ent_admin.files)."""
    stream = io.StringIO(newline="")
    csv.writer(stream, delimiter=";").writerows([neutralised(cell) for cell in row] for row in rows)
    return stream.getvalue().encode("utf-8-sig")


def neutralised(cell) -> str:
    """The cell as text a spreadsheet shows and never evaluates: `-Dupont` is written `'-Dupont` (the leading quote
    that OWASP recommends: the cell stays readable, as text, in Excel and LibreOffice alike)."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text  # '-x too, to read back as it was
