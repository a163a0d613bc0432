"""Dates relative to an event: "after the attack", "two days before the summit", "on the day of
the invasion" (in Spanish, French and German too). The phrase is found here; which event it is,
and its date, is the library's to say (the statements whose titles name it: search/focus.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from embeddings.corpus.dates import CALENDAR_WORDS, SHIFT, Span, is_before, shift_days
from embeddings.corpus.text import STOPWORDS, unaccented, without_possessive

# What names an event: a noun, perhaps a second word that is not a preposition ("the nato summit",
# "the summit ended"), and what a preposition after it says which one is ("the attack on <a city>").
# Which one: "on", "in", "of", "against", "near" a place or a thing; not "by" (who did it: "the
# attack by Russia" is the attack), "at" or "over" (when: "at dawn", "over the weekend").
_PREPOSITION = r"(?:on|in|of|against|at|near|by|over)"
_WORD = r"[^\W\d_][\w'’-]*"
_EVENT_WORDS = (r"(?P<event>" + _WORD + r"(?:\s+(?!" + _PREPOSITION + r"\b)" + _WORD + r")?)"
                r"(?:\s+(?P<prep>on|in|of|against|near)\s+(?:the\s+)?(?P<which>" + _WORD + r")"
                r"(?:\s+(?P<next>" + _WORD + r"))?)?")
_EVENT = re.compile(
    r"\b(?:" + SHIFT + r"\s+)?(?P<way>before|after|since|prior\s+to|following)\s+the\s+" + _EVENT_WORDS,
    re.IGNORECASE)


@dataclass(frozen=True)
class EventPhrase:
    """"the day before the summit": a span relative to an event the library's titles name."""

    text: str  # the phrase as the question wrote it
    words: tuple[str, ...]  # what names the event ("summit"; "nato summit")
    days: int | None  # the shift of a counted phrase ("the day before": -1); None: before or after it
    after: bool
    which: str = ""  # what says which event, after a preposition ("mariupol" of "the attack on mariupol")
    preposition: str = ""  # "on"
    following: str = ""  # the word after ``which``, for the note where a title has it too ("foreign ministers")
    doer: str = ""  # who did it, where a verb names the event ("russia" of "the day russia invaded")


# "on the day of the invasion", "the day of the summit": the event's own day.
_EVENT_DAY = re.compile(r"\b(?:on\s+)?the\s+(?:very\s+)?day\s+of\s+the\s+" + _EVENT_WORDS, re.IGNORECASE)


# "on invasion day", "on summit day": the event's own day, named by its noun before "day" (not a
# word that only says which day: "on the same day", "that day", "the first day").
_NOUN_DAY = re.compile(r"\bon\s+(?:the\s+)?(?P<event>[^\W\d_][\w'’-]*)\s+day\b", re.IGNORECASE)
_NOT_EVENTS = frozenset("the a this that same next last first second third final other every each one any which "
                        "what whole very following previous big".split())
_ORDINAL = re.compile(r"\d+\w*|\w+(?:th|st|nd|rd)")  # "fourth", "21st"


# The same in Spanish and French, and the day of one in German, whose word for the event may be the
# titles' English one but for its accents ("el día de la invasión", "après l'invasion", "am Tag der
# Invasion"). Not German "vor" / "nach" ("nach der Resolution": according to it), nor "d'après";
# a counted shift ("deux jours après", "un día después") is not read, so no date is taken from it.
_EVENT_ELSEWHERE = re.compile(
    r"(?<![\w'’])(?:(?P<on>d[ií]a\s+de|jour\s+de|am\s+tag)|(?P<before>antes\s+de|avant)|(?P<after>despu[ée]s\s+de|apr[èe]s))"
    r"(?:\s+(?:las|los|les|la|el|le|der|des)\s+|\s+l['’]\s*|l\s+)(?P<event>[^\W\d_][\w-]*)", re.IGNORECASE)
_COUNTED = re.compile(r"(?<!\w)(?:\d+|un|una|uno|une|deux|trois|dos|tres|d[ií]as?|jours?|semaines?|semanas?)\s*$",
                      re.IGNORECASE)


def find_event(question: str) -> EventPhrase | None:
    """A phrase that places the question before or after an event ("after the attack", "two days
    before the summit") or on its day ("on the day of the invasion"; in Spanish, French and German
    too), or None. Which event, and its date, is the library's to say (focus.py)."""
    day = _EVENT_DAY.search(question)
    if day is not None:
        return EventPhrase(day.group(0).strip(), tuple(w.lower() for w in day.group("event").split()), 0, True,
                           *_which(day))
    other = _EVENT_ELSEWHERE.search(question)
    if other is not None and not _COUNTED.search(question[:other.start()]):
        return EventPhrase(other.group(0).strip(), (unaccented(other.group("event")),),
                           0 if other.group("on") else None, other.group("before") is None)
    match = _EVENT.search(question)
    if match is None:
        return _noun_day(question)
    return EventPhrase(match.group(0).strip(), tuple(w.lower() for w in match.group("event").split()),
                       shift_days(match), not is_before(match), *_which(match))


# "the day russia invaded", "the day after they attacked ukraine", "after russia invaded", "since
# they attacked": the event the verb names, as its noun ("the invasion"); who did it and what to
# (the word after the verb) say which one, as "the attack on <a city>" does: only titles that name
# them too date it ("the day hamas attacked israel" is no date of a library that never names
# either). Not "before russia invaded": "how much did the us give ukraine before russia invaded"
# asks of a time that later statements tell ("the day before" is one day).
_DOER = r"(?P<doer>(?!(?:after|before|that)\b)[^\W\d_][\w'’-]*(?:\s+(?!(?:after|before)\b)[^\W\d_][\w'’-]*)?)"
_VERB = r"\s+(?P<verb>invaded|attacked|invades|attacks)\b(?:\s+(?P<object>[^\W\d_][\w'’-]*))?"
_VERB_DAY = re.compile(r"\b(?:on\s+)?the\s+(?:very\s+)?day\s+(?:(?P<shift>after|before)\s+)?(?:that\s+)?"
                       + _DOER + _VERB, re.IGNORECASE)
_VERB_EVENT = re.compile(r"\b(?:after|since|following)\s+" + _DOER + _VERB, re.IGNORECASE)
_VERB_NOUNS = {"invaded": "invasion", "invades": "invasion", "attacked": "attack", "attacks": "attack"}
_OBJECT_PREPOSITIONS = {"invasion": "of", "attack": "on"}  # "the invasion of ukraine", "the attack on ukraine"


def _verb_event(question: str) -> EventPhrase | None:
    """The event a verb names (see _VERB_DAY), or None."""
    for pattern in (_VERB_DAY, _VERB_EVENT):
        found = pattern.search(question)
        if found is None:
            continue
        noun = _VERB_NOUNS[found.group("verb").lower()]
        shift = (found.groupdict().get("shift") or "").lower()
        days = None if pattern is _VERB_EVENT else {"after": 1, "before": -1}.get(shift, 0)
        which = without_possessive((found.group("object") or "").lower())
        if which in CALENDAR_WORDS or which in _NOT_EVENTS or which in STOPWORDS:
            which = ""
        text = found.group(0) if which else found.group(0)[:found.end("verb") - found.start()]
        return EventPhrase(text.strip(), (noun,), days, True, which, _OBJECT_PREPOSITIONS[noun] if which else "",
                           doer=without_possessive(found.group("doer").lower()))
    return None


def _noun_day(question: str) -> EventPhrase | None:
    """"on invasion day", "the day russia invaded": the event's own day; "after russia invaded":
    after it; where no other phrase places the question."""
    verb = _verb_event(question)
    if verb is not None:
        return verb
    noun = _NOUN_DAY.search(question)
    if noun is None:
        return None
    word = noun.group("event").lower()
    if word in _NOT_EVENTS or word in CALENDAR_WORDS or _ORDINAL.fullmatch(word):
        return None
    return EventPhrase(noun.group(0).strip(), (word,), 0, True)


def _which(match: re.Match) -> tuple[str, str, str]:
    """The word after the event's preposition (its "'s" aside), the preposition and the word after
    it; none where it is a month or a day ("the summit in March" is dated by the summit, and the
    month is read as a date)."""
    which = without_possessive((match.group("which") or "").lower())
    if not which or which in CALENDAR_WORDS:
        return "", "", ""
    return which, match.group("prep").lower(), without_possessive((match.group("next") or "").lower())


def event_span(phrase: EventPhrase, day: date, known: Sequence[Span]) -> Span:
    """The span ``phrase`` names once its event is dated ``day``: the day it counts to, or the
    library's dates up to (from) that day. The day itself is in: a statement of that day speaks
    of what came before it ("did NATO help Ukraine before the invasion?") and reacts to it."""
    if phrase.days is not None:
        moved = day + timedelta(days=phrase.days)
        return Span(moved, moved, phrase.text, "day")
    if phrase.after:
        return Span(day, max([k.end for k in known] + [day]), phrase.text, "range")
    return Span(min([k.start for k in known] + [day]), day, phrase.text, "range")
