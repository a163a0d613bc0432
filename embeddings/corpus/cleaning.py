"""From a document's raw body to quotable paragraphs: what is content, and what is not.

General rules, none tied to one document (tests run them on files they were not written for):

* **Not content** (dropped): end markers (``###``, ``***``), lines wholly in square brackets
  (editorial labels) and trailing bracketed notes that say an excerpt ends or a part is missing,
  short lines wholly in parentheses (``(As delivered)``, ``(Cross-talk by reporters.)``),
  time stamps (``1:43 P.M. EST``), italic place lines (``*East Room*``), short lines that are
  only a place and a date, and page furniture (``Last updated ...``, ``Press Release``,
  ``PR (2022) 061``, ``Transcript``, navigation bullets).
* **Headings** (a short line without closing punctuation before text) are not passages; they
  become the ``section`` of the passages under them. A heading that repeats the title is dropped.
* **Layout.** Blocks are separated by blank lines. A block of long lines is one paragraph per
  line; a block of wrapped lines is joined, and split again where a line ends a sentence although
  the next line's first word would have fitted on it (PDF text with no blank lines between
  paragraphs).
* **Transcripts.** ``THE PRESIDENT:`` starts a speaker's turn: the label becomes the passage's
  ``speaker``; a reporter's question (``Q``) is never a passage.
* **Fragments.** In a statement, a paragraph of fewer than ``MIN_QUOTE_WORDS`` words, not
  counting stage directions and editorial brackets ("Good afternoon.", "Yes, I am.",
  "(Points to reporter.) Yes.") is no answer by itself: it joins the next paragraph of the same
  turn and section, or else the previous one; alone in a speaker's turn (a reporter called on,
  a reply to a question that is not quoted) it is not a passage.
* **A page that reports a text and then gives it** ("Read NATO's full statement here:", "The
  full text of the statement:", "The declaration reads as follows:"): the paragraphs before the
  first such line, if text follows it, are the page's own words about it, and ``REPORT`` is
  their ``speaker``, so that no reply quotes them as the text's.
* **Quoting.** Markdown escapes (``\\[``) and emphasis markers (``*word*``) are undone, and
  whitespace inside a paragraph becomes single spaces. Nothing else changes: no word is added,
  dropped or altered (README: "word for word").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from embeddings.corpus.dates import YEAR_RE

_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])")
_EMPHASIS_RE = re.compile(r"(?<![\w*])(\*{1,2}|_{1,2})(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_MARKER_RE = re.compile(r"^(?:[#*=_~•·\-–—]\s*){3,}$|^#{1,6}$|^-?\s*(?:end|30)\s*-?$", re.IGNORECASE)
_BRACKETED_RE = re.compile(r"^\[[^\]]*\]?$|^\[.*\]$")
_EDITORIAL_WORDS = r"excerpt|segment|ends? here|not found|missing|omitted|truncated|continued|remainder|cut off"
_TRAILING_NOTE_RE = re.compile(rf"\s*\[[^\]]*(?:{_EDITORIAL_WORDS})[^\]]*\]\s*$", re.IGNORECASE)


def cut_off(text: str) -> bool:
    """Whether a text ends in an editor's note that it breaks off ("... if Uk[... excerpt ends
    here]")."""
    return _TRAILING_NOTE_RE.search(text) is not None


_STAGE_RE = re.compile(r"^\((?:[^()]|\([^()]*\)){0,80}\)$")
_TIME_RE = re.compile(r"^\d{1,2}[:.]\d{2}\s*(?:[AaPp]\.?\s*[Mm]\.?)?(?:\s+[A-Z]{2,4})?$")
_PLACE_RE = re.compile(r"^(\*{1,2}|_)[^*_]{1,60}\1$")
_FURNITURE_RE = re.compile(
    r"^(?:last\s+updated|updated|published|posted|share|print|tweet|email|e-mail|press release|transcript"
    r"|speech|statement|remarks|page \d+(?: of \d+)?|advertisement|read more|related|tags?:.*"
    r"|[A-Z]{2,5}\s*\(\d{4}\)\s*\d{1,4})\b.{0,60}$",
    re.IGNORECASE,
)
_MONTHS = ("january february march april may june july august september october november december "
           "jan feb mar apr jun jul aug sep sept oct nov dec")
_DATE_WORD_RE = re.compile(rf"\b(?:{'|'.join(_MONTHS.split())})\b\.?", re.IGNORECASE)
_SPEAKER_RE = re.compile(r"^((?:[A-Z][A-Z.'’\-]*\s){0,4}[A-Z][A-Z.'’\-]+):\s+(\S.*)$")
_QUESTION_RE = re.compile(r"^Q(?::|\s{2,}|\s*$)\s*(.*)$")
_SENTENCE_END = tuple('.!?:;"”’)…')
# Link boilerplate of news pages: a short line pointing elsewhere ("Read NATO's full statement
# here:", "Click here to read more", "Also read: ...").
_BOILERPLATE_RE = re.compile(
    r"^(?:(?:read|see|click|view|download)\b.{0,80}\b(?:here|below|link)\b\s*[:.]?"
    r"|also read\s*:.*|advertisement|story continues below.*)$",
    re.IGNORECASE,
)
# A short line announcing the full text that follows ("Read NATO's full statement here:", "The full
# text of the declaration:", "The statement reads as follows:").
_TEXT_WORDS = r"(?:statement|text|declaration|communiqu[eé]|remarks|speech|letter|transcript|release|resolution)s?"
_FULL_TEXT_RE = re.compile(  # "full", "in full" or "as follows", and nothing but the text after it
    rf"^(?:click here to\s+)?(?:read|see|here is|here are|below is|following is)\b.{{0,60}}"
    rf"\b(?:full|entire|complete)\b.{{0,20}}\b{_TEXT_WORDS}\b.{{0,30}}(?::|\bbelow\b.{{0,5}}|\bhere\b\W{{0,3}})$"
    rf"|^(?:the\s+)?(?:full|complete) text\b.{{0,60}}:$"
    rf"|^.{{0,60}}\b{_TEXT_WORDS} reads?(?: as follows| in full):$",
    re.IGNORECASE,
)
REPORT = "the page's report"  # the speaker of a page's own words before the text it gives in full
MIN_WORDS = 2  # a one-word paragraph ("Transcript", "Thanks.") is a fragment, not something to quote
MIN_QUOTE_WORDS = 5  # shorter paragraphs of a statement join a neighbour (see "Fragments")


@dataclass(frozen=True)
class Block:
    """A paragraph of content, with the heading it sits under and who says it."""

    text: str
    section: str | None = None
    speaker: str | None = None
    turn: int = 0  # counts speaker labels and questions: blocks of one turn share it


def unescape(text: str) -> str:
    """Markdown escapes and emphasis markers undone; the words untouched."""
    return _EMPHASIS_RE.sub(r"\2", _ESCAPE_RE.sub(r"\1", text))


def comparable(text: str) -> str:
    """Text as compared with other text: case, quotes, punctuation and spacing do not count."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(re.sub(r"[^\w']+", " ", text).split())


def is_date_line(line: str) -> bool:
    """A short line that is only a place and/or a date ("Brussels, 24 March 2022")."""
    words = line.split()
    if not words or len(words) > 8 or line.rstrip().endswith((".", "?", "!")):
        return False
    iso = re.search(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", line)
    return bool(iso or (_DATE_WORD_RE.search(line) and YEAR_RE.search(line)))


def is_boilerplate(text: str) -> bool:
    """True for link lines and other page furniture that is no part of the statement."""
    return "\n" not in text and len(text) < 120 and bool(_BOILERPLATE_RE.match(text.strip()))


def is_junk(raw: str) -> bool:
    """True for a line that is no part of the text (see the module docstring)."""
    line = raw.strip()
    if not line:
        return False
    if _PLACE_RE.match(line):  # tested before unescaping: the emphasis is what marks it
        return True
    line = unescape(line)
    return bool(
        _MARKER_RE.match(line)
        or (line[0] in "•·▪►" and not line.endswith(_SENTENCE_END))  # navigation bullets
        or _BRACKETED_RE.match(line)
        or _STAGE_RE.match(line)
        or _TIME_RE.match(line)
        or (_FURNITURE_RE.match(line) and not line.endswith((".", "!", "?")))  # not a sentence
        or is_date_line(line)
        or is_boilerplate(line)
    )


def _is_heading(line: str, following: str, blank_after: bool) -> bool:
    """A short unpunctuated line before text: followed by a blank line, or much shorter than the
    line after it (the first line of a wrapped paragraph is about as long as the next)."""
    words = line.split()
    return (
        0 < len(words) <= 12 and len(line) < 100 and not line.endswith(_SENTENCE_END) and line[0].isupper()
        and " | " not in line  # a table's row (documents read from PDF, HTML, Word), not a heading
        and bool(following) and (blank_after or len(line) < 0.6 * len(following))
    )


def _is_title_line(line: str, title_words: set[str]) -> bool:
    """A line that mostly repeats the document's title (with a date or a place at most)."""
    words = comparable(line).split()
    return len(words) >= 5 and sum(w in title_words for w in words) >= 0.8 * len(words)


def paragraphs_of(lines: list[str]) -> list[str]:
    """Lines of one block -> paragraphs (see "Layout")."""
    if len(lines) == 1:
        return lines
    width = max(len(line) for line in lines)
    if width > 120 or all(line.endswith(_SENTENCE_END) for line in lines):
        return lines  # one paragraph per line
    out: list[str] = []
    current: list[str] = []
    for line, after in zip(lines, [*lines[1:], ""], strict=True):
        current.append(line)
        # A sentence's end where the next word would still have fitted: the writer broke here.
        next_word = after.split()[0] if after.split() else ""
        if next_word and line.endswith(_SENTENCE_END) and len(line) + 1 + len(next_word) <= width - 2:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out


class _BlockReader:
    """The walk of :func:`clean_blocks` through a body: the paragraph being gathered, the section
    and speaker it sits under, and the blocks made so far."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.title_key = comparable(title)
        self.title_words = set(self.title_key.split())
        self.blocks: list[Block] = []
        self.section: str | None = None
        self.speaker: str | None = None
        self.in_question = False
        self.turn = 0
        self.pending: list[str] = []
        self.announced: int | None = None  # blocks before the first line announcing a text in full

    def flush(self) -> None:
        """The lines gathered so far become blocks (none in a reporter's question)."""
        lines, self.pending = self.pending, []
        if self.in_question or not lines:
            return
        for paragraph in paragraphs_of(lines):
            text = re.sub(r"\s+", " ", _TRAILING_NOTE_RE.sub("", unescape(paragraph))).strip()
            if len(text.split()) >= MIN_WORDS:
                self.blocks.append(Block(text, self.section, self.speaker, self.turn))

    def read_line(self, raw_lines: list[str], i: int) -> None:
        """Take line ``i`` of the body: a break, junk, a new turn, a heading, or text."""
        line = raw_lines[i].strip()
        if not line:
            self.flush()
            return
        if self.speaker is None and len(line) <= 120 and _FULL_TEXT_RE.match(unescape(line)):
            self.flush()
            if self.announced is None:  # what came before is the page's report of what follows
                self.announced = len(self.blocks)
            return
        if is_junk(line) or self._new_turn(line):
            return
        text = _TRAILING_NOTE_RE.sub("", unescape(line)).strip()
        if not text:
            return
        if not self.pending:
            text = _without_title(text, self.title)
        if not self.pending and _is_title_line(_rest_of_block(raw_lines, i), self.title_words):
            return  # the title again, perhaps with a date or place (a paragraph that opens with its words is not)
        if not self.pending and self._heading(text, raw_lines, i):
            return
        self.pending.append(text)

    def _new_turn(self, line: str) -> bool:
        """A reporter's question or a speaker's label starts a turn; True if ``line`` is one."""
        if _QUESTION_RE.match(line):
            self.flush()
            self.in_question = True
            self.turn += 1
            return True
        label = _SPEAKER_RE.match(line)
        if label:
            self.flush()
            self.in_question = False
            self.turn += 1
            self.speaker = label.group(1).strip()
            self.pending.append(label.group(2).strip())
            return True
        return False

    def _heading(self, text: str, raw_lines: list[str], i: int) -> bool:
        """A heading becomes the section of what follows (one repeating the title is dropped);
        True if ``text`` is one."""
        following = _next_content_line(raw_lines, i)
        blank_after = i + 1 < len(raw_lines) and not raw_lines[i + 1].strip()
        if not _is_heading(text, following, blank_after) or _QUESTION_RE.match(following):
            return False
        key = comparable(text)
        if key and (key in self.title_key or self.title_key in key):
            return True  # the title again
        self.flush()
        if not self.in_question:
            self.section = text
        return True


def _next_content_line(raw_lines: list[str], i: int) -> str:
    """The first line after line ``i`` that is neither blank nor junk, stripped; "" if none."""
    return next((raw_lines[j].strip() for j in range(i + 1, len(raw_lines))
                 if raw_lines[j].strip() and not is_junk(raw_lines[j])), "")


_LABEL_RE = re.compile(r"\s*(?:[A-Z][A-Za-z]*(?: [A-Za-z]+){0,2}:)?\s*")


def _without_title(text: str, title: str) -> str:
    """A paragraph that opens with the document's title glued to its text, as pages run a heading
    into the body ("<title>Full Text: The Council ..."): the text after the title and its label."""
    if not title or len(text) < len(title) + 20 or text[:len(title)].lower() != title.lower():
        return text
    rest = text[len(title):]
    return rest[_LABEL_RE.match(rest).end():]


def _rest_of_block(raw_lines: list[str], i: int) -> str:
    """The paragraph that line ``i`` starts: with the lines it wraps onto (``paragraphs_of``),
    up to a blank line, junk (a date line) left out."""
    block = []
    for raw in raw_lines[i:]:
        if not raw.strip():
            break
        if not is_junk(raw):
            block.append(unescape(raw.strip()))
    return paragraphs_of(block)[0] if block else ""


def clean_blocks(body: str, title: str = "") -> list[Block]:
    """The paragraphs of a statement's body that are content, in order."""
    reader = _BlockReader(title)
    raw_lines = body.split("\n")
    for i in range(len(raw_lines)):
        reader.read_line(raw_lines, i)
    reader.flush()
    blocks, at = reader.blocks, reader.announced or 0
    if 0 < at < len(blocks):  # the blocks before the first announcement, if a text follows it
        blocks[:at] = [replace(b, speaker=b.speaker or REPORT) for b in blocks[:at]]
    return blocks


def spoken_words(text: str) -> int:
    """Words of a paragraph outside parentheses and square brackets."""
    bare = re.sub(r"\([^()]*\)|\[[^\]]*\]", " ", text)
    return sum(any(ch.isalnum() for ch in word) for word in bare.split())


def merge_fragments(blocks: list[Block]) -> list[Block]:
    """A statement's paragraphs with the short ones joined to a neighbour (see "Fragments")."""
    out = list(blocks)
    i = 0
    while i < len(out):
        block = out[i]
        if spoken_words(block.text) >= MIN_QUOTE_WORDS:
            i += 1
            continue

        place = (block.turn, block.speaker, block.section)
        if i + 1 < len(out) and (out[i + 1].turn, out[i + 1].speaker, out[i + 1].section) == place:
            out[i + 1] = replace(out[i + 1], text=f"{block.text} {out[i + 1].text}")
        elif i > 0 and (out[i - 1].turn, out[i - 1].speaker, out[i - 1].section) == place:
            out[i - 1] = replace(out[i - 1], text=f"{out[i - 1].text} {block.text}")
        elif block.speaker in (None, REPORT):
            i += 1  # a short text with nothing to join: kept as it is
            continue
        del out[i]
    return out
