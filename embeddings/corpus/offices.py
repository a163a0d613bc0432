"""Who holds an office a title names without a name: "Statement of the President on the NATO
Summit ..." is the President's, and the library's other titles name the President ("Remarks by
President Biden"). Read from the titles themselves, never from a list of names in code.

* An *office* is a run of capitalised words the library also writes in lower case ("President",
  "Press Secretary" where the texts write "the press secretary"), not a name ("the Russian
  Federation" is never written in lower case) and not one of something ("the President of the
  European Commission", "the Minister for Armed Forces", "the President-elect").
* A title *names* its holder where a name (words of its document's voice terms, initials and
  particles such as "von der" between) follows the office and the office is introduced as a
  person's (at the start, after punctuation, "by", "from", "with": not "Vice President Harris" or
  "Prime Minister Johnson", other offices); not where "of" follows the name ("President Duda of
  Poland" is another country's) or another office word does (a "White House Coronavirus Response
  Coordinator" is no holder of "the White House").
* A bare office is one the title attributes itself to: "Statement of / by / from the President",
  not "Remarks to the General Assembly" or "Statement on the Humanitarian Situation".
* The holder of a bare office is the one named by the titles of documents sharing a voice term
  with it (the same issuer, roughly), nearest in date (offices change hands: a press secretary of
  2023 is not the one of 2022); of several named as near, the one named most; none if still tied.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from embeddings.corpus.text import TITLE_WORD_RE, is_acronym, without_possessive

# Words that end an office ("the President on ...", in Title Case "the President On ...").
_FUNCTION = frozenset("on of for to at in and with from by after before about upon during over".split())
# Words that attribute a title to whoever follows: "Statement of / by / from the President",
# "Call with President Zelenskyy" (not "Remarks to the General Assembly", "Statement on the Situation").
_ATTRIBUTING = frozenset("by from of with and".split())
# Lower-case words inside a name: "President von der Leyen".
_PARTICLES = frozenset("von van der den de da di del du la le".split())


@dataclass(frozen=True)
class _Token:
    text: str
    lower: str  # without "'s"
    gap: str  # what stands between it and the token before


def _tokens(title: str) -> list[_Token]:
    out, last = [], 0
    for m in TITLE_WORD_RE.finditer(title):
        out.append(_Token(m.group(0), without_possessive(m.group(0)).lower(), title[last:m.start()]))
        last = m.end()
    return out


def _possessive(token: _Token) -> bool:
    return without_possessive(token.text) != token.text


def _office_word(token: _Token, common: set[str]) -> bool:
    return token.text[0].isupper() and not is_acronym(token.text) and token.lower in common \
        and token.lower not in _FUNCTION


def _joined(token: _Token) -> bool:
    """Whether only spaces or a hyphen stand before ``token`` ("Secretary-General")."""
    return token.gap.strip() in ("", "-")


def _office_run(tokens: list[_Token], i: int, common: set[str]) -> int:
    """The end of the office that starts at ``i`` (``i`` itself if none does)."""
    end = i
    while end < len(tokens) and _office_word(tokens[end], common) and (end == i or _joined(tokens[end])):
        end += 1
        if _possessive(tokens[end - 1]):
            break  # "the President's Call"
    return end


def bare_office(title: str, common: set[str]) -> tuple[str, ...]:
    """The office a title names after "the" with no name: "Statement of the President on the
    summit" -> ("president",); () if none."""
    tokens = _tokens(title)
    for i, token in enumerate(tokens):
        if token.lower != "the" or not i or tokens[i - 1].lower not in _ATTRIBUTING:
            continue
        end = _office_run(tokens, i + 1, common)
        if end == i + 1:
            continue
        if end < len(tokens) and not _possessive(tokens[end - 1]):
            after = tokens[end]
            compound = after.gap.strip() == "-"  # "the President-elect"
            if compound or after.lower in ("of", "for") or (after.text[0].isupper() and after.lower not in _FUNCTION):
                continue  # of something, or named ("the United Kingdom")
        return tuple(t.lower for t in tokens[i + 1:end])
    return ()


def _name_after(tokens: list[_Token], start: int, terms: set[str], common: set[str]) -> tuple[tuple[str, ...], int]:
    """The name that starts at ``start``: its words that are voice terms, with initials ("J."),
    particles ("von der") and short names ("Bo") between them; (those words, where it ends)."""
    name: list[str] = []
    end = start
    while end < len(tokens) and (end == start or tokens[end].gap.strip() in ("", ".", "-")):
        token = tokens[end]
        capitalised = token.text[0].isupper() and not is_acronym(token.text)
        if token.lower in terms and capitalised:
            name.append(token.lower)
        elif not (capitalised and token.lower not in common) and token.lower not in _PARTICLES:
            break
        end += 1
        if _possessive(token):
            break
    return tuple(name), end


def named_offices(title: str, terms: set[str], common: set[str]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(office, name) pairs a title gives: "Remarks by President Biden" -> [(("president",), ("biden",))]."""
    tokens = _tokens(title)
    found = []
    i = 0
    while i < len(tokens):
        end = _office_run(tokens, i, common)
        if end == i:
            i += 1
            continue
        name, after = _name_after(tokens, end, terms, common) if not _possessive(tokens[end - 1]) else ((), end)
        foreign = after < len(tokens) and tokens[after].lower == "of"  # "President Duda of Poland"
        longer = after < len(tokens) and _office_word(tokens[after], common)  # "... Response Coordinator Jeff Zients"
        if name and _introduced(tokens, i) and not foreign and not longer:
            found.append((tuple(t.lower for t in tokens[i:end]), name))
        i = max(end, after)
    return found


def _introduced(tokens: list[_Token], i: int) -> bool:
    """Whether the office at ``i`` is introduced as a person's ("Remarks by President", "FACT SHEET:
    President", "... by NATO Secretary General"): at the title's start, after punctuation or an
    attributing word, an acronym (its body) between; not after another capitalised word ("Vice
    President", "Prime Minister" hold other offices)."""
    at = i - 1 if i and is_acronym(tokens[i - 1].text) and _joined(tokens[i]) else i
    if at == 0 or tokens[at].gap.strip():
        return True
    return tokens[at - 1].lower in _ATTRIBUTING


def _day(value: str) -> int | None:
    try:
        return date.fromisoformat((value or "")[:10]).toordinal()
    except ValueError:
        return None


def office_holders(titles: dict[str, str], dates: dict[str, str], terms: dict[str, list[str]],
                   links: dict[str, list[str]], common: set[str]) -> dict[str, tuple[str, ...]]:
    """The holder's name for each document whose title names an office bare (see the module
    docstring). ``terms``: each document's voice terms (what names a holder); ``links``: those that
    link documents of one issuer (the terms most texts use left out: "Ukraine" is no issuer)."""
    named: dict[tuple[tuple[str, ...], str], list[tuple[int, str, tuple[str, ...]]]] = {}  # (office, link) -> dated
    counts: Counter[tuple[tuple[str, ...], str, str]] = Counter()  # (office, link, surname)
    for doc_id, title in titles.items():
        day = _day(dates.get(doc_id, ""))
        for office, name in named_offices(title, set(terms[doc_id]), common):
            for link in links[doc_id]:
                named.setdefault((office, link), []).append((day if day is not None else 0, doc_id, name))
                counts[(office, link, name[-1])] += 1
    for entries in named.values():
        entries.sort()
    found: dict[str, tuple[str, ...]] = {}
    for doc_id, title in titles.items():
        office = bare_office(title, common)
        if office:
            holder = _nearest(office, doc_id, _day(dates.get(doc_id, "")), links[doc_id], named, counts)
            if holder:
                found[doc_id] = holder
    return found


def _closest(entries: list[tuple[int, str, tuple[str, ...]]], day: int | None, doc_id: str) -> list:
    """The entries (day, document, name) nearest ``day``, all of them where as near; every entry
    where the document has no date. Its own title's are none."""
    if day is None:
        return [e for e in entries if e[1] != doc_id]
    at = bisect_left(entries, (day, "", ()))
    left, right, out, best = at - 1, at, [], None
    while left >= 0 or right < len(entries):
        before = day - entries[left][0] if left >= 0 else float("inf")
        after = entries[right][0] - day if right < len(entries) else float("inf")
        if best is not None and min(before, after) > best:
            break
        if before <= after:
            entry, left = entries[left], left - 1
        else:
            entry, right = entries[right], right + 1
        if entry[1] != doc_id:
            best = min(before, after) if best is None else best
            out.append(entry)
    return out


def _nearest(office: tuple[str, ...], doc_id: str, day: int | None, links: Sequence[str],
             named: dict, counts: Counter) -> tuple[str, ...]:
    """The name nearest in date to ``day`` among the titles linked to ``doc_id`` that name ``office``;
    of names as near, the one named most; () if still tied."""
    best: dict[str, tuple[int, int, tuple[str, ...]]] = {}  # surname -> (distance, -count, name)
    for link in links:
        for when, _, name in _closest(named.get((office, link), []), day, doc_id):
            distance = abs(when - day) if day is not None else 0
            rank = (distance, -counts[(office, link, name[-1])], name)
            best[name[-1]] = min(best.get(name[-1], rank), rank)
    ranked = sorted(best.values())
    if not ranked or (len(ranked) > 1 and ranked[0][:2] == ranked[1][:2]):
        return ()
    return ranked[0][2]
