"""Text helpers shared by indexing and search: sentence units and lexical tokens."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_ARTICLE_REF_RE = re.compile(r"\barticles?\s+(\d+)", re.IGNORECASE)
_INVISIBLE_RE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

# A small English stop list: words that carry no topic. Kept short on purpose, so that
# question words such as "who" or "why" do not count as matches.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours
    yourself yourselves tell say said says please thing things did does done get got abt wat
    whats s t d ll m re ve""".split()
)


def sentences(text: str) -> list[str]:
    """Split a passage into sentences (and lines, for treaty paragraphs)."""
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(s.strip() for s in _SENTENCE_END_RE.split(line) if s.strip())
    return out


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
# Control characters and other non-printing code points (categories Cc, Cf, Zl, Zp, Co, Cn are
# what str.isprintable rejects; the ranges below cover what occurs in practice).
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ue000-\uf8ff]")


def normalise(text: str) -> str:
    """NFKC, invisible characters removed, curly quotes straightened, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE_RE.sub("", text).translate(_QUOTES)
    if not text.isprintable():
        text = _CONTROL_RE.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# British and American spellings read alike: one form for both, before stemming ("defence" and
# "defense", "recognise" and "recognize", "labour" and "labor", "centre" and "center"). -ise becomes
# -ize, which the stemmer strips ("stabilised" is "stabil", as "stability" is), in every form of the
# word alike ("raise", "raising": "raiz").
_SPELLINGS = (
    (re.compile(r"(?<=\w\w)is(e|es|ed|ing|er|ers|ation|ations|ational)$"), r"iz\1"),
    (re.compile(r"(?<=\w\w)yz(e|es|ed|ing)$"), r"ys\1"),
    (re.compile(r"(?<=\w\w)our(s|ed|ing|able|ably|ite|ites|hood|hoods|er|ers|ful|less)?$"), r"or\1"),
    (re.compile(r"(?<=\w\w)(t|b)re(s)?$"), r"\1er\2"),
    (re.compile(r"(?<=\w\w)(t|b)red$"), r"\1ered"),
    (re.compile(r"(def|off|lic|pret)ense(s)?$"), r"\1ence\2"),  # not "defens" of "defensive"
    (re.compile(r"^programme(s|d)?$"), r"program\1"),
)
# A word written with a hyphen or without ("co-operation", "cooperation"; "cease-fire"): its parts
# are tokens, and the parts joined one more (spelt as a whole word is: "self-defense" as
# "selfdefense").
_HYPHENATED_RE = re.compile(r"\b(\w+)-(\w+)\b")
# A number written with thousands separators is the number a question types without them: "1,000"
# and "1.000" are "1000" (groups of three digits after one of one to three, not a decimal "0.125";
# not a space, which also parts two numbers: "article 5 100%").
_THOUSANDS_RE = re.compile(r"(?<![\d.,])[1-9]\d{0,2}(?:[,.]\d{3})+(?!\d)")


@lru_cache(maxsize=1 << 16)
def _spelling(word: str) -> str:
    for pattern, replacement in _SPELLINGS:
        word = pattern.sub(replacement, word)
    return word


def tokens(text: str) -> list[str]:
    """Lexical tokens: lower-cased, stop words dropped, one spelling for British and American,
    stemmed; "Article 5" also gives "article_5", "co-operation" also "cooperation"; "1,000" is "1000"."""
    text = normalise(text).lower().replace("'s", "")
    text = _THOUSANDS_RE.sub(lambda number: re.sub(r"\D", "", number.group()), text)
    words = [_spelling(w) for w in _TOKEN_RE.findall(text) if w not in STOPWORDS]
    words += [_spelling("".join(parts)) for parts in _HYPHENATED_RE.findall(text)]
    stemmed = _stemmer().stemWords(words)
    stemmed.extend(f"article_{n}" for n in _ARTICLE_REF_RE.findall(text))
    return stemmed


_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+", re.UNICODE)


def words(text: str) -> list[str]:
    """Surface words, lower-cased (for spelling correction and unknown-word checks)."""
    return [w.replace("’", "'") for w in _WORD_RE.findall(normalise(text).lower())]


# Words of any alphabet as titles write them, case kept: "président" is one word, not "pr" and
# "sident" (which matched a voice "PR"); "G7" one word too. Voices and offices read titles with it.
TITLE_WORD_RE = re.compile(r"[^\W\d_][^\W_]*(?:['’][^\W\d_]+)?|\d+[^\W\d_]+[^\W_]*")


def is_acronym(word: str) -> bool:
    """"NATO", "EU", "G7": all its letters capitals, or a digit in it."""
    letters = [c for c in word if c.isalpha()]
    return len(word) >= 2 and bool(letters) and (all(c.isupper() for c in letters) or any(c.isdigit() for c in word))


_POSSESSIVE_RE = re.compile(r"['’]s$")


def without_possessive(word: str) -> str:
    """The word without a trailing "'s" ("NATO's" -> "NATO", "today's" -> "today")."""
    return _POSSESSIVE_RE.sub("", word)


# A nationality's ending: "japanese" is of Japan, "canadian" of Canada, "ukrainian" of Ukraine.
_NATIONALITY_RE = re.compile(r"(?:ese|ians?|ans?|ish)$")
MIN_NATIONALITY_STEM = 4


def nationality_stem(word: str) -> str | None:
    """What names the country in a nationality ("german" -> "germ", "japanese" -> "japan"), or None."""
    stem = _NATIONALITY_RE.sub("", word)
    return None if stem == word or len(stem) < MIN_NATIONALITY_STEM else stem


def country_of(word: str, names) -> str | None:
    """The name among ``names`` whose nationality ``word`` is ("japanese" -> "japan", "canadian" ->
    "canada", "afghan" -> "afghanistan"), the shortest if several; None where ``word`` has no such
    ending or no country's name fits: "european" is not the nationality of a name run together from
    several words ("europeancommission")."""
    stem = nationality_stem(word)
    if stem is None:
        return None
    return min((n for n in names if n.startswith(stem) and n != word and n in country_words()), key=len, default=None)


def word_counts(texts) -> dict[str, int]:
    counts: dict[str, int] = {}
    for text in texts:
        for w in words(text):
            for part in {w, *re.split(r"['-]", w)}:
                if part:
                    counts[part] = counts.get(part, 0) + 1
    return counts


def unaccented(text: str) -> str:
    """Lower case without accents, to compare words typed with or without them ("invasión",
    "invasion")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


# Words of a country's name that do not name it alone ("South Korea": "korea" does).
_GENERIC = frozenset("north south east west central city united states kingdom republic islands island "
                     "isle saint st and of the sar".split())
# What is left of a name that is an everyday English word too ("Cook Islands", "Christmas Island").
_EVERYDAY = frozenset("african ascension canary chad christmas cook eurozone guinea jersey marshall nations "
                      "reunion sark solomon".split())


@cache
def country_words() -> frozenset[str]:
    """Countries as English names them (CLDR, through Babel): "finland", "korea", "kosovo"."""
    from babel import Locale

    found = set()
    for code, name in Locale("en").territories.items():
        if not code.isalpha():  # "001" is the world, "150" Europe: regions, not countries
            continue
        parts = [p for p in re.split(r"[\s&()-]+", unaccented(name)) if p]
        specific = [p for p in parts if p not in _GENERIC]
        if len(specific) == 1 and len(specific[0]) >= 4 and specific[0] not in _EVERYDAY:
            found.add(specific[0])
    return frozenset(found)
