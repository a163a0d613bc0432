"""A Word file's body, read with python-docx: paragraphs in order (a ``Title`` or ``Heading``
style a line of its own, which the splitter makes a section), tables one row per paragraph with
cells joined by " | ", content controls opened; page headers, footers and comments are not the
body and are left out. Title, author and creation date from the document properties.

A .docx is a zip archive: its declared unpacked sizes are checked before anything is unpacked,
so a small file that would unpack to gigabytes (a zip bomb) is refused."""

from __future__ import annotations

import io
import logging
import zipfile

from embeddings.corpus.formats.base import (
    Extracted,
    Unreadable,
    blocks_to_text,
    date_in_text,
    first_heading,
    iso_day,
    property_text,
)

log = logging.getLogger(__name__)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_UNPACK_FACTOR = 5  # a .docx may unpack to this many times the document size limit


def read_docx(raw: bytes, max_bytes: int) -> Extracted:
    """The body's text and the properties; a damaged file or one that would unpack past
    ``_UNPACK_FACTOR`` x ``max_bytes`` raises :class:`Unreadable`."""
    _check_archive(raw, _UNPACK_FACTOR * max_bytes)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise Unreadable(f"is damaged or not a Word document ({type(exc).__name__}: {exc})") from exc
    text = blocks_to_text(list(_blocks(document, document.element.body)))
    if not text.strip():
        raise Unreadable("has no text in its body")
    core = document.core_properties
    return Extracted(
        text=text,
        title=property_text(core.title) or first_heading(text),
        date=date_in_text(text) or iso_day(core.created),
        author=property_text(core.author),
    )


def _check_archive(raw: bytes, limit: int) -> None:
    """Refuse a file that is not a zip archive, or whose members would unpack past ``limit``."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise Unreadable(f"is damaged or not a Word document (not a complete zip archive: {exc})") from exc
    if unpacked > limit:
        raise Unreadable(f"would unpack to {unpacked / 2**20:,.0f} MB, over the {limit / 2**20:,.0f} MB limit "
                         "(a zip bomb?); refused")
    if "word/document.xml" not in names:
        raise Unreadable("is damaged or not a Word document (no word/document.xml inside)")


def _blocks(document, element):
    """The paragraphs of a body (or of a content control, a table cell) in order, as text."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():
        if child.tag == f"{_W}p":
            yield _paragraph(Paragraph(child, document))
        elif child.tag == f"{_W}tbl":
            yield from _rows(Table(child, document))
        elif child.tag == f"{_W}sdt":  # a content control: its content is body text
            for content in child.iterchildren(f"{_W}sdtContent"):
                yield from _blocks(document, content)


def _paragraph(paragraph) -> str:
    """A paragraph's text on one line: a line break inside it is a space. A heading is a
    paragraph like any other: a short line between blank lines, which the splitter reads as one."""
    return " ".join(paragraph.text.split())


def _rows(table) -> list[str]:
    """One line per row, its cells joined with " | " (a merged cell counted once)."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: list = []  # the cells' XML elements, held so that a merged cell is the same object
        for cell in row.cells:
            if any(cell._tc is tc for tc in seen):
                continue
            seen.append(cell._tc)
            cells.append(" ".join(" ".join(p.text.split()) for p in cell.paragraphs).strip())
        rows.append(" | ".join(cell for cell in cells if cell))
    return rows
