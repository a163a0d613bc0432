"""Adding a document to the library (a file, or a link fetched now) and removing one: what the
command line's ``add`` and ``remove`` do, and a Discord command can, with the same checks. A
document that cannot be used is refused before anything in DATA_DIR changes."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from embeddings.config import EngineSettings
from embeddings.corpus.documents import DOCUMENT_SUFFIXES, KINDS, META_SUFFIX, Undated, read_sidecar
from embeddings.corpus.records import Document, Passage, format_of_file
from embeddings.errors import DocumentError, NotAdded, UnknownDocument
from embeddings.library_admin.fetch import FetchFailed, FetchRules, fetch, is_link, megabytes
from embeddings.library_admin.storage import (
    check_admission,
    current_library,
    file_stem,
    free_name,
    library_lock,
    link_stem,
    read_candidate,
    store,
    unstore,
)

log = logging.getLogger(__name__)

_DAY_RE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")


@dataclass(frozen=True)
class Metadata:
    """What an administrator says about a document, overriding what the file says; empty: not said."""

    title: str = ""
    date: str = ""  # YYYY-MM-DD or YYYY-MM
    kind: str = ""  # statement or treaty
    source: str = ""

    def sidecar(self, given: str) -> dict[str, str]:
        """The sidecar keys these give, checked: NotAdded (naming ``given``, the file or link) for a
        date or kind that cannot be used."""
        if self.date and not valid_day(self.date.strip()):
            raise NotAdded(given, f"is given a date that is not a day: {self.date!r} (give YYYY-MM-DD)")
        if self.kind and self.kind.strip().lower() not in KINDS:
            raise NotAdded(given, f"is given an unknown kind {self.kind!r} (one of {', '.join(KINDS)})")
        given = {"title": self.title.strip(), "date": self.date.strip(), "kind": self.kind.strip().lower(),
                 "source": self.source.strip()}
        return {key: value for key, value in given.items() if value}


def valid_day(text: str) -> bool:
    """``YYYY-MM-DD`` (or ``YYYY-MM``) naming a real day (month)."""
    if not _DAY_RE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text if len(text) == 10 else f"{text}-01")
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Added:
    """A document now in DATA_DIR, as the next build indexes it."""

    id: str
    title: str
    date: str
    kind: str
    kind_source: str  # "given" or "inferred"
    passages: int
    first_passage: str  # the first passage as answers quote it
    first_label: str  # where it sits: "paragraph 1", "Article 1"
    file: str  # its name in DATA_DIR
    format: str  # txt, md, pdf, html or docx
    source: str
    partial: bool = False
    url: str = ""  # the link it was fetched from, for a link
    fetched: str = ""  # when (ISO 8601, UTC), for a link

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Removed:
    """A document taken out of DATA_DIR (its file and sidecar)."""

    id: str
    title: str
    files: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "files": list(self.files)}


def add_document(settings: EngineSettings, path_or_url: str, *, title: str | None = None, date: str | None = None,
                 kind: str | None = None, source: str | None = None) -> Added:
    """Store a document file or the document a link leads to in DATA_DIR, with a sidecar for what
    is given here (and, for a link, where and when it was fetched). It is read first, as a build
    reads it, and refused with :class:`NotAdded` (DATA_DIR unchanged) if it cannot be used or
    repeats a document of the library. The caller builds the index afterwards. Blocking (network,
    files): an event loop calls it in a thread."""
    meta = Metadata(title or "", date or "", kind or "", source or "").sidecar(path_or_url)
    if is_link(path_or_url):
        url = path_or_url.strip()
        raw, suffix, link = _fetched(settings, url)
        stem, given = link_stem(url), url
        meta = {"source": url, **meta, **link}
    else:
        path = Path(path_or_url).expanduser()
        raw, suffix, beside = _file(settings, path)
        stem, given = file_stem(path), str(path_or_url)
        meta = {**beside, **meta}
    with library_lock(settings):
        report = current_library(settings)
        name = free_name(stem, suffix, settings.data_dir, {d.id for d in report.documents})
        doc, passages = _read(raw, name, meta, settings, given)
        check_admission(report, doc, passages, given)
        store(settings.data_dir, name, raw, meta)
    log.info("added %s as %s (%d passages)", given, name, len(passages))
    return added(doc, passages, meta)


def _file(settings: EngineSettings, path: Path) -> tuple[bytes, str, dict]:
    """A document file's bytes, suffix and sidecar (if one lies beside it); NotAdded if it cannot be."""
    given = str(path)
    if not path.exists():
        raise NotAdded(given, "does not exist")
    if not path.is_file():
        raise NotAdded(given, "is not a file")
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise NotAdded(given, f"is in a format not supported ({suffix or 'no file extension'}); "
                              "add a .txt, .md, .pdf, .html or .docx file")
    size = path.stat().st_size
    if size > settings.max_document_bytes:
        raise NotAdded(given, f"is {megabytes(size)}, over the {megabytes(settings.max_document_bytes)} limit "
                              "(MAX_DOCUMENT_MB)")
    try:
        return path.read_bytes(), suffix, read_sidecar(path, path.name)
    except DocumentError as exc:
        raise NotAdded(given, exc.problem) from exc
    except OSError as exc:
        raise NotAdded(given, f"cannot be read ({exc.strerror or exc})") from exc


def _fetched(settings: EngineSettings, url: str) -> tuple[bytes, str, dict]:
    """A link's bytes, the suffix of its format and its sidecar keys; NotAdded if it cannot be fetched."""
    try:
        got = fetch(url, FetchRules.of(settings))
    except FetchFailed as exc:
        raise NotAdded(url, str(exc)) from exc
    return got.body, got.suffix, link_state(url, got.etag, got.last_modified)


def link_state(url: str, etag: str, last_modified: str) -> dict:
    """The sidecar keys of a link just fetched."""
    return {"url": url, "fetched": now_iso(), "etag": etag, "last_modified": last_modified}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _read(raw: bytes, name: str, meta: dict, settings: EngineSettings, given: str) -> tuple[Document, list[Passage]]:
    try:
        return read_candidate(raw, name, meta, settings.max_document_bytes)
    except Undated as exc:
        raise NotAdded(given, "has no date: give the day it was said (YYYY-MM-DD)") from exc
    except DocumentError as exc:
        raise NotAdded(given, exc.problem) from exc


def added(doc: Document, passages: list[Passage], meta: dict) -> Added:
    first = passages[0]
    return Added(doc.id, doc.title, doc.date, doc.kind, doc.kind_source, len(passages), first.text, first.label,
                 doc.path, format_of_file(doc.path), doc.source, doc.partial, meta.get("url", ""),
                 meta.get("fetched", ""))


def is_document_file(data_dir: Path, name: str) -> bool:
    """Whether ``name`` is a file of ``data_dir`` itself that is neither hidden nor a sidecar."""
    return (bool(name) and "/" not in name and not name.startswith(".") and not name.endswith(META_SUFFIX)
            and (data_dir / name).is_file())


def remove_document(settings: EngineSettings, doc_id: str) -> Removed:
    """Remove the document with this id (or this file name, for a file the build skipped) and its
    sidecar from DATA_DIR; :class:`UnknownDocument` if there is none. The caller builds the index
    afterwards."""
    wanted = doc_id.strip()
    with library_lock(settings):
        report = current_library(settings)
        doc = next((d for d in report.documents if d.id == wanted), None)
        if doc is not None:
            name, title = doc.path, doc.title
        elif is_document_file(settings.data_dir, wanted):
            name, title = wanted, ""
        else:
            raise UnknownDocument(f"no document has the id {wanted!r}; `sources` lists the ids "
                                  "(`python -m embeddings sources`: in brackets; with --json: \"id\")")
        removed = unstore(settings.data_dir, name)
    log.info("removed %s (%s)", wanted, ", ".join(removed))
    return Removed(doc.id if doc else wanted, title, tuple(removed))
