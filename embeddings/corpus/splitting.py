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
    # Mark structural lines: article headings, chapter headings and the titles around them.
    kinds: list[str] = ["text"] * len(lines)
    for i, line in enumerate(lines):
        if not line:
            kinds[i] = "blank"
        elif ARTICLE_RE.match(line):
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
            article = ARTICLE_RE.match(line).group(1)  # type: ignore[union-attr]
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
