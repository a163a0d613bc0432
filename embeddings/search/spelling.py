"""Spelling correction against the index's own words: a misspelt word becomes the nearest word
of the same first letter and about the same length that the documents use."""

from __future__ import annotations


class Speller:
    """Corrects a misspelt word to a corpus word one or two edits away (by length; two letters swapped
    are one edit: "abuot"), if there is
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
        from rapidfuzz.distance import OSA

        limit = 1 if len(word) < 8 else 2
        candidates = [w for n in range(len(word) - limit, len(word) + limit + 1)
                      for w in self._buckets.get((word[0], n), ())]
        found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=limit, limit=3)  # "abuot": one swap
        if not found:
            return None
        best = min(d for _, d, _ in found)
        choices = [w for w, d, _ in found if d == best]
        return choices[0] if len(choices) == 1 else None
