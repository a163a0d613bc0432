"""Documents in ``DATA_DIR`` and the passages they are split into.

Three input formats are understood, chosen per file:

* **Header format** (the treaty files): ``KEY: value`` lines (``TITLE``, ``DATE``, ``SOURCE``,
  optional ``KIND``, ``ID`` and free-form keys), then a line ``---``, then the text.
* **Statement format** (the seed statement): an optional leading ``date YYYY-MM`` marker and an
  optional ``Published on: <weekday>, <Month> <day>, <year>, ...`` line.
* **Plain text**: paragraphs separated by blank lines.

Any file may have a sidecar ``<file>.meta.json`` whose keys (``id``, ``title``, ``kind``,
``source``, ``date``) override what the file itself says; this keeps a document byte-for-byte as
it was given while still giving it a title and source.

Statements are split into paragraphs; treaties into articles (``Article 5`` is one passage).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .cleaning import clean_blocks, comparable, is_junk, merge_fragments, paragraphs_of, unescape
from .errors import DocumentError

log = logging.getLogger(__name__)

KINDS = ("statement", "treaty")
DOCUMENT_SUFFIXES = (".txt", ".md")
META_SUFFIX = ".meta.json"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

_MARKER_RE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})(?:-(\d{2}))?\b\s*", re.IGNORECASE)
_PUBLISHED_RE = re.compile(r"^\s*Published on:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_HEADER_KEY_RE = re.compile(r"^([A-Z][A-Z _-]{1,30}):\s*(.*)$")
_ISO_DATE_RE = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")
_ARTICLE_RE = re.compile(r"^Article\s+(\d+[a-z]?)\s*$", re.IGNORECASE)
_CHAPTER_RE = re.compile(r"^(CHAPTER|PART|SECTION)\s+([IVXLC]+|\d+)\s*$", re.IGNORECASE)
_CLOSING_RE = re.compile(r"^(IN (FAITH|WITNESS) WHEREOF|DONE at)\b", re.IGNORECASE)
# A numbered clause: "4. Launch a dialogue ...", "IV. Territorial integrity of States".
_CLAUSE_RE = re.compile(r"^(\d{1,2}|[IVX]{1,5})\.\s+(\S.*)$")
# What a title says when the document is an agreement rather than a statement.
_AGREEMENT_TITLE_RE = re.compile(
    r"\b(?:treaty|treaties|charter|act|memorandum|protocol|agreements?|accords?|convention)\b", re.IGNORECASE)
# Of a document's passages, this share equal to another document's makes it a duplicate.
DUPLICATE_SHARE = 0.8


def is_partial(completeness: str) -> bool:
    """The file says it holds only part of the text (``COMPLETENESS: PARTIAL ...``)."""
    return completeness.strip().upper().startswith("PARTIAL")


@dataclass(frozen=True)
class Document:
    """One file of ``DATA_DIR``: metadata and the raw text it was read from."""

    id: str
    title: str
    kind: str
    source: str
    date: str  # ISO 8601, as precise as known: "2022-02-24" or "2022-02"; "" if unknown
    path: str  # file name relative to DATA_DIR
    sha256: str
    body: str = field(repr=False)
    extra: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    kind_source: str = "given"  # "given" (KIND header or sidecar) or "inferred"
    title_given: bool = True  # False when the title is the text's first line (no TITLE anywhere)

    @property
    def completeness(self) -> str:
        return self.extra.get("completeness", "")

    @property
    def partial(self) -> bool:
        return is_partial(self.completeness)


@dataclass(frozen=True)
class Passage:
    """A quotable unit: a paragraph of a statement or an article of a treaty."""

    id: str  # "<document id>#<paragraph>", deterministic
    document: str
    title: str
    kind: str
    date: str
    source: str
    paragraph: int  # 1-based position among the document's passages
    text: str  # verbatim
    article: str | None = None  # treaty article or clause number, "5" or "IV"
    section: str | None = None  # chapter / heading the passage sits under
    speaker: str | None = None  # who speaks, in a transcript ("THE PRESIDENT")
    partial: bool = False  # the document holds only part of its text
    clause: bool = False  # ``article`` numbers a clause ("4.") rather than an "Article 4" heading

    @property
    def text_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        """Where the passage sits: "Article 5" or "paragraph 3"."""
        if self.article:
            return f"{'point' if self.clause else 'Article'} {self.article}"
        if self.kind == "treaty":
            return self.section or ("Preamble" if self.paragraph == 1 else f"part {self.paragraph}")
        return f"paragraph {self.paragraph}"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "document": self.document,
            "title": self.title,
            "kind": self.kind,
            "date": self.date,
            "source": self.source,
            "paragraph": self.paragraph,
            "text": self.text,
            "article": self.article,
            "section": self.section,
            "speaker": self.speaker,
            "partial": self.partial,
            "clause": self.clause,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Passage:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


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


def read_document(path: Path, data_dir: Path) -> Document:
    """Read one document file. Raises :class:`DocumentError` naming the file on bad input."""
    name = path.relative_to(data_dir).as_posix()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(name, f"cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentError(name, f"is {_size(len(raw))}, over the {_size(MAX_DOCUMENT_BYTES)} limit")
    if b"\x00" in raw[:8192]:
        raise DocumentError(name, "looks like a binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(name, f"is not valid UTF-8 (byte {exc.start})") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentError(name, "is empty")

    meta = _read_sidecar(path, name)
    header, body = _split_header(text)
    fields = {**header, **{k.upper(): str(v) for k, v in meta.items()}}

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
        raise DocumentError(
            name, "has no date: add a 'DATE: YYYY-MM-DD' header line or a .meta.json sidecar"
        )

    title_given = bool(fields.get("TITLE", "").strip())
    title = fields.get("TITLE", "").strip() or _first_line(body) or path.name.rsplit(".", 1)[0]
    kind = fields.get("KIND", "").strip().lower()
    kind_source = "given"
    if not kind:
        kind, kind_source = infer_kind(title, body), "inferred"
    if kind not in KINDS:
        raise DocumentError(name, f"has unknown kind {kind!r} (use one of {', '.join(KINDS)})")
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
        sha256=hashlib.sha256(raw + json.dumps(meta, sort_keys=True).encode()).hexdigest(),
        body=body,
        extra=extra,
        kind_source=kind_source,
        title_given=title_given,
    )


def infer_kind(title: str, body: str) -> str:
    """A document without ``KIND`` is a statement, unless its text is organised in ``Article N``
    headings or numbered clauses and its title names a treaty, charter, act, memorandum,
    protocol, agreement, accord or convention."""
    if not _AGREEMENT_TITLE_RE.search(title):
        return "statement"
    lines = [line.strip() for line in body.split("\n")]
    articles = sum(bool(_ARTICLE_RE.match(line)) for line in lines)
    clauses = sum(bool(_CLAUSE_RE.match(line)) for line in lines)
    return "treaty" if articles or clauses >= 2 or (clauses and len(lines) < 80) else "statement"


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n:,} bytes"


def _read_sidecar(path: Path, name: str) -> dict:
    sidecar = path.with_name(path.name.rsplit(".", 1)[0] + META_SUFFIX)
    if not sidecar.exists():
        return {}
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(name, f"has an unreadable {sidecar.name}: {exc}") from exc
    if not isinstance(meta, dict):
        raise DocumentError(name, f"{sidecar.name} must hold a JSON object")
    return meta


def _split_header(text: str) -> tuple[dict[str, str], str]:
    """Split ``KEY: value`` header lines ending in ``---`` from the body."""
    lines = text.split("\n")
    header: dict[str, str] = {}
    for i, line in enumerate(lines[:60]):
        if line.strip() == "---":
            if header and "TITLE" in header:
                return header, "\n".join(lines[i + 1:])
            break
        match = _HEADER_KEY_RE.match(line)
        if not match:
            break
        header[match.group(1).strip().upper().replace(" ", "_")] = match.group(2).strip()
    return {}, text


def _first_line(body: str) -> str:
    for line in body.split("\n"):
        if line.strip():
            return line.strip()[:120]
    return ""


# --------------------------------------------------------------------------- passages


def split_passages(doc: Document) -> list[Passage]:
    """Split a document into passages: a treaty into its articles (or numbered clauses, where it
    has no ``Article`` headings), a statement into the paragraphs that are content."""
    lines = doc.body.split("\n")
    title = doc.title if doc.title_given else ""  # a title taken from the first line is that line
    clause = False
    if doc.kind == "treaty" and any(_ARTICLE_RE.match(line.strip()) for line in lines):
        units = [(article, section, text, None) for article, section, text in _treaty_units(doc.body)]
    elif doc.kind == "treaty" and any(_CLAUSE_RE.match(line.strip()) for line in lines):
        units, clause = _clause_units(doc.body, title), True
    else:
        blocks = clean_blocks(doc.body, title)
        if doc.kind == "statement":
            blocks = merge_fragments(blocks)
        units = [(None, b.section, b.text, b.speaker) for b in blocks]
    return [
        Passage(
            id=f"{doc.id}#{n}",
            document=doc.id,
            title=doc.title,
            kind=doc.kind,
            date=doc.date,
            source=doc.source,
            paragraph=n,
            text=text,
            article=article,
            section=section,
            speaker=speaker,
            partial=doc.partial,
            clause=clause and article is not None,
        )
        for n, (article, section, text, speaker) in enumerate(units, start=1)
    ]


def _clause_units(body: str, title: str) -> list[tuple[str | None, str | None, str, None]]:
    """(clause number, section, text, speaker) for an agreement written as numbered clauses:
    each clause runs to the next one (its sub-items and follow-on paragraphs with it), or to an
    editorial label; text outside clauses is split into paragraphs as a statement's would be."""
    segments: list[tuple[str | None, list[str]]] = []
    current: tuple[str | None, list[str]] | None = None
    for raw in body.split("\n"):
        line = raw.strip()
        if line.startswith("[") or (line and is_junk(line)):
            if line.startswith("["):
                current = None  # an editorial label ends the clause before it
            continue
        match = _CLAUSE_RE.match(line)
        if match:
            current = (match.group(1), [line])
            segments.append(current)
        elif current is not None:
            current[1].append(line)
        else:
            if not segments or segments[-1][0] is not None:
                segments.append((None, []))
            segments[-1][1].append(line)
    units: list[tuple[str | None, str | None, str, None]] = []
    for number, seg_lines in segments:
        if number is None:
            units += [(None, b.section, b.text, None) for b in clean_blocks("\n".join(seg_lines), title)]
            continue
        paragraphs = [" ".join(unescape(p).split()) for block in re.split(r"\n\s*\n", "\n".join(seg_lines))
                      for p in paragraphs_of([x.strip() for x in block.split("\n") if x.strip()])]
        text = "\n".join(p for p in paragraphs if p)
        if text:
            units.append((number, None, text, None))
    return units


def _is_heading(line: str) -> bool:
    return (
        0 < len(line) < 100
        and line[0].isupper()
        and line[-1] not in ".:;,"
        and not _ARTICLE_RE.match(line)
    )


def _treaty_units(body: str) -> list[tuple[str | None, str | None, str]]:
    """Cut a treaty into (article, section, text): preamble, each article, closing formula."""
    lines = [line.strip() for line in body.split("\n")]
    # Mark structural lines: article headings, chapter headings and the titles around them.
    kinds: list[str] = ["text"] * len(lines)
    for i, line in enumerate(lines):
        if not line:
            kinds[i] = "blank"
        elif _ARTICLE_RE.match(line):
            kinds[i] = "article"
        elif _CHAPTER_RE.match(line):
            kinds[i] = "chapter"
    # A short unpunctuated line directly before an article/chapter/heading (or right after a
    # chapter line) is a heading, not text. Walk backwards so headings stack.
    next_structural = "end"
    for i in range(len(lines) - 1, -1, -1):
        if kinds[i] == "blank":
            continue
        before_structure = next_structural in {"article", "chapter", "heading"}
        if kinds[i] == "text" and before_structure and _is_heading(lines[i]):
            kinds[i] = "heading"
        next_structural = kinds[i]
    for i, kind in enumerate(kinds):
        if kind == "chapter":
            for j in range(i + 1, len(lines)):
                if kinds[j] != "blank":
                    if kinds[j] == "text" and _is_heading(lines[j]):
                        kinds[j] = "heading"
                    break

    units: list[tuple[str | None, str | None, str]] = []
    article: str | None = None
    chapter: str | None = None  # "CHAPTER IV: The General Assembly"
    heading: str | None = None  # "Composition"
    after_chapter = False
    seen_text = False
    current: list[str] = []

    def flush() -> None:
        text = "\n".join(current).strip()
        if text:
            section = ", ".join(part for part in (chapter, heading) if part) or None
            units.append((article, section, text))
        current.clear()

    for line, kind in zip(lines, kinds):
        if kind == "text" and not seen_text and not current and _is_heading(line):
            continue  # the treaty's own title line above the preamble
        if kind == "article":
            flush()
            article = _ARTICLE_RE.match(line).group(1)  # type: ignore[union-attr]
            after_chapter = False
        elif kind == "chapter":
            flush()
            chapter, heading, after_chapter = line, None, True
        elif kind == "heading":
            flush()
            if after_chapter and chapter and ":" not in chapter:
                chapter = f"{chapter}: {line}"
            else:
                heading = line
        elif kind == "text":
            seen_text = True
            if _CLOSING_RE.match(line):
                flush()
                article, chapter, heading = None, None, "Closing formula"
            current.append(line)
    flush()
    return units


# --------------------------------------------------------------------------- corpus


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


def load_corpus(data_dir: Path) -> LoadReport:
    """Read every document in ``data_dir``; a bad file is reported by name and skipped."""
    if not data_dir.is_dir():
        raise DocumentError(str(data_dir), "is not a folder (set DATA_DIR)")
    documents: list[Document] = []
    passages: list[Passage] = []
    problems: list[str] = []
    seen_ids: dict[str, str] = {}
    seen_hashes: dict[str, str] = {}
    texts_of: dict[str, set[str]] = {}  # document file -> its passages, normalised
    root = data_dir.resolve()
    for path in iter_document_files(data_dir):
        name = path.name
        try:
            resolved = path.resolve()
            if not resolved.is_relative_to(root) or not resolved.is_file():
                raise DocumentError(name, "points outside DATA_DIR or is not a file; refused")
            doc = read_document(path, data_dir)
            if doc.id in seen_ids:
                raise DocumentError(name, f"has the same id {doc.id!r} as {seen_ids[doc.id]}")
            body_hash = hashlib.sha256(doc.body.strip().encode()).hexdigest()
            if body_hash in seen_hashes:
                raise DocumentError(name, f"duplicates {seen_hashes[body_hash]}")
            doc_passages = split_passages(doc)
            if not doc_passages:
                raise DocumentError(name, "has no text passages")
            mine = {comparable(p.text) for p in doc_passages}
            for other, theirs in texts_of.items():
                shared = len(mine & theirs)
                if shared >= DUPLICATE_SHARE * len(mine):
                    raise DocumentError(name, f"duplicates {other} ({shared} of its {len(mine)} passages "
                                              "are the same text); indexed once, as that file")
        except DocumentError as exc:
            log.warning("skipped %s", exc)
            problems.append(str(exc))
            continue
        except Exception as exc:  # a parser bug on one odd file must not stop the whole build
            log.exception("skipped %s: unexpected error", name)
            problems.append(f"{name} could not be read ({type(exc).__name__}: {exc})")
            continue
        seen_ids[doc.id] = name
        seen_hashes[body_hash] = name
        texts_of[name] = mine
        documents.append(doc)
        passages.extend(doc_passages)
    return LoadReport(documents, passages, problems)
