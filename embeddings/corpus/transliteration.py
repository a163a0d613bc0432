"""Names written in Cyrillic, read as English writes them: "Столтенберг" is "stoltenberg", and where
the letters do not map one to one ("Джонсон", "Харрис", "Гарріс", "Гутерреш"), a name that sounds
like one the library writes. General rules of transliteration: no name is listed here."""

from __future__ import annotations

import re
from collections.abc import Iterable

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


# How a name sounds, for matching one transliteration with another: consonant groups as one letter
# ("dzh", "j"; "kh", "h"; "ts", "z"), "h" left out (Russian writes "Kh" or "G" for it, Ukrainian
# "H" as "G"), "y", "j" and "i" alike, double letters single, and a case ending off the end.
_GROUPS = (("dzh", "j"), ("zh", "j"), ("kh", ""), ("sch", "s"), ("sh", "s"), ("ch", "c"), ("ts", "c"),
           ("tz", "c"), ("z", "c"), ("ck", "k"), ("c", "k"), ("ph", "f"), ("w", "v"), ("x", "ks"), ("q", "k"),
           ("h", ""), ("y", "i"), ("j", "i"))
_ENDING = re.compile(r"(?:ia|iu|oi|om|ei|ie|[aeiou])$")
# How alike two names must sound (rapidfuzz's ratio, 0-100), and how long they must be.
SOUND_RATIO = 85
SOUND_MIN_LETTERS = 5


def sound_key(name: str) -> str:
    key = name.lower()
    for group, letter in _GROUPS:
        key = key.replace(group, letter)
    key = re.sub(r"(.)\1+", r"\1", key)
    return _ENDING.sub("", key) if len(key) > 4 else key


class SoundsLike:
    """The library's names by how they sound: ``match`` gives the one a Cyrillic word names, if one
    sounds alike and no other as much ("Гутерреш": "guterres"; "Джонсона": "johnson")."""

    def __init__(self, names: Iterable[str]) -> None:
        self._keys: dict[str, list[str]] = {}
        for name in names:
            if len(name) >= SOUND_MIN_LETTERS and name.isalpha():
                self._keys.setdefault(sound_key(name), []).append(name)

    def match(self, word: str) -> str | None:
        """The library's name the Cyrillic ``word`` sounds like, or None."""
        if len(word) < SOUND_MIN_LETTERS - 1 or not re.search("[а-яА-ЯёЁіІїЇєЄґҐ]", word) or not self._keys:
            return None
        from rapidfuzz import fuzz, process

        found = process.extract(sound_key(latin(word)), list(self._keys), scorer=fuzz.ratio,
                                score_cutoff=SOUND_RATIO, limit=2)
        if not found or len(found) > 1 and found[1][1] == found[0][1]:
            return None
        names = self._keys[found[0][0]]
        return names[0] if len(names) == 1 else None
