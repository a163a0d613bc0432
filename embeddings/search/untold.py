"""Facts statements seldom say, asked of documents that may not say them: when a country joined a
body ("when did finland join nato"), how old someone was ("how old was kuchma when he signed").
Answered only where a passage of the answer says it; refused otherwise, saying so (docs/quality.md,
"When a country joined, asked of documents that do not say it", and the session of 2026-12-06 from
13:00 for someone's age)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from embeddings.corpus.countries import country_key, inflected_name, other_names
from embeddings.corpus.text import TITLE_WORD_RE, country_words, is_acronym, sentences, unaccented
from embeddings.corpus.transliteration import latin
from embeddings.search.results import SearchResult

_WORD = re.compile(r"[^\W\d_]+")

# A question of when a country joined a body ("when did finland join nato", "is finland in nato now
# and when did it join", "what year did sweden become a member"): the question or a clause of it
# begins with the "when" (not "what did biden say when he announced ..."), the joining a few words
# on; and the words a passage says a joining with.
_WHEN_JOINED = re.compile(r"(?:^|[,;?]|\band\b|\bso\b)\s*(?:when|what year|which year|in what year|what date)\s+"
                          r"(?:did|does|do|was|were|is|has|have|will)\b(?P<who>[^?.!,;]{0,60}?)\b(?:join(?:ed|s|ing)?"
                          r"|(?:become|became|get|got)\s+(?:[\w'’-]+\s+){0,3}?members?|acced(?:e|ed|es)|admitted)\b",
                          re.IGNORECASE)
_JOINING = re.compile(r"\b(?:join(?:ed|s|ing)?|accession|acced(?:e|ed|es|ing)|admit(?:ted)?|admission"
                      r"|membership|(?:become|became|new)\s+members?)\b", re.IGNORECASE)
_JOINED_BY = re.compile(r"\bjoined\s+(?:\w+\s+){0,2}?by\b", re.IGNORECASE)  # "we were joined today by Sweden": a guest


# The same asked in the other languages ("kiedy szwecja weszła do nato", "Quand la Finlande a-t-elle
# rejoint l'OTAN ?", "wann trat Finnland der NATO bei").
_WHEN_JOINED_ELSEWHERE = re.compile(
    r"\b(?:quand|wann|cu[áa]ndo|kiedy|когда|коли)\b(?P<who>[^?.!,;]{0,60}?)\b(?P<verb>rejoint|adh[ée]r[ée]\w*|beigetreten"
    r"|trat\b[^?.!]{0,40}\bbei\b|se (?:uni[óo]|adhiri[óo])|ingres[óo]|entr[óo] (?:en|a)\b|wesz[łl]\w*|wst[ąa]pi[łl]\w*"
    r"|przyst[ąa]pi[łl]\w*|do[łl][ąa]czy[łl]\w*|вступил\w*|присоедини\w*|вступи[вл]\w*|приєдна\w*)", re.IGNORECASE)


# A body one joins, as the six languages write it ("do NATO", "à l'OTAN", "der NATO", "в НАТО", "до ЄС"),
# and the little words between it and the verb.
_BODY = re.compile(r"(?:l['’])?(?:nato|otan|нато|eu|ue|єс|ес|евросоюз\w*|євросоюз\w*|unii|union|unión|alliance"
                   r"|sojusz\w*)", re.IGNORECASE)
_BETWEEN = frozenset("a à au la le l de del do der dem den die zur zum to the в во к до у".split())


def _joined_elsewhere(question: str) -> dict[str, str]:
    """The countries a question in another language asks when they joined a body: the joining
    verb with the body next to it, after the verb or before it ("weszła do nato", "der NATO
    beigetreten", "trat Finnland der NATO bei"; not "weszły na Ukrainę", troops entering a country,
    nor "присоединилась к санкциям ЕС", joining sanctions); the countries named before the body."""
    found = _WHEN_JOINED_ELSEWHERE.search(question)
    if not found:
        return {}
    after = [w for w in question[found.end():].split()  # "se unió Suecia a la OTAN": the country skipped too
             if w.lower() not in _BETWEEN and not _countries_anywhere(w)][:1]
    before = [w for w in question[:found.start("verb")].split() if w.lower() not in _BETWEEN][-1:]
    inside = question[found.start("verb"):found.end()].split()[1:]  # "trat Finnland der NATO bei"
    body = next((w for w in [*after, *before, *inside] if _BODY.fullmatch(w.strip("?.!,;:"))), None)
    if body is None:
        return {}
    return _countries_anywhere(question[:question.find(body)])


def _countries(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w for w in (unaccented(x) for x in _WORD.findall(text)) if w in country_words()))


def _countries_anywhere(text: str) -> dict[str, str]:
    """The countries a text names in any language, by ``country_key``: {key: the word as written};
    not by a capital ("Helsinki" in the Helsinki Final Act is no Finland)."""
    found: dict[str, str] = {}
    for word in _WORD.findall(text):
        read = latin(word).lower()  # "Швеція": "shvetsiya"
        name = read if other_names(read) else inflected_name(read)
        key = country_key(name) if name else None
        if key and key not in found:
            found[key] = word
    return found


def untold_joining(question: str, texts: Sequence[str]) -> tuple[str, ...]:
    """The countries a question asks when they joined a body ("when did finland join nato"), where
    none of ``texts`` (the answer's passages) has a sentence naming one of them and its joining:
    the documents do not say it, whatever else they say of the country. Empty otherwise. The
    countries are those between the "when" and the joining, or, where it names none ("when did it
    join"), those before it."""
    found = _WHEN_JOINED.search(question[:400])  # a question is cut far shorter; the pattern stays cheap
    if found:
        named = _countries_anywhere(" ".join(_countries(found.group("who")) or _countries(question[:found.start()])))
    else:
        named = _joined_elsewhere(question[:400])
    if not named:
        return ()
    for text in texts:
        for sentence in sentences(text):
            if _JOINING.search(_JOINED_BY.sub(" ", sentence)) and set(_countries_anywhere(sentence)) & set(named):
                return ()
    return tuple(named.values())


# Someone's age ("how old was kuchma when he signed", "wie alt ist Scholz"), not a document's or a
# body's ("how old is the nato treaty", "wie alt ist die NATO": its date answers); and the words a
# passage gives an age in.
# ("ile lat", "сколько лет", "cuántos años" alone are "how many years": "ile lat więzienia grozi ...")
_HOW_OLD = re.compile(r"\b(?:how old|(?:at )?what age|quel [âa]ge|wie alt|qu[ée] edad|"
                      r"cu[áa]ntos años (?:tiene|tenía|tenia)|ile lat (?:ma|miał|miała|mial|miala)|"
                      r"сколько (?:ему|ей) (?:было )?лет|скільки (?:йому|їй) (?:було )?років)\b"
                      r"(?P<who>(?:\s+[\w'’.-]+){0,5})", re.IGNORECASE)
_NOT_A_PERSON = frozenset("""treaty charter act memorandum agreement agreements protocol accord accords statement
    declaration resolution alliance organisation organization document nato un eu union war conflict invasion
    text law constitution nations council assembly commission parliament court bank fund programme program
    agency office ministry government country state republic city osce otan onu uno ue oon нато оон єс ес""".split())
_AGE_SAID = re.compile(r"\b\d{1,3}[ -]years?[ -]old\b|\baged\s+\d{1,3}\b|\bage of \d{1,3}\b|\bages (?:of|between) \d"
                       r"|\b\d{1,3}(?:st|nd|rd|th) birthday\b", re.IGNORECASE)


def untold_age(question: str, texts: Sequence[str]) -> bool:
    """Whether the question asks someone's age and none of ``texts`` (the answer's passages) gives
    one: statements name people and their offices, seldom their ages."""
    found = _HOW_OLD.search(question[:400])
    who = TITLE_WORD_RE.findall(found.group("who")) if found else []
    if not found or _NOT_A_PERSON & {w.lower() for w in who} or any(is_acronym(w) for w in who):
        return False  # a body ("the OSCE", "the G7"), not someone
    return not any(_AGE_SAID.search(text) for text in texts)


def unless_untold(result: SearchResult, question: str) -> SearchResult:
    """``result``, refused where the question asks when a country joined a body (``untold_joining``)
    or someone's age (``untold_age``) and none of its first three passages says it."""
    if not result.answered:
        return result
    texts = [h.passage.text for h in result.hits[:3]]
    if countries := untold_joining(question, texts):
        names = " or ".join(c.title() for c in countries)
        note = f"No document in the library says when {names} joined."
    elif untold_age(question, texts):
        note = "No document in the library gives that age."
    else:
        return result
    return replace(result, answered=False, tentative=False, reason="off-topic", note=note)
