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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from embeddings.corpus.countries import other_names
from embeddings.corpus.issuers import MAX_SHARE, title_words
from embeddings.corpus.text import (
    TITLE_WORD_RE,
    country_of,
    country_words,
    nationality_stem,
    unaccented,
    without_possessive,
)
from embeddings.corpus.transliteration import AI, latin, skeleton

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


def _not_speaking(before: Sequence[str]) -> bool:
    """Whether the words before a voice term (articles skipped) make it a partner ("with the EU")
    or what is asked about ("say about the EU", "say about the UN General Assembly": at most two
    words of a name between), not who speaks."""
    kept = [w for w in before if w not in _ARTICLES][-4:]
    said = any(w == "about" and kept[j - 1] in _SAY and not _PLACES & set(kept[j + 1:])
               for j, w in enumerate(kept) if j and j >= len(kept) - 3)
    return bool(kept) and (kept[-1] in _WITH or said)


# French and Italian elision: "l'OTAN" is "OTAN", "d'Ukraine" is "Ukraine".
_ELISION = re.compile(r"^(?:l|d|qu|j|n|s|c|m|t)['’](?=\w)")
# An international body's name as French, Spanish and Portuguese write it, for the English one the
# titles use ("OTAN" is NATO; Cyrillic "НАТО" reads "nato" already; the refugee agency's "HCR",
# "ACNUR"); the European Union's abbreviation ("EU", French, Spanish, Italian and Polish "UE") for
# the word its bodies' titles use.
_IN_ENGLISH = {"otan": "nato", "hcr": "unhcr", "acnur": "unhcr", "eu": "european", "ue": "european"}
# A body's title words as the other languages write them (Cyrillic read in Latin letters): an
# assembly ("Assemblée", "Asamblea", "Generalversammlung", "Zgromadzenie", "Генассамблея"). Not a
# secretary: "генсек ООН" is the UN's, whose documents the library may not hold.
_TITLE_WORDS = ((re.compile(r"(?:gen)?as+embl[ée]e|asamblea|(?:general|voll)?versammlung|zgromadzeni\w*"
                            r"|(?:gen)?as+ambl\w*"), "assembly"),
                (re.compile(r"r[ée]solution\w*|resoluci[óo]n\w*|rezolucj\w*|rezolyuts\w*"), "resolution"),
                (re.compile(r"m[ée]morandum\w*|memor[áa]ndum\w*"), "memorandum"),
                (re.compile(r"pressekonferenz\w*"), "pressconference"))
# What a document is, as its title says and users name it ("the UN resolution", "the press
# conference", "die UN-Resolution"): a term of its voice, as its issuer's name is.
_KINDS = frozenset("resolution memorandum communique declaration remarks readout briefing transcript speech "
                   "interview".split())
_KIND_PAIRS = {("fact", "sheet"): "factsheet", ("press", "conference"): "pressconference"}
_KIND_TERMS = _KINDS | set(_KIND_PAIRS.values())
# Before a word of what a document is, the nearest article says whether it is one of the library's
# ("the resolution", "la résolution") or any ("a security council resolution", "a new resolution").
_INDEFINITE = frozenset("""a an any every each another new une ein eine einer einen uno una nouvelle nouveau neue neuen
    nueva nuevo nowa nowej novaya novuyu novoj nova novu""".split())  # not "un": the UN
# "resolution 2202", "resolution ES-11/2": a numbered one, which its symbol names, not its kind.
_NUMBERED = re.compile(r"\b(?:resolution|r[ée]solution|resoluci[óo]n|rezolucj\w*)\s+(?:no\.?\s*)?[\w/.-]*\d",
                       re.IGNORECASE)
_DEFINITE = frozenset("the this that these those its their le la les l der die das den dem des el los las".split())
# Case endings of Polish, Russian and Ukrainian names read in Latin letters ("Байдена", "Stoltenberga"):
# a word that is a voice term without one names that voice.
_CASE_ENDINGS = ("owi", "iem", "om", "em", "ym", "im", "oj", "ej", "ie", "a", "u", "e", "y", "i")
# What a voice is asked about after, in the other languages ("über die EU", "sur l'UE", "о НАТО").
_ABOUT = frozenset("about über uber zu zum zur sur sobre o ob pro temat".split())
# "European" as the other languages write the adjective ("consejo europeo", "Conseil européen",
# "Europäischer Rat", "Rada Europejska", "Европейский совет" read in Latin letters), beside a word
# for a body (council, union, commission, parliament, leaders): "la sécurité européenne" is what a
# question asks about, not who speaks; nor is the continent's name ("Europa").
_EUROPEAN = re.compile(r"europe[oaie]s?|europ[ée]en(?:ne)?s?|europäisch\w*|europejsk\w*|y?evropejsk\w*")
_BODIES = frozenset("""consejo conseil consiglio rat rates rada rady radzie sovet soveta soveti
    unión union unione unia unii soyuz soyuza comisión commission commissione kommission komisja komisji
    komissiya komissii komisiya komisiyi parlamento parlement parlament parlaments parlamentu parlamenta
    líderes leader dirigentes dirigeants przywódcy przywódców lidery""".split())
# "White House" as the other languages write it ("la Maison Blanche", "das Weiße Haus", "Biały Dom",
# "У Білому домі", "Белый дом" read in Latin letters), both words read as "white", the voice term its
# documents have: a house's word beside the colour's, not after "a" ("una casa blanca en Járkov").
_WHITE = re.compile(r"blanche|blanca|wei(?:ß|ss)e[snm]?|bia[łl](?:y|ego|ym|e|emu)"
                    r"|bel(?:yj|yi|yy|ij|ogo|om|omu|ym)|bil(?:ij|yj|yi|ogo|omu|im)")
_HOUSE = frozenset("maison casa haus hauses hause dom domu domem doma dome domom domi domowi dim".split())


def _white_house(words: list[str]) -> set[int]:
    """The positions of the words that name the White House in another language."""
    found: set[int] = set()
    for i, word in enumerate(words):
        for j in (i - 1, i + 1):
            if word in _HOUSE and 0 <= j < len(words) and _WHITE.fullmatch(words[j]) \
                    and (min(i, j) == 0 or words[min(i, j) - 1] not in _INDEFINITE):
                found |= {i, j}
    return found


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


def _normalised(typed: Sequence[str]) -> list[str]:
    """A question's words as voice terms are written: lower case, no "'s", no elision, "OTAN" as
    "nato", "Conseil européen" as "european"."""
    words = [without_possessive(w.lower()) for w in typed]
    words = [_IN_ENGLISH.get(w, w) for w in (_ELISION.sub("", w) for w in words)]
    words = [next((english for pattern, english in _TITLE_WORDS if pattern.fullmatch(w)), w) for w in words]
    white = _white_house(words)
    return ["white" if i in white
            else "european" if _EUROPEAN.fullmatch(w) and _BODIES & set(words[max(0, i - 1):i + 2]) else w
            for i, w in enumerate(words)]


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

    def match(self, question: str) -> VoiceMatch | None:
        """The documents whose voice the question names most; of voices named as often, the one
        named first ("is NATO working with the EU": NATO's, the EU being what it works with)."""
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
            # two words run together as in a host name ("white house" in "bidenwhitehouse"), but not
            # short ones that run into any name ("a-t-elle": "at")
            if i + 1 < len(words) and min(len(word), len(words[i + 1])) >= 3:
                pair = word + words[i + 1]
                for term in (t for t in self._joined if pair in t and (kinds or t not in _KIND_TERMS)):
                    named.setdefault(pair, set()).update(self._terms[term])
                    hits.update(self._terms[term])
                    first.update({d: i for d in self._terms[term] if d not in first})
        if not hits:
            return None
        credited = {d for i, w in enumerate(words) if w in named and _credited(typed, i) for d in named[w]}
        if credited:  # "... like moscow says? macron's take": whose take is asked, of the voices named
            hits = Counter({d: n for d, n in hits.items() if d in credited})
        for pair in zip(words, words[1:]):  # "press secretary" as a title writes it, not "press ... secretary"
            hits.update({d: 0.5 for d in self._pairs.get(pair, ()) if d in first})  # of a voice named
        gaps = [text[a.end():b.start()] for a, b in zip(spans, spans[1:])]
        chosen = self._chosen(words, gaps, hits, first)
        return VoiceMatch(frozenset(chosen), tuple(t for t, ids in named.items() if ids & chosen))

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
            article = next((w for w in reversed(before) if w in _INDEFINITE or w in _DEFINITE), "")
            if not kinds or article in _INDEFINITE:
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
        """The question's words as voice terms are written (``_normalised``, ``_as_voice``)."""
        words = _normalised(typed)
        other = _normalised(title_words(latin(AI.sub("и", question))))  # "Байден": "biden"
        if len(other) != len(words):
            other = words
        original = title_words(question)  # a name in Cyrillic, capitalised inside the question ("Шольц")
        named = [i > 0 and latin(o) != o and o[:1].isupper() for i, o in enumerate(original)] \
            if len(original) == len(words) else [False] * len(words)
        return [self._as_voice(w, o, n) for w, o, n in zip(words, other, named, strict=True)]

    def _as_voice(self, word: str, read: str, cyrillic_name: bool) -> str:
        """The voice term a question's ``word`` is (``read``: as read with "ай" as "i", "Байден":
        "biden"), without a case ending ("Байдена"), by its sounds where it is a name in Cyrillic
        ("Шольц": "scholz"; not "директор", "director"), or the nationality of the country it names
        ("germany": "german"); the word itself where it is none."""
        for candidate in (word, read, _uninflected(word, self._terms), _uninflected(read, self._terms)):
            if candidate in self._terms:
                return candidate
        if cyrillic_name and len(read) >= 4 and (sounds := self._sounds.get(skeleton(read))):
            return sounds
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

    def _chosen(self, words: list[str], gaps: list[str], hits: Counter[str], first: dict[str, int]) -> set[str]:
        """The documents of the voice named most, first; and of voices listed with it ("Biden and
        the G7", "the G7, NATO and the EU", "g7/eu"), not of another voice whose term is a word of
        its name ("NATO Secretary General" is not a press secretary's)."""
        best = max(hits.values())
        last = min(first[d] for d, n in hits.items() if n == best)
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
