"""Who a question says speaks: "What did the G7 say", "What did Stoltenberg tell ministers",
"What did the White House announce". The documents' voice terms are read in issuers.py.

A question names a voice when one of its words (or two adjacent words written together: "white
house" -> "whitehouse") is a voice term of a few documents only: a term most documents share
("NATO" in a NATO library, "Ukraine"), or that most of their texts use ("Russian"), tells them
apart from nothing and is ignored.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from embeddings.corpus.countries import inflected_name, other_names
from embeddings.corpus.issuers import MAX_SHARE, title_words
from embeddings.corpus.text import (
    STOPWORDS,
    TITLE_WORD_RE,
    country_of,
    country_words,
    nationality_stem,
    unaccented,
    without_possessive,
)
from embeddings.corpus.transliteration import AI, latin, skeleton, spelling
from embeddings.corpus.voice_words import INDEFINITE, in_capitals, normalised

# Whether the texts of some documents use any of some words (``Retrieval.mentions``).
Mentions = Callable[[frozenset[str], Sequence[str]], bool]

# "with the EU", "avec l'UE", "con la UE", "mit der EU": a partner, not the voice; "say about the
# EU": what is asked about.
_WITH = frozenset("with alongside avec con mit".split())
_SAY = frozenset("say said says think thinks thought announce announced write wrote tell told".split())
_ARTICLES = frozenset("the a an its their our le la les l el los las der die das den dem des".split())
# What joins two voices named together: "Biden and the G7", "the UK or France".
_AND = frozenset("and or & et und y i oraz".split())
_JOINERS = _ARTICLES | _AND
# Short words of the languages questions come in, which a voice term may also be ("us", "es" from a
# document symbol "A/RES/ES-11/1"): such a term names a voice only where typed in capitals.
_COMMON_SHORT = frozenset("""
a i am an as at be by do go he if in is it me my no of on or so to up us we
all and any are but can did for has her his how its may new not now one our out the two was who why yes you
le la les un une des du de et est en au aux ce il ne pas qui que sur
el los las una es del y por con sin se su al lo ya yo
der die das den dem ein und ist im auf aus bei mit von zu er sie wir
w z na co czy nie jak ze sa je po od za ale ja ty my
v s k u o iz pro da net eto kak vse ya vy ona oni ta ye yak
""".split())


# Words that end a name before a voice term: "say about sanctions at the G7" names the G7 as who speaks
# ("the expansion of NATO" is what is asked about).
_PLACES = frozenset("at in on during from by".split())
# A name romanised otherwise than the library's ("zelensky", "zelenskiy" for "Zelenskyy") is read as
# its name from this length; shorter words meet too many others so.
_SPELT_LONG = 6
_NATIONAL_ENDING = 2  # letters a country's name has beyond its nationality's stem ("southafric" + "a")


def _not_speaking(before: Sequence[str]) -> bool:
    """Whether the words before a voice term (articles skipped) make it a partner ("with the EU")
    or what is asked about ("say about the EU", "say about the UN General Assembly": at most two
    words of a name between), not who speaks."""
    kept = [w for w in before if w not in _ARTICLES][-4:]
    said = any(w == "about" and kept[j - 1] in _SAY and not _PLACES & set(kept[j + 1:])
               for j, w in enumerate(kept) if j and j >= len(kept) - 3)
    return bool(kept) and (kept[-1] in _WITH or said)


# What a document is, as its title says and users name it ("the UN resolution", "the press
# conference", "die UN-Resolution"): a term of its voice, as its issuer's name is.
_KINDS = frozenset("resolution memorandum communique declaration remarks readout briefing transcript speech "
                   "interview".split())
_KIND_PAIRS = {("fact", "sheet"): "factsheet", ("press", "conference"): "pressconference"}
_KIND_TERMS = _KINDS | set(_KIND_PAIRS.values())
# "resolution 2202", "resolution ES-11/2": a numbered one, which its symbol names, not its kind.
_NUMBERED = re.compile(r"\b(?:resolution|r[ée]solution|resoluci[óo]n|rezolucj\w*)\s+(?:no\.?\s*)?[\w/.-]*\d",
                       re.IGNORECASE)
_DEFINITE = frozenset("the this that these those its their le la les l der die das den dem des el los las".split())
# Case endings of Polish, Russian and Ukrainian names read in Latin letters ("Байдена", "Stoltenberga"):
# a word that is a voice term without one names that voice.
_CASE_ENDINGS = ("owi", "iem", "om", "em", "ym", "im", "oj", "ej", "ie", "a", "u", "e", "y", "i")
# What a voice is asked about after, in the other languages ("über die EU", "sur l'UE", "о НАТО").
_ABOUT = frozenset("about über uber zu zum zur sur sobre o ob pro temat".split())
@dataclass(frozen=True)
class VoiceMatch:
    documents: frozenset[str]
    terms: tuple[str, ...]  # the question's words that named them


def _kind_terms(title: str) -> list[str]:
    """The words of a title that say what the document is (``_KINDS``; "fact sheet" as "factsheet")."""
    found = [unaccented(w.lower()) for w in title_words(title)]
    return [w for w in found if w in _KINDS] + [joined for pair, joined in _KIND_PAIRS.items()
                                                if pair in set(zip(found, found[1:]))]


def _uninflected(word: str, terms) -> str:
    """``word`` without a case ending where that leaves a voice term ("bidena": "biden"), or the
    country a nationality is of where that is one ("japanese": "japan")."""
    for ending in _CASE_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4 and word[:-len(ending)] in terms:
            return word[:-len(ending)]
    return country_of(word, terms) or word


# Offices as users abbreviate them, as titles write them out.
_OFFICES = {"pm": ("prime", "minister"), "dpm": ("deputy", "prime", "minister"), "fm": ("foreign", "minister"),
            "sg": ("secretary", "general"), "secgen": ("secretary", "general")}
OFFICE_ABBREVIATIONS = frozenset(_OFFICES)  # no unknown words: "what did the un secgen say about the war"
_OBJECTS = frozenset("me us him her them".split())  # "pm me": a message, not an office
# Who a question credits with what it asks: "according to <X>", "per <X>", "<X>'s take / view".
_ACCORDING = (("according", "to"), ("acc", "to"), ("per",), ("in", "the", "words", "of"), ("selon",), ("laut",),
              ("según",), ("segun",), ("według",), ("wedlug",), ("zdaniem",), ("po", "slovam"), ("za", "slovami"))
_TAKE = frozenset("take view views position stance opinion response reaction".split())


def _credited(typed: Sequence[str], i: int) -> bool:
    before = [w.lower() for w in typed[max(0, i - 4):i]]
    if before and before[-1] == "the":
        before = before[:-1]
    return any(tuple(before[-len(a) - skip:len(before) - skip]) == a for a in _ACCORDING for skip in (0, 1)) \
        or bool(re.search(r"['’]s?$", typed[i])) and i + 1 < len(typed) and typed[i + 1].lower() in _TAKE


# Before a voice, what makes it the question's subject: "does the EU welcome ...", "did Canada back ...".
_ASKING = frozenset("do does did is are was were has have had will would can could should".split())


def _speaking(words: list[str], typed: list[str], hits: Counter[str], first: dict[str, int],
              mentions: Mentions | None) -> int | None:
    """Where the voice is named that is named as often as others but alone in naming them in its
    documents (see ``Voices.match``; read by each word's forms: as typed, as a voice term, a
    country's English names, "eu", "ucraniano"); None where there is none such, or where the first
    is the question's subject."""
    best = max(hits.values())
    places = sorted({first[d] for d, n in hits.items() if n == best})
    if mentions is None or len(places) < 2 or words[places[0] + 1] in _SAY:
        return None  # "does NATO think ... European security": whose thoughts are asked
    before = [w for w in words[:places[0]] if w not in _ARTICLES]
    if before and before[-1] in _ASKING:
        return None  # "did Canada back the G7 sanctions?": Canada's
    named_as = {q: {words[q], typed[q].lower(), *other_names(words[q])} for q in places}
    naming = [p for p in places if mentions(frozenset(d for d, n in hits.items() if n == best and first[d] == p),
                                            [w for q in places if q != p for w in named_as[q]])]
    return naming[0] if len(naming) == 1 else None


class Voices:
    """Matches a question's words to the documents whose voice terms they are."""

    def __init__(self, documents: Sequence[dict], elsewhere: Iterable[str] = ()) -> None:
        """``documents``: manifest entries with "id" and "voices" (statements only); ``elsewhere``:
        the titles of the library's other documents, whose words name them ("Charter of Paris")."""
        self._terms: dict[str, set[str]] = {}
        self._pairs: dict[tuple[str, str], set[str]] = {}  # two terms side by side in a document's title
        self._titled: dict[str, set[str]] = {}  # a title's words, as an office abbreviated is written out
        for doc in documents:
            voices = list(doc.get("voices", ()))
            for term in [*voices, *_kind_terms(doc.get("title", ""))]:
                for form in {term, unaccented(term)}:  # "sanchez" as typed names "Sánchez"
                    self._terms.setdefault(form, set()).add(doc["id"])
            for pair in zip(voices, voices[1:]):
                self._pairs.setdefault(pair, set()).add(doc["id"])
            for word in {without_possessive(w).lower() for w in title_words(doc.get("title", ""))}:
                self._titled.setdefault(word, set()).add(doc["id"])
        self._limit = limit = max(1, int(len(documents) * MAX_SHARE))
        self._terms = {t: ids for t, ids in self._terms.items() if len(ids) <= limit}
        taken = {without_possessive(w).lower() for title in elsewhere for w in title_words(title)}
        # "oslo", "norwegian", "Dänemark" name the documents "norway" names, where no nationality's
        # ending does already ("japanese": "japan"); not "paris" of the Charter of Paris
        own = dict(self._terms)
        for term in sorted(own):
            for name in sorted(other_names(term) - taken - set(own)):
                if _uninflected(name, own) not in own:
                    self._terms[name] = self._terms.get(name, set()) | own[term]
        self._sounds = {skeleton(t): t for t in self._terms if len(t) >= 4}  # "Шольц" read "sholts": "scholz"

        # a country names the documents of its nationality too ("germany": "German Federal Government")
        self._nationals = {t: stem for t in self._terms if (stem := nationality_stem(t))}
        # "zelensky": "zelenskyy"; a name the library spells with y, j or a doubled letter, not a
        # country's ("finish" is no "finnish") nor one spelt plainly ("prezydent" is no "prezident.sk")
        self._spellings = {spelling(t): t for t in self._terms if len(t) >= _SPELT_LONG and spelling(t) != t
                           and t not in self._nationals and not other_names(t)}
        for term, stem in self._nationals.items():
            for country in [c for c in self._terms if c.startswith(stem) and c != term and c in country_words()]:
                self._terms[country] = self._terms[country] | self._terms[term]
        # two words of another document's title ("north atlantic", "united nations") name it, not a
        # statement whose source runs them together ("United Nations document ...", "North Atlantic
        # Council": "what is the north atlantic council for" asks the treaty)
        titles_pairs = {a + b for title in elsewhere for a, b in pairwise(
            [without_possessive(w).lower() for w in title_words(title)])}
        self._joined = [t for t in self._terms if len(t) >= 6  # host names: "bidenwhitehouse"
                        and not any(pair in t for pair in titles_pairs if len(pair) >= 6)]

    def match(self, question: str, mentions: Mentions | None = None) -> VoiceMatch | None:
        """The documents whose voice the question names most; of voices named as often, the one
        named first ("is NATO working with the EU": NATO's, the EU being what it works with), unless
        only another one's documents use the others' names (``mentions(documents, terms)``: "the
        OSCE building in Mariupol, per the Greek readout": Greece's readout names the OSCE)."""
        text = latin(question)
        spans = list(TITLE_WORD_RE.finditer(text))
        typed = [m.group(0) for m in spans]
        words = self._without_compounds(self._voice_words(question, typed), text, spans)
        hits: Counter[str] = Counter()
        first: dict[str, int] = {}  # where each document's voice is first named
        named: dict[str, set[str]] = {}  # term -> the documents it names
        kinds = not any(w in self._terms and w not in _KIND_TERMS for w in words) and not _NUMBERED.search(text)
        numbered = frozenset(i for i, m in enumerate(spans) if re.search(r"\d[\s:.]*$", text[:m.start()]))
        for i, word in enumerate(words):
            ids = self._named_by(i, words, typed, kinds, numbered)
            if ids and word not in named:
                named[word] = set(ids)
                hits.update(ids)
                first.update({d: i for d in ids if d not in first})
        inside = set()  # the second words of pairs that are a voice's whole name together
        for i, pair, ids, whole in self._paired(words, kinds):
            named.setdefault(pair, set()).update(ids)
            hits.update({d: 2 if whole else 1 for d in ids})  # "EU-Parlament" is the Parliament, not the EU
            first.update({d: min(i, first.get(d, i)) for d in ids})
            inside |= {i + 1} if whole else set()
        hits = Counter({d: n for d, n in hits.items() if first[d] not in inside})
        if not hits:
            return None
        credited = {d for i, w in enumerate(words) if w in named and _credited(typed, i) for d in named[w]}
        if credited:  # "... like moscow says? macron's take": whose take is asked, of the voices named
            hits = Counter({d: n for d, n in hits.items() if d in credited})
        for pair in zip(words, words[1:]):  # "press secretary" as a title writes it, not "press ... secretary"
            hits.update({d: 0.5 for d in self._pairs.get(pair, ()) if d in hits})  # of a voice named
        gaps = [text[a.end():b.start()] for a, b in zip(spans, spans[1:])]
        chosen = self._chosen(words, gaps, hits, first, _speaking(words, typed, hits, first, mentions))
        return VoiceMatch(frozenset(chosen), tuple(t for t, ids in named.items() if ids & chosen))

    def _paired(self, words: list[str], kinds: bool) -> list[tuple[int, str, set[str], bool]]:
        """Two words of the question run together as in a host name ("white house" in
        "bidenwhitehouse"); in the other order only where they are the whole name ("Parlement
        européen": "europeanparliament"); a country's two words as its nationality ("south
        african"); not short ones that run into any name ("a-t-elle": "at"), nor a common word
        ("and" in "...foreignandeuropeanaffairs..."): (where, the pair, the documents, whether the
        pair is the whole name)."""
        found = []
        for i, (word, after) in enumerate(pairwise(words)):
            if min(len(word), len(after)) < 3 or {word, after} & STOPWORDS:
                continue
            forward, backward = word + after, after + word
            national = word + stem if (stem := nationality_stem(after)) else None  # "south african"
            for term in (t for t in self._joined if kinds or t not in _KIND_TERMS):
                if forward in term:
                    found.append((i, forward, self._terms[term], term in (forward, backward)))
                elif backward == term:
                    found.append((i, backward, self._terms[term], True))
                elif national and term.startswith(national) and len(term) <= len(national) + _NATIONAL_ENDING:
                    found.append((i, term, self._terms[term], False))  # as one word: "south african students"
        return found

    def _named_by(self, i: int, words: list[str], typed: list[str], kinds: bool,
                  numbered: frozenset[int] = frozenset()) -> set[str] | None:
        """The documents whose voice the question's ``i``-th word names, if it names one there;
        a word of what a document is only where ``kinds`` (no speaker is named, no number follows:
        "resolution 2202" is another) and not after "a"."""
        word, before = words[i], words[max(0, i - 3):i]
        # "at 3 pm", "5:30 pm" are times, "pm me" a private message: no prime minister
        if word in _OFFICES and (i in numbered or i + 1 < len(words) and words[i + 1] in _OBJECTS):
            return None
        ids = self._terms.get(word, set()) | (self._office(word) if word in _OFFICES else set())
        if not ids:
            return None
        if word in _COMMON_SHORT and not without_possessive(typed[i]).isupper():
            return None  # "ES" or "US" named in capitals; "es", "us" are words of some language
        if _not_speaking(words[max(0, i - 6):i]):
            return None  # "together with the EU", "say about the EU": not who speaks
        if word in _KIND_TERMS:
            article = next((w for w in reversed(before) if w in INDEFINITE or w in _DEFINITE), "")
            if not kinds or article in INDEFINITE:
                return None
        return ids

    def _office(self, word: str) -> set[str]:
        """The documents whose titles write out the office ``word`` abbreviates ("pm": "Prime
        Minister"), not a longer office that ends with it ("Deputy Prime Minister" is "dpm"); none
        where more documents than a voice term may name have it."""
        spelt = _OFFICES[word]
        found = self._written_out(spelt)
        for longer in _OFFICES.values():
            if len(longer) > len(spelt) and longer[-len(spelt):] == spelt:
                found -= self._written_out(longer)
        return found if len(found) <= self._limit else set()

    def _written_out(self, spelt: Sequence[str]) -> set[str]:
        found = [self._titled.get(t, set()) for t in spelt]
        return set.intersection(*found) if found else set()

    def naming_words(self, question: str, terms: Iterable[str]) -> set[str]:
        """The question's words, as typed (lower case), that name one of the voice ``terms``
        ("білий", "дім" for "white")."""
        typed, wanted = title_words(latin(question)), set(terms)
        words, original = self._voice_words(question, typed), title_words(question)
        return {o.lower() for o, w in zip(original if len(original) == len(words) else typed, words, strict=True)
                if w in wanted}

    def _voice_words(self, question: str, typed: list[str]) -> list[str]:
        """The question's words as voice terms are written (``voice_words.normalised``, ``_as_voice``)."""
        original = title_words(question)  # a name in Cyrillic, capitalised inside the question ("Шольц")
        capitals = in_capitals(original)  # "ВПП", "l'OIT"
        words = normalised(typed, capitals)
        other = normalised(title_words(latin(AI.sub("и", question))), capitals)  # "Байден": "biden"
        if len(other) != len(words):
            other = words
        named = [i > 0 and latin(o) != o and o[:1].isupper() for i, o in enumerate(original)] \
            if len(original) == len(words) else [False] * len(words)
        return [self._as_voice(w, o, n) for w, o, n in zip(words, other, named, strict=True)]

    def _as_voice(self, word: str, read: str, cyrillic_name: bool) -> str:
        """The voice term a question's ``word`` is (``read``: as read with "ай" as "i", "Байден":
        "biden"), without a case ending ("Байдена"), by its sounds where it is a name in Cyrillic
        ("Шольц": "scholz"; not "директор", "director"), as a long name romanised otherwise ("zelensky":
        "zelenskyy"), or the nationality of the country it names
        ("germany": "german"); the word itself where it is none."""
        for candidate in (word, read, _uninflected(word, self._terms), _uninflected(read, self._terms)):
            if candidate in self._terms:
                return candidate
        if cyrillic_name and len(read) >= 4 and (sounds := self._sounds.get(skeleton(read))):
            return sounds
        if len(word) >= _SPELT_LONG and (spelt := self._spellings.get(spelling(word))):
            return spelt
        if (name := inflected_name(word)) in self._terms:  # "estonienne", "Чехії": a country's adjective, case
            return name
        if word not in country_words():  # "england" is no country of "english"
            return word
        return next((t for t, stem in self._nationals.items()
                     if word.startswith(stem) and word != t and len(word) > len(stem) + 1), word)

    def _without_compounds(self, words: list[str], text: str, spans: list[re.Match]) -> list[str]:
        """A voice named in a hyphenated compound ("NATO-Ostflanke", "EU-Sanktionen") describes what
        is asked about where another voice, one not asked about ("über die EU"), is named on its
        own ("schickt Biden"); not where the two name the same documents ("NATO Secretary-General")."""
        joined = {i for i, m in enumerate(spans)
                  if text[m.end():m.end() + 1] == "-" or (m.start() > 0 and text[m.start() - 1] == "-")}
        alone = [self._terms[w] for i, w in enumerate(words) if i not in joined and w in self._terms
                 and not set(words[max(0, i - 2):i]) & _ABOUT]
        speaking = set().union(*alone)
        if not speaking:
            return words
        return ["" if i in joined and w in self._terms and not self._terms[w] & speaking else w
                for i, w in enumerate(words)]

    def _chosen(self, words: list[str], gaps: list[str], hits: Counter[str], first: dict[str, int],
                start: int | None = None) -> set[str]:
        """The documents of the voice named most, first; and of voices listed with it ("Biden and
        the G7", "the G7, NATO and the EU", "g7/eu"), not of another voice whose term is a word of
        its name ("NATO Secretary General" is not a press secretary's); the one named at ``start``
        where that is given."""
        best = max(hits.values())
        last = min(first[d] for d, n in hits.items() if n == best) if start is None else start
        chosen = {d for d, n in hits.items() if n == best and first[d] == last}
        listed_at = -1  # where the last voice listed with it is named: its other documents too
        for at, doc in sorted((first[d], d) for d in hits if first[d] >= last and d not in chosen):
            between = words[last + 1:at]
            if at == listed_at:
                chosen.add(doc)
                continue
            if not (set(between) & _AND or re.search(r"[,&/+-]", "".join(gaps[last:at]))):
                if all(w in self._terms for w in between):  # a word of the same name
                    last = max(last, at)
                    continue
                break
            if not all(w in _JOINERS or w in self._terms for w in between):
                break
            chosen.add(doc)
            last = listed_at = at
        return chosen
