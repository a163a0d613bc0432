"""What the agreements a question names do to its focus: their passages first, or an article looked
up. General rules about questions: no agreement is named here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from embeddings.corpus.countries import country_key, other_names
from embeddings.corpus.dates import YEAR_RE
from embeddings.corpus.issuers import title_words
from embeddings.corpus.text import is_acronym, tokens, words
from embeddings.search.focus import Focus, without_terms
from embeddings.search.retrieval import topic_words
from embeddings.search.unanswerable import asked_speakers

# A year naming a thing of that year: "the 1997 deal", "in '75", "back in 97", "the 97 deal", "... in
# 97?" (not "since 2014", which statements speak of, nor "75 days", "the 12 points").
_KINDS = r"deal|agreement|accords?|act|treaty|memo|memorandum|text|paper|charter|protocol|declaration"
_YEAR_RE = re.compile(rf"(?<=\bthe ){YEAR_RE.pattern}|(?:['’]|(?<=\bthe )(?=\d\d\s+(?:{_KINDS})\b)"
                      r"|(?<=\bin )(?=\d\d\s*(?:[?.!,]|$)))(\d\d)\b", re.IGNORECASE)  # not "back in 14 days"
_YEARS_RE = re.compile(rf"{YEAR_RE.pattern}|['’]?\d\d")  # what named an agreement by its year


def named_by_year(catalogue, text: str, named: list) -> list:
    """``named`` (``catalogue.named_treaties(text)``) and the agreements a year names: "the 1997
    nato-russia deal", "the 2014 talks in belarus", "back in '75": a year that is the year of one
    agreement of the library, and of no other, names it (with the year as the words that named it);
    not "since 2014" or "in 2014", how the statements speak of the years before them."""
    found = list(named)
    for match in _YEAR_RE.finditer(text):
        two = match.group(1)
        year = match.group(0) if two is None else f"20{two}" if int(two) <= date.today().year % 100 else f"19{two}"
        of_year = [t for t in catalogue.treaties if t.document and t.date[:4] == year]
        if len(of_year) == 1 and all(t.name != of_year[0].name for t, _ in found):
            found.append((of_year[0], match.group(0)))
    return found


# Two names together: "nato and moscow", "NATO-Russia", "the US & the UK".
_TOGETHER = re.compile(r"(?=\b([^\W\d_]+)\s*(?:\band\b|&|-|/)\s*(?:the\s+)?([^\W\d_]+)\b)", re.IGNORECASE)


_ROMAN = re.compile(r"[IVX]+")


def _party(word: str) -> str:
    return country_key(word) or word.lower()


def named_by_parties(catalogue, text: str, named: list) -> list:
    """``named``, or where it is empty, the one agreement whose names name two parties the question
    names together ("what role do nato and moscow give the osce": the NATO-Russia Founding Act; a
    country by any of its names, "moscow" for Russia). Its parties are the acronyms and countries
    its names write; an agreement named by one party, or by none, is named so by no question."""
    if named:
        return named
    pairs = [(a, b) for a, b in _TOGETHER.findall(text) if _party(a) != _party(b)]
    found = []
    for treaty in (t for t in catalogue.treaties if t.document and pairs):
        parties = {_party(w) for name in treaty.names for w in title_words(name)  # not a capital ("Helsinki"), "II"
                   if is_acronym(w) and not _ROMAN.fullmatch(w) or other_names(w)}
        together = next((f"{a} {b}" for a, b in pairs if {_party(a), _party(b)} <= parties), None)
        if together:
            found.append((treaty, together))
    return found if len(found) == 1 else named


def named_agreements(focus: Focus, named: Sequence[tuple[object, str]], question: str = "", catalogue=None) -> Focus:
    """A question that names agreements in the library ("Under the North Atlantic Treaty, must
    members ...?": ``named`` holds (treaty, the words that named it)) prefers their passages, as
    one naming a speaker prefers theirs. Not where the question says someone else speaks ("What
    did NATO say about the Washington Treaty?": what they said of it); a speaker or issuer the
    question names keeps their documents first, unless its words are those of the agreement's
    name ("NATO" in "the NATO-Russia Founding Act") or the agreement is who the question says
    speaks ("does the Helsinki Final Act say European borders ...") or where they said it ("in
    the 1997 Founding Act, what did NATO say ...", "under / per the Founding Act, does NATO ...") or
    its year ("the 1997 nato-russia deal": no statement is of that year). With the ``catalogue``,
    one named by its parties too (``named_by_parties``)."""
    named = named_by_parties(catalogue, question, list(named)) if catalogue is not None else named
    chosen = [(t.document, found) for t, found in named if focus.documents is None or t.document in focus.documents]
    if not chosen:
        return focus
    names, speakers = {w for _, found in chosen for w in words(found)}, asked_speakers(question)
    inside = not (speakers and focus.voice_terms)  # "<body> say about X in the <name>": the body's words
    source = names & speakers or any(_said_in(question, found) or _YEARS_RE.fullmatch(found)
                                     or _under(question, found, inside) for _, found in chosen)
    if speakers and not source:
        return focus
    if focus.preferred and not source and set(focus.voice_terms) - names:
        return focus
    return replace(focus, preferred=frozenset(d for d, _ in chosen),
                   voice_terms=tuple(dict.fromkeys(w for _, found in chosen for w in words(found))))


def named_as_source(named: Sequence[tuple[object, str]], question: str) -> bool:
    """Whether the question asks what an agreement it names itself says: the agreement is who it
    says speaks ("what does the <name> say about ...", "what did the <name> promise / guarantee
    ..."), what "it" says ("<name>, what does it say about ..."), or where it was said ("in the
    <name>, what did ... promise"). Not a question of what others say of it ("what did NATO say
    about the <name>", "did russia break its promises under the <name>")."""
    speakers = asked_speakers(question)
    return any(set(words(found)) & speakers or _said_in(question, found) or _its_own(question, found)
               for _, found in named)


# What an agreement does as a text: says, promises, guarantees, requires, allows, ...
_PROVIDES = (r"(?:say|says|said|state|states|promise|promised|guarantee|guaranteed|require|required|allow|allowed|"
             r"permit|provide|provided|oblige|commit|commits|committed|demand|demanded|mean|cover|ban|prohibit)")


def _its_own(question: str, name: str) -> bool:
    """ "does the <name> guarantee ...", "the <name> - what does it say about ..." (a name of any
    length, which ``asked_speakers`` reads only up to four words)."""
    named = re.escape(name)
    return re.search(rf"\b(?:did|does|do|will|would)\s+(?:the\s+)?{named}\s+(?:\w+\s+)?{_PROVIDES}\b"
                     rf"|{named}\W+(?:what|how)\s+(?:does|did|do)\s+(?:it|they)\s+{_PROVIDES}\b",
                     question, re.IGNORECASE) is not None


# The first passages of an agreement's answer that may show it speaks to the topic.
SPEAKING_PASSAGES = 3


def speaks_to(result, named: Sequence[tuple[object, str]], question: str) -> bool:
    """Whether an agreement ``named`` answers first (``result``: a SearchResult), and one of its
    first passages uses a word of the topic, not of its name, or a longer or shorter form of one
    ("russia" of "Russian"): "what does the minsk protocol say about swift sanctions" is not answered by its
    points on hostages."""
    agreements = {t.document for t, _ in named}
    if not result.answered or not result.hits or result.hits[0].passage.document not in agreements:
        return False
    topic = set(tokens(" ".join(topic_words(without_terms(question, [w for _, name in named for w in words(name)])))))
    used = {t for h in result.hits[:SPEAKING_PASSAGES] if h.passage.document in agreements
            for t in tokens(h.passage.text)}
    return any(t in used or any(_stem_of(t, u) or _stem_of(u, t) for u in used) for t in topic)


def _stem_of(short: str, long: str) -> bool:
    """ "russia" of "russian", "sovereign" of "sovereignti" (as BM25 reads "sovereignty"), "self" of
    "selfdefens"; not a short word's ("us" of "use")."""
    return len(short) > 3 and long.startswith(short)


def looked_up(focus: Focus, named: Sequence[tuple[object, str]], document: str, question: str) -> Focus:
    """A question that names an article of an agreement by words that name a speaker too ("article
    4 nato treaty", "what does the nato treaty say in article 4?": ``named`` holds (treaty, the
    words that named it)) looks the article up: the words name the agreement, not who speaks or
    acts. Not where the speaker's words stand outside the agreement's name too ("what did NATO
    say about article 5 of the nato treaty", "did nato hold consultations under article 4 of the
    nato treaty?": NATO's documents first), nor where the question's date leaves the agreement out."""
    names = [f for t, f in named if t.document == document]
    if not names or document in focus.preferred or (focus.documents is not None and document not in focus.documents):
        return focus
    rest = re.sub("|".join(re.escape(f) for f in names), " ", question, flags=re.IGNORECASE)
    if set(focus.voice_terms) & set(words(rest)):
        return focus
    return replace(focus, preferred=frozenset(), voice_terms=())


_YEAR_BEFORE = r"(?:(?:\d{4}|['’]?\d\d)\s+)?"  # "the 1997 <name>", "the '97 <name>"


def _under(question: str, name: str, inside: bool = False) -> bool:
    """Whether the question asks what holds under the agreement: "under the 1997 <name>, does NATO
    ...", "per the <name>, who ...", "according to the <name>", and where ``inside`` "what role
    is the OSCE given in the <name>" (not where a body is asked what it says of "the guarantees in
    the <name>")."""
    preposition = r"under|per|according\s+to|in" if inside else r"under|per|according\s+to"
    return re.search(rf"\b(?:{preposition})\s+(?:the\s+)?{_YEAR_BEFORE}{re.escape(name)}",
                     question, re.IGNORECASE) is not None


def _said_in(question: str, name: str) -> bool:
    """Whether the question places what was said in the agreement: "In the 1997 <name>, what
    ...", "what did NATO say in the <name>"; not "say about the guarantees in the <name>"."""
    return re.search(rf"(?:^\W*|\b(?:say|said|says|state|stated|write|wrote|promise|promised|agree|agreed|declare|"
                     rf"declared)\s+)in\s+(?:the\s+)?{_YEAR_BEFORE}{re.escape(name)}", question,
                     re.IGNORECASE) is not None
