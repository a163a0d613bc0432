"""What every reader of a non-text format returns, and the rules they share: the text in the
project's plain-text conventions (documents.py reads it as it reads a ``.txt`` file) and the
metadata the file carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from embeddings.corpus.cleaning import is_date_line

# "24 February 2022", "24 Feb. 2022", "February 24, 2022", "2022-02-24".
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?")
_DATE_IN_LINE_RE = re.compile(
    rf"\b(\d{{1,2}})\s+({_MONTH})\s+(\d{{4}})\b|\b({_MONTH})\s+(\d{{1,2}}),?\s+(\d{{4}})\b|\b(\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.IGNORECASE)
# What programs write into a title or author field that nobody filled in.
_PLACEHOLDERS = {"untitled", "(unspecified)", "unspecified", "unknown", "anonymous", "python-docx", "word document"}
# A date line counts when it is this near the top of the text (a dateline, not a date in the body).
DATE_LINE_WITHIN = 12


class Unreadable(Exception):
    """A file that cannot be read as its format; the message says why in a few words
    ("is encrypted (password-protected) ..."), to follow the file's name."""


@dataclass(frozen=True)
class Extracted:
    """A file's text (paragraphs separated by blank lines, a heading a short line on its own) and
    what the file says about itself; an empty field is one the file does not give."""

    text: str
    title: str = ""
    date: str = ""  # YYYY-MM-DD
    source: str = ""
    author: str = ""

    def fields(self) -> dict[str, str]:
        """The metadata as header fields (``TITLE``, ``DATE``, ``SOURCE``, ``AUTHOR``), empty ones left out."""
        pairs = {"TITLE": self.title, "DATE": self.date, "SOURCE": self.source, "AUTHOR": self.author}
        return {key: " ".join(value.split()) for key, value in pairs.items() if value and value.strip()}


def blocks_to_text(blocks: list[str]) -> str:
    """Paragraphs (each one line: inner whitespace collapsed) separated by blank lines."""
    out = [" ".join(block.split()) for block in blocks]
    return "\n\n".join(block for block in out if block)


def date_in_text(text: str) -> str:
    """The date of the first line near the top of ``text`` that is only a place and a date
    ("Brussels, 24 March 2022"), as YYYY-MM-DD; "" if there is none."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for line in lines[:DATE_LINE_WITHIN]:
        if is_date_line(line):
            found = find_date(line)
            if found:
                return found
    return ""


def find_date(text: str) -> str:
    """The first full date written in ``text`` ("24 February 2022", "February 24, 2022",
    "2022-02-24") as YYYY-MM-DD; "" if none."""
    for match in _DATE_IN_LINE_RE.finditer(text):
        day, month, year, month2, day2, year2, iso = match.groups()
        try:
            if iso:
                return date.fromisoformat(iso).isoformat()
            if day:
                return _month_date(year, month, day)
            return _month_date(year2, month2, day2)
        except ValueError:
            continue
    return ""


def _month_date(year: str, month: str, day: str) -> str:
    name = month.rstrip(".")[:3].title()
    return datetime.strptime(f"{int(day)} {name} {year}", "%d %b %Y").date().isoformat()


def property_text(value: object) -> str:
    """A document property as one line; "" for an empty one or a program's placeholder."""
    text = " ".join(str(value or "").split())
    return "" if text.lower() in _PLACEHOLDERS else text


def iso_day(value: object) -> str:
    """A datetime, date or ISO-8601 string as YYYY-MM-DD; "" for anything else."""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    match = re.match(r"\s*(\d{4}-\d{2}-\d{2})", str(value or ""))
    if not match:
        return ""
    try:
        return date.fromisoformat(match.group(1)).isoformat()
    except ValueError:
        return ""


def first_heading(text: str) -> str:
    """The text's first paragraph when it reads as a heading: one short line without closing
    punctuation (used as the title where the file names none)."""
    first = next((block for block in text.split("\n\n") if block.strip()), "").strip()
    if first and "\n" not in first and len(first.split()) <= 15 and not first.endswith((".", ";", ",", ":")):
        return first
    return ""
