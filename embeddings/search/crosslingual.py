"""A question in another language read as the library's English words its words are nearest to.

multilingual-e5 places a word near its translations: "самооборону" is nearest "self-defence" of
the library's words, "Koalition" "coalition", "fronteras" "borders". The index keeps the vector of
each of the library's words (``index.multilingual_vectors``); a question's words that are not the
library's own ("NATO", "G7", "Biden" are kept as typed) are embedded the same way and read as
their nearest ones, and the English pipeline (the fine-tuned MiniLM and BM25) is searched with
what they make, so that it ranks the passages beside the multilingual model (``other_languages``).
A word with no translation in the library ("spolki") is read as some unrelated word; the English
ranking is only added, at a small weight, to the multilingual one (docs/quality.md: what it
gained and lost, and the weights tried).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from functools import cache
from threading import Lock

import numpy as np

from embeddings.corpus.text import words

# The English pipeline's fused score of a passage for the question's English reading, times this,
# is added to the passage's multilingual cosine (spreads of about 0.5 and 0.05).
ENGLISH_WEIGHT = 0.1
# Words read in English at most, the first ones: each costs about 4 ms to embed, and a long message
# in another language (a server may allow 6,000 characters) should not hold the model for seconds.
MAX_WORDS_READ = 32
# ... and no longer than this: text without spaces (Chinese, Japanese, Thai) is one "word" a clause,
# which the model would take seconds to embed; no library word is that long.
MAX_WORD_CHARS = 30


def english_reading(question: str, library_words: Container[str], embed: Callable[[list[str]], np.ndarray],
                    lexicon: np.ndarray, lexicon_words: Sequence[str]) -> str:
    """The question's words in order, each of the library's as it is, each other of three letters
    or more as the library's word nearest it (``embed`` gives their vectors, ``lexicon`` the
    library's words' own), up to ``MAX_WORDS_READ`` of those; numbers and longer runs left out."""
    asked = [w for w in dict.fromkeys(words(question)) if any(c.isalpha() for c in w)]
    kept = {w for w in asked if w in library_words}
    foreign = [w for w in asked if w not in kept and 2 < len(w) <= MAX_WORD_CHARS][:MAX_WORDS_READ]
    nearest: dict[str, str] = {}
    if foreign and len(lexicon):
        vectors = embed(foreign)
        with _ONE_AT_A_TIME, _blas().limit(limits=1, user_api="blas"):  # its threads, spinning, slow the model's
            best = np.asarray(vectors @ np.asarray(lexicon).T).argmax(axis=1)
        nearest = {w: lexicon_words[int(i)] for w, i in zip(foreign, best, strict=True)}
    return " ".join(w if w in kept else nearest[w] for w in asked if w in kept or w in nearest)


# threadpoolctl's limit is the process's and restores what it found: two questions at once would
# leave BLAS at one thread for good (the second restoring the first's limit), so one at a time.
_ONE_AT_A_TIME = Lock()


@cache
def _blas():
    """numpy's BLAS, held to one thread for the product with the lexicon: on two cores its threads,
    spinning after the product, took the cores from the multilingual model's: a question in another
    language took 80 ms at the median, 42 ms held to one (benchmarks/library.py, docs/performance.md)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
