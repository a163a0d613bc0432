"""A PDF's text layer, read with PDFium (pypdfium2), laid out by pdflayout.py; its title, author
and creation date from the document properties.

PDFium gives each line's pieces with their boxes, which is what reading order, paragraphs and
page furniture are decided from; pypdf's ``extract_text`` gives the text in the order the file
happens to draw it (two columns drawn row by row come out interleaved; see docs/documents.md).
"""

from __future__ import annotations

import logging

from embeddings.corpus.formats.base import (
    Extracted,
    Unreadable,
    blocks_to_text,
    date_in_text,
    first_heading,
    iso_day,
    property_text,
)
from embeddings.corpus.formats.pdflayout import Line, Segment, drop_furniture, page_lines, paragraphs

log = logging.getLogger(__name__)

_EOF_WITHIN = 2048  # a complete PDF ends with %%EOF (give or take trailing bytes)


def read_pdf(raw: bytes) -> Extracted:
    """The PDF's text and properties; a damaged, encrypted or scanned file raises :class:`Unreadable`."""
    import pypdfium2 as pdfium

    if not raw.startswith(b"%PDF") and b"%PDF" not in raw[:1024]:
        raise Unreadable("is not a PDF (no %PDF signature)")
    if b"%%EOF" not in raw[-_EOF_WITHIN:]:
        raise Unreadable("is damaged: the PDF is cut off (no end-of-file marker); save or download it again")
    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise Unreadable("is encrypted (password-protected): save a copy without the password") from exc
        raise Unreadable(f"is damaged and cannot be read as a PDF ({exc})") from exc
    try:
        pages, widths = _segments(pdf)
        properties = pdf.get_metadata_dict(skip_empty=True)
    finally:
        pdf.close()
    pages, furniture = drop_furniture(pages)
    lines: list[Line] = []
    for segments, width in zip(pages, widths):
        lines += page_lines(segments, width)
    text = blocks_to_text(paragraphs(lines)) if lines else ""
    if not text.strip():
        raise Unreadable("has no text layer (a scan?): no text to quote; add its text as a .txt file")
    return Extracted(
        text=text,
        title=_property(properties, "Title") or first_heading(text),
        # A date printed on the document (its running header included) before the file's creation date.
        date=(date_in_text(text) or date_in_text("\n".join(furniture))
              or _pdf_date(_property(properties, "CreationDate"))),
        author=_property(properties, "Author"),
    )


def _segments(pdf) -> tuple[list[list[Segment]], list[float]]:
    """Each page's text pieces (PDFium's text rectangles: a line, or part of one) and its width."""
    pages, widths = [], []
    for index in range(len(pdf)):
        page = pdf[index]
        textpage = page.get_textpage()
        segments = []
        for n in range(textpage.count_rects()):
            x0, y0, x1, y1 = textpage.get_rect(n)
            text = textpage.get_text_bounded(x0, y0, x1, y1)
            if text.strip():
                segments.append(Segment(x0, y0, x1, y1, text))
        pages.append(segments)
        widths.append(page.get_width())
        textpage.close()
        page.close()
    return pages, widths


def _property(properties: dict, key: str) -> str:
    return property_text(properties.get(key, ""))


def _pdf_date(value: str) -> str:
    """A PDF date ("D:20220224173000+01'00'") as YYYY-MM-DD; "" if it is not one."""
    digits = value.removeprefix("D:")[:8]
    return iso_day(f"{digits[:4]}-{digits[4:6]}-{digits[6:]}") if len(digits) == 8 and digits.isdigit() else ""
