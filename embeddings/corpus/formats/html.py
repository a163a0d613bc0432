"""A web page's statement, not the page: trafilatura finds the main text (navigation, cookie
banners, share and related blocks, footers left out) and the page's metadata (``og:title`` or
``<title>``, ``article:published_time`` or ``<time datetime>``, ``og:url`` or the canonical link,
the author)."""

from __future__ import annotations

import logging

from embeddings.corpus.formats.base import Extracted, Unreadable, blocks_to_text, date_in_text, first_heading, iso_day

log = logging.getLogger(__name__)

_BLOCKS = {"p", "head", "quote", "item", "code"}  # elements of trafilatura's output that are one paragraph each
_MIN_WORDS = 5  # a page whose main text has fewer words has no statement in it
# Page furniture removed before the main text is looked for: trafilatura leaves it out beside an
# article, but takes it for the text of a page that has no article.
_FURNITURE_XPATH = [
    "//*[contains(translate(@id, 'COKIENS', 'cokiens'), 'cookie') or contains(translate(@class, 'COKIENS', "
    "'cokiens'), 'cookie') or contains(translate(@id, 'CONSET', 'conset'), 'consent') or "
    "contains(translate(@class, 'CONSET', 'conset'), 'consent')]",
    "//nav",
    "//header[not(ancestor::article) and not(ancestor::main)]",
    "//footer[not(ancestor::article)]",
]


def read_html(raw: bytes) -> Extracted:
    """The page's main text and metadata; a page with no main text raises :class:`Unreadable`."""
    import trafilatura

    try:
        page = trafilatura.bare_extraction(
            raw, include_comments=False, include_tables=True, with_metadata=True, favor_recall=True,
            # Dates the page states (meta tags, <time>), never one guessed from a footer's copyright year.
            date_extraction_params={"extensive_search": False, "original_date": True},
            prune_xpath=_FURNITURE_XPATH,
        )
    except (ValueError, TypeError) as exc:
        raise Unreadable(f"cannot be read as a web page ({exc})") from exc
    blocks = _blocks(page.body) if page is not None and page.body is not None else []
    text = blocks_to_text(blocks)
    if len(text.split()) < _MIN_WORDS:
        raise Unreadable("has no main text to quote (only page navigation or boilerplate)")
    return Extracted(
        text=text,
        title=(page.title or "").strip() or first_heading(text),
        date=iso_day(page.date) or date_in_text(text),
        source=(page.url or "").strip(),
        author=(page.author or "").strip(),
    )


def _blocks(element) -> list[str]:
    """The paragraphs of trafilatura's XML tree in order: a heading, paragraph, quote or list item
    each one; a table one per row, its cells joined with " | "; a paragraph that holds a list or
    table, its own text, then theirs."""
    out: list[str] = []
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "table":
            out += [" | ".join(cell for cell in (_text(c) for c in row) if cell) for row in child.iter("row")]
        elif tag in _BLOCKS and not any(_tag(c) in _BLOCKS | {"table", "list"} for c in child):
            out.append(_text(child))
        else:
            out += [child.text or "", *_blocks(child)]
        out.append(child.tail or "")
    return [block for block in out if block.strip()]


def _tag(element) -> str:
    return element.tag if isinstance(element.tag, str) else ""


def _text(element) -> str:
    """An element's words with line breaks as spaces."""
    return " ".join("".join(element.itertext()).split())
