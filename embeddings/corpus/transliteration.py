"""Names written in Cyrillic, read as English writes them: "Столтенберг" is "stoltenberg". General
rules of transliteration: no name is listed here."""

from __future__ import annotations

import re

# Cyrillic letters as English spells Russian and Ukrainian names: "Столтенберг" -> "stoltenberg",
# "НАТО" -> "nato", "Псакі" -> "psaki". An English "i" said as in "Biden" is written "ай" ("Байден",
# "Майк"): a word is also read with "ай" as "i" ("biden").
_CYRILLIC = str.maketrans({**dict(zip("абвгґдеёзийіклмнопрстуфыэ", "abvggdeezijiklmnoprstufye")),
                           "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ь": "",
                           "є": "ye", "ї": "yi", "ю": "yu", "я": "ya", "’": "", "'": ""})


AI = re.compile("ай", re.IGNORECASE)


def latin(text: str) -> str:
    """``text`` with its Cyrillic letters in Latin ones (lower case), the rest as it was."""
    if not re.search("[а-яА-ЯёЁіІїЇєЄґҐ]", text):
        return text
    return "".join(ch.lower().translate(_CYRILLIC) if "\u0400" <= ch <= "\u04ff" else ch for ch in text)


# Sounds that a name read from Cyrillic and the name as its own language writes it spell apart
# ("Шольц" is read "sholts", German writes "Scholz"; "Макрон" "makron", "Джонсон" "dzhonson",
# "Харрис" "kharris"): both are compared by what is left once each is spelt one way.
_SOUNDS = tuple((re.compile(pattern), spelt) for pattern, spelt in (
    ("dzh", "j"), ("^kh", "h"), ("sch", "sh"), ("tz|ts", "z"), ("ck", "k"), ("c(?!h)", "k"), ("ph", "f"), ("w", "v"),
    ("ee", "i"), ("[yj]", "i"), ("(?<=[aeiou])h", ""), (r"(\w)\1+", r"\1")))


def skeleton(word: str) -> str:
    """A name spelt one way: "scholz" and "sholts" are "sholz", "johnson" and "dzhonson" "ionson"."""
    return _respelt(word, _SOUNDS)


def _respelt(word: str, rules: tuple[tuple[re.Pattern, str], ...]) -> str:
    word = word.lower()
    for pattern, spelt in rules:
        word = pattern.sub(spelt, word)
    return word


# How names romanised from other alphabets are spelt apart in Latin letters: "Zelenskyy", "Zelensky",
# "Zelenskiy" (y, i, j and doubled letters); not sounds a language spells its own way ("englisch").
_SPELLINGS = tuple((re.compile(pattern), spelt) for pattern, spelt in (("[yj]", "i"), (r"(\w)\1+", r"\1")))


def spelling(word: str) -> str:
    """A name typed in Latin letters, spelt one way: "zelensky" and "zelenskiy" are "zelenski"."""
    return _respelt(word, _SPELLINGS)

