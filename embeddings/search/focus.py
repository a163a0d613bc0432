"""Which documents a question is about: the asker's filters (dates, a document), a date the
question names, and a speaker or issuer it names. The searcher then scores only their passages.

Filters and a date in the question are strict: every hit is from a document they allow. A named
speaker or issuer is a preference: the searcher tries their documents first and falls back to
all of them when nothing there answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from embeddings.corpus.dates import (
    CALENDAR_WORDS,
    YEAR_RE,
    Span,
    askers_span,
    describe_span,
    document_span,
    find_span,
    nearest,
)
from embeddings.corpus.events import event_span, find_event
from embeddings.corpus.text import STOPWORDS, without_possessive, words
from embeddings.corpus.voices import Voices

# Words that ask what was said, beside those in STOPWORDS ("say", "tell"): general English.
REPORTING_WORDS = frozenset("""announce announced announcement announcements declare declared state stated
    statement statements talk talked speak spoke mention mentioned write wrote told saying publish published
    release released issue issued""".split())
SAYING_WORDS = frozenset("say said says tell told".split())  # the verbs of saying STOPWORDS holds


def reports_saying(question: str) -> bool:
    """Whether the question uses a word of saying or reporting ("say", "announced", "statement")."""
    return bool(set(words(question)) & (REPORTING_WORDS | SAYING_WORDS))


@dataclass(frozen=True)
class Filters:
    """What the asker restricts a question to (``/ask from: to: document:``, ``ask --from``)."""

    start: date | None = None
    end: date | None = None
    documents: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return self.start is not None or self.end is not None or bool(self.documents)

    def key(self) -> tuple:
        return (self.start, self.end, tuple(sorted(self.documents)))

    def describe(self) -> str:
        parts = []
        if self.start and self.end:
            parts.append(f"dated {describe_span(self.start, self.end)}")
        elif self.start:
            parts.append(f"dated {describe_span(self.start, self.start)} or later")
        elif self.end:
            parts.append(f"dated {describe_span(self.end, self.end)} or earlier")
        if self.documents:
            parts.append(f"in {', '.join(sorted(self.documents))}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Focus:
    """The documents a search may quote, and why."""

    documents: frozenset[str] | None  # None: all of the scope
    preferred: frozenset[str] = frozenset()  # a named speaker or issuer's documents, tried first
    span: Span | None = None  # the date the question names
    voice_terms: tuple[str, ...] = ()
    empty_reason: str = ""  # "no-date" or "no-match": nothing can answer
    note: str = ""  # for the reader: why nothing, or what the answer was restricted to


@dataclass
class _Doc:
    id: str
    title: str
    kind: str
    date: str
    span: Span | None
    first: int
    last: int  # one past
    title_words: frozenset[str] = frozenset()  # of the title, as ``words`` gives them

    def __post_init__(self) -> None:
        self.title_words = frozenset(words(self.title))


@dataclass
class Library:
    """The index's documents, their dates, passage ranges and voices."""

    documents: list[dict]
    today: Callable[[], date] = date.today  # the asker's day, for "last year", "this month"
    _docs: dict[str, _Doc] = field(init=False)

    def __post_init__(self) -> None:
        self._docs = {}
        for d in self.documents:
            first, last = d.get("range", [0, 0])
            self._docs[d["id"]] = _Doc(d["id"], d.get("title", d["id"]), d.get("kind", ""), d.get("date", ""),
                                       document_span(d.get("date", "")), int(first), int(last))
        statements = [d for d in self.documents if d.get("kind") == "statement"]
        self.voices = Voices(statements, [d.get("title", "") for d in self.documents if d.get("kind") != "statement"])
        self._statement_spans = [self._docs[d["id"]].span for d in statements if self._docs[d["id"]].span]
        self.newest = max((d.span.end for d in self._docs.values() if d.span), default=None)  # the last day dated
        # Every name the library knows its documents by, in titles or as speakers and issuers.
        self.voice_names = frozenset().union(*(d.get("voices", ()) for d in self.documents))
        self.names = self.voice_names.union(*(d.title_words for d in self._docs.values()))

    def title(self, document: str) -> str:
        doc = self._docs.get(document)
        return doc.title if doc else document

    def title_words(self, document: str) -> frozenset[str]:
        doc = self._docs.get(document)
        return doc.title_words if doc else frozenset()

    def asks_what_was_said(self, text: str, focus: Focus) -> bool:
        """A question that names only a date or a voice ("What did the G7 say on 11 March?"):
        once the documents are chosen, their best passages answer it, whatever the no-answer
        rule makes of a question with no topic. ``text`` is without the date phrase; words every
        chosen document's title has ("NATO" for "NATO statement on ...") name them, no topic; one
        title's word ("turning point" of one of the three that name Germany) is a topic."""
        if focus.span is None and not focus.preferred:
            return False
        chosen = focus.preferred or focus.documents or frozenset()
        named = frozenset.intersection(*(self.title_words(d) for d in chosen)) if chosen else frozenset()
        dates = CALENDAR_WORDS if focus.span is not None else frozenset()  # a voice's other date stays in
        left = [w for w in words(text) if w not in STOPWORDS and w not in REPORTING_WORDS and w not in dates
                and w not in focus.voice_terms and w not in named and not w.isdigit()]
        return not left

    def date(self, document: str) -> str:
        doc = self._docs.get(document)
        return doc.date if doc else ""

    def years(self) -> frozenset[str]:
        """The years the documents' dates fall in ("2022" for 2022-02-24)."""
        return frozenset(str(y) for d in self._docs.values() if d.span
                         for y in range(d.span.start.year, d.span.end.year + 1))

    def ids(self) -> list[str]:
        return list(self._docs)

    def kind(self, document: str) -> str:
        doc = self._docs.get(document)
        return doc.kind if doc else ""

    def ranges(self, documents: frozenset[str]) -> list[tuple[int, int]]:
        return sorted((d.first, d.last) for i in documents if (d := self._docs.get(i)) and d.last > d.first)

    def mask(self, documents: frozenset[str], size: int) -> np.ndarray:
        allowed = np.zeros(size, dtype=bool)
        for first, last in self.ranges(documents):
            allowed[first:last] = True
        return allowed

    def focus(self, question: str, kinds: Sequence[str], filters: Filters | None = None,
              mentions: Callable[[frozenset[str], Sequence[str]], bool] | None = None,
              says: Callable[[frozenset[str], str], bool] | None = None) -> Focus:
        """``mentions(documents, terms)``: whether the texts of those documents use any of the
        terms (a speaker quoted in another body's statement of the day); ``says(documents,
        phrase)``: whether they write the phrase ("last week", in a speaker's own words)."""
        filters = filters or Filters()
        pool = self._filtered(kinds, filters)
        if not pool:
            others = "treaty" not in kinds and self._filtered(("statement", "treaty"), filters)
            return Focus(frozenset(), empty_reason="no-match",
                         note=f"No {_noun(kinds)} {filters.describe() or 'of this kind'} is in the library"
                              + (" (some treaties are: search the treaties too)." if others else "."))
        span = None
        match = None if filters.documents else self.voices.match(question, mentions)
        if not (filters.start or filters.end):
            span = find_span(question, self._statement_spans) or self._event(question) \
                or self._askers(question, pool, match, says)
        span, dated = self._dated(span, pool, filters)
        if span is not None and match is not None and _speaks_elsewhere(match, pool, dated, mentions):
            return Focus(frozenset(dated), frozenset(match.documents & pool), replace(span, text=""), match.terms,
                         "", _note(span, filters))  # the date stays in the question (see _speaks_elsewhere)
        if span is not None:
            if not dated:
                return self._no_date(span, pool, _noun(kinds))
            pool = dated
        preferred: frozenset[str] = frozenset()
        terms: tuple[str, ...] = ()
        if not filters.documents:
            if match is not None and match.documents & pool:
                preferred, terms = frozenset(match.documents & pool), match.terms
                if span is not None and len(preferred) > 1:
                    preferred = self._titled(question, span, set(preferred), match.terms)[0] or preferred
            elif span is not None:
                preferred, terms = self._titled(question, span, pool)
        restricted = bool(filters) or span is not None
        return Focus(frozenset(pool) if restricted else None, preferred, span, terms, "", _note(span, filters))

    def _askers(self, question: str, pool: set[str], match, says: Callable[[frozenset[str], str], bool] | None,
                ) -> Span | None:
        """A time counted from the asker's day ("last year"), unless no document is of then and
        it is the speaker's: "from last week" in words they wrote ("what warning did biden repeat
        from last week"), or "next year" in what they said would happen."""
        span = askers_span(question, self.today())
        if span is None or any(d.span and d.span.overlaps(span) for d in self._docs.values()):
            return span
        if span.start > self.today() and reports_saying(question):
            return None  # "did the g7 say they would meet next year"
        marked = re.search(rf"\b(?:from|of)\s+{re.escape(span.event)}", question, re.IGNORECASE)
        theirs = marked and match is not None and says is not None
        return None if theirs and says(frozenset(match.documents & pool), span.event) else span

    def live_note(self) -> str:
        """Why a live figure ("the wheat price today", "is it over yet") is not answered: no dated
        statement holds it."""
        dated = f" (the newest of {describe_span(self.newest, self.newest)})" if self.newest else ""
        return (f"The library holds dated statements{dated}: none can tell how things stand today "
                "or will later (prices, rates, the weather, who holds an office now, the next summit, "
                "whether something is over).")

    def _event(self, question: str) -> Span | None:
        """The span of "before / after the <event>": the event is the statements whose titles hold
        its words ("the summit", "the attack"), if they are all of one date; None otherwise."""
        phrase = find_event(question)
        if phrase is None:
            return None
        named = [w for w in words(" ".join(phrase.words)) if w not in STOPWORDS]  # "g7" as titles': "g", "7"
        which = [w for w in words(phrase.which) if w not in STOPWORDS]
        doer = [w[:5] for w in words(phrase.doer) if w not in STOPWORDS]  # "russia" (who invaded): "Russian ..."
        # "the nato summit"; "the summit ended": the summit. "the attack on <a city>": only a title
        # that names the city too is that attack (and "the invasion in terms of sanctions" is no date).
        for event in (named + which, named[:1] + which):
            docs = [d for d in self._docs.values() if d.kind == "statement" and d.span and event
                    and all(w in d.title_words or f"{w}'s" in d.title_words or f"{w}’s" in d.title_words
                            for w in event) and all(any(t.startswith(w) for t in d.title_words) for w in doer)]
            if docs:
                break
        if len({d.span.start for d in docs}) != 1:
            return None
        day = docs[0].span.start
        span = event_span(phrase, day, self._statement_spans)
        name = " ".join(phrase.words) if len(event) - len(which) == len(named) else phrase.words[0]  # as typed
        if phrase.which:  # "the meeting of foreign ministers": the word after, where a title has it too
            after = phrase.following if phrase.following not in STOPWORDS and \
                any(phrase.following in d.title_words for d in docs) else ""
            name = " ".join([name, phrase.preposition, phrase.which, after]).strip()
        return replace(span, event=f"the {name}: {describe_span(day, day)}")

    def _titled(self, question: str, span: Span, pool: set[str],
                named: tuple[str, ...] = ()) -> tuple[frozenset[str], tuple[str, ...]]:
        """Among the documents of the date a question names, those whose titles share most of its
        words that not every one of them has ("NATO" and "summit" for the NATO summit's statement
        rather than the G7's of the same day in the same city); none if no word tells them apart.
        Words too common in the library to be a voice ("NATO") can still tell one day's apart; not
        the voice terms that chose ``pool`` (``named``: "germany", which one title writes)."""
        if len(pool) < 2:
            return frozenset(), ()
        asked = {w for w in words(question.replace(span.text, " ") if span.text else question)  # the date chose
                 if w not in STOPWORDS and w not in REPORTING_WORDS and not w.isdigit() and w not in named}  # the pool
        titles = {d: self._docs[d].title_words & asked for d in pool}
        shared = frozenset.intersection(*titles.values())
        counts = {d: len(found - shared) for d, found in titles.items()}
        best = max(counts.values())
        chosen = frozenset(d for d, n in counts.items() if n == best)
        if best == 0 or len(chosen) == len(pool):
            return frozenset(), ()
        return chosen, tuple(sorted(set().union(*(titles[d] for d in chosen)) - shared))

    def _filtered(self, kinds: Sequence[str], filters: Filters) -> set[str]:
        """The documents of ``kinds`` the asker's filters allow."""
        pool = {i for i, d in self._docs.items() if d.kind in kinds}
        if filters.documents:
            pool &= set(filters.documents)
        if filters.start or filters.end:
            wanted = Span(filters.start or date.min, filters.end or date.max, "")
            pool = {i for i in pool if self._docs[i].span and self._docs[i].span.overlaps(wanted)}
        return pool

    def _dated(self, span: Span | None, pool: set[str], filters: Filters) -> tuple[Span | None, set[str]]:
        """The date the question names (None if it names none, or a year that is its topic) and
        the documents of ``pool`` dated then (or, for a day or month, of any kind)."""
        if span is None:
            return None, set()
        dated = {i for i in pool if self._docs[i].span and self._docs[i].span.overlaps(span)}
        if not dated and not filters.documents and span.kind not in ("year", "open"):
            # A day or month only documents of another kind have ("on 5 September 2014" under
            # the default scope): the date names those documents, so they are searched.
            dated = {i for i, d in self._docs.items() if d.span and d.span.overlaps(span)}
        if not dated and span.kind == "year" and not self._after_all(span):
            # "What happened in 2014?": a year no document has is the topic, not a date; a year
            # after every document is neither ("in 2023": nothing written earlier can tell).
            return None, dated
        return span, dated

    def _after_all(self, span: Span) -> bool:
        return self.newest is not None and span.start > self.newest

    def later_year(self, question: str, used: Collection[str]) -> Focus | None:
        """A question in another language that names only years after every document, which no
        passage mentions ("Que s'est-il passé en 2023 ?", "Wann hat die Ukraine 2023 ... gestartet?"):
        nothing written earlier can tell, as "in 2023" is read in English. None otherwise."""
        years = set(YEAR_RE.findall(question))
        if not years or self.newest is None or any(int(y) <= self.newest.year or y in used for y in years):
            return None
        y = int(min(years))
        return self._no_date(Span(date(y, 1, 1), date(y, 12, 31), str(y), "year"), set(self._docs))

    def _no_date(self, span: Span, pool: set[str], noun: str = "document") -> Focus:
        """Nothing is dated ``span``: the answer says so, naming the nearest documents."""
        others = [(self._docs[i].span, i) for i in pool if self._docs[i].span]
        close = nearest(span, others)
        offer = "; ".join(f"{self._docs[i].title} ({self._docs[i].date})" for i in close)
        return Focus(frozenset(), span=span, empty_reason="no-date",
                     note=f"No {noun} in the library is dated {span.describe()}"
                          + (f" ({span.event})." if span.event else ".")
                          + (f" Nearest: {offer}." if offer else ""))


def _noun(kinds: Sequence[str]) -> str:
    """What the documents of a scope's ``kinds`` are called: "statement", "treaty" or "document"."""
    return kinds[0] if len(set(kinds)) == 1 else "document"


def _note(span: Span | None, filters: Filters) -> str:
    """What the answer was restricted to, for the reader."""
    if span is not None:
        return f"Documents dated {span.describe()}" + (f" ({span.event})" if span.event else "")
    return f"Documents {filters.describe()}" if filters else ""


def _speaks_elsewhere(match, pool: set[str], dated: set[str], mentions) -> bool:
    """Whether the voice a question names has documents, other documents have its date, but
    none of the voice's does and none of those names it ("did NATO leaders mention the UN vote
    of 2 March?"): the date is then what they spoke of, or a mistake, never a reason to quote
    another body's document of that day as theirs. Their documents are tried first (the searcher
    says none of theirs is of that date), then the date's; the date's answer stands unless their
    nearest passage is as near by the topic's words (``Searcher._as_near``)."""
    return bool(dated and match.documents & pool and not match.documents & dated
                and mentions is not None and not mentions(frozenset(dated), match.terms))


def topic_text(text: str, focus: Focus) -> str:
    """The question without the date phrase that chose its documents: "What did NATO say on 24
    February 2022?" is searched as "What did NATO say", since the date is the documents', not
    words their passages must contain."""
    if focus.span is None or not focus.span.text:
        return text
    return " ".join(text.replace(focus.span.text, " ").split())


def unsearched(named: Sequence[tuple[object, str]], hits) -> tuple[str, ...]:
    """Of the agreements a question names (``named``: (treaty, the words that named it)) where the
    scope does not search the agreements, those named by more than one word ("the Budapest
    Memorandum", not "Paris" alone) and not quoted anyway (an article named is looked up)."""
    quoted = {h.passage.document for h in hits}
    return tuple(t.name for t, found in named if len(words(found)) > 1 and t.document not in quoted)


def without_terms(query: str, terms: Sequence[str]) -> str:
    """The query less the words that named a speaker or issuer ("What did the G7 leaders say about
    nuclear sites" -> "What did the leaders say about nuclear sites"): once their documents are
    chosen, those words only pull passages that repeat the name. The query if nothing else is left."""
    named = set(terms)
    kept = [w for w in query.split() if without_possessive(w.strip(".,;:!?()\"'").lower()) not in named]
    topic = [w for w in words(" ".join(kept)) if w not in STOPWORDS and w not in REPORTING_WORDS]
    return " ".join(kept) if topic else query
