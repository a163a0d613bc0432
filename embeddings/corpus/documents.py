"""Documents in ``DATA_DIR`` and the passages they are split into.

Three input formats are understood, chosen per file:

* **Header format** (the treaty files): ``KEY: value`` lines (``TITLE``, ``DATE``, ``SOURCE``,
  optional ``KIND``, ``ID`` and free-form keys), then a line ``---`` (or a blank line), then the text.
* **Statement format** (the seed statement): an optional leading ``date YYYY-MM`` marker and an
  optional ``Published on: <weekday>, <Month> <day>, <year>, ...`` line.
* **Plain text**: paragraphs separated by blank lines.

PDF, HTML and Word files (``formats/``) are turned into plain text first, with the title, date,
source and author they carry as header fields; a header in their text and a sidecar override those.

Any file may have a sidecar ``<file>.meta.json`` whose keys (``id``, ``title``, ``kind``,
``source``, ``date``) override what the file itself says; this keeps a document byte-for-byte as
it was given while still giving it a title and source.

How a document is cut into passages is splitting.py's; what it is made of, records.py's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from embeddings.corpus.cleaning import comparable
from embeddings.corpus.formats import FORMAT_SUFFIXES, Unreadable, extract
from embeddings.corpus.records import Document, Passage
from embeddings.corpus.splitting import ARTICLE_RE, CLAUSE_RE, split_passages
from embeddings.errors import DocumentError

log = logging.getLogger(__name__)

KINDS = ("statement", "treaty")
TEXT_SUFFIXES = (".txt", ".md")
DOCUMENT_SUFFIXES = (*TEXT_SUFFIXES, *FORMAT_SUFFIXES)
META_SUFFIX = ".meta.json"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # the default of MAX_DOCUMENT_MB (embeddings/config.py)

_MARKER_RE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})(?:-(\d{2}))?\b\s*", re.IGNORECASE)
_PUBLISHED_RE = re.compile(r"^\s*Published on:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_HEADER_KEY_RE = re.compile(r"^([A-Z][A-Z _-]{1,30}):\s*(.*)$")
_ISO_DATE_RE = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")
# What a title says when the document is an agreement rather than a statement.
_AGREEMENT_TITLE_RE = re.compile(
    r"\b(?:treaty|treaties|charter|act|memorandum|protocol|agreements?|accords?|convention)\b", re.IGNORECASE)
# Of a document's passages, this share equal to another document's makes it a duplicate.
DUPLICATE_SHARE = 0.8
# Sidecar keys of a document added by its link that say how its fetching went, not what it is: a
# change to them alone is no change to the document.
LINK_STATE_KEYS = frozenset({"fetched", "etag", "last_modified", "stale"})


class Undated(DocumentError):
    """A document with no date in its text, header or sidecar."""


# --------------------------------------------------------------------------- dates
def parse_date(text: str) -> str:
    """Return an ISO date (``YYYY-MM-DD`` or ``YYYY-MM``) found in ``text``, or ``""``."""
    text = text.strip()
    match = _ISO_DATE_RE.search(text)
    if match:
        year, month, day = match.groups()
        return _valid_iso(year, month, day)
    # "Thursday, February 24, 2022, 05:40 PM IST" and friends.
    cleaned = re.sub(r"\s+", " ", text.replace(",", " ")).strip()
    for fmt in ("%A %B %d %Y", "%B %d %Y", "%d %B %Y", "%A %d %B %Y", "%b %d %Y", "%d %b %Y"):
        words = len(fmt.split())
        try:
            parsed = datetime.strptime(" ".join(cleaned.split()[:words]), fmt)
        except ValueError:
            continue
        return parsed.date().isoformat()
    return ""


def _valid_iso(year: str, month: str, day: str | None) -> str:
    try:
        if day:
            return datetime(int(year), int(month), int(day)).date().isoformat()
        datetime(int(year), int(month), 1)
        return f"{year}-{month}"
    except ValueError:
        return ""


# --------------------------------------------------------------------------- reading


def read_document(path: Path, data_dir: Path, max_bytes: int | None = None) -> Document:
    """Read one document file (text, PDF, HTML or Word, by its suffix) of at most ``max_bytes``
    (default ``MAX_DOCUMENT_BYTES``). Raises :class:`DocumentError` naming the file on bad input."""
    name = path.relative_to(data_dir).as_posix()
    raw, text, found = _read_file(path, name, MAX_DOCUMENT_BYTES if max_bytes is None else max_bytes)
    meta = read_sidecar(path, name)
    header, body = split_header(text)
    fields = {**found, **header, **{k.upper(): str(v) for k, v in meta.items()}}
    date, body = _document_date(body, fields, name, sidecar_only=path.suffix.lower() in FORMAT_SUFFIXES)

    title_given = bool(fields.get("TITLE", "").strip())
    title = fields.get("TITLE", "").strip() or _first_line(body) or path.name.rsplit(".", 1)[0]
    kind, kind_source = _document_kind(fields, title, body, name)
    doc_id = fields.get("ID", "").strip() or path.name.rsplit(".", 1)[0]
    source = fields.get("SOURCE", "").strip() or name
    extra = {k.lower(): v for k, v in fields.items() if k not in {"ID", "TITLE", "KIND", "SOURCE", "DATE"}}
    return Document(
        id=doc_id,
        title=title,
        kind=kind,
        source=source,
        date=date,
        path=name,
        sha256=_sha256(raw, meta),
        body=body,
        extra=extra,
        kind_source=kind_source,
        title_given=title_given,
    )


def _sha256(raw: bytes, meta: dict) -> str:
    """What the document is made of: its bytes and its sidecar, without the state of its fetching."""
    kept = {key: value for key, value in meta.items() if key not in LINK_STATE_KEYS}
    return hashlib.sha256(raw + json.dumps(kept, sort_keys=True).encode()).hexdigest()


def _read_file(path: Path, name: str, max_bytes: int) -> tuple[bytes, str, dict[str, str]]:
    """The file's bytes, its text, and the metadata its format carries (none for a text file);
    an unreadable or too big file raises :class:`DocumentError`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(name, f"cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > max_bytes:
        raise DocumentError(name, f"is {_size(len(raw))}, over the {_size(max_bytes)} limit (MAX_DOCUMENT_MB)")
    if path.suffix.lower() not in FORMAT_SUFFIXES:
        return raw, _text_of(raw, name), {}
    if not raw.strip():
        raise DocumentError(name, "is empty")
    try:
        found = extract(raw, path.suffix, max_bytes)
    except Unreadable as exc:
        raise DocumentError(name, str(exc)) from exc
    return raw, found.text, found.fields()


def _text_of(raw: bytes, name: str) -> str:
    """A text file's text with Unix line ends; a binary, not UTF-8 or empty file raises
    :class:`DocumentError`."""
    if b"\x00" in raw[:8192]:
        raise DocumentError(name, "looks like a binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(name, f"is not valid UTF-8 (byte {exc.start})") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentError(name, "is empty")
    return text


def _document_date(body: str, fields: dict[str, str], name: str, sidecar_only: bool = False) -> tuple[str, str]:
    """The document's date and its body without the date marker and ``Published on:`` line:
    the ``DATE`` field if it parses, else the most precise of those two; none raises."""
    date = ""
    marker = _MARKER_RE.match(body)
    if marker:
        year, month, day = marker.groups()
        date = _valid_iso(year, month, day)
        body = body[marker.end():]
    published = _PUBLISHED_RE.search(body)
    if published:
        precise = parse_date(published.group(1))
        if len(precise) >= len(date):  # the most precise date available wins
            date = precise
        body = body[: published.start()] + body[published.end():]
    if fields.get("DATE"):
        date = parse_date(fields["DATE"]) or date
    if not date:
        where = "a .meta.json sidecar" if sidecar_only else "a 'DATE: YYYY-MM-DD' header line or a .meta.json sidecar"
        raise Undated(name, f"has no date: add {where}")
    return date, body


def _document_kind(fields: dict[str, str], title: str, body: str, name: str) -> tuple[str, str]:
    """The document's kind and whether it was "given" or "inferred"; an unknown kind raises."""
    kind = fields.get("KIND", "").strip().lower()
    kind_source = "given"
    if not kind:
        kind, kind_source = infer_kind(title, body), "inferred"
    if kind not in KINDS:
        raise DocumentError(name, f"has unknown kind {kind!r} (use one of {', '.join(KINDS)})")
    return kind, kind_source


def infer_kind(title: str, body: str) -> str:
    """A document without ``KIND`` is a statement, unless its text is organised in ``Article N``
    headings or numbered clauses and its title names a treaty, charter, act, memorandum,
    protocol, agreement, accord or convention."""
    if not _AGREEMENT_TITLE_RE.search(title):
        return "statement"
    lines = [line.strip() for line in body.split("\n")]
    articles = sum(bool(ARTICLE_RE.match(line)) for line in lines)
    clauses = sum(bool(CLAUSE_RE.match(line)) for line in lines)
    return "treaty" if articles or clauses >= 2 or (clauses and len(lines) < 80) else "statement"


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n:,} bytes"


def sidecar_of(path: Path) -> Path:
    """Where a document file's sidecar is: ``statement.pdf`` -> ``statement.meta.json``."""
    return path.with_name(path.name.rsplit(".", 1)[0] + META_SUFFIX)


def read_sidecar(path: Path, name: str) -> dict:
    """The keys of a document file's sidecar (none if it has none); an unreadable one raises
    :class:`DocumentError` naming ``name``."""
    sidecar = sidecar_of(path)
    if not sidecar.exists():
        return {}
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(name, f"has an unreadable {sidecar.name}: {exc}") from exc
    if not isinstance(meta, dict):
        raise DocumentError(name, f"{sidecar.name} must hold a JSON object")
    return meta


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Split ``KEY: value`` header lines ending in ``---`` (or a blank line, as mail headers end)
    from the body."""
    lines = text.split("\n")
    header: dict[str, str] = {}
    for i, line in enumerate(lines[:60]):
        end = i if line.strip() == "---" else _blank_end(lines, i) if header and not line.strip() else None
        if end is not None:
            if "TITLE" in header:
                return header, "\n".join(lines[end + 1:])
            break
        match = _HEADER_KEY_RE.match(line)
        if not match:
            break
        header[match.group(1).strip().upper().replace(" ", "_")] = match.group(2).strip()
    return {}, text


def _blank_end(lines: list[str], i: int) -> int:
    """Where a header that a blank line (``lines[i]``) ends stops: at a ``---`` after blank lines, if one follows."""
    j = next((j for j in range(i, len(lines)) if lines[j].strip()), len(lines))
    return j if j < len(lines) and lines[j].strip() == "---" else i


def _first_line(body: str) -> str:
    for line in body.split("\n"):
        if line.strip():
            return line.strip()[:120]
    return ""


# --------------------------------------------------------------------------- passages


class Duplicate(DocumentError):
    """A document that repeats one admitted before it (its text, or most of its passages); ``of``
    is that document."""

    def __init__(self, name: str, problem: str, of: Document) -> None:
        super().__init__(name, problem)
        self.of = of


class Shelf:
    """The documents a build admits, in file-name order: a file is refused when it has the same
    id as one before it, the same text, no passages, or mostly (``DUPLICATE_SHARE``) the same
    passages, case, quotes and spacing aside, so that no reply quotes the same words twice."""

    def __init__(self) -> None:
        self._ids: dict[str, Document] = {}
        self._bodies: dict[str, Document] = {}
        self._texts: dict[str, tuple[Document, set[str]]] = {}  # document file -> its passages, normalised

    def admit(self, doc: Document, passages: list[Passage]) -> None:
        """Put ``doc`` on the shelf, or raise :class:`DocumentError` (:class:`Duplicate` for a
        repeat) naming its file and why."""
        name = doc.path
        if doc.id in self._ids:
            raise DocumentError(name, f"has the same id {doc.id!r} as {self._ids[doc.id].path}")
        body_hash = hashlib.sha256(doc.body.strip().encode()).hexdigest()
        if body_hash in self._bodies:
            other = self._bodies[body_hash]
            raise Duplicate(name, f"duplicates {other.path}", other)
        if not passages:
            raise DocumentError(name, "has no text passages")
        mine = {comparable(p.text) for p in passages}
        for other_name, (other, theirs) in self._texts.items():
            shared = len(mine & theirs)
            if shared >= DUPLICATE_SHARE * len(mine):
                raise Duplicate(name, f"duplicates {other_name} ({shared} of its {len(mine)} passages "
                                      "are the same text); indexed once, as that file", other)
        self._ids[doc.id] = doc
        self._bodies[body_hash] = doc
        self._texts[name] = (doc, mine)


@dataclass
class LoadReport:
    documents: list[Document]
    passages: list[Passage]
    problems: list[str]  # one line per file that was skipped, naming it


def iter_document_files(data_dir: Path) -> Iterable[Path]:
    """Document files directly in ``data_dir``; hidden entries and sidecars skipped."""
    for path in sorted(data_dir.iterdir()):
        if path.name.startswith(".") or path.name.endswith(META_SUFFIX):
            continue
        if path.suffix.lower() not in DOCUMENT_SUFFIXES or path.name.lower() == "readme.md":
            continue
        yield path


def unsupported_files(data_dir: Path) -> list[str]:
    """One line per file in ``data_dir`` in a format not read (yet), so that none is ignored
    without a word: "statement.odt is in a format not supported yet (.odt); ..."."""
    out = []
    for path in sorted(data_dir.iterdir()):
        if path.name.startswith(".") or path.name.endswith(META_SUFFIX) or not path.is_file():
            continue
        if path.suffix.lower() not in DOCUMENT_SUFFIXES:
            kind = path.suffix.lower() or "no file extension"
            out.append(f"{path.name} is in a format not supported yet ({kind}); "
                       "add it as a .txt, .md, .pdf, .html or .docx file")
    return out


_warned: set[str] = set()  # what this process has already logged: a corpus is read more than once a command


def _warn_once(message: str) -> None:
    """Log a skipped file once a process (a command reads the library up to three times)."""
    if message in _warned:
        log.debug(message)
        return
    _warned.add(message)
    log.warning(message)


def load_corpus(data_dir: Path, max_bytes: int | None = None) -> LoadReport:
    """Read every document in ``data_dir`` (each of at most ``max_bytes``, default
    ``MAX_DOCUMENT_BYTES``); a bad file is reported by name and skipped, and so is a file in a
    format not read."""
    if not data_dir.is_dir():
        raise DocumentError(str(data_dir), "is not a folder (set DATA_DIR)")
    documents: list[Document] = []
    passages: list[Passage] = []
    problems: list[str] = unsupported_files(data_dir)
    shelf = Shelf()
    root = data_dir.resolve()
    for path in iter_document_files(data_dir):
        name = path.name
        try:
            resolved = path.resolve()
            if not resolved.is_relative_to(root) or not resolved.is_file():
                raise DocumentError(name, "points outside DATA_DIR or is not a file; refused")
            doc = read_document(path, data_dir, max_bytes)
            doc_passages = split_passages(doc)
            shelf.admit(doc, doc_passages)
        except DocumentError as exc:
            _warn_once(f"skipped {exc}")
            problems.append(str(exc))
            continue
        except Exception as exc:  # a parser bug on one odd file must not stop the whole build
            log.exception("skipped %s: unexpected error", name)
            problems.append(f"{name} could not be read ({type(exc).__name__}: {exc})")
            continue
        documents.append(doc)
        passages.extend(doc_passages)
    return LoadReport(documents, passages, problems)
