"""A question's words as voice terms are written, whatever the language it is asked in: "l'OTAN"
is "nato", "Conseil européen" and "EU" are "european", "la Maison Blanche" is "white" (voices.py
matches them to the documents). General rules of the languages: no document is named here."""

from __future__ import annotations

import re
from collections.abc import Sequence

from embeddings.corpus.text import without_possessive

# French and Italian elision: "l'OTAN" is "OTAN", "d'Ukraine" is "Ukraine".
_ELISION = re.compile(r"^(?:l|d|qu|j|n|s|c|m|t)['’](?=\w)")
# An international body's name as French, Spanish and Portuguese write it, for the English one the
# titles use ("OTAN" is NATO; Cyrillic "НАТО" reads "nato" already; the refugee agency's "HCR",
# "ACNUR"); the European Union's abbreviation ("EU", French, Spanish, Italian and Polish "UE") for
# the word its bodies' titles use.
_IN_ENGLISH = {"otan": "nato", "hcr": "unhcr", "acnur": "unhcr", "eu": "european", "ue": "european"}
# The bodies of the UN system and Europe's as the six other languages abbreviate them (Cyrillic read
# in Latin letters: "ВПП" is "vpp"), for the English abbreviation the documents' sources write;
# read only where typed in capitals, since several are words too ("mot", "mop", "pam").
_ACRONYMS_IN_ENGLISH = {
    "onu": "un", "uno": "un", "onz": "un", "oon": "un",
    "pnud": "undp", "proon": "undp", "pam": "wfp", "pma": "wfp", "wep": "wfp", "vpp": "wfp",
    "oit": "ilo", "iao": "ilo", "mop": "ilo", "mot": "ilo", "oim": "iom", "mom": "iom",
    "oms": "who", "voz": "who", "ocde": "oecd", "oesr": "oecd", "cicr": "icrc", "ikrk": "icrc", "mkck": "icrc",
    "mkkk": "icrc", "aiea": "iaea", "oiea": "iaea", "maea": "iaea", "magate": "iaea", "osze": "osce",
    "obwe": "osce", "obse": "osce", "obsye": "osce", "fmi": "imf", "iwf": "imf", "mfw": "imf", "mvf": "imf",
    "istgh": "icc", "mtk": "icc", "mus": "icc", "mks": "icc", "hcdh": "ohchr", "acnudh": "ohchr"}
# A body's title words as the other languages write them (Cyrillic read in Latin letters): an
# assembly ("Assemblée", "Asamblea", "Generalversammlung", "Zgromadzenie", "Генассамблея"), a
# parliament ("Parlement", "EU-Parlament", "Европарламент"). Not a secretary: "генсек ООН" is the
# UN's, whose documents the library may not hold.
_TITLE_WORDS = ((re.compile(r"(?:gen)?as+embl[ée]e|asamblea|(?:general|voll)?versammlung|zgromadzeni\w*"
                            r"|(?:gen)?as+ambl\w*"), "assembly"),
                (re.compile(r"r[ée]solution\w*|resoluci[óo]n\w*|rezolucj\w*|rezolyuts\w*"), "resolution"),
                (re.compile(r"m[ée]morandum\w*|memor[áa]ndum\w*"), "memorandum"),
                (re.compile(r"pressekonferenz\w*"), "pressconference"),
                (re.compile(r"(?:euro|evro|europa)parlament\w*"), "europeanparliament"),
                (re.compile(r"parlament\w*|parlement|parlamento"), "parliament"))
# Before a word of what a document is, the nearest article says whether it is one of the library's
# ("the resolution", "la résolution") or any ("a security council resolution", "a new resolution").
INDEFINITE = frozenset("""a an any every each another new une ein eine einer einen uno una nouvelle nouveau neue neuen
    nueva nuevo nowa nowej novaya novuyu novoj nova novu""".split())  # not "un": the UN
# "European" as the other languages write the adjective ("consejo europeo", "Conseil européen",
# "Europäischer Rat", "Rada Europejska", "Европейский совет" read in Latin letters), beside a word
# for a body (council, union, commission, parliament, leaders): "la sécurité européenne" is what a
# question asks about, not who speaks, as "European security" is in English; nor is the continent's
# name ("Europa").
_EUROPEAN = re.compile(r"europe[oaie]s?|europ[ée]en(?:ne)?s?|europäisch\w*|europejsk\w*|y?evropejsk\w*")
_BODIES = frozenset("""consejo conseil consiglio rat rates rada rady radzie sovet soveta soveti
    unión union unione unia unii soyuz soyuza comisión commission commissione kommission komisja komisji
    komissiya komissii komisiya komisiyi parlamento parlement parlament parlaments parlamentu parlamenta
    líderes leader dirigentes dirigeants przywódcy przywódców lidery council parliament leaders heads head
    commissioner commissioners""".split())
# "White House" as the other languages write it ("la Maison Blanche", "das Weiße Haus", "Biały Dom",
# "У Білому домі", "Белый дом" read in Latin letters), both words read as "white", the voice term its
# documents have: a house's word beside the colour's, not after "a" ("una casa blanca en Járkov").
_WHITE = re.compile(r"blanche|blanca|wei(?:ß|ss)e[snm]?|bia[łl](?:y|ego|ym|e|emu)"
                    r"|bel(?:yj|yi|yy|ij|ogo|om|omu|ym)|bil(?:ij|yj|yi|ogo|omu|im)")
_HOUSE = frozenset("maison casa haus hauses hause dom domu domem doma dome domom domi domowi dim".split())


def _white_house(words: list[str]) -> set[int]:
    """The positions of the words that name the White House in another language."""
    found: set[int] = set()
    for i, word in enumerate(words):
        for j in (i - 1, i + 1):
            if word in _HOUSE and 0 <= j < len(words) and _WHITE.fullmatch(words[j]) \
                    and (min(i, j) == 0 or words[min(i, j) - 1] not in INDEFINITE):
                found |= {i, j}
    return found


def in_capitals(typed: Sequence[str]) -> list[bool]:
    """Whether each word is written in capitals, after an elision ("l'OIT", "ВПП")."""
    return [_ELISION.sub("", w).isupper() for w in typed]


def normalised(typed: Sequence[str], capitals: Sequence[bool] | None = None) -> list[str]:
    """A question's words as voice terms are written: lower case, no "'s", no elision, "OTAN" as
    "nato", "PNUD" as "undp" where typed in capitals (``capitals``: whether each word was, where
    ``typed`` is read from another alphabet), "Conseil européen" as "european"."""
    lowered = [without_possessive(w.lower()) for w in typed]
    capitals = capitals if capitals is not None and len(capitals) == len(typed) else in_capitals(typed)
    words = [_IN_ENGLISH.get(w, _ACRONYMS_IN_ENGLISH.get(w, w) if upper else w)
             for w, upper in zip((_ELISION.sub("", w) for w in lowered), capitals, strict=True)]
    words = [next((english for pattern, english in _TITLE_WORDS if pattern.fullmatch(w)), w) for w in words]
    white = _white_house(words)
    bodies = [bool(_BODIES & set(words[max(0, i - 1):i + 2])) for i in range(len(words))]
    return ["white" if i in white else "european" if _EUROPEAN.fullmatch(w) and bodies[i]
            else "" if lowered[i] == "european" and not bodies[i] else w  # "european security" is asked about
            for i, w in enumerate(words)]
