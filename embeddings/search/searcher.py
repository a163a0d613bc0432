"""Hybrid search: dense (FAISS over passages and their sentences) plus lexical (BM25), fused,
with a no-answer decision that combines several signals instead of one cosine cut-off.

Scoring a candidate passage p for question q (weights in :class:`SearchParams`):

    dense(p)  = a * cos(q, p) + (1 - a) * max cos(q, sentence of p)
    score(p)  = dense(p) + lexical_weight * bm25 / (bm25 + lexical_saturation)

Words of the question that are misspelt versions of corpus words are corrected first ("sanktions" -> "sanctions").
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from embeddings.corpus.cleaning import REPORT
from embeddings.corpus.dates import YEAR_RE
from embeddings.corpus.text import STOPWORDS, normalise, sentences, tokens, words
from embeddings.encoders.multilingual import Router
from embeddings.index.load import LoadedIndex
from embeddings.search.agreements import looked_up, named_agreements, named_as_source, named_by_year, speaks_to
from embeddings.search.calibration import Calibration
from embeddings.search.focus import Filters, Library, topic_text, unsearched, without_terms
from embeddings.search.fusion import Allowed, Candidates, fuse
from embeddings.search.highlight import Highlighting
from embeddings.search.neighbours import in_doubt, settle
from embeddings.search.other_languages import OtherLanguages
from embeddings.search.params import SearchParams, confident_level
from embeddings.search.results import (
    MAX_QUERY_CHARS,
    SCOPE_KINDS,
    SCOPES,
    Asked,
    Hit,
    SearchResult,
    asked_article,
    others_answer,
)
from embeddings.search.retrieval import Retrieval, topic_words
from embeddings.search.speakers import Speakers, asks_a_rule
from embeddings.search.spelling import Speller
from embeddings.search.timeline import Timeline
from embeddings.search.unanswerable import (
    OPINION_NOTE,
    asks_live_figure,
    asks_opinion,
    asks_whether_mentioned,
    asks_who_issued,
    names_never_used,
    none_mentioned,
)
from embeddings.search.untold import unless_untold

log = logging.getLogger(__name__)

# Fused candidates looked at for k hits, so that near-copies can be set aside.
SPARE = 4
# Shorthand people type; expanded before searching.
_SHORTHAND = {"art": "article", "arts": "articles", "abt": "about", "wat": "what", "wht": "what",
              "bc": "because", "govt": "government", "intl": "international", "un": "UN"}


class Searcher(Calibration, Retrieval, Highlighting, OtherLanguages, Speakers, Timeline):
    """Answers questions from one loaded index. Safe for concurrent searches."""

    def __init__(self, index: LoadedIndex, encoder, params: SearchParams | None = None,
                 cache_size: int = 1024, calibrate: bool = True, multilingual=None,
                 learned: frozenset[str] = frozenset()) -> None:
        self.index = index
        self.encoder = encoder
        # Questions in other languages (embeddings.multilingual), where the index has its vectors.
        self.multilingual = multilingual if index.e5 is not None else None
        self.learned = learned  # passage ids the served model was fine-tuned to find: ranked as it ranks them
        self.library = Library(index.manifest.get("documents", []))
        self.router = Router(index.words, frozenset(w for name in self.library.voice_names for w in words(name))) \
            if self.multilingual is not None else None
        self.multilingual_thresholds: dict[str, float] = {}
        self.params = params or SearchParams()
        self.thresholds: dict[str, float] = {}  # per scope, calibrated; the fitted threshold where absent
        self._speller = Speller(index.words)
        self._years = self.library.years()  # of the documents' dates: a question may name them
        self._by_article = index.articles  # passages by their "Article N" (not numbered clauses)
        self._report_counts: dict[str, int] = {}  # per document, see _reported
        # Repeated questions ("article 5", "sanctions") are common in a channel: answer them from
        # memory. One cache per searcher, so a new index starts empty.
        self._cache: OrderedDict[tuple, SearchResult] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        if calibrate:
            self.calibrate()
            if self.multilingual is not None:
                self.router.warm()
                self.calibrate_multilingual()

    def _scope_numbers(self, scope: str, documents: frozenset[str] | None) -> np.ndarray:
        """Passage numbers of a scope's kinds (and of ``documents``, if given)."""
        if documents is not None:
            return np.concatenate([np.arange(a, b) for a, b in self.library.ranges(documents)] or
                                  [np.zeros(0, dtype=np.int64)])
        parts = [np.arange(k.passage_offset, k.passage_offset + k.passage_count)
                 for name, k in self.index.kinds.items() if name in SCOPE_KINDS[scope]]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _scope_count(self, scope: str, documents: frozenset[str] | None = None) -> int:
        """How many passages ``_scope_numbers`` gives, counted without making the array."""
        if documents is not None:
            return sum(b - a for a, b in self.library.ranges(documents))
        return sum(k.passage_count for name, k in self.index.kinds.items() if name in SCOPE_KINDS[scope])

    def _holds_scope(self, scope: str, documents: frozenset[str]) -> bool:
        """Whether ``documents`` hold every passage of the scope: a date that leaves no document out
        ("the 2022 world cup" in a library of 2022) confines nothing."""
        ours = frozenset(d for d in documents if self.library.kind(d) in SCOPE_KINDS[scope])
        return self._scope_count(scope, ours) >= self._scope_count(scope)

    # ------------------------------------------------------------------ query

    def prepare(self, question: str) -> tuple[str, dict]:
        """The question as searched (shorthand expanded, misspellings corrected) and word facts."""
        return self._prepare(normalise(question))

    def _prepare(self, text: str) -> tuple[str, dict]:
        text = text[:MAX_QUERY_CHARS]
        out: list[str] = []
        unknown = content = 0
        for token in re.split(r"(\W+)", text):
            if not token or not token[0].isalnum():
                out.append(token)
                continue
            expanded = _SHORTHAND.get(token.lower(), token)
            low = expanded.lower()
            if low in STOPWORDS or low.isdigit() or len(low) < 3:
                out.append(expanded)
                continue
            content += 1
            if low in self.index.words or low in self.library.names:  # "White" of "White House" is no "while"
                out.append(expanded)
                continue
            fixed = self._correct(low) if self.params.correct_spelling else None
            if fixed:
                out.append(fixed)
            else:
                unknown += 1
                out.append(token)
        years = set(YEAR_RE.findall(text))
        facts = {
            "content_words": content,
            "unknown": unknown / content if content else 0.0,
            # A year neither the texts nor the documents' dates have ("in 2023").
            "unknown_year": float(any(y not in self.index.words and y not in self._years for y in years)),
        }
        return "".join(out), facts

    def _correct(self, word: str) -> str | None:
        """A misspelt word's correction; none for another form of a word the texts use ("break" of
        "breaking" is no "bread")."""
        if any(t in kind.bm25.vocab_dict for t in tokens(word) for kind in self.index.kinds.values()):
            return None
        return self._speller.correct(word)

    # ------------------------------------------------------------------ search

    def search(self, question: str, *, k: int = 3, scope: str = "statements",
               filters: Filters | None = None) -> SearchResult:
        """The best ``k`` passages for a question, within ``filters`` (and any date the question
        names), or why none answers."""
        if scope not in SCOPE_KINDS:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
        if filters is not None and filters.documents:
            scope = "all"  # a document chosen by name is searched whatever its kind
        text = normalise(question)  # once per question; the cache key and the search share it
        # Today's date too: "last week" is another week tomorrow.
        key = (text.lower(), k, scope, filters.key() if filters else None, self.library.today())
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is not None:
            return replace(cached, question=question)
        result = self._search(question, text, k=k, scope=scope, filters=filters)
        if self.router is not None and in_doubt(result, self.learned) and self.router.language(text) == "en":
            result = settle(result, self.index.e5_context, lambda: self.multilingual.query(question), self.learned)
        result = unless_untold(result, text)  # "when did finland join nato", "how old was ...": no passage says it
        if "treaty" not in SCOPE_KINDS[scope] and "treaty" in self.index.kinds:
            result = replace(result, unsearched=unsearched(self.index.catalogue.named_treaties(text), result.hits))
        if self._cache_size:
            with self._cache_lock:
                self._cache[key] = result
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return result

    def _focus(self, question: str, text: str, scope: str, filters: Filters | None):
        """The scope's kinds and the documents a question may be answered from, or the result
        that says why nothing can answer it (empty question, empty scope, no such date)."""
        if not any(ch.isalnum() for ch in text):
            return SearchResult(question, False, [], reason="empty")
        if asks_live_figure(text):
            return SearchResult(question, False, [], reason="live", note=self.library.live_note())
        if asks_opinion(text):
            return SearchResult(question, False, [], reason="opinion", note=OPINION_NOTE)
        kinds = [kind for kind in SCOPE_KINDS[scope] if kind in self.index.kinds]
        if not kinds:
            return SearchResult(question, False, [], reason="no-documents")
        focus = self.library.focus(text, kinds, filters, self.mentions, self.says)
        if focus.empty_reason:
            return SearchResult(question, False, [], reason=focus.empty_reason, note=focus.note)
        return kinds, focus

    def _search(self, question: str, text: str, *, k: int, scope: str, filters: Filters | None = None) -> SearchResult:
        named = named_by_year(self.index.catalogue, text, self.index.catalogue.named_treaties(text))
        if "treaty" not in SCOPE_KINDS[scope] and named and named_as_source(named, text):
            # "what did the <memorandum> promise ...": the agreement itself, where its passage speaks to the topic
            wide = self._focus(question, text, "all", filters)
            result = wide if isinstance(wide, SearchResult) else self._focused(question, text, k, "all", wide[1], named)
            if speaks_to(result, named, text):
                return result
        found = self._focus(question, text, scope, filters)
        if isinstance(found, SearchResult):
            return found
        return self._focused(question, text, k, self._widened(scope, found[1]), found[1], named)

    def _focused(self, question: str, text: str, k: int, scope: str, focus, named) -> SearchResult:
        """The answer from the documents ``focus`` leaves (a speaker's first, an article looked up);
        ``named``: the agreements the question names (``catalogue.named_treaties``)."""
        catalogue = self.index.catalogue
        if "treaty" in SCOPE_KINDS[scope]:
            focus = named_agreements(focus, named, text, catalogue)
        if self.router is not None and (language := self.router.language(text)) != "en":
            return self._search_multilingual(question, text, language, k=k, scope=scope, focus=focus)
        query, facts = self._prepare(topic_text(text, focus))
        vector = self.encoder.encode_query(query)
        chosen = focus.preferred or focus.documents
        overview = self.library.asks_what_was_said(query, focus) or asks_who_issued(text) and bool(chosen) \
            and all(self.library.kind(d) == "statement" for d in chosen)  # an agreement's signatures end it
        number = None if named else asked_article(text)  # "what does article 5 say"
        answer = Asked(question, query, vector, k, scope, overview,
                       catalogue.named_article(query) or (number and catalogue.most_cited(number)))
        if answer.article is not None and focus.preferred:  # "article 4 nato treaty": a look-up, not a speaker
            focus = looked_up(focus, catalogue.named_treaties(query), answer.article[0].document, question)
        nearest = None  # the named speaker's nearest passages, where theirs do not answer
        if "treaty" in SCOPE_KINDS[scope] and asks_a_rule(text, focus) \
                and (ruled := self._ruled(answer, facts, focus)) is not None:
            return ruled
        if focus.preferred:  # a named speaker or issuer: their documents first
            result, nearest = self._preferred(answer, facts, scope, focus)
            if result is not None:
                looked = None if answer.article is None else self._article_hit(answer, None)
                if looked is not None and looked.passage.document not in focus.preferred:  # the article too
                    result = replace(result, hits=[*result.hits[:1], looked, *result.hits[1:]][:answer.k])
                return replace(result, answered=True, note=self._theirs(focus, answer.question))
        found = self._candidates(query, facts, vector, scope,
                                 None if focus.documents is None else self._allowed(focus.documents))
        if found is None or not len(found.numbers):
            return SearchResult(question, False, [], reason="off-topic", note=focus.note)
        whole = focus.documents is not None and self._holds_scope(scope, focus.documents)
        result = self._answer(answer, found, focus.documents, confined=focus.documents is not None and not whole,
                              whole=whole)
        if nearest is not None:
            return self._whose(result, nearest, query, focus)
        return replace(result, note=focus.note)

    def _whose(self, result: SearchResult, nearest: SearchResult, query: str, focus) -> SearchResult:
        """Where the named speaker's documents do not answer (``nearest``: their passages nearest the
        topic) and ``result`` is the library's answer: theirs where as near by the words, else the
        other's, said to be another's words."""
        if others_answer(result, focus.preferred, focus.voice_terms) \
                and self._as_near(nearest, result, without_terms(query, focus.voice_terms), focus.preferred):
            other = self.library.title(result.hits[0].passage.document)
            return replace(nearest, answered=True, tentative=True, reason="",
                           note=f"{self._theirs(focus, result.question)}; {other} speaks to it too")
        if not result.tentative and others_answer(result, focus.preferred, focus.voice_terms):  # whose words, said
            others = f"Their documents (the question names {', '.join(focus.voice_terms)}) do not answer it: others do"
            return replace(result, note=f"{focus.note}. {others}" if focus.note else others)
        if result.tentative and nearest.hits and others_answer(result, focus.preferred, focus.voice_terms) \
                and self._topic_in(nearest, without_terms(query, focus.voice_terms), focus.preferred):
            # nobody's documents answer clearly, and the other passage does not quote them: theirs were asked for
            return replace(nearest, answered=True, tentative=True, reason="", note=self._theirs(focus, result.question))
        return replace(result, note=focus.note)

    def _answer(self, answer: Asked, found: Candidates, documents: frozenset[str] | None, *,
                confined: bool = False, whole: bool = False) -> SearchResult:
        """The hits for one set of candidates and whether they answer: confidently, tentatively
        (the nearest passage, said to be only that), or not at all. An article the question names
        of a treaty in the library comes first, whatever the scope: that question is a look-up.

        The index's calibration raises the threshold as far as a larger library brings off-topic
        questions closer to some passage; a search ``confined`` by the asker's dates or filters to
        some documents is not that library, and keeps the fitted threshold. ``whole``: the
        ``documents`` are all the scope's (a date every document has), which confines nothing."""
        threshold = None if confined else self.thresholds.get(answer.scope)
        order, fused, dense, answered, signals = fuse(found, self.params, answer.k * SPARE, threshold)
        overview = answer.overview and documents is not None
        answered = answered or overview
        signals["overview"] = overview  # the documents' own order, no ranking (search.neighbours leaves it)
        if overview:  # no topic to rank by: what the documents lead with
            order = self._leads(found.numbers)
        hits = self._hits(found, order, fused, dense, answer.vector, answer.k, tokens(answer.query))
        looked_up = self._article_hit(answer, documents)
        if looked_up is not None:
            hits = [looked_up, *[h for h in hits if h.passage.id != looked_up.passage.id]][: answer.k]
            return SearchResult(answer.question, True, hits, signals=signals)
        tentative = answered and not overview and signals["probability"] < confident_level(self.params, threshold)
        mention = not overview and asks_whether_mentioned(answer.question)  # also of a speaker's documents
        unmatched = self.unmatched(answer.query, answer.scope) if mention or (documents is None or whole) and (
            tentative or not answered) else ()
        if mention and answered and not tentative:  # "did they mention X?", and no passage uses X's words
            tentative = none_mentioned(topic_words(answer.query), unmatched, answer.question, self.library.voice_names)
        if answered and not overview:  # a name no passage of the scope uses: nothing to quote about it
            asked = unmatched or self.unmatched(answer.query, answer.scope)
            if names_never_used(asked, answer.question, self.library.names):
                answered, tentative, unmatched = False, False, asked
        return SearchResult(answer.question, answered, hits, "" if answered else "off-topic", signals,
                            tentative=tentative, unmatched=unmatched)

    def _leads(self, numbers: np.ndarray) -> np.ndarray:
        """Positions of ``numbers`` in the order their documents lead with them: each document's
        first passage, then each one's second, ... (a statement says first what it is about; a
        passage nearest the document's mean was tried, and quoted a transcript's answers to
        reporters). A page's report of a text it then gives in full comes after the text."""
        passages = [self.index.passages[int(n)] for n in numbers]
        turn = [p.paragraph + (len(self.index.passages) if p.speaker == REPORT else -self._reported(p.document))
                for p in passages]  # the n-th paragraph of the document's own text; its report after
        return np.lexsort((numbers, np.array(turn)))

    def _reported(self, document: str) -> int:
        """How many paragraphs of a page's report come before the text it gives (counted once)."""
        if document not in self._report_counts:
            self._report_counts[document] = sum(self.index.passages[n].speaker == REPORT
                                                for a, b in self.library.ranges(frozenset({document}))
                                                for n in range(a, b))
        return self._report_counts[document]

    def _article_hit(self, answer: Asked, documents: frozenset[str] | None) -> Hit | None:
        if answer.article is None:
            return None
        _, number = answer.article
        passage = self.index.passages[number]
        if documents is not None and passage.document not in documents:
            return None
        whole, best = self.unit_scores(np.array([number]), answer.vector)
        score = float(self.params.passage_weight * whole[0] + (1 - self.params.passage_weight) * best[0])
        treaty = answer.article[0]
        naming = {w for name in (*treaty.names, passage.title) for w in words(name)} | {"article", "articles"}
        if not set(topic_words(answer.query)) - naming:  # "what does article 2 of the un charter say": its start
            highlighted = sentences(passage.text)[0] if passage.text.strip() else passage.text
        else:
            highlighted = self.highlight(number, passage, answer.vector, tokens(answer.query))
        return Hit(passage, score + self.params.article_weight, score, 0.0, highlighted, number=number)

    def confident_level(self, scope: str) -> float:
        return confident_level(self.params, self.thresholds.get(scope))

    def _widened(self, scope: str, focus) -> str:
        """A date or a document may name documents of another kind than the scope's (the 1994
        memorandum under the default scope): then they are searched too."""
        if focus.documents and any(self.library.kind(d) not in SCOPE_KINDS[scope] for d in focus.documents):
            return "all"
        return scope

    def _allowed(self, documents: frozenset[str]) -> Allowed:
        return Allowed(self.library.ranges(documents), self.library.mask(documents, len(self.index.passages)))

    def _scoped_query(self, text: str, scope: str) -> tuple[str, dict] | None:
        """The (query, facts) a (normalised) question is searched with in ``scope``; None if it is empty."""
        kinds = [k for k in SCOPE_KINDS[scope] if k in self.index.kinds]
        if not kinds:
            return None
        return self._prepare(topic_text(text, self.library.focus(text, kinds, mentions=self.mentions, says=self.says)))

    def candidates(self, text: str, scope: str = "statements", allowed: Allowed | None = None) -> Candidates | None:
        """The passages worth scoring for a (normalised) question (of ``allowed``, if given), with
        every score the fusion needs; None if the scope holds no documents."""
        prepared = self._scoped_query(text, scope)
        if prepared is None:
            return None
        query, facts = prepared
        return self._candidates(query, facts, self.encoder.encode_query(query), scope, allowed)

    def candidates_many(self, questions: Sequence[tuple[str, str]]) -> list[Candidates | None]:
        """``candidates`` of many (normalised question, scope) pairs, their queries embedded
        together in batches (scoring labelled questions: several times faster than one by one)."""
        prepared = [self._scoped_query(text, scope) for text, scope in questions]
        vectors = self.query_vectors([p[0] for p in prepared if p is not None])
        return [None if p is None else self._candidates(p[0], p[1], vectors[p[0]], scope)
                for p, (_, scope) in zip(prepared, questions, strict=True)]

    def query_vectors(self, queries: Sequence[str]) -> dict[str, np.ndarray]:
        """The vector of each distinct (prepared) query, embedded together in batches."""
        distinct = sorted(set(queries))
        return dict(zip(distinct, self.encoder.encode(distinct))) if distinct else {}


