"""Where candidate passages come from: the dense index and BM25, within the documents allowed."""

from __future__ import annotations

import numpy as np

from embeddings.corpus.text import STOPWORDS, tokens, words
from embeddings.corpus.voices import OFFICE_ABBREVIATIONS
from embeddings.search.focus import REPORTING_WORDS
from embeddings.search.fusion import Allowed, Candidates
from embeddings.search.results import NAMED_ARTICLE_RE, SCOPE_KINDS

# Words of a question that are not its topic, beside STOPWORDS and REPORTING_WORDS: never named as
# words the documents do not use ("anything" in "Did NATO say anything about ...?").
FILLER_WORDS = frozenset("""anything something everything nothing anybody somebody everybody anyone someone
    everyone ever yet really actually also still just even like kind sort way lot lots much many please
    mentions mentioning refer refers referred reference references according acc per""".split())


# Words people type for what official texts say otherwise, added to a question's lexical tokens (as
# BM25 reads them, stemmed) for ranking: "sanctions" are "restrictive measures", "troops" and "the
# army" "forces". General usage of the field, not the words of one document; the dense side reads
# the question as asked, and whether to answer at all is decided on the question's own words. Not
# words whose official form is also another word's ("weapons" as "arms" met "armed", "leaders" as
# "heads" "Heads of State", "countries" as "nations" "United Nations", "money" as "funds").
_OFFICIAL_WORDS = {"sanction": "restrict measur", "troop": "forc", "armi": "forc militari", "soldier": "forc troop",
                   "refuge": "displac", "oligarch": "elit", "nuke": "nuclear", "invad": "invas", "invas": "invad",
                   "kick": "remov exclud", "talk": "dialogu negoti", "dead": "casualti death",
                   "kill": "casualti death", "hunger": "food", "bomb": "shell strike"}


def lexical_tokens(query: str) -> list[str]:
    """The question's BM25 tokens, and the official words for what it says in everyday ones."""
    found = tokens(query)
    return found + _official_words(found)


def _official_words(found: list[str]) -> list[str]:
    return [t for token in found for t in _OFFICIAL_WORDS.get(token, "").split()]


def topic_words(query: str) -> list[str]:
    """The words of a question that can say what it is about, as typed: not stopwords, reporting
    or filler words, numbers or words under three letters."""
    return [w for w in words(query) if not (w in STOPWORDS or w in REPORTING_WORDS or w in FILLER_WORDS
                                            or w.isdigit() or len(w) < 3)]


class Retrieval:
    """Candidate passages for a question: dense (exact or through the index's IVF) and lexical (BM25
    over the question's words), within the documents allowed. Mixed into Searcher, whose index
    and parameters it reads."""

    def _candidates(self, query: str, facts: dict, vector: np.ndarray, scope: str,
                    allowed: Allowed | None = None, wide: bool = False) -> Candidates | None:
        """``allowed``: only these passages. ``wide``: score every allowed passage where that is
        cheap (a timeline wants each document's best), else many more than a reply needs."""
        kinds = [self.index.kinds[k] for k in SCOPE_KINDS[scope] if k in self.index.kinds]
        if not kinds:
            return None
        asked_tokens = tokens(query)
        official = _official_words(asked_tokens)  # where any: the question's own words decide apart
        query_tokens, expanded = asked_tokens + official, bool(official)
        numbers_found: set[int] = set()
        lexical: dict[int, float] = {}
        asked: dict[int, float] = {}  # the question's own words: what decides whether to answer
        mask = None if allowed is None else allowed.mask
        if allowed is not None and allowed.units(self.index.unit_start) <= EXACT_FILTERED_UNITS:
            numbers_found.update(self._dense_exact(allowed, vector, wide))
        for kind in kinds:
            if allowed is None or allowed.units(self.index.unit_start) > EXACT_FILTERED_UNITS:
                numbers_found.update(self._dense_candidates(kind, vector, mask, wide))
            found = self._lexical(kind, query_tokens, mask)
            lexical.update(found)
            numbers_found.update(found)
            if expanded:
                asked.update(self._lexical(kind, asked_tokens, mask))
        of = self.index.catalogue.article_documents(query) if NAMED_ARTICLE_RE.search(query) else None
        named = {n for a in NAMED_ARTICLE_RE.findall(query) for n in self._by_article.get(a.lower(), ())
                 if self.index.passages[n].kind in SCOPE_KINDS[scope] and (mask is None or mask[n])
                 and (of is None or self.index.passages[n].document in of)}
        numbers_found |= named
        if mask is not None:
            numbers_found = {n for n in numbers_found if mask[n]}
        numbers = np.fromiter(numbers_found, dtype=np.int64)
        whole, best = self.unit_scores(numbers, vector)
        lex = np.array([lexical.get(int(n), 0.0) for n in numbers])
        named_article = np.array([float(int(n) in named) for n in numbers]) if named else None
        own = np.array([asked.get(int(n), 0.0) for n in numbers]) if expanded else None
        return Candidates(numbers, whole, best, lex, facts, named_article, own)

    def mentions(self, documents: frozenset[str], terms) -> bool:
        """Whether a passage of ``documents`` uses one of ``terms`` (as BM25 reads words)."""
        mask = self.library.mask(documents, len(self.index.passages))
        for kind in self.index.kinds.values():
            vocab, matrix = kind.bm25.vocab_dict, kind.bm25.scores
            for token in {t for term in terms for t in tokens(term)}:
                i = vocab.get(token)
                if i is not None:
                    found = matrix["indices"][matrix["indptr"][i]:matrix["indptr"][i + 1]] + kind.passage_offset
                    if mask[found].any():
                        return True
        return False

    def says(self, documents: frozenset[str], phrase: str) -> bool:
        """Whether a passage of ``documents`` writes ``phrase`` (any case, spaces as one)."""
        wanted = " ".join(phrase.lower().split())
        return any(wanted in " ".join(self.index.passages[n].text.lower().split())
                   for first, last in self.library.ranges(documents) for n in range(first, last))

    def unmatched(self, query: str, scope: str) -> tuple[str, ...]:
        """The question's topic words that no passage of the scope uses (in any form: "sanctions"
        matches "sanction"), as typed: what to tell a reader the documents do not mention. Not a
        speaker's or issuer's name ("Psaki") or an office abbreviated ("secgen"): the library knows
        whose documents those are; nor a word by which the question names an agreement of the
        library, or the start of one of its names' words ("the budapest memo")."""
        vocabularies = [self.index.kinds[k].bm25.vocab_dict for k in SCOPE_KINDS[scope] if k in self.index.kinds]
        named = self.index.catalogue.named_treaties(query)
        names = {w for treaty, _ in named for name in (treaty.name, *treaty.aliases) for w in words(name)}
        naming = {w for _, found in named for w in words(found)} | {  # and "memo" of "memorandum"
            w for w in words(query) if len(w) > 3 and any(n.startswith(w) for n in names)}
        out = []
        for word in topic_words(query):
            found = tokens(word)
            known = word.lower() in self.library.voice_names or word.lower() in naming \
                or word.lower() in OFFICE_ABBREVIATIONS
            if found and not known and not any(t in v for t in found for v in vocabularies):
                out.append(word)
        return tuple(dict.fromkeys(out))

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

# Filters: up to this many units are scored exactly (about 2 ms); beyond, FAISS is asked for
# FILTER_WIDENING times as many and the allowed kept.
EXACT_FILTERED_UNITS = 50_000

FILTER_WIDENING = 10
