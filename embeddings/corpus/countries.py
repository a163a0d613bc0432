"""A country's other names, one word each: its name, its people's adjective, its capital, its
native name and its name in French, German, Spanish and Italian ("denmark", "danish", "copenhagen",
"danmark", "dänemark", "dinamarca" are one country), from countryinfo's tables: no name is listed
in code. A document whose voice is one of them is named by the others too ("what did oslo decide",
"the norwegian pm", "Was sagte Dänemark?"; voices.py)."""

from __future__ import annotations

import re
from functools import cache

from embeddings.corpus.text import unaccented

# A one-word name: letters only (codes such as "DK" are too short to tell from words).
_WORD_RE = re.compile(r"^[^\W\d_]{4,}$")
_LANGUAGES = ("de", "es", "fr", "it")


def _forms(info: dict) -> set[str]:
    """The one-word names of a country, in lower case ("dänemark" and "danemark")."""
    names = [info.get("name"), info.get("demonym"), info.get("capital"), info.get("nativeName"),
             *(info.get("altSpellings") or ()), *((info.get("translations") or {}).get(lang) for lang in _LANGUAGES)]
    kept = [n.strip() for n in names if isinstance(n, str) and _WORD_RE.match(n.strip())]
    return {n.lower() for n in kept} | {unaccented(n) for n in kept}  # as typed, and without accents


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


def other_names(word: str) -> frozenset[str]:
    """The other one-word names of the country ``word`` names ("danish" -> "denmark", "copenhagen",
    ...); empty where it names none, and for a capital: a city in a title is most often where a
    statement was made ("Brussels", "Warsaw"), not who made it."""
    key = word.lower()
    if key in _capitals() or unaccented(word) in _capitals():
        return frozenset()
    return _groups().get(key, _groups().get(unaccented(word), frozenset())) - {key, unaccented(word)}
