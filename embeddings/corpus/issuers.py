"""Who speaks or issues each document, read from the library itself, never from a list of names
in code. A document's *voice terms* come from four places:

* the names in its title: acronyms ("G7", "EU") and words the library writes only capitalised
  ("Stoltenberg", "White House"); "Attack" in a title is no name, since the texts write "attack";
  nor a country named after "on", "in", "with" ... that many texts name ("action on Ukrainian soil"),
  nor the other party of a call or meeting ("Call with President Zelenskyy");
* the speakers its transcript labels name;
* the host names of the addresses in its source line ("whitehouse.gov" -> "whitehouse");
* the issuer its source line names first, before where the copy came from ("Albania, Permanent
  Representative ...", "Holy See, Pope Francis": the name before the first comma, read as a title
  is), a country named there, not as a place ("in Cyprus"), and an acronym the line defines after
  its name ("... Humanitarian Affairs (OCHA)").

A term most documents share ("NATO" in a NATO library, "Ukraine"), or that most of their texts use
("Russian"), tells them apart from nothing: questions are matched to them in voices.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlparse

from embeddings.corpus.countries import other_names
from embeddings.corpus.dates import CALENDAR_WORDS
from embeddings.corpus.offices import office_holders
from embeddings.corpus.text import TITLE_WORD_RE, country_words, is_acronym, unaccented, without_possessive

_URL_RE = re.compile(r"https?://[^\s)>\]]+")
# Parts of host names that say nothing about who speaks (the structure of addresses).
_HOST_NOISE = frozenset({"www", "com", "org", "net", "int", "gov", "edu", "eu", "uk", "us", "archives", "archive",
                         "web", "github", "githubusercontent", "raw", "news", "press", "media"})
MIN_HOST_PART = 3
# A term names "a few documents" when it belongs to at most this share of them (and to one at least).
MAX_SHARE = 1 / 3
# ... and is written in the texts of at most this share of them.
MAX_TEXT_SHARE = 1 / 2


# A source line's issuer: after its label, up to the first parenthesis, semicolon, address, sentence end
# or word of where the copy came from; its name is what comes before the first comma ("Holy See, Pope
# Francis", "European Parliament, Legislative Observatory ...").
_SOURCE_LABEL_RE = re.compile(r"^\s*(?:original|stored web pages?|source)\s*:\s*", re.IGNORECASE)
_COPY_WORDS = r"\b(?:copied|copy|republished|republication|published|mirror|stored|extracted|github|repository)\b"
_ISSUER_END_RE = re.compile(rf"[(;]|https?://|\.\s|{_COPY_WORDS}", re.IGNORECASE)
# The first sentence of a source line, which says who: up to a full stop, a semicolon or where the
# copy came from ("(United Nations Secretary-General, António Guterres). Copy taken from ...").
_SENTENCE_END_RE = re.compile(rf";|\.\s|{_COPY_WORDS}", re.IGNORECASE)
_BRACKET_RE = re.compile(r"\(([^()]{0,300})\)")
_OTHERS_RE = re.compile(r"\b(?:with|between|against|on|about|by|to)\b", re.IGNORECASE)  # another party, a topic
_AFTER_BRACKET_RE = re.compile(r"\([^()]{0,300}\)\s*,\s*([^,()]+)")  # "(ILO), Director-General Guy Ryder"
_PLACE_WORDS = frozenset("in at from near with".split())  # "Representation in Cyprus": where; "with": a partner
_PLACE_RE = re.compile(r"\s(?:in|at|from|near|to)\s")  # where the issuer's name ends: "... to the United Nations"
# A name of capitalised words, with "of", "for", "the", "and" between them: one name ("European
# Parliament", "International Organization for Migration"), run together as a host name is.
_NAME_NEXT = r"\s+(?:(?:of|for|the|and)\s+){0,2}[A-Z][\w'’-]*"  # a name's next capitalised word
_NAME_RUN_RE = re.compile(rf"[A-Z][\w'’-]*(?:{_NAME_NEXT}){{1,5}}")
_NAME_START_RE = re.compile(rf"[A-Z][\w'’-]*(?:{_NAME_NEXT})*")  # a name of one word or more
# The other party of a call or meeting a title names ("... telephone conversation with the President
# of Ukraine Volodymyr Zelenskyy", "Call with President Zelenskyy"): no voice of its readout; not
# those a press conference is held with, who speak at it.
_WITH_RUN_RE = re.compile(rf"\b(?:[Cc]alls?|[Cc]onversations?|[Tt]alks|[Mm]eetings?|[Mm]eets|[Mm]et|[Ss]poke|[Ss]peaks)"
                          rf"\s+[Ww]ith\s+(?:[Tt]he\s+)?([A-Z][\w'’-]*(?:{_NAME_NEXT})*)")
_QUOTING_RE = re.compile(rf"(?<=\bquoting\s)[^,;]*?[A-Z][\w'’-]*(?:{_NAME_NEXT})+$")  # "quoting ... Agnès Callamard"
# "International Organization for Migration (IOM)": the acronym's letters begin capitalised words in a row.
_DEFINED_RE = re.compile(r"([A-Z][\w'’.-]{0,40}(?:\s+[\w'’.-]{1,40}){0,9}?)\s*\(([A-Z]{3,8})\)")
_SOURCE_READ = 1000  # characters of a source line read for its issuer


def source_issuer_terms(source: str, common: set[str]) -> list[str]:
    """The voice terms a source line gives beside its addresses (see the module docstring): the
    words of the issuer's name (before the clause's first comma and any "in", "at", "from", "near",
    "to"), as a title's are read, or, a name of capitalised words ("of", "for", "the", "and" between
    them), that name run together; the speaker named next, where that is a name, also after a
    bracket ("X (ILO), Director-General Guy Ryder"); a person a bracket of the first sentence names
    ("(Ambassador Ferit Hoxha)", "(..., António Guterres)", "(... quoting Secretary General Agnès
    Callamard)"); a country anywhere in the clause or in the name that begins the brackets ending it
    ("... Republic (Greece)"), but after "in", "at", "from", "near" (a place); an acronym of three
    letters or more the line defines. None from a source that is a file name or a bare address."""
    source = (source or "")[:_SOURCE_READ]
    if " " not in source.strip():
        return []
    line, end, clause, name = _issuer(source)
    # "Prime Minister of the Hellenic Republic (Greece)", "(Irish head of government)": the name that
    # begins the brackets after it; not "(talks with the French ...)"
    aside = line[end.end():].split(")", 1)[0].strip() if end and end.group() == "(" else ""
    aside = m.group() if (m := _NAME_START_RE.match(aside)) else ""
    if run := _NAME_RUN_RE.fullmatch(name):  # "European Parliament", run together as a host name is: one name
        terms = ["".join(without_possessive(w).lower() for w in run.group().split())]
        terms += [country.lower() for country in title_words(name)  # "Government of Norway", "... of Singapore"
                  if other_names(country) or unaccented(country.lower()) in country_words()]
    else:
        terms = _name_terms(name, common)
    segments = clause.split(",")  # who speaks for it, named next: "Holy See, Pope Francis"
    if len(segments) > 1 and _NAME_RUN_RE.fullmatch(speaker := segments[1].strip()):
        terms += _name_terms(speaker, common)
    terms += _person_terms(",".join(segments[1:]), common)
    terms += _bracketed_people(line, end, common)
    found = title_words(f"{clause} {aside}")
    terms += [without_possessive(w).lower() for before, w in zip(["", *found], found, strict=False)
              if before.lower() not in _PLACE_WORDS and w[0].isupper() and other_names(without_possessive(w))]
    for named, acronym in _DEFINED_RE.findall(source):
        if acronym in "".join(w[0] for w in title_words(named) if w[0].isupper()):
            terms.append(acronym.lower())
    return list(dict.fromkeys(terms))


def _issuer(source: str) -> tuple[str, re.Match | None, str, str]:
    """A source line without its label, where its issuer's clause ends, the clause, and the name
    that begins it (before its first comma and any "in", "at", "from", "near", "to")."""
    line = _SOURCE_LABEL_RE.sub("", source[:_SOURCE_READ])
    end = _ISSUER_END_RE.search(line)
    clause = line[:end.start()] if end else line
    return line, end, clause, _PLACE_RE.split(clause.split(",", 1)[0], maxsplit=1)[0].strip()


def issuer_initials(source: str) -> str | None:
    """The initials of the name of several words a source line begins with ("African Union": "au",
    "European Parliament": "ep"), lower-cased; None where it is one word or none."""
    if " " not in (source or "").strip() or not (run := _NAME_RUN_RE.fullmatch(_issuer(source)[3])):
        return None
    letters = [w[0] for w in run.group().split() if w[0].isupper()]
    return "".join(letters).lower() if len(letters) >= 2 else None


def _bracketed_people(line: str, end: re.Match | None, common: set[str]) -> list[str]:
    """The people a source line names around its first sentence's brackets: the speaker named right
    after the bracket that ends the issuer's clause ("International Labour Organization (ILO),
    Director-General Guy Ryder, ..."), and in a bracket, a part between commas that is a name
    ("(Ambassador Ferit Hoxha)", "(United Nations Secretary-General, António Guterres)") or the
    name a release quotes ("(press release quoting ... Agnès Callamard)"); not a topic or another
    party ("(on the sanctions against ... Sergei Lavrov)", "(meeting between ...)")."""
    stop = _SENTENCE_END_RE.search(line)
    first = line[:stop.start()] if stop else line
    found: list[str] = []
    if end is not None and end.group() == "(" and (after := _AFTER_BRACKET_RE.match(first, end.start())):
        speaker = after.group(1).strip()  # as the speaker named next is read
        found += _name_terms(speaker, common) if _NAME_RUN_RE.fullmatch(speaker) else _person_terms(speaker, common)
    for bracket in _BRACKET_RE.finditer(first):
        if _OTHERS_RE.search(bracket.group(1)):
            continue  # "(talks with ...)", "(meeting between ...)", "(on the sanctions against ...)"
        parts = [p.strip() for p in bracket.group(1).split(",")]
        named = [p for p in parts if _NAME_RUN_RE.fullmatch(p)]
        named += [m.group() for p in parts if (m := _QUOTING_RE.search(p))]
        found += [t for p in named for t in _person_terms(p, common)]
    return found


def _person_terms(text: str, common: set[str]) -> list[str]:
    """The names of a person a source line's later clauses name ("press release reporting Prime
    Minister Andrej Plenković's statement"): the last words of a run of capitalised words, two at
    least, that the library never writes in lower case and that are no country, nationality or
    acronym ("Turkish Embassy", "OSCE Chairmanship", "New York" are none); not after "in", "at",
    "from", "near", "to" (a place: "at the UN Security Council"), nor "with" (a call's other party)."""
    found = []
    for run in _NAME_RUN_RE.finditer(text):
        before = text[:run.start()].split()
        before = before[:-1] if before and before[-1].lower() == "the" else before
        if before and before[-1].lower() in _PLACE_WORDS | {"to"}:
            continue  # a place, or the other party of a call ("talks with French President Emmanuel Macron")
        names: list[str] = []
        for word in reversed(run.group().split()):
            term = _name_term(word, common)
            if term is None or is_acronym(without_possessive(word)) or other_names(without_possessive(word)):
                break
            names.insert(0, term)
        if len(names) >= 2:
            found += names
    return found


def _name_terms(name: str, common: set[str]) -> list[str]:
    """A name's words as voice terms, as a title's are read; not an address's parts ("GOV.UK") nor
    an acronym of two letters ("MS" after a member's name)."""
    return [term for word in title_words(name) if (term := _name_term(word, common)) and term not in _HOST_NOISE
            and (len(term) > 2 or not is_acronym(word))]


def _name_term(word: str, common: set[str]) -> str | None:
    """A title's word as a voice term: an acronym, or a capitalised word the library never writes in
    lower case (not a month or weekday); None otherwise."""
    bare = without_possessive(word)
    if bare.lower() in CALENDAR_WORDS:  # capitalised in titles, but a date
        return None
    if is_acronym(bare) or (bare[0].isupper() and bare.lower() not in common and len(bare) > 2):
        return bare.lower()
    return None


def title_words(text: str) -> list[str]:
    """The words of a title (or text) as names are read: "G7", "Stoltenberg's"."""
    return TITLE_WORD_RE.findall(text or "")


def lowercase_words(texts: Iterable[str]) -> set[str]:
    """Words the library writes in lower case somewhere: common words, not names."""
    found: set[str] = set()
    for text in texts:
        found.update(w for w in title_words(text) if w[0].islower())
    return found


def voice_terms(title: str, source: str, speakers: Iterable[str], common: set[str]) -> list[str]:
    """The lower-cased voice terms of one document (see the module docstring)."""
    other = {w.lower() for run in _WITH_RUN_RE.findall(title or "") for w in title_words(run)}
    terms = [term for word in title_words(title) if (term := _name_term(word, common)) and term not in other]
    for speaker in speakers:
        terms += [w.lower() for w in title_words(speaker) if len(w) > 2 and w.lower() not in common]
    for url in _URL_RE.findall(source or ""):
        host = urlparse(url).hostname or ""
        terms += [part for part in host.lower().split(".") if len(part) >= MIN_HOST_PART and part not in _HOST_NOISE]
    terms += source_issuer_terms(source, common)
    return list(dict.fromkeys(terms))


# A country a title names after these may be what the document is about or whom its issuer met
# ("... condemns Russian action on Ukrainian soil", "... conversation with Romanian counterpart"), not
# who issues it ("Statement by the Prime Minister of Sweden", "Portugal condemns ..."); where a
# quarter of the texts name it too, it is the topic: the war's ("Ukrainian"), not the issuer's
# ("Statement on Canada's further support", "Speech in the Polish Sejm").
_TOPIC_BEFORE = frozenset("on in into against about over to toward towards with at".split())
_ARTICLE_WORDS = frozenset("the a an".split())
MAX_TOPIC_SHARE = 1 / 4


def _topical_countries(title: str) -> set[str]:
    """The countries and nationalities a title names after a word of ``_TOPIC_BEFORE``."""
    found = title_words(title)
    return {without_possessive(word).lower() for word, topical in zip(found, _after(found, _TOPIC_BEFORE))
            if topical and other_names(without_possessive(word))}


def _after(found: list[str], markers: frozenset[str]) -> list[bool]:
    """Whether each word comes after one of ``markers``, but for articles ("on the Russian ...")."""
    after, before = [], ""
    for word in found:
        after.append(before in markers)
        if word.lower() not in _ARTICLE_WORDS:
            before = word.lower()
    return after


def _host(url: str) -> str:
    host = (urlparse(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def library_voices(documents: Sequence[tuple[str, str, str, Sequence[str]]], texts: Sequence[tuple[str, str]],
                   common: set[str], dates: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Voice terms of each document (id, title, source, speakers), less those most of the texts
    use: "Russian" is capitalised in every title it is in, and says nothing about who speaks; with
    the name of the office holder a title names without one (``offices.office_holders``; ``dates``:
    the documents' dates, since offices change hands).
    ``texts``: (document id, passage text) of the documents whose words count (the statements)."""
    terms = {doc_id: voice_terms(title, source, speakers, common) for doc_id, title, source, speakers in documents}
    # the initials of an issuer's name, where a text writes them in capitals ("AU" of "(AU.int)"): how
    # readers name it ("what did the AU say")
    capitals = {w.lower() for _, text in texts for w in title_words(text) if w.isupper() and len(w) >= 2}
    for doc_id, _, source, _ in documents:
        if (initials := issuer_initials(source)) in capitals and initials not in terms[doc_id]:
            terms[doc_id].append(initials)
    wanted = {t for found in terms.values() for t in found}  # a holder's name is another title's term
    used_in: dict[str, set[str]] = {}
    for doc_id, text in texts:
        for word in {w.lower() for w in title_words(text)} & wanted:
            used_in.setdefault(word, set()).add(doc_id)
    total = max(1, len({doc_id for doc_id, _ in texts}))

    def kept(found: list[str]) -> list[str]:
        return [t for t in found if len(used_in.get(t, ())) <= total * MAX_TEXT_SHARE]

    # One issuer: the same web site (a whole host name: the Commission's is not the Council's), or
    # for a document without an address, a voice term most texts do not use ("Ukraine" is no issuer).
    hosts = {doc_id: [f"host:{_host(url)}" for url in _URL_RE.findall(source or "")]
             for doc_id, _, source, _ in documents}
    links = {doc_id: hosts[doc_id] or kept(found) for doc_id, found in terms.items()}
    holders = office_holders({doc_id: title for doc_id, title, _, _ in documents}, dates or {}, terms, links, common)
    topics = {doc_id: {t for t in _topical_countries(title) if len(used_in.get(t, ())) > total * MAX_TOPIC_SHARE}
              for doc_id, title, _, _ in documents}
    return {doc_id: [t for t in kept(list(dict.fromkeys([*found, *holders.get(doc_id, ())])))
                     if t not in topics[doc_id]] for doc_id, found in terms.items()}
