"""Documents that are not plain text: a PDF's text layer, a web page's statement, a Word file's
body, each turned into text in the project's plain-text conventions and the metadata the file
carries (:class:`~embeddings.corpus.formats.base.Extracted`). ``documents.read_document`` is the
one entry point: it calls :func:`extract` for these suffixes and reads the text as a ``.txt``."""

from __future__ import annotations

from embeddings.corpus.formats.base import Extracted, Unreadable

FORMAT_SUFFIXES = (".pdf", ".html", ".htm", ".docx")

__all__ = ["FORMAT_SUFFIXES", "Extracted", "Unreadable", "extract"]


def extract(raw: bytes, suffix: str, max_bytes: int) -> Extracted:
    """The text and metadata of a file's bytes, read as its suffix says; a file that cannot be
    read raises :class:`Unreadable` with the reason. The readers' libraries load on first use."""
    suffix = suffix.lower()
    if suffix == ".pdf":
        from embeddings.corpus.formats.pdf import read_pdf

        return read_pdf(raw)
    if suffix in (".html", ".htm"):
        from embeddings.corpus.formats.html import read_html

        return read_html(raw)
    if suffix == ".docx":
        from embeddings.corpus.formats.docx import read_docx

        return read_docx(raw, max_bytes)
    raise Unreadable(f"is in a format not read ({suffix})")
