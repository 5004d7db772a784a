"""A rendered page read as a person (or a screen reader) meets it: its text, headings, tables, forms and links,
with the standard library's HTMLParser (no browser)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Table:
    caption: str = ""
    headers: list[tuple[str, str | None]] = field(default_factory=list)  # (text, scope)
    rows: list[list[str]] = field(default_factory=list)  # every row's cells (th and td), as text


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)  # name → attributes
    buttons: list[str] = field(default_factory=list)


@dataclass
class Page:
    title: str = ""
    text: str = ""  # the main content's visible text, spaces collapsed
    headings: list[tuple[int, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, text)
    labels: dict[str, str] = field(default_factory=dict)  # `for` → label text
    controls: list[dict[str, str]] = field(default_factory=list)  # every input/select/textarea's attributes

    def table(self, caption_start: str) -> Table:
        found = [t for t in self.tables if t.caption.startswith(caption_start)]
        assert len(found) == 1, f"one table captioned {caption_start!r}: {[t.caption for t in self.tables]}"
        return found[0]

    def form(self, action_end: str) -> Form:
        found = [f for f in self.forms if f.action.endswith(action_end)]
        assert len(found) == 1, f"one form to {action_end!r}: {[f.action for f in self.forms]}"
        return found[0]

    def has_form(self, action_end: str) -> bool:
        return any(f.action.endswith(action_end) for f in self.forms)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[str] = []
        self.text: list[str] = []
        self.capture: list[list[str]] = []  # open captures (heading, cell, caption, link, label, title)
        self.table: list[Table] = []
        self.row: list[str] | None = None
        self.form: Form | None = None
        self.in_main = False

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "main":
            self.in_main = True
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "caption", "th", "td", "a", "label", "title", "button"):
            self.capture.append([])
        if tag == "table":
            self.table.append(Table())
        elif tag == "tr":
            self.row = []
        elif tag == "th" and self.table and self.row is not None:
            self._scope = a.get("scope")
        elif tag == "form":
            self.form = Form(a.get("action", ""), a.get("method", "get").lower(), a.get("enctype", ""))
            self.page.forms.append(self.form)
        elif tag in ("input", "select", "textarea"):
            self.page.controls.append(a)
            if self.form is not None and "name" in a:
                self.form.inputs[a["name"]] = a
        if tag == "a":
            self._href = a.get("href")
        if tag == "label":
            self._for = a.get("for", "")
        if tag == "br":
            self._data(" ")

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "caption", "th", "td", "a", "label", "title", "button"):
            words = " ".join("".join(self.capture.pop() if self.capture else []).split())
            if tag.startswith("h") and tag[1:].isdigit():
                self.page.headings.append((int(tag[1]), words))
            elif tag == "caption" and self.table:
                self.table[-1].caption = words
            elif tag in ("th", "td") and self.row is not None:
                self.row.append(words)
                if tag == "th" and self.table and not self.table[-1].rows and self.in_thead():
                    self.table[-1].headers.append((words, getattr(self, "_scope", None)))
            elif tag == "a":
                self.page.links.append((self._href or "", words))
            elif tag == "label":
                self.page.labels[self._for] = words
            elif tag == "title":
                self.page.title = words
            elif tag == "button" and self.form is not None:
                self.form.buttons.append(words)
        if tag == "tr" and self.row is not None and self.table:
            if not self.in_thead():
                self.table[-1].rows.append(self.row)
            self.row = None
        elif tag == "table" and self.table:
            self.page.tables.append(self.table.pop())
        elif tag == "form":
            self.form = None
        elif tag == "main":
            self.in_main = False
        elif tag in ("p", "li", "div", "dd", "dt", "section", "tr"):
            self._data(" ")

    def in_thead(self) -> bool:
        return "thead" in self.stack

    def handle_data(self, data):
        self._data(data)

    def _data(self, data):
        for open_capture in self.capture:
            open_capture.append(data)
        if self.in_main:
            self.text.append(data)


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.page.text = " ".join("".join(reader.text).split())
    return reader.page
