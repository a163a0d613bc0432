"""What a hit quotes: the sentence of its passage that answers best (the highlight), and near-copies
(passages of other documents that say the same) named under the hit instead of quoted again."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from embeddings.corpus.records import Passage
from embeddings.corpus.text import sentences, tokens
from embeddings.search.fusion import Candidates
from embeddings.search.results import Also, Hit

# Two passages of different documents whose whole-passage vectors are this close say the same
# thing: the better is quoted, the other named ("Also in: ...").
NEAR_COPY_COSINE = 0.92
# A passage of at most this many words that another of its document begins with is a heading
# listed on its own: the passage it heads is quoted in its place.
MAX_HEADING_WORDS = 20
# A highlighted sentence shorter than this takes the next one with it.
MIN_HIGHLIGHT_WORDS = 6
# The highlight: a sentence's cosine to the question plus this times the share of the question's
# words it contains.
HIGHLIGHT_WORD_WEIGHT = 0.2


class Highlighting:
    """Hits from ranked candidates, each with its highlighted sentence, near-copies named rather
    than quoted. Mixed into Searcher, whose index and library it reads."""

    def _hits(self, found: Candidates, order: np.ndarray, fused: np.ndarray, dense: np.ndarray,
              vector: np.ndarray, k: int, query_tokens: Sequence[str] = ()) -> list[Hit]:
        """The top ``k`` of ``order`` with their highlights; a passage that says what a better one
        of another document already says (a near-copy) is named under it, not quoted again."""
        kept: list[tuple[int, list[Also]]] = []  # (position in found, also)
        # every candidate's whole-passage vector, once: which two say the same thing (a near-copy)
        whole = self.index.vectors[self.index.unit_start[found.numbers]]
        read: dict[int, Passage] = {}  # the candidates' passages, each read from the index once

        def passage(i: int) -> Passage:
            if i not in read:
                read[i] = self.index.passages[int(found.numbers[i])]
            return read[i]

        for i in order:
            if len(kept) < k:  # past them, only near-copies of the kept are looked for
                i = self._fuller(order, int(i), passage)
                if any(i == entry[0] for entry in kept):
                    continue
            near = whole[[entry[0] for entry in kept]] @ whole[i] >= NEAR_COPY_COSINE if kept else ()
            twin = next((entry for entry, same in zip(kept, near, strict=True) if same), None)
            if twin is not None:
                copy, first = passage(int(i)), passage(twin[0])
                if copy.document != first.document and all(a.document != copy.document for a in twin[1]):
                    twin[1].append(Also(copy.document, self.library.title(copy.document), copy.date))
                continue
            if len(kept) < k:
                kept.append((int(i), []))
        return [Hit(passage(i), float(fused[i]), float(dense[i]), float(found.lexical[i]),
                    self.highlight(int(found.numbers[i]), passage(i), vector, query_tokens), tuple(also),
                    int(found.numbers[i])) for i, also in kept]

    @staticmethod
    def _fuller(order: np.ndarray, i: int, passage) -> int:
        """The candidate that candidate ``i``'s passage begins, where it is a heading listed on its
        own (a table of contents) and a passage of its document starts with it and goes on: that
        one says all it does. ``i`` where there is none. ``passage``: a candidate's passage."""
        head = passage(i).text.strip()
        if len(head.split()) > MAX_HEADING_WORDS:
            return i
        for j in order:
            other = passage(int(j))
            if other.document == passage(i).document and len(other.text) > len(head) + 1 \
                    and other.text.lstrip().startswith(head):
                return int(j)
        return i

    def highlight(self, number: int, passage: Passage, vector: np.ndarray, query_tokens: Sequence[str] = ()) -> str:
        """The sentence of the passage nearest the question (from its stored sentence vectors),
        with the next one when it is too short to stand alone; a one-sentence passage is its
        own answer. Always a verbatim substring of the passage."""
        parts, words_of = _sentences(passage.text)
        first, last = int(self.index.unit_start[number]), int(self.index.unit_start[number + 1])
        if len(parts) < 2 or last - first < len(parts) + 1:
            return passage.text
        # The units after the whole passage: its sentences, then (a statement's) the context unit.
        scores = np.asarray(self.index.vectors[first + 1:first + 1 + len(parts)] @ vector, dtype=np.float64)
        if query_tokens:  # the sentence that shares the question's words, among close ones
            wanted = set(query_tokens)
            scores += HIGHLIGHT_WORD_WEIGHT * np.array([len(wanted & found) / len(wanted) for found in words_of])
        best = int(np.argmax(scores))
        chosen = parts[best]
        if len(chosen.split()) < MIN_HIGHLIGHT_WORDS and best + 1 < len(parts):
            start = passage.text.find(chosen)
            end = passage.text.find(parts[best + 1], start + len(chosen)) + len(parts[best + 1])
            if start >= 0 and end > start:
                return passage.text[start:end]
        return chosen if chosen in passage.text else passage.text


@lru_cache(maxsize=8192)
def _sentences(text: str) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    """A passage's sentences and the words of each (as BM25 reads them), once per passage: the
    same passages answer many questions (kept, read-only, for the last 8,192)."""
    parts = tuple(sentences(text))
    return parts, tuple(frozenset(tokens(part)) for part in parts)
