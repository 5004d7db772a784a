"""What goes wrong in a school's file, said in French; and how a cell of it is quoted in a message."""

from __future__ import annotations

MAX_QUOTED = 40  # a cell quoted in a message: enough to recognise it, never a screenful
MAX_PROBLEMS = 50  # a wrong file (not the list at all) would otherwise print a line per row


class SchoolFileError(Exception):
    """The file cannot be read as a list of accounts; `problems` are French sentences, each naming its line."""

    def __init__(self, problems: list[str], *, kind: str | None = None, header_line: int | None = None, columns=()):
        if len(problems) > MAX_PROBLEMS:
            problems = [*problems[:MAX_PROBLEMS], f"… et {len(problems) - MAX_PROBLEMS} autres problèmes."]
        super().__init__("\n".join(problems))
        self.problems = problems
        # What was understood of the file before its problems, when its header was found: the staff page's
        # preview shows which column is read as what beside the lines to correct.
        self.kind, self.header_line, self.columns = kind, header_line, list(columns)


def shown(cell: object) -> str:
    """A cell as a message quotes it: printable characters only, spaces collapsed, at most MAX_QUOTED characters
    (a binary file read as text must not reach the terminal)."""
    text = " ".join("".join(char if char.isprintable() else " " for char in str(cell)).split())
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"
