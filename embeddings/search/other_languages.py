"""Questions in other languages: the multilingual vectors (multilingual-e5-small) of the passages,
searched with the question's, quoted in English with a note in the asker's language. Mixed into
Searcher, whose index, focus and thresholds it reads."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from embeddings.encoders.multilingual import MONTH_WORDS, SAYING, folded, note_for
from embeddings.encoders.multilingual import THRESHOLD as MULTILINGUAL_THRESHOLD
from embeddings.search.crosslingual import ENGLISH_WEIGHT, english_reading
from embeddings.search.focus import topic_text
from embeddings.search.fusion import fuse
from embeddings.search.results import Hit, SearchResult
from embeddings.search.unanswerable import asks_who_issued, contests_named

# A search confined to at most this share of the scope's passages keeps the fitted threshold.
CONFINED_SHARE = 0.5
# A passage shorter than this may be shown but does not decide that a question is answered: a short
# turn of a transcript ("What's your next question? I'm sorry.") is near every question in the
# multilingual model's space, and answered "Comment faire du pain maison ?" (docs/quality.md).
MIN_DECIDING_WORDS = 10
# Whether a question is answered is decided on this many of the best passages, however many are
# shown: a server showing 3 (and the bot searching 6, for "More passages") got another answer
# than the 10 every figure of docs/quality.md was measured with.
DECIDING_RANKS = 10


def similarities(matrix: np.ndarray, numbers: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``matrix[numbers] @ vector``. Where most rows are wanted (a question over the whole
    library), every row is scored and the wanted ones picked: gathering the rows first copies them
    (150 MB at 100,000 passages), several times slower (``benchmarks/multilingual_rows.py``)."""
    if 2 * len(numbers) >= len(matrix):
        return np.asarray(matrix @ vector, dtype=np.float64)[numbers]
    return np.asarray(matrix[numbers] @ vector, dtype=np.float64)


class OtherLanguages:
    def _search_multilingual(self, question: str, text: str, language: str, *, k: int, scope: str,
                             focus) -> SearchResult:
        """A question in another language: the passages whose multilingual vectors are nearest,
        quoted in English, with a note in the asker's language. A passage is ranked by the nearer
        of its own vector and its vector after its title, section and speaker (which found more on
        questions nobody on the team wrote: docs/quality.md); whether to answer is decided on its
        own vector, as the threshold was fitted. As in English, a named speaker's
        documents are tried first, and a search confined to some documents (a date, the asker's
        filters, a speaker) keeps the fitted threshold, not the one raised for the whole library."""
        later = self.library.later_year(text, self.index.words) if focus.span is None else None
        if later is not None:  # "Que s'est-il passé en 2023 ?": nothing written earlier can tell
            return SearchResult(question, False, [], reason="no-date", note=f"{note_for(language)} ({later.note})")
        contests = contests_named(text)
        unused = set(self.unmatched(" ".join(sorted(set(contests.values()))), scope)) if contests else set()
        if unused:  # "Qu'a dit Biden le 24 février sur le football ?": no passage speaks of it
            return SearchResult(question, False, [], reason="off-topic", note=note_for(language),
                                unmatched=tuple(w for w, english in contests.items() if english in unused))
        note = note_for(language) + (f" ({focus.note})" if focus.note else "")
        theirs = f"{note_for(language)} ({self._theirs(focus, text)})" if focus.preferred else note  # whose words
        vector = self.multilingual.query(text) if self.multilingual is not None else None
        naming = self.library.voices.naming_words(text, focus.voice_terms)
        if vector is not None and _asks_what_was_said(text, focus, naming):  # no topic: what the documents lead with
            numbers = self._scope_numbers(scope, focus.preferred or focus.documents)
            numbers = numbers[self._leads(numbers)[:k]]
            sims = similarities(self.index.e5, numbers, vector)
            hits = [self._multilingual_hit(n, s, s) for n, s in zip(numbers, sims, strict=True)]
            return SearchResult(question, bool(hits), hits, "" if hits else "off-topic", note=theirs,
                                signals={"dense": float(sims.max(initial=0.0)), "language": language})
        english = self._english_reading(text) if vector is not None else ""
        if focus.preferred:
            result = self._multilingual_hits(question, vector, k, scope, focus.preferred, MULTILINGUAL_THRESHOLD,
                                             english)
            if result.answered or focus.span is not None and result.hits:  # named by voice and date: theirs,
                tentative = not result.answered  # said to be only the nearest where they do not answer
                return replace(result, answered=True, tentative=tentative, reason="", note=theirs,
                               signals={**result.signals, "language": language})
        threshold = self.multilingual_thresholds.get(scope, MULTILINGUAL_THRESHOLD)
        confined = focus.documents is not None and \
            self._scope_count(scope, focus.documents) <= CONFINED_SHARE * self._scope_count(scope)
        if confined:
            threshold = MULTILINGUAL_THRESHOLD  # a few documents, not the library the threshold rose for
        result = self._multilingual_hits(question, vector, k, scope, focus.documents, threshold, english)
        return replace(result, note=note, signals={**result.signals, "language": language})

    def _multilingual_hits(self, question: str, vector, k: int, scope: str, documents, threshold: float,
                           english: str = "") -> SearchResult:
        """The passages of ``documents`` nearest the question in the multilingual model's space (the
        nearer of a passage's two vectors), with the English pipeline's score of each for the
        question's English reading added (``crosslingual``); answered where one of the best
        ``DECIDING_RANKS`` by the multilingual vectors alone reaches ``threshold`` by its own vector."""
        numbers = self._scope_numbers(scope, documents)
        if not len(numbers) or vector is None:
            return SearchResult(question, False, [], reason="off-topic")
        sims = similarities(self.index.e5, numbers, vector)
        ranking = sims
        if self.index.e5_context is not None:
            ranking = np.maximum(sims, similarities(self.index.e5_context, numbers, vector))
        ranked = np.argsort(-ranking, kind="stable")[:max(k, DECIDING_RANKS)]
        deciding = [i for i in ranked if len(self.index.passages[int(numbers[i])].text.split()) >= MIN_DECIDING_WORDS]
        answered = bool(deciding) and bool(sims[deciding].max() >= threshold)  # whatever number is shown
        if (scores := self._english_scores(english, numbers, scope, documents)) is not None:
            ranking = ranking + ENGLISH_WEIGHT * scores
            ranked = np.argsort(-ranking, kind="stable")
        order = ranked[:k]
        hits = [self._multilingual_hit(numbers[i], ranking[i], sims[i]) for i in order]
        signals = {"dense": float(sims[order].max()), "threshold": threshold}
        return SearchResult(question, answered, hits, "" if answered else "off-topic", signals)

    def _english_reading(self, text: str) -> str:
        """The question read as the library's English words nearest its own (``crosslingual``)."""
        if self.index.lexicon is None:
            return ""
        return english_reading(text, self.index.words, self.multilingual.word_vectors, self.index.lexicon,
                               self.index.lexicon_words)

    def _english_scores(self, english: str, numbers: np.ndarray, scope: str, documents) -> np.ndarray | None:
        """The English pipeline's fused score of each of ``numbers`` (the passages of ``documents``,
        or of the scope) for ``english`` (the lowest it gave, where it did not score the passage);
        None if it scored none."""
        allowed = self._allowed(documents) if documents is not None else None
        found = self.candidates(english, scope, allowed) if english else None
        if found is None or not len(found.numbers):
            return None
        _, fused, *_ = fuse(found, self.params, 1)
        score = dict(zip(found.numbers.tolist(), fused.tolist()))
        lowest = float(fused.min())
        return np.array([score.get(int(n), lowest) for n in numbers.tolist()])

    def _multilingual_hit(self, number, score, dense) -> Hit:
        """A passage found by its multilingual vectors, quoted whole (no English highlight)."""
        passage = self.index.passages[int(number)]
        return Hit(passage, float(score), float(dense), 0.0, passage.text, number=int(number))


def _asks_what_was_said(text: str, focus, naming: set[str]) -> bool:
    """A question that names only a date and who spoke ("Qu'a dit l'OTAN le 24 février ?", "Что
    заявила G7 24 марта?"): no word left but the names, once the date, the question's words of
    saying and its articles are set aside. A name typed as the library writes it ("G7", "Biden") or
    read as a voice (``naming``: "Білий дім") is that; one typed otherwise ("OTAN", "Столтенберг")
    is one capitalised word."""
    if focus.span is None and not focus.preferred or not (focus.preferred or focus.documents):
        return False
    if asks_who_issued(text):  # "Кто подписал совместное заявление 26 февраля?": its opening names them
        return True
    if len(focus.voice_terms) > 1:  # "Was sagte Biden zum G7?": one of them is what is asked about
        return False
    left, typed = _left(text, focus, naming)
    asked = [w.lower() for w in typed]  # "g7", "g20" whole
    otherwise = [t for t in focus.voice_terms if t.lower() not in asked]
    return len(left) <= len(otherwise) and all(w[0].isupper() for w in left)


def _left(text: str, focus, naming: set[str]) -> tuple[list[str], list[str]]:
    """The question's words beside its date (or a month named alone: "im März"), its words of
    asking what was said and the voices it names (``naming``: "Білий дім"), and all its words, as
    typed."""
    typed = re.findall(r"[^\W_][\w-]*", topic_text(text, focus).replace("'", " ").replace("’", " "))
    left = [w for w in typed if len(w) > 1 and not w.isdigit() and folded(w) not in SAYING
            and folded(w.lower()) not in MONTH_WORDS and w.lower() not in focus.voice_terms
            and w.lower() not in naming]
    return left, typed
