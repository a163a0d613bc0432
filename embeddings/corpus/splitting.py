"""A document's text -> its passages: a treaty into its articles (``Article 5`` is one passage),
or its numbered clauses where it has no ``Article`` headings; a statement into the paragraphs
that are content (cleaning.py says what is not)."""

from __future__ import annotations

import re

from embeddings.corpus.cleaning import clean_blocks, is_junk, merge_fragments, paragraphs_of, unescape
from embeddings.corpus.records import Document, Passage

ARTICLE_RE = re.compile(r"^Article\s+(\d+[a-z]?)\s*$", re.IGNORECASE)
_CHAPTER_RE = re.compile(r"^(CHAPTER|PART|SECTION)\s+([IVXLC]+|\d+)\s*$", re.IGNORECASE)
_CLOSING_RE = re.compile(r"^(IN (FAITH|WITNESS) WHEREOF|DONE at)\b", re.IGNORECASE)
# A numbered clause: "4. Launch a dialogue ...", "IV. Territorial integrity of States".
CLAUSE_RE = re.compile(r"^(\d{1,2}|[IVX]{1,5})\.\s+(\S.*)$")


def split_passages(doc: Document) -> list[Passage]:
    """Split a document into passages: a treaty into its articles (or numbered clauses, where it
    has no ``Article`` headings), a statement into the paragraphs that are content."""
    lines = doc.body.split("\n")
    title = doc.title if doc.title_given else ""  # a title taken from the first line is that line
    clause = False
    if doc.kind == "treaty" and any(ARTICLE_RE.match(line.strip()) for line in lines):
        units = [(article, section, text, None) for article, section, text in _treaty_units(doc.body)]
    elif doc.kind == "treaty" and any(CLAUSE_RE.match(line.strip()) for line in lines):
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
        match = CLAUSE_RE.match(line)
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
        and not ARTICLE_RE.match(line)
    )


def _treaty_units(body: str) -> list[tuple[str | None, str | None, str]]:
    """Cut a treaty into (article, section, text): preamble, each article, closing formula."""
    lines = [line.strip() for line in body.split("\n")]
    cutter = _TreatyCutter()
    for line, kind in zip(lines, _line_kinds(lines), strict=True):
        cutter.take(line, kind)
    cutter.flush()
    return cutter.units


def _line_kinds(lines: list[str]) -> list[str]:
    """Each line of a treaty marked "blank", "article", "chapter", "heading" or "text"."""
    kinds = [_structural_kind(line) for line in lines]
    _mark_headings_before_structure(lines, kinds)
    _mark_headings_after_chapters(lines, kinds)
    return kinds


def _structural_kind(line: str) -> str:
    """A stripped line's kind before headings are found: "blank", "article", "chapter" or "text"."""
    if not line:
        return "blank"
    if ARTICLE_RE.match(line):
        return "article"
    if _CHAPTER_RE.match(line):
        return "chapter"
    return "text"


def _mark_headings_before_structure(lines: list[str], kinds: list[str]) -> None:
    """A short unpunctuated line directly before an article/chapter/heading is a heading, not
    text. Walks backwards so headings stack."""
    next_structural = "end"
    for i in range(len(lines) - 1, -1, -1):
        if kinds[i] == "blank":
            continue
        before_structure = next_structural in {"article", "chapter", "heading"}
        if kinds[i] == "text" and before_structure and _is_heading(lines[i]):
            kinds[i] = "heading"
        next_structural = kinds[i]


def _mark_headings_after_chapters(lines: list[str], kinds: list[str]) -> None:
    """A short unpunctuated line right after a chapter line is a heading ("Composition")."""
    for i, kind in enumerate(kinds):
        if kind == "chapter":
            for j in range(i + 1, len(lines)):
                if kinds[j] != "blank":
                    if kinds[j] == "text" and _is_heading(lines[j]):
                        kinds[j] = "heading"
                    break


class _TreatyCutter:
    """The walk of :func:`_treaty_units` through a treaty's marked lines: the article, chapter and
    heading in force, the text gathered for the current unit, and the units made so far."""

    def __init__(self) -> None:
        self.units: list[tuple[str | None, str | None, str]] = []
        self.article: str | None = None
        self.chapter: str | None = None  # "CHAPTER IV: The General Assembly"
        self.heading: str | None = None  # "Composition"
        self.after_chapter = False
        self.seen_text = False
        self.current: list[str] = []

    def flush(self) -> None:
        """The text gathered so far becomes a unit, under the article and section in force."""
        text = "\n".join(self.current).strip()
        if text:
            section = ", ".join(part for part in (self.chapter, self.heading) if part) or None
            self.units.append((self.article, section, text))
        self.current.clear()

    def take(self, line: str, kind: str) -> None:
        """Take one marked line: a new article, chapter or heading, or text of the current unit."""
        if kind == "text" and not self.seen_text and not self.current and _is_heading(line):
            return  # the treaty's own title line above the preamble
        if kind == "article":
            self.flush()
            self.article = ARTICLE_RE.match(line).group(1)  # type: ignore[union-attr]
            self.after_chapter = False
        elif kind == "chapter":
            self.flush()
            self.chapter, self.heading, self.after_chapter = line, None, True
        elif kind == "heading":
            self._take_heading(line)
        elif kind == "text":
            self._take_text(line)

    def _take_heading(self, line: str) -> None:
        """A heading right after a chapter line names the chapter; any other one is the section."""
        self.flush()
        if self.after_chapter and self.chapter and ":" not in self.chapter:
            self.chapter = f"{self.chapter}: {line}"
        else:
            self.heading = line

    def _take_text(self, line: str) -> None:
        """A line of text; a closing formula ("IN WITNESS WHEREOF") starts a unit of its own."""
        self.seen_text = True
        if _CLOSING_RE.match(line):
            self.flush()
            self.article, self.chapter, self.heading = None, None, "Closing formula"
        self.current.append(line)


# --------------------------------------------------------------------------- corpus
