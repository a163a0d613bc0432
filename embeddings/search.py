"""Hybrid search: dense (FAISS over passages and their sentences) plus lexical (BM25), fused,
with a no-answer decision that combines several signals instead of one cosine cut-off.

Scoring a candidate passage p for question q (weights in :class:`SearchParams`):

    dense(p)  = a * cos(q, p) + (1 - a) * max cos(q, sentence of p)
    score(p)  = dense(p) + lexical_weight * bm25 / (bm25 + lexical_saturation)

Words of the question that are misspelt versions of corpus words are corrected first
("sanktions" -> "sanctions").
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from .focus import Filters, Library
from .index import LoadedIndex
from .multilingual import PROBE_LEVEL as MULTILINGUAL_PROBE_LEVEL
from .multilingual import PROBES as MULTILINGUAL_PROBES
from .multilingual import THRESHOLD as MULTILINGUAL_THRESHOLD
from .multilingual import Router, note_for
from .records import Passage
from .text import STOPWORDS, normalise, sentences, tokens, words

log = logging.getLogger(__name__)

SCOPES = ("statements", "treaties", "all")
SCOPE_KINDS = {"statements": ("statement",), "treaties": ("treaty",), "all": ("statement", "treaty")}
MAX_QUERY_CHARS = 1000
# Filters: up to this many units are scored exactly (about 2 ms); beyond, FAISS is asked for
# FILTER_WIDENING times as many and the allowed kept.
EXACT_FILTERED_UNITS = 50_000
FILTER_WIDENING = 10
# Fused candidates looked at for k hits, so that near-copies can be set aside.
SPARE = 4
# Two passages of different documents whose whole-passage vectors are this close say the same
# thing: the better is quoted, the other named ("Also in: ...").
NEAR_COPY_COSINE = 0.92
# Words that ask what was said, beside those in STOPWORDS ("say", "tell"): general English.
REPORTING_WORDS = frozenset("""announce announced announcement announcements declare declared state stated
    statement statements talk talked speak spoke mention mentioned write wrote told saying publish published
    release released issue issued""".split())
# Words of a question that are not its topic, beside STOPWORDS and REPORTING_WORDS: never named as
# words the documents do not use ("anything" in "Did NATO say anything about ...?").
FILLER_WORDS = frozenset("""anything something everything nothing anybody somebody everybody anyone someone
    everyone ever yet really actually also still just even like kind sort way lot lots much many please""".split())
# A highlighted sentence shorter than this takes the next one with it.
MIN_HIGHLIGHT_WORDS = 6
# The highlight: a sentence's cosine to the question plus this times the share of the question's
# words it contains.
HIGHLIGHT_WORD_WEIGHT = 0.2
_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_NAMED_ARTICLE_RE = re.compile(r"\barticles?\s+(\d{1,3}[a-z]?)\b", re.IGNORECASE)
# Shorthand people type; expanded before searching.
_SHORTHAND = {"art": "article", "arts": "articles", "abt": "about", "wat": "what", "wht": "what",
              "bc": "because", "govt": "government", "intl": "international", "un": "UN"}


@dataclass(frozen=True)
class Also:
    """Another document that says the same as a hit (a near-copy, named rather than quoted)."""

    document: str
    title: str
    date: str

    def to_dict(self) -> dict:
        return {"document": self.document, "title": self.title, "date": self.date}


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    dense: float
    lexical: float
    highlight: str = ""  # the sentence(s) of the passage that answer best: a verbatim substring
    also: tuple[Also, ...] = ()

    def to_dict(self) -> dict:
        p = self.passage
        return {
            "text": p.text,
            "highlight": self.highlight,
            "document": p.document,
            "title": p.title,
            "kind": p.kind,
            "date": p.date,
            "source": p.source,
            "paragraph": p.paragraph,
            "article": p.article,
            "speaker": p.speaker,
            "score": round(self.score, 4),
            "also_in": [a.to_dict() for a in self.also],
        }


@dataclass(frozen=True)
class SearchResult:
    question: str
    answered: bool
    hits: list[Hit]
    reason: str = ""  # why nothing was answered: "empty", "off-topic", "no-documents", "no-date", "no-match"
    signals: dict = field(default_factory=dict)
    note: str = ""  # for the reader: what the answer was restricted to, or why there is none
    # Answered, but weakly: the hit is the nearest passage, which may not answer the question.
    tentative: bool = False
    # The question's words that no passage of the scope uses (said when refusing or tentative).
    unmatched: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "tentative": self.tentative,
            "unmatched": list(self.unmatched),
            "note": self.note,
            "hits": [h.to_dict() for h in self.hits] if self.answered else [],
        }


@dataclass(frozen=True)
class SearchParams:
    """Fusion weights and the no-answer model.

    The defaults were fitted for the base all-MiniLM-L6-v2; a fine-tuned model carries its own,
    refitted on out-of-fold questions (``embeddings/train.py``), in ``search_params.json`` in
    its folder, which :meth:`load` reads."""

    candidates: int = 50
    passage_weight: float = 0.5  # a: whole-passage cosine against best-sentence cosine
    lexical_weight: float = 1.2
    lexical_saturation: float = 1.0
    correct_spelling: bool = True
    # No-answer: logistic model over the signals; answer when its probability >= threshold.
    answer_bias: float = -0.91
    answer_weights: tuple[tuple[str, float], ...] = (
        ("dense", 2.08), ("lexical", 2.08), ("unknown", -1.62), ("unknown_year", -1.95),
    )
    answer_threshold: float = 0.475
    # And answer only if the best dense score reaches this floor: unlike the word-based signals
    # it does not drift as the library's vocabulary grows (embeddings/train.py fits it).
    dense_floor: float = 0.0
    # A passage whose article number the question names ("Article 51 of the UN Charter") gets
    # this much added: such a question is a look-up, and similarity alone can rank a neighbour
    # first. Set by hand, not fitted (few labelled rows name an article); 0 turns it off.
    article_weight: float = 0.3
    # An answer whose probability is under this level is tentative: the reply names the nearest
    # passage as only that (embeddings/train.py fits it; 0 turns it off).
    confident_threshold: float = 0.0
    # Per scope, the probes' level on the corpus the rule was fitted on (see PROBE_QUANTILE);
    # none: the threshold is not corrected for the library's growth.
    probe_levels: tuple[tuple[str, float], ...] = ()

    FILE = "search_params.json"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["answer_weights"] = dict(self.answer_weights)
        data["probe_levels"] = dict(self.probe_levels)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SearchParams:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for name in ("answer_weights", "probe_levels"):
            if name in known:
                known[name] = tuple((str(k), float(v)) for k, v in dict(known[name]).items())
        return cls(**known)

    @classmethod
    def load(cls, model_path: str | Path) -> SearchParams:
        """The parameters fitted for the model in ``model_path``; the defaults if it has none."""
        file = Path(model_path) / cls.FILE
        if not file.exists():
            return cls()
        try:
            return cls.from_dict(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            log.warning("ignoring %s (%s); using the default search parameters", file, exc)
            return cls()


# The no-answer rule is fitted on one corpus; a larger library brings more words and more
# passages, and off-topic questions then score higher. So fixed off-topic probe questions are
# scored when the rule is fitted (SearchParams.probe_levels) and again on each index when it is
# loaded; where they now score higher, the threshold rises by as much. Probes are not labelled
# rows: refusal is measured on other questions.
PROBE_FILE = "calibration/off_topic_probes.txt"
PROBE_QUANTILE = 0.90  # the probes' level: the probability 90% of them stay under


@cache
def probe_questions() -> tuple[str, ...]:
    text = resources.files("embeddings").joinpath(PROBE_FILE).read_text("utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def probe_level(probabilities: Sequence[float]) -> float:
    """The answer probability PROBE_QUANTILE of the probes stay under."""
    ranked = sorted(probabilities)
    return round(ranked[min(len(ranked) - 1, math.ceil(PROBE_QUANTILE * len(ranked)) - 1)], 4)


def calibrated_threshold(probabilities: Sequence[float], fitted: float, reference: float | None) -> float:
    """The fitted threshold, raised by as much as the probes' level rose above ``reference``
    (their level where the rule was fitted); unchanged without a reference."""
    if reference is None or not len(probabilities):
        return fitted
    return round(fitted + max(0.0, probe_level(probabilities) - reference), 4)


def calibrated_thresholds(probabilities: dict[str, Sequence[float]], params: SearchParams) -> dict[str, float]:
    """Per scope, the threshold for an index whose probes scored ``probabilities`` (one list per
    scope): what Searcher.calibrate sets, and what the cross-validation applies to each fold."""
    references = dict(params.probe_levels)
    return {scope: calibrated_threshold(p, params.answer_threshold, references.get(scope))
            for scope, p in probabilities.items()}


def confident_level(params: SearchParams, threshold: float | None = None) -> float:
    """The answer probability under which an answer is only tentative: the fitted level, raised
    as much as an index's calibrated ``threshold`` was raised over the fitted one; 0 when off."""
    if not params.confident_threshold:
        return 0.0
    raised = 0.0 if threshold is None else max(0.0, threshold - params.answer_threshold)
    return params.confident_threshold + raised


class Speller:
    """Corrects a misspelt word to a corpus word one or two edits away (by length), if there is
    exactly one best. Candidates share the word's first letter (misspellings rarely change it)
    and are within two letters of its length, so a large vocabulary is scanned a bucket at a
    time (``benchmarks/bench.py`` measures it against a full scan)."""

    def __init__(self, words) -> None:
        self._buckets: dict[tuple[str, int], list[str]] = {}
        for w in sorted(words):
            if len(w) >= 4 and not w.isdigit():
                self._buckets.setdefault((w[0], len(w)), []).append(w)

    def correct(self, word: str) -> str | None:
        if len(word) < 5:
            return None
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        limit = 1 if len(word) < 8 else 2
        candidates = [w for n in range(len(word) - limit, len(word) + limit + 1)
                      for w in self._buckets.get((word[0], n), ())]
        found = process.extract(word, candidates, scorer=Levenshtein.distance, score_cutoff=limit, limit=3)
        if not found:
            return None
        best = min(d for _, d, _ in found)
        choices = [w for w, d, _ in found if d == best]
        return choices[0] if len(choices) == 1 else None


@dataclass(frozen=True)
class Allowed:
    """The passages a filtered search may return: consecutive ranges (documents) and their mask."""

    ranges: list[tuple[int, int]]
    mask: np.ndarray

    def units(self, unit_start: np.ndarray) -> int:
        return int(sum(unit_start[b] - unit_start[a] for a, b in self.ranges))


@dataclass(frozen=True)
class Candidates:
    """The passages scored for one question: passage numbers and, per passage, the whole-passage
    cosine, the best sentence's cosine and the raw BM25 score; plus facts about the words."""

    numbers: np.ndarray
    whole: np.ndarray
    best: np.ndarray
    lexical: np.ndarray
    facts: dict
    named_article: np.ndarray | None = None  # 1.0 where the question names the passage's article


def fuse(found: Candidates, params: SearchParams, k: int, threshold: float | None = None):
    """Rank candidates and decide whether to answer: (order of the top k, fused scores, dense
    scores, answered, signals). Shared by search and by tuning, so both score alike.
    ``threshold`` replaces the fitted one (an index's calibrated threshold)."""
    a = params.passage_weight
    dense = a * found.whole + (1 - a) * found.best
    lex_norm = found.lexical / (found.lexical + params.lexical_saturation)
    fused = dense + params.lexical_weight * lex_norm
    if found.named_article is not None:
        fused = fused + params.article_weight * found.named_article
    order = np.argsort(-fused, kind="stable")[:k]
    signals = {
        "dense": float(dense.max()) if len(dense) else 0.0,
        "lexical": float(lex_norm.max()) if len(lex_norm) else 0.0,
        **found.facts,
    }
    z = params.answer_bias + sum(w * signals[name] for name, w in params.answer_weights)
    probability = 1 / (1 + math.exp(-max(min(z, 50), -50)))
    signals["probability"] = probability
    threshold = params.answer_threshold if threshold is None else threshold
    answered = probability >= threshold and signals["dense"] >= params.dense_floor
    return order, fused, dense, answered, signals


@dataclass(frozen=True)
class _Answer:
    """One question as searched: what every set of candidates for it is scored against."""

    question: str  # as asked
    query: str  # as searched: without a date phrase, shorthand expanded, misspellings corrected
    vector: np.ndarray
    k: int
    scope: str
    overview: bool  # it asks only what was said (on a date, by someone): no topic to judge
    article: tuple | None  # (treaty, passage number) of an article it names, if in the library


def topic_text(text: str, focus) -> str:
    """The question without the date phrase that chose its documents: "What did NATO say on 24
    February 2022?" is searched as "What did NATO say", since the date is the documents', not
    words their passages must contain."""
    if focus.span is None or not focus.span.text:
        return text
    return " ".join(text.replace(focus.span.text, " ").split())


class Searcher:
    """Answers questions from one loaded index. Safe for concurrent searches."""

    def __init__(self, index: LoadedIndex, encoder, params: SearchParams | None = None,
                 cache_size: int = 1024, calibrate: bool = True, multilingual=None) -> None:
        self.index = index
        self.encoder = encoder
        # Questions in other languages (embeddings.multilingual), where the index has its vectors.
        self.multilingual = multilingual if index.e5 is not None else None
        self.router = Router(index.words) if self.multilingual is not None else None
        self.multilingual_thresholds: dict[str, float] = {}
        self.params = params or SearchParams()
        self.thresholds: dict[str, float] = {}  # per scope, calibrated; the fitted threshold where absent
        self._speller = Speller(index.words)
        self.library = Library(index.manifest.get("documents", []))
        self._years = self.library.years()  # of the documents' dates: a question may name them
        # Passages by their "Article N" number (not numbered clauses), for questions naming one.
        self._by_article = index.articles
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

    def calibrate(self) -> dict[str, float]:
        """Set each scope's no-answer threshold for this index: the fitted one, raised by as much
        as the off-topic probes score higher here than where the rule was fitted. About 150
        questions: half a second here. Returns the thresholds."""
        references = dict(self.params.probe_levels)
        if not references:
            return self.thresholds
        file = self._calibration_file()
        try:
            self.thresholds = {scope: float(t) for scope, t in json.loads(file.read_text(encoding="utf-8")).items()}
            return self.thresholds
        except (OSError, ValueError, AttributeError, TypeError):
            pass  # not calibrated yet with these parameters and this model (or unreadable): do it
        probabilities: dict[str, list[float]] = {scope: [] for scope in references if scope in SCOPES}
        for question in probe_questions():
            query, facts = self._prepare(normalise(question))
            vector = self.encoder.encode_query(query)
            for scope in probabilities:
                found = self._candidates(query, facts, vector, scope)
                if found is not None and len(found.numbers):
                    probabilities[scope].append(fuse(found, self.params, 1)[4]["probability"])
        fitted = self.params.answer_threshold
        self.thresholds = calibrated_thresholds(probabilities, self.params)
        raised = {scope: t for scope, t in self.thresholds.items() if t > fitted}
        if raised:
            log.info("no-answer threshold raised from %.3f to %s: off-topic probe questions score higher "
                     "on this library than where the rule was fitted", fitted,
                     ", ".join(f"{t:.3f} ({scope})" for scope, t in raised.items()))
        tmp = file.with_name(f".{file.name}.{os.getpid()}-{threading.get_ident()}")
        try:  # kept with the index version, so the next start need not score the probes again
            tmp.write_text(json.dumps(self.thresholds), encoding="utf-8")
            os.replace(tmp, file)
        except OSError as exc:
            log.debug("calibration not kept in %s: %s", file.parent, exc)
        return self.thresholds

    def calibrate_multilingual(self) -> dict[str, float]:
        """The multilingual path's threshold per scope: the fitted one, raised by as much as the
        first probe questions score higher on this index than where it was fitted (kept in the
        index version like the English calibration)."""
        file = self._calibration_file("multilingual")
        try:
            self.multilingual_thresholds = {k: float(v) for k, v in json.loads(file.read_text("utf-8")).items()}
            return self.multilingual_thresholds
        except (OSError, ValueError, AttributeError, TypeError):
            pass
        probes = [self.multilingual.query(q) for q in probe_questions()[:MULTILINGUAL_PROBES]]
        for scope in ("statements", "all"):
            numbers = self._scope_numbers(scope, None)
            if not len(numbers):
                continue
            matrix = np.asarray(self.index.e5[numbers])
            level = float(np.quantile([float((matrix @ v).max()) for v in probes], PROBE_QUANTILE))
            self.multilingual_thresholds[scope] = MULTILINGUAL_THRESHOLD + max(0.0, level - MULTILINGUAL_PROBE_LEVEL)
        tmp = file.with_name(f".{file.name}.{os.getpid()}-{threading.get_ident()}")
        try:
            tmp.write_text(json.dumps(self.multilingual_thresholds), encoding="utf-8")
            os.replace(tmp, file)
        except OSError as exc:
            log.debug("calibration not kept in %s: %s", file.parent, exc)
        return self.multilingual_thresholds

    def _scope_numbers(self, scope: str, documents: frozenset[str] | None) -> np.ndarray:
        """Passage numbers of a scope's kinds (and of ``documents``, if given)."""
        if documents is not None:
            return np.concatenate([np.arange(a, b) for a, b in self.library.ranges(documents)] or
                                  [np.zeros(0, dtype=np.int64)])
        parts = [np.arange(k.passage_offset, k.passage_offset + k.passage_count)
                 for name, k in self.index.kinds.items() if name in SCOPE_KINDS[scope]]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _search_multilingual(self, question: str, text: str, language: str, *, k: int, scope: str,
                             focus) -> SearchResult:
        """A question in another language: the passages whose multilingual vectors are nearest,
        quoted in English, with a note in the asker's language."""
        numbers = self._scope_numbers(scope, focus.documents)
        note = note_for(language) + (f" ({focus.note})" if focus.note else "")
        if not len(numbers):
            return SearchResult(question, False, [], reason="off-topic", note=note)
        vector = self.multilingual.query(text)
        sims = np.asarray(self.index.e5[numbers] @ vector, dtype=np.float64)
        order = np.argsort(-sims, kind="stable")[:k]
        threshold = self.multilingual_thresholds.get(scope, MULTILINGUAL_THRESHOLD)
        answered = bool(sims[order[0]] >= threshold)
        hits = [Hit(self.index.passages[int(numbers[i])], float(sims[i]), float(sims[i]), 0.0,
                    self.index.passages[int(numbers[i])].text) for i in order]
        signals = {"dense": float(sims[order[0]]), "language": language, "threshold": threshold}
        return SearchResult(question, answered, hits, "" if answered else "off-topic", signals, note=note)

    def _calibration_file(self, path: str = "english") -> Path:
        """Where this index version keeps its calibration for these parameters, probes and model."""
        model = self.multilingual.fingerprint if path == "multilingual" else getattr(self.encoder, "fingerprint", "")
        key = hashlib.sha256(json.dumps(
            [self.params.to_dict(), probe_questions(), model, path,
             [MULTILINGUAL_THRESHOLD, MULTILINGUAL_PROBE_LEVEL, MULTILINGUAL_PROBES] if path != "english" else []],
            sort_keys=True).encode()).hexdigest()[:16]
        return Path(self.index.path) / f"calibration-{key}.json"

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
            if low in self.index.words:
                out.append(expanded)
                continue
            fixed = self._correct(low) if self.params.correct_spelling else None
            if fixed:
                out.append(fixed)
            else:
                unknown += 1
                out.append(token)
        years = set(_YEAR_RE.findall(text))
        facts = {
            "content_words": content,
            "unknown": unknown / content if content else 0.0,
            # A year neither the texts nor the documents' dates have ("in 2023").
            "unknown_year": float(any(y not in self.index.words and y not in self._years for y in years)),
        }
        return "".join(out), facts

    def _correct(self, word: str) -> str | None:
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
        key = (text.lower(), k, scope, filters.key() if filters else None)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is not None:
            return replace(cached, question=question)
        result = self._search(question, text, k=k, scope=scope, filters=filters)
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
        kinds = [kind for kind in SCOPE_KINDS[scope] if kind in self.index.kinds]
        if not kinds:
            return SearchResult(question, False, [], reason="no-documents")
        focus = self.library.focus(text, kinds, filters)
        if focus.empty_reason:
            return SearchResult(question, False, [], reason=focus.empty_reason, note=focus.note)
        return kinds, focus

    def _search(self, question: str, text: str, *, k: int, scope: str, filters: Filters | None = None) -> SearchResult:
        found = self._focus(question, text, scope, filters)
        if isinstance(found, SearchResult):
            return found
        _, focus = found
        scope = self._widened(scope, focus)
        if self.router is not None and (language := self.router.language(text)) != "en":
            return self._search_multilingual(question, text, language, k=k, scope=scope, focus=focus)
        query, facts = self._prepare(topic_text(text, focus))
        vector = self.encoder.encode_query(query)
        overview = self._asks_what_was_said(query, focus)
        answer = _Answer(question, query, vector, k, scope, overview, self.index.catalogue.named_article(query))
        if focus.preferred:  # a named speaker or issuer: their documents first
            found = self._candidates(query, facts, vector, scope, self._allowed(focus.preferred))
            if found is not None and len(found.numbers):
                result = self._answer(answer, found, focus.preferred)
                if result.answered or overview:
                    note = f"From {self._names(focus.preferred)} (the question names {', '.join(focus.voice_terms)})"
                    return replace(result, answered=True, note=f"{focus.note}. {note}" if focus.note else note)
        found = self._candidates(query, facts, vector, scope,
                                 None if focus.documents is None else self._allowed(focus.documents))
        if found is None or not len(found.numbers):
            return SearchResult(question, False, [], reason="off-topic", note=focus.note)
        result = self._answer(answer, found, focus.documents, confined=focus.documents is not None)
        return replace(result, note=focus.note)

    def _answer(self, answer: _Answer, found: Candidates, documents: frozenset[str] | None, *,
                confined: bool = False) -> SearchResult:
        """The hits for one set of candidates and whether they answer: confidently, tentatively
        (the nearest passage, said to be only that), or not at all. An article the question names
        of a treaty in the library comes first, whatever the scope: that question is a look-up.

        The index's calibration raises the threshold as far as a larger library brings off-topic
        questions closer to some passage; a search ``confined`` by the asker's dates or filters to
        some documents is not that library, and keeps the fitted threshold."""
        threshold = None if confined else self.thresholds.get(answer.scope)
        order, fused, dense, answered, signals = fuse(found, self.params, answer.k * SPARE, threshold)
        overview = answer.overview and documents is not None
        answered = answered or overview
        hits = self._hits(found, order, fused, dense, answer.vector, answer.k, tokens(answer.query))
        looked_up = self._article_hit(answer, documents)
        if looked_up is not None:
            hits = [looked_up, *[h for h in hits if h.passage.id != looked_up.passage.id]][: answer.k]
            return SearchResult(answer.question, True, hits, signals=signals)
        tentative = answered and not overview and signals["probability"] < confident_level(self.params, threshold)
        unmatched = self.unmatched(answer.query, answer.scope) if documents is None and (
            tentative or not answered) else ()
        return SearchResult(answer.question, answered, hits, "" if answered else "off-topic", signals,
                            tentative=tentative, unmatched=unmatched)

    def _article_hit(self, answer: _Answer, documents: frozenset[str] | None) -> Hit | None:
        if answer.article is None:
            return None
        _, number = answer.article
        passage = self.index.passages[number]
        if documents is not None and passage.document not in documents:
            return None
        whole, best = self.unit_scores(np.array([number]), answer.vector)
        score = float(self.params.passage_weight * whole[0] + (1 - self.params.passage_weight) * best[0])
        return Hit(passage, score + self.params.article_weight, score, 0.0,
                   self.highlight(number, passage, answer.vector, tokens(answer.query)))

    def confident_level(self, scope: str) -> float:
        return confident_level(self.params, self.thresholds.get(scope))

    def unmatched(self, query: str, scope: str) -> tuple[str, ...]:
        """The question's topic words that no passage of the scope uses (in any form: "sanctions"
        matches "sanction"), as typed: what to tell a reader the documents do not mention."""
        vocabularies = [self.index.kinds[k].bm25.vocab_dict for k in SCOPE_KINDS[scope] if k in self.index.kinds]
        out = []
        for word in words(query):
            if word in STOPWORDS or word in REPORTING_WORDS or word in FILLER_WORDS or word.isdigit() or len(word) < 3:
                continue
            found = tokens(word)
            if found and not any(t in v for t in found for v in vocabularies):
                out.append(word)
        return tuple(dict.fromkeys(out))

    def _widened(self, scope: str, focus) -> str:
        """A date or a document may name documents of another kind than the scope's (the 1994
        memorandum under the default scope): then they are searched too."""
        if focus.documents and any(self.library.kind(d) not in SCOPE_KINDS[scope] for d in focus.documents):
            return "all"
        return scope

    def _asks_what_was_said(self, text: str, focus) -> bool:
        """A question that names only a date or a voice ("What did the G7 say on 11 March?"):
        once the documents are chosen, their best passages answer it, whatever the no-answer
        rule makes of a question with no topic. ``text`` is without the date phrase; words of
        the chosen documents' titles ("NATO" for "NATO statement on ...") name them, no topic."""
        if focus.span is None and not focus.preferred:
            return False
        chosen = focus.preferred or focus.documents or frozenset()
        named = {w for d in chosen for w in words(self.library.title(d))}
        left = [w for w in words(text) if w not in STOPWORDS and w not in REPORTING_WORDS
                and w not in focus.voice_terms and w not in named and not w.isdigit()]
        return not left

    def _names(self, documents: frozenset[str]) -> str:
        return "; ".join(f"{self.library.title(d)} ({self.library.date(d)})" for d in sorted(documents))

    def _allowed(self, documents: frozenset[str]) -> Allowed:
        return Allowed(self.library.ranges(documents), self.library.mask(documents, len(self.index.passages)))

    def _hits(self, found: Candidates, order: np.ndarray, fused: np.ndarray, dense: np.ndarray,
              vector: np.ndarray, k: int, query_tokens: Sequence[str] = ()) -> list[Hit]:
        """The top ``k`` of ``order`` with their highlights; a passage that says what a better one
        of another document already says (a near-copy) is named under it, not quoted again."""
        kept: list[tuple[int, list[Also]]] = []  # (position in found, also)
        for i in order:
            number = int(found.numbers[i])
            twin = next((entry for entry in kept if self._same_point(int(found.numbers[entry[0]]), number)), None)
            if twin is not None:
                passage = self.index.passages[number]
                first = self.index.passages[int(found.numbers[twin[0]])]
                if passage.document != first.document and all(a.document != passage.document for a in twin[1]):
                    twin[1].append(Also(passage.document, self.library.title(passage.document), passage.date))
                continue
            if len(kept) < k:
                kept.append((int(i), []))
        hits = []
        for i, also in kept:
            number = int(found.numbers[i])
            passage = self.index.passages[number]
            hits.append(Hit(passage, float(fused[i]), float(dense[i]), float(found.lexical[i]),
                            self.highlight(number, passage, vector, query_tokens), tuple(also)))
        return hits

    def _same_point(self, a: int, b: int) -> bool:
        """Two passages that say the same thing: their whole-passage vectors nearly coincide."""
        va = self.index.vectors[int(self.index.unit_start[a])]
        vb = self.index.vectors[int(self.index.unit_start[b])]
        return float(np.dot(va, vb)) >= NEAR_COPY_COSINE

    def highlight(self, number: int, passage: Passage, vector: np.ndarray, query_tokens: Sequence[str] = ()) -> str:
        """The sentence of the passage nearest the question (from its stored sentence vectors),
        with the next one when it is too short to stand alone; a one-sentence passage is its
        own answer. Always a verbatim substring of the passage."""
        parts = sentences(passage.text)
        first, last = int(self.index.unit_start[number]), int(self.index.unit_start[number + 1])
        if len(parts) < 2 or last - first != len(parts) + 1:
            return passage.text
        scores = np.asarray(self.index.vectors[first + 1:last] @ vector, dtype=np.float64)
        if query_tokens:  # the sentence that shares the question's words, among close ones
            wanted = set(query_tokens)
            scores += HIGHLIGHT_WORD_WEIGHT * np.array([len(wanted & set(tokens(part))) / len(wanted)
                                                         for part in parts])
        best = int(np.argmax(scores))
        chosen = parts[best]
        if len(chosen.split()) < MIN_HIGHLIGHT_WORDS and best + 1 < len(parts):
            start = passage.text.find(chosen)
            end = passage.text.find(parts[best + 1], start + len(chosen)) + len(parts[best + 1])
            if start >= 0 and end > start:
                return passage.text[start:end]
        return chosen if chosen in passage.text else passage.text

    def timeline(self, topic: str, *, scope: str = "statements", filters: Filters | None = None,
                 limit: int = 25) -> SearchResult:
        """One passage per document that speaks to ``topic``, in date order: how positions moved.
        A document is in it when its best passage would pass the no-answer rule by itself."""
        text = normalise(topic)
        found = self._focus(topic, text, scope, filters)
        if isinstance(found, SearchResult):
            return found
        kinds, focus = found
        query, facts = self._prepare(topic_text(text, focus))
        vector = self.encoder.encode_query(query)
        documents = focus.documents if focus.documents is not None else frozenset(
            d for d in self.library.ids() if self.library.kind(d) in kinds)
        found = self._candidates(query, facts, vector, scope, self._allowed(documents), wide=True)
        if found is None or not len(found.numbers):
            return SearchResult(topic, False, [], reason="off-topic", note=focus.note)
        _, fused, dense, _, _ = fuse(found, self.params, 1)
        threshold = self.thresholds.get(scope, self.params.answer_threshold)
        lex_norm = found.lexical / (found.lexical + self.params.lexical_saturation)
        best: dict[str, int] = {}
        for i in np.argsort(-fused, kind="stable"):
            passage_doc = self.index.passages[int(found.numbers[i])].document
            if passage_doc in best:
                continue
            signals = {**found.facts, "dense": float(dense[i]), "lexical": float(lex_norm[i])}
            z = self.params.answer_bias + sum(w * signals.get(name, 0.0) for name, w in self.params.answer_weights)
            if 1 / (1 + math.exp(-max(min(z, 50), -50))) >= threshold and dense[i] >= self.params.dense_floor:
                best[passage_doc] = int(i)
        picked = sorted(best.values(), key=lambda i: (self.index.passages[int(found.numbers[i])].date, -fused[i]))
        hits = []
        for i in picked[:limit]:
            number = int(found.numbers[i])
            passage = self.index.passages[number]
            hits.append(Hit(passage, float(fused[i]), float(dense[i]), float(found.lexical[i]),
                            self.highlight(number, passage, vector, tokens(query))))
        return SearchResult(topic, bool(hits), hits, "" if hits else "off-topic", note=focus.note)

    def candidates(self, text: str, scope: str = "statements") -> Candidates | None:
        """The passages worth scoring for a (normalised) question, with every score the fusion
        needs; None if the scope holds no documents."""
        kinds = [k for k in SCOPE_KINDS[scope] if k in self.index.kinds]
        if not kinds:
            return None
        query, facts = self._prepare(topic_text(text, self.library.focus(text, kinds)))
        return self._candidates(query, facts, self.encoder.encode_query(query), scope)

    def _candidates(self, query: str, facts: dict, vector: np.ndarray, scope: str,
                    allowed: Allowed | None = None, wide: bool = False) -> Candidates | None:
        """``allowed``: only these passages. ``wide``: score every allowed passage where that is
        cheap (a timeline wants each document's best), else many more than a reply needs."""
        kinds = [self.index.kinds[k] for k in SCOPE_KINDS[scope] if k in self.index.kinds]
        if not kinds:
            return None
        query_tokens = tokens(query)
        numbers_found: set[int] = set()
        lexical: dict[int, float] = {}
        mask = None if allowed is None else allowed.mask
        if allowed is not None and allowed.units(self.index.unit_start) <= EXACT_FILTERED_UNITS:
            numbers_found.update(self._dense_exact(allowed, vector, wide))
        for kind in kinds:
            if allowed is None or allowed.units(self.index.unit_start) > EXACT_FILTERED_UNITS:
                numbers_found.update(self._dense_candidates(kind, vector, mask, wide))
            found = self._lexical(kind, query_tokens, mask)
            lexical.update(found)
            numbers_found.update(found)
        named = {n for a in _NAMED_ARTICLE_RE.findall(query) for n in self._by_article.get(a.lower(), ())
                 if self.index.passages[n].kind in SCOPE_KINDS[scope] and (mask is None or mask[n])}
        numbers_found |= named
        if mask is not None:
            numbers_found = {n for n in numbers_found if mask[n]}
        numbers = np.fromiter(numbers_found, dtype=np.int64)
        whole, best = self.unit_scores(numbers, vector)
        lex = np.array([lexical.get(int(n), 0.0) for n in numbers])
        named_article = np.array([float(int(n) in named) for n in numbers]) if named else None
        return Candidates(numbers, whole, best, lex, facts, named_article)

    def _dense_exact(self, allowed: Allowed, vector: np.ndarray, wide: bool) -> set[int]:
        """The allowed passages nearest the question, scoring every allowed unit (filters)."""
        rows = np.concatenate([np.arange(self.index.unit_start[a], self.index.unit_start[b])
                               for a, b in allowed.ranges]) if allowed.ranges else np.zeros(0, dtype=np.int64)
        if not len(rows):
            return set()
        sims = np.asarray(self.index.vectors[rows] @ vector)
        n = len(rows) if wide else min(self.params.candidates * 2, len(rows))
        top = np.argpartition(-sims, n - 1)[:n] if n < len(rows) else np.arange(len(rows))
        return {int(p) for p in self.index.unit_passage[rows[top]]}

    def unit_scores(self, numbers: np.ndarray, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cosine of each candidate passage as a whole, and of its best sentence, from the stored
        unit vectors (a passage of one sentence scores the same on both)."""
        if not len(numbers):
            return np.zeros(0), np.zeros(0)
        starts = self.index.unit_start[numbers]
        counts = self.index.unit_start[numbers + 1] - starts
        firsts = np.cumsum(counts) - counts  # where each passage's units begin in ``sims``
        rows = np.repeat(starts - firsts, counts) + np.arange(counts.sum())
        sims = np.asarray(self.index.vectors[rows] @ vector, dtype=np.float64)
        whole = sims[firsts]
        sentences = sims.copy()
        sentences[firsts] = -np.inf  # the first unit is the whole passage
        best = np.where(counts > 1, np.maximum.reduceat(sentences, firsts), whole)
        return whole, best

    def _dense_candidates(self, kind, vector: np.ndarray, mask: np.ndarray | None = None,
                          wide: bool = False) -> set[int]:
        """Passages of the units nearest to the question (FAISS; -1 pads missing results). With
        a mask (filters over a large library), many more are fetched and the allowed kept."""
        n = self.params.candidates * 2 * (FILTER_WIDENING if mask is not None or wide else 1)
        n = min(n, kind.dense.ntotal)
        _, ids = kind.dense.search(vector.reshape(1, -1).astype(np.float32), n)
        offset = kind.unit_offset
        found = {int(self.index.unit_passage[offset + local]) for local in ids[0] if local >= 0}
        return found if mask is None else {p for p in found if mask[p]}

    def _lexical(self, kind, query_tokens: list[str], mask: np.ndarray | None = None) -> dict[int, float]:
        """BM25 scores (bm25s's index and weights) of the passages that contain question words.

        Sums the postings of the question's words, touching only the passages that contain
        them; on large corpora words found in over a fifth of all passages are skipped, as they
        say little and cost the most (measured: 4.4 ms -> under 1 ms at 100k passages).
        """
        vocab = kind.bm25.vocab_dict
        ids = [vocab[t] for t in dict.fromkeys(query_tokens) if t in vocab]
        if not ids:
            return {}
        matrix = kind.bm25.scores
        indptr, indices, data = matrix["indptr"], matrix["indices"], matrix["data"]
        n = kind.passage_count
        limit = n // 5 if n >= 10_000 else n
        spans = [(indptr[i], indptr[i + 1]) for i in ids if 0 < indptr[i + 1] - indptr[i] <= limit]
        if not spans:
            return {}
        docs = np.concatenate([indices[a:b] for a, b in spans])
        weights = np.concatenate([data[a:b] for a, b in spans])
        touched, inverse = np.unique(docs, return_inverse=True)
        scores = np.bincount(inverse, weights=weights)
        if mask is not None:  # the filters' passages only, before the top are taken
            keep = mask[kind.passage_offset + touched]
            touched, scores = touched[keep], scores[keep]
        top = np.argsort(-scores)[: self.params.candidates] if len(scores) > self.params.candidates \
            else np.arange(len(scores))
        return {kind.passage_offset + int(touched[i]): float(scores[i]) for i in top if scores[i] > 0}
