"""How a document enters and leaves DATA_DIR: under a safe name of its own, read first in a
temporary folder by the reader a build uses, checked against the library by the rules a build
applies (:class:`~embeddings.corpus.documents.Shelf`), then written whole (sidecar first, the
document last, each renamed into place) so that a build running meanwhile sees it or not, never
half of it. One change to the library at a time, across processes."""

from __future__ import annotations

import dataclasses
import logging
import re
import tempfile
import unicodedata
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from embeddings import files
from embeddings.config import EngineSettings
from embeddings.corpus.documents import (
    DOCUMENT_SUFFIXES,
    META_SUFFIX,
    Duplicate,
    LoadReport,
    Shelf,
    load_corpus,
    read_document,
    sidecar_of,
)
from embeddings.corpus.records import Document, Passage
from embeddings.corpus.splitting import split_passages
from embeddings.errors import DocumentError, NotAdded
from embeddings.locks import file_lock

log = logging.getLogger(__name__)

LOCK_FILE = ".library.lock"  # in INDEX_DIR, so that a refused document leaves DATA_DIR as it was
MAX_STEM_CHARS = 80
# The loader skips a file called README.md; a document is never stored under that stem.
RESERVED_STEMS = frozenset({"readme"})


def library_lock(settings: EngineSettings) -> AbstractContextManager:
    """Held while a document is added, removed or refreshed: such changes take turns."""
    return file_lock(settings.index_dir / LOCK_FILE, wait=True,
                     busy="another change to the library is under way; waiting for it")


def stem_of(name: str) -> str:
    """A file name's stem as the loader takes it (the document's default id): up to the last dot."""
    return name.rsplit(".", 1)[0]


def slug(text: str) -> str:
    """``text`` as a safe file stem: ASCII letters, digits, ``-`` and ``_``, lower case, no
    leading dot or dash, at most ``MAX_STEM_CHARS``; "document" if nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9_]+", "-", ascii_text.lower()).strip("-_")
    return cleaned[:MAX_STEM_CHARS].rstrip("-_") or "document"


def free_name(stem: str, suffix: str, data_dir: Path, taken_ids: set[str]) -> str:
    """``stem + suffix``, or ``stem-2 + suffix``, ...: a name whose stem no file of ``data_dir``
    has (whatever its suffix, a sidecar included) and no document uses as its id."""
    taken = {stem_of(path.name).lower() for path in data_dir.iterdir()}
    taken |= {path.name[: -len(META_SUFFIX)].lower() for path in data_dir.iterdir() if path.name.endswith(META_SUFFIX)}
    taken |= {i.lower() for i in taken_ids} | RESERVED_STEMS
    candidate, n = stem, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem}-{n}"
    return candidate + suffix


def file_stem(path: Path) -> str:
    """The safe stem for a file given by path: its own name's, whatever folders it was in."""
    return slug(stem_of(path.name))


def link_stem(url: str) -> str:
    """The safe stem for a link: its host (without ``www.``) and path, the format's suffix dropped:
    ``https://www.example.org/press/2022/statement.pdf`` -> ``example-org-press-2022-statement``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    path = unquote(parts.path)
    for suffix in DOCUMENT_SUFFIXES:
        if path.lower().endswith(suffix):
            path = path[: -len(suffix)]
            break
    return slug(f"{host} {path}")


def read_candidate(raw: bytes, name: str, meta: dict, max_bytes: int) -> tuple[Document, list[Passage]]:
    """Read ``raw`` as the file ``name`` with the sidecar ``meta``, in a temporary folder, as a
    build would: the document and its passages, or :class:`DocumentError` saying why not."""
    with tempfile.TemporaryDirectory(prefix="statement-bot-add-") as folder:
        path = Path(folder) / name
        path.write_bytes(raw)
        if meta:
            files.write_json(sidecar_of(path), meta)
        doc = read_document(path, Path(folder), max_bytes)
        passages = split_passages(doc)
    if not passages:
        raise DocumentError(name, "has no text passages")
    return doc, passages


def check_admission(report: LoadReport, doc: Document, passages: list[Passage], given: str,
                    replacing: str = "") -> None:
    """Whether the library of ``report`` with ``doc`` (in place of the file ``replacing``) is
    indexed as it is plus ``doc``: the documents are put on a :class:`Shelf` in the order a build
    reads them, so ``doc`` is refused if it repeats one of them, and so it is if one of them would
    be taken to repeat it; then if its id is taken. Raises :class:`NotAdded` naming the document
    already there."""
    by_document: dict[str, list[Passage]] = {}
    for passage in report.passages:
        by_document.setdefault(passage.document, []).append(passage)
    kept = [d for d in report.documents if d.path != replacing]
    unique = dataclasses.replace(doc, id=f"{doc.id}\0new")  # its text first; a clash of ids is said after
    entries = [(d, by_document.get(d.id, [])) for d in kept] + [(unique, passages)]
    shelf = Shelf()
    for entry, entry_passages in sorted(entries, key=lambda e: e[0].path):
        try:
            shelf.admit(entry, entry_passages)
        except Duplicate as exc:
            other = exc.of if entry is unique else entry
            raise NotAdded(given, f"is a duplicate: the same text as \u201c{other.title}\u201d [{other.id}] "
                                  f"({other.path}), already in the library") from exc
        except DocumentError as exc:
            raise NotAdded(given, exc.problem if entry is unique else f"would make the library skip {exc}") from exc
    same_id = next((d for d in kept if d.id == doc.id), None)
    if same_id is not None:
        raise NotAdded(given, f"has the id {doc.id!r} of \u201c{same_id.title}\u201d ({same_id.path}), already in "
                              "the library (an ID its header or sidecar gives)")


def current_library(settings: EngineSettings) -> LoadReport:
    """The library as a build reads it now."""
    return load_corpus(settings.data_dir, settings.max_document_bytes)


def store(data_dir: Path, name: str, raw: bytes, meta: dict) -> None:
    """Write the document ``name`` (and its sidecar, first, if ``meta``) into ``data_dir``, each
    renamed into place whole; on failure neither is left behind."""
    target = data_dir / name
    sidecar = sidecar_of(target)
    try:
        if meta:
            files.write_json(sidecar, meta)
        files.write_with(target, lambda tmp: tmp.write_bytes(raw))
    except BaseException:
        sidecar.unlink(missing_ok=True)
        raise


def unstore(data_dir: Path, name: str) -> list[str]:
    """Remove the document ``name`` and its sidecar (the document first, so a build meanwhile
    never reads it without its metadata); the names removed."""
    target = data_dir / name
    removed = []
    for path in (target, sidecar_of(target)):
        if path.exists():
            path.unlink()
            removed.append(path.name)
    return removed
