"""A PDF's text segments (pieces of one line, with their boxes) -> paragraphs in reading order.

A PDF has no paragraphs, only glyphs placed on pages, in whatever order the program that wrote it
chose. The rules, from the geometry alone:

* **Furniture**: among the two top and two bottom lines of each page, a line that recurs (digits
  aside) on at least half the pages of a document of two or more pages is a running header or
  footer, and a line that is only a page number ("3", "Page 3 of 12", "- 3 -", "3/12") is one on
  any page. Both are dropped.
* **Columns**: a page whose middle has a vertical gutter that no line crosses, with lines of text
  on both sides, is read down the left column, then down the right; a line that crosses the
  gutter (a title, a header) is read where it stands.
* **Paragraphs**: a paragraph ends after a line that left room for the next line's first word
  (the writer broke it there); after a line that ends a sentence short of the edge, where the
  column's text is justified or a column or page ends (a paragraph that runs on from one column to
  the next is cut at a sentence at worst, never glued to the next one); at a vertical gap clearly
  larger than the line spacing (for the font's size); and at a change of font size.
* **Lines** of a paragraph are joined with a space; a line that ends in a hyphen after a letter
  is joined without one (the hyphen kept: in statements it is mostly a compound's, such as
  "Euro-Atlantic"), and a soft hyphen at a line end is dropped. Pieces of one line that stand
  far apart (table cells) are joined with " | ", and such a line is a paragraph of its own.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

_PAGE_NUMBER_RE = re.compile(
    r"^(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?$|^[ivxlc]{1,6}$", re.IGNORECASE)
_EDGE_LINES = 2  # lines at the top and at the bottom of a page where furniture is looked for
_SOFT_HYPHENS = ("\u00ad", "\x02")  # a soft hyphen; PDFium marks a hyphen it knows to be soft as \x02
_GAP_FACTOR = 1.3  # a line spacing this much over the usual one ends a paragraph
_WORD_ROOM = 1.2  # the room a word needs at a line's end: its characters at the line's mean width, and a margin
_SENTENCE_END = tuple('.!?:;"”’)')
_CELL_GAP = 2.5  # pieces of a line further apart than this many line heights are table cells


@dataclass(frozen=True)
class Segment:
    """A piece of text on one line of a page, with its box in PDF points (y grows upwards)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def middle(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Line:
    """One line of text in reading order, with its box, the column it sits in, and whether a page
    or column break comes before it."""

    segments: list[Segment]
    column: tuple[float, float] = (0.0, 0.0)  # the left and right edges of its column
    after_break: bool = False
    text: str = ""
    row: bool = False  # table cells joined with " | "
    justified: bool = False  # its column's lines end flush at the right edge
    x0: float = field(init=False)
    x1: float = field(init=False)
    y0: float = field(init=False)
    y1: float = field(init=False)

    def __post_init__(self) -> None:
        self.segments.sort(key=lambda s: s.x0)
        self.x0 = min(s.x0 for s in self.segments)
        self.x1 = max(s.x1 for s in self.segments)
        self.y0 = min(s.y0 for s in self.segments)
        self.y1 = max(s.y1 for s in self.segments)
        self.text, self.row = _join_segments(self.segments, self.y1 - self.y0)

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def _join_segments(segments: list[Segment], height: float) -> tuple[str, bool]:
    """The line's text: pieces joined with a space where they stand apart, " | " where far apart."""
    text, row = "", False
    for previous, segment in zip([None, *segments], segments):
        piece = segment.text.replace("\r", "").replace("\n", " ")
        if previous is None:
            text = piece
            continue
        gap = segment.x0 - previous.x1
        if gap > _CELL_GAP * max(height, 1.0):
            text, row = f"{text.rstrip()} | {piece.lstrip()}", True
        elif gap > 0.15 * height and not text.endswith(" ") and not piece.startswith(" "):
            text += " " + piece
        else:
            text += piece
    return " ".join(text.split()), row


def group_lines(segments: list[Segment]) -> list[list[Segment]]:
    """Segments grouped into lines, top to bottom: a segment whose middle lies within the current
    line's height joins it."""
    lines: list[list[Segment]] = []
    for segment in sorted(segments, key=lambda s: (-s.y1, s.x0)):
        current = lines[-1] if lines else None
        if current and min(s.y0 for s in current) <= segment.middle <= max(s.y1 for s in current):
            current.append(segment)
        else:
            lines.append([segment])
    return lines


def _furniture_key(line: list[Segment]) -> str:
    text = " ".join(" ".join(s.text for s in sorted(line, key=lambda s: s.x0)).split()).lower()
    return re.sub(r"\d+", "#", text)


def drop_furniture(pages: list[list[Segment]]) -> tuple[list[list[Segment]], list[str]]:
    """Each page's segments without running headers, footers and page numbers (see the module),
    and the text of the furniture lines, each once (a running header may carry the date)."""
    page_lines = [group_lines(page) for page in pages]
    counts: dict[str, int] = {}
    for lines in page_lines:
        for key in {_furniture_key(line) for line in _edges(lines)}:
            counts[key] = counts.get(key, 0) + 1
    running = {key for key, n in counts.items() if len(pages) >= 2 and n >= max(2, len(pages) / 2)}
    kept_pages, furniture = [], {}
    for lines in page_lines:
        edge_ids = {id(line) for line in _edges(lines) if _is_furniture(line, running)}
        kept_pages.append([segment for line in lines if id(line) not in edge_ids for segment in line])
        furniture.update((_furniture_key(line), " ".join(s.text for s in line))
                         for line in lines if id(line) in edge_ids)
    return kept_pages, list(furniture.values())


def _edges(lines: list[list[Segment]]) -> list[list[Segment]]:
    return lines[:_EDGE_LINES] + lines[_EDGE_LINES:][-_EDGE_LINES:]


def _is_furniture(line: list[Segment], running: set[str]) -> bool:
    text = " ".join(" ".join(s.text for s in sorted(line, key=lambda s: s.x0)).split())
    return _furniture_key(line) in running or bool(_PAGE_NUMBER_RE.match(text))


def find_gutter(segments: list[Segment], width: float) -> float | None:
    """The x of a vertical gutter in the middle of the page that splits it into two columns of
    text, or None for a page of one column (see the module)."""
    if len(segments) < 8:
        return None
    best: tuple[int, float] | None = None
    for step in range(30, 71):
        x = width * step / 100
        crossing = sum(s.x0 < x < s.x1 for s in segments)
        if best is None or crossing < best[0]:
            best = (crossing, x)
    crossing, gutter = best  # type: ignore[misc]
    left = [s for s in segments if s.x1 <= gutter]
    right = [s for s in segments if s.x0 >= gutter]
    if crossing > 0.2 * len(segments) or min(len(group_lines(left)), len(group_lines(right))) < 4:
        return None
    return gutter if _fills(left, gutter) and _fills(right, None) else None


def _fills(side: list[Segment], gutter: float | None) -> bool:
    """Whether the pieces on one side of a gutter read as text that fills its column (most lines
    wide), not as cells of a table."""
    left = min(s.x0 for s in side)
    right = gutter if gutter is not None else max(s.x1 for s in side)
    widths = [line_box[1] - line_box[0] for line_box in
              ((min(s.x0 for s in line), max(s.x1 for s in line)) for line in group_lines(side))]
    return statistics.median(widths) >= 0.6 * (right - left)


def page_lines(segments: list[Segment], width: float) -> list[Line]:
    """A page's lines in reading order: lines crossing the gutter where they stand, and between
    them, the left column's lines, then the right column's."""
    gutter = find_gutter(segments, width)
    if gutter is None:
        return _column([Line(line) for line in group_lines(segments)], first_break=True)
    out: list[Line] = []
    band: list[Segment] = []
    for line in group_lines(segments):
        if any(s.x0 < gutter < s.x1 for s in line):
            out += _band(band, gutter, not out)
            band = []
            out += _column([Line(line)], first_break=not out)
        else:
            band += line
    return out + _band(band, gutter, not out)


def _band(segments: list[Segment], gutter: float, first: bool) -> list[Line]:
    left = [Line(line) for line in group_lines([s for s in segments if s.x1 <= gutter])]
    right = [Line(line) for line in group_lines([s for s in segments if s.x1 > gutter])]
    return _column(left, first_break=first) + _column(right, first_break=True)


def _column(lines: list[Line], first_break: bool) -> list[Line]:
    """Lines of one column: each given the column's edges; the first marked as after a break."""
    if not lines:
        return []
    left = min(line.x0 for line in lines)
    ends = sorted(line.x1 for line in lines)
    right = ends[int(0.8 * (len(ends) - 1))]  # where full lines end; a wider odd line does not move it
    flush = sum(abs(line.x1 - right) < 1.0 for line in lines) >= max(2, 0.5 * len(lines))
    for line in lines:
        line.column, line.justified = (left, right), flush
    lines[0].after_break = first_break
    return lines


def paragraphs(lines: list[Line]) -> list[str]:
    """Lines in reading order (all pages) -> paragraphs (see the module)."""
    pitches = [_pitch(previous, line) for previous, line in zip(lines, lines[1:])
               if not line.after_break and _pitch(previous, line) > 0]
    usual = statistics.median(pitches) if pitches else 0.0
    usual_height = statistics.median(line.height for line in lines) or 1.0
    out: list[list[Line]] = []
    for previous, line in zip([None, *lines], lines):
        if previous is None or line.row or previous.row or _ends_paragraph(previous, line, usual, usual_height):
            out.append([line])
        else:
            out[-1].append(line)
    return [_join_lines(group) for group in out]


def _ends_paragraph(previous: Line, line: Line, usual: float, usual_height: float) -> bool:
    """Whether a paragraph ends between ``previous`` and ``line`` (see the module)."""
    flush = previous.x1 >= previous.column[1] - 1.0
    if _room_for(previous, line) or (previous.text.endswith(_SENTENCE_END) and not flush
                                     and (previous.justified or line.after_break)):
        return True
    if line.after_break:
        return False
    taller = max(line.height, previous.height)
    sized = abs(line.height - previous.height) > 0.25 * taller
    return sized or (usual > 0 and _pitch(previous, line) > _GAP_FACTOR * usual * max(1.0, taller / usual_height))


def _room_for(previous: Line, line: Line) -> bool:
    """Whether the first word of ``line`` would have fitted at the end of ``previous``: then the
    writer broke the line on purpose (a paragraph's last line stops short of the column's edge)."""
    words = line.text.split()
    if not words or not previous.text:
        return False
    char = (previous.x1 - previous.x0) / len(previous.text)  # the previous line's mean character width
    return previous.column[1] - previous.x1 > _WORD_ROOM * char * (len(words[0]) + 1)


def _pitch(previous: Line, line: Line) -> float:
    """How far below ``previous`` ``line`` stands: the smaller of the distances between their
    tops and between their bottoms (a line without descenders or ascenders moves one of them)."""
    return min(previous.y0 - line.y0, previous.y1 - line.y1)


def _join_lines(lines: list[Line]) -> str:
    """A paragraph's lines as one line of text (see "Lines" in the module)."""
    text = ""
    for line in lines:
        piece = line.text
        if not text:
            text = piece
        elif text.endswith(_SOFT_HYPHENS):
            text = text[:-1] + piece
        elif len(text) >= 2 and text[-1] == "-" and text[-2].isalpha() and piece[:1].isalpha():
            text += piece
        else:
            text += " " + piece
    return text.replace("\u00ad", "").replace("\x02", "")
