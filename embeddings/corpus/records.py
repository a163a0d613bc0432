"""What the library is made of: a document as read from DATA_DIR, and a passage, the quotable
unit search returns (documents.py reads files into them, splitting.py cuts them)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

# A document file's suffix -> its format, as `sources --json` names it.
FORMAT_OF_SUFFIX = {".txt": "txt", ".md": "md", ".pdf": "pdf", ".html": "html", ".htm": "html", ".docx": "docx"}


def format_of_file(name: str) -> str:
    """The format of a document file, by its suffix: txt, md, pdf, html or docx ("" if none)."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return FORMAT_OF_SUFFIX.get(suffix, "")


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
    speaker: str | None = None  # who speaks, in a transcript ("THE PRESIDENT"); or cleaning.REPORT
    partial: bool = False  # the document holds only part of its text
    clause: bool = False  # ``article`` numbers a clause ("4.") rather than an "Article 4" heading

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)

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


@dataclass(frozen=True)
class SourceInfo:
    id: str
    title: str
    kind: str
    date: str
    source: str
    passages: int
    kind_source: str = "given"  # "given" by the file, or "inferred" from its text
    completeness: str = ""
    path: str = ""  # its file in DATA_DIR

    @property
    def partial(self) -> bool:
        return is_partial(self.completeness)

    @property
    def format(self) -> str:
        return format_of_file(self.path)

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "kind": self.kind, "kind_source": self.kind_source,
                "date": self.date, "source": self.source, "passages": self.passages,
                "completeness": self.completeness, "partial": self.partial, "file": self.path,
                "format": self.format}


def text_hash(text: str) -> str:
    """What vectors of a text are kept by (the multilingual vectors, a rebuild's passage keys)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
