"""A country's other names, one word each: its name, its people's adjective, its capital, its
native name and its name in French, German, Spanish and Italian ("denmark", "danish", "copenhagen",
"danmark", "dänemark", "dinamarca" are one country), from countryinfo's tables: no name is listed
in code. A document whose voice is one of them is named by the others too ("what did oslo decide",
"the norwegian pm", "Was sagte Dänemark?"; voices.py)."""

from __future__ import annotations

import os
import re
from functools import cache

from embeddings.corpus.text import unaccented
from embeddings.corpus.transliteration import latin

# A one-word name: letters only (codes such as "DK" are too short to tell from words).
_WORD_RE = re.compile(r"^[^\W\d_]{4,}$")
_LANGUAGES = ("de", "es", "fr", "it")
_CLDR_LANGUAGES = ("de", "es", "fr", "pl", "ru", "uk")


def _forms(info: dict) -> set[str]:
    """The one-word names of a country, in lower case ("dänemark" and "danemark"); in Polish,
    Russian and Ukrainian too (CLDR, through Babel), Cyrillic read in Latin letters as questions
    are ("Чехія": "chekhiya")."""
    code = (info.get("ISO") or {}).get("alpha2", "")
    if _state_of_code().get(code) != info.get("name"):
        code = ""  # a part of a state filed under the state's code (Wales under "GB"): no names of the state
    names = [info.get("name"), info.get("demonym"), info.get("capital"), info.get("nativeName"),
             *(info.get("altSpellings") or ()), *((info.get("translations") or {}).get(lang) for lang in _LANGUAGES),
             *(_territory_names(lang).get(code) for lang in _CLDR_LANGUAGES)]
    kept = [latin(n.strip()) for n in names if isinstance(n, str) and _WORD_RE.match(n.strip())]
    return {n.lower() for n in kept} | {unaccented(n) for n in kept}  # as typed, and without accents


@cache
def _state_of_code() -> dict[str, str]:
    """Each ISO code's most populous entry (the United Kingdom, not Wales, for "GB")."""
    best: dict[str, tuple[int, str]] = {}
    for info in _infos():
        code, people = (info.get("ISO") or {}).get("alpha2", ""), int(info.get("population") or 0)
        if code and (code not in best or best[code][0] < people):
            best[code] = (people, info.get("name") or "")
    return {code: name for code, (_, name) in best.items()}


@cache
def _territory_names(language: str) -> dict[str, str]:
    from babel import Locale

    return dict(Locale(language).territories)


@cache
def _infos() -> tuple[dict, ...]:
    """countryinfo's table of every country, read once."""
    from countryinfo import all_countries

    found = []
    for country in all_countries():
        try:
            found.append(country.info())
        except (KeyError, ValueError, AttributeError):
            continue
    return tuple(found)


@cache
def _groups() -> dict[str, frozenset[str]]:
    """Each one-word name -> all the names of its country. A name two countries share ("Guinea",
    a territory's adjective that is its state's) goes to the more populous."""
    owner: dict[str, tuple[int, frozenset[str]]] = {}
    for info in _infos():
        forms = frozenset(_forms(info))
        people = int(info.get("population") or 0)
        for form in forms:
            if form not in owner or owner[form][0] < people:
                owner[form] = (people, forms)
    return {form: forms for form, (_, forms) in owner.items()}


@cache
def _capitals() -> frozenset[str]:
    capitals = [info.get("capital") for info in _infos()]
    return frozenset(f for c in capitals if isinstance(c, str) for f in (c.lower(), unaccented(c)))


def country_key(word: str) -> str | None:
    """One name for the country any of its one-word names names, its capital's too ("moscow",
    "russian", "Russia": the same); None for a word that names no country."""
    group = _groups().get(word.lower()) or _groups().get(unaccented(word))
    return min(group) if group else None


def other_names(word: str) -> frozenset[str]:
    """The other one-word names of the country ``word`` names ("danish" -> "denmark", "copenhagen",
    ...); empty where it names none, and for a capital: a city in a title is most often where a
    statement was made ("Brussels", "Warsaw"), not who made it."""
    key = word.lower()
    if key in _capitals() or unaccented(word) in _capitals():
        return frozenset()
    return _groups().get(key, _groups().get(unaccented(word), frozenset())) - {key, unaccented(word)}


# How a country's name ends after the stem its adjective and cases share ("Estoni-e", "Ucrani-a",
# "Albani-en", "Chekhi-ya", "Finn-land"), and how the adjective or case ends ("estoni-enne",
# "ucrani-ana", "albani-sche", "chekhi-yi", "finn-ische"): French, German, Spanish, Polish, and
# Russian and Ukrainian as read in Latin letters. No English plural ("islands" is not Iceland's), nor
# German "-er" ("letter" is not Latvia's "Lettland").
_NAME_ENDINGS = frozenset("e ie ia iya ija iia a y ja ya cja en ei i land enland".split()) | {""}
_WORD_ENDINGS = frozenset("""e oise oises ois aise aises ais ienne iennes ien iens enne ennes en ens que ques
    isch ische ischen ischer isches ischem sche schen scher sches schem
    a o as os ana ano anas anos iana iano ianas ianos esa esas
    ska ski skie skiego skiej skich skim ka ki kie kiego kiej kich kim cka cki ckie ckiego ckiej ckich
    y i ii ie u skij skiy skii skaya skaja skoe skogo skoj skoy skomu skikh skyj skyi skoho skoi
    iyi yi oj ej""".split())
# The stem a name and its adjective share: five letters, six before a one-letter ending ("hungr-y"
# is not Hungary's, "georg-e" not Georgia's, "indi-que" not India's; "ukrain-y" is Ukraine's).
MIN_STEM = 5
MIN_STEM_SHORT_ENDING = 6


@cache
def _by_start() -> dict[str, tuple[str, ...]]:
    """Countries' names (not capitals: "victory" is no "Victoria") by their first letters."""
    found: dict[str, set[str]] = {}
    for form in set(_groups()) - _capitals():
        if len(form) >= MIN_STEM:
            found.setdefault(form[:MIN_STEM], set()).add(form)
    return {start: tuple(sorted(forms)) for start, forms in found.items()}


def inflected_name(word: str) -> str | None:
    """The one-word country name whose adjective or case ``word`` is, in the languages questions
    come in ("estonienne": "estonie", "ukrainischem": "ukraine", "chekhiyi": "chekhiya"); None
    where it is none, or a name itself."""
    if len(word) <= MIN_STEM or word in _groups():
        return None
    if (bare := unaccented(word)) != word:  # "suédoise" of "Suède"
        return _inflected(word) or _inflected(bare)
    return _inflected(word)


def _inflected(word: str) -> str | None:
    found = []
    for name in _by_start().get(word[:MIN_STEM], ()):
        shared = len(os.path.commonprefix([word, name]))
        for stem in range(shared, MIN_STEM - 1, -1):
            ending = word[stem:]
            if ending in _WORD_ENDINGS and name[stem:] in _NAME_ENDINGS \
                    and (len(ending) > 1 or stem >= MIN_STEM_SHORT_ENDING):
                found.append((stem, name))
                break
    return max(found)[1] if found else None
