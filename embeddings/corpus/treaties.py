"""The treaties and agreements the statements cite: names, aliases, citations and articles.

The catalogue is the curated list below, plus every treaty document in ``DATA_DIR`` (by its
title and ``ALIASES`` header), plus any "... Treaty / Charter / Act / Memorandum / Agreement(s) /
Accords / Protocol / Convention" a statement names, so documents added later bring their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from embeddings.corpus.cleaning import cut_off
from embeddings.corpus.records import Passage, is_partial
from embeddings.corpus.text import normalise

# canonical name, aliases. The first alias is the short name shown in lists.
CURATED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Washington Treaty", ("North Atlantic Treaty", "NATO Treaty", "Treaty of Washington")),
    ("UN Charter", ("Charter of the United Nations", "United Nations Charter", "UN-Charter")),
    ("Helsinki Final Act", ("Helsinki Accords", "Helsinki Declaration", "CSCE Final Act", "Final Act")),
    ("Charter of Paris", ("Charter of Paris for a New Europe", "Paris Charter")),
    ("Budapest Memorandum", ("Budapest Memorandum on Security Assurances", "Budapest Memorandum of 1994")),
    ("NATO-Russia Founding Act", ("Founding Act", "NATO Russia Founding Act",
                                  "Founding Act on Mutual Relations, Cooperation and Security")),
    ("Minsk Protocol", ("Minsk I", "Minsk 1", "first Minsk agreement", "Minsk Protocol of 2014")),
    ("Minsk II", ("Minsk 2", "Package of Measures", "second Minsk agreement",
                  "Package of Measures for the Implementation of the Minsk Agreements")),
)
# Names that stand for several agreements at once: "the Minsk agreements" are both of them.
GROUPS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Minsk agreements", ("Minsk agreement", "Minsk accords"), ("Minsk Protocol", "Minsk II")),
)

# Names a statement may cite that are not in the curated list: "the Treaty of X", "the X Act".
_CITED_RE = re.compile(
    r"\b(?:the\s+)?((?:[A-Z][\w'’-]*\s+){1,5}(?:Treaty|Charter|Act|Memorandum|Agreements?|Accords?|"
    r"Protocol|Convention))\b(?!\s+Organi[sz]ation)"
)
_ORGANISATION_GUARD = r"(?!\s+Organi[sz]ation)"
# "Article 51", "art. 5", "point 2", "principle IV": a numbered part of an agreement, as people name it.
_NAMED_PART_RE = re.compile(r"(?:\b(?:articles?|arts?|points?|principles?|paragraphs?|paras?|items?|clauses?|"
                            r"sections?)\.?|§)\s*(\d{1,3}|[ivxl]{1,6})\b", re.IGNORECASE)


def _roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out, number = out + letters, number - value
    return out


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", normalise(name).lower()).strip()

_GENERIC = frozenset("treaty treaties charter act final agreement agreements memorandum accord accords "
                     "protocol convention declaration of the on for and in a".split())


def _distinctive(name: str) -> str:
    return " ".join(w for w in _key(name).split() if w not in _GENERIC)


# At most this many words between an article and the agreement it is of ("Article 51 of the UN
# Charter", "the UN Charter says in Article 51"); farther apart, "Article 5" need not be the UN
# Charter's because the question names it in another clause.
ARTICLE_NAME_GAP = 4


def _near(text: str, part: re.Match, name: str) -> bool:
    """Whether the agreement's ``name`` stands within ARTICLE_NAME_GAP words of the article ``part``."""
    for found in re.finditer(re.escape(name), text, re.IGNORECASE):
        gap = text[part.end():found.start()] if found.start() >= part.end() else text[found.end():part.start()]
        if len(gap.split()) <= ARTICLE_NAME_GAP:
            return True
    return False


def _distinctive_patterns(treaty: Treaty) -> list[re.Pattern]:
    """Each name's distinctive words in order ("budapest", "minsk ii"), to find a treaty named
    loosely ("the budapest memo"). A lone word that is short or an acronym ("UN", "NATO" of "NATO
    Treaty") names an organisation more often than a treaty, and gives no pattern."""
    out = []
    for name in treaty.names:
        words = _distinctive(name).split()
        acronym = bool(words) and any(w.isupper() and w.lower() == words[0] for w in re.split(r"\W+", name))
        if words and (len(words) > 1 or (len(words[0]) >= 4 and not acronym)):
            out.append(re.compile(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", re.IGNORECASE))
    return out


@dataclass
class Treaty:
    name: str
    aliases: tuple[str, ...] = ()
    document: str | None = None  # id of the treaty's own text in the index, if present
    date: str = ""
    citations: list[Passage] = field(default_factory=list)
    members: tuple[str, ...] = ()  # for a name that stands for several agreements
    completeness: str = ""  # what the document says of itself ("PARTIAL - ...")

    @property
    def partial(self) -> bool:
        return is_partial(self.completeness)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def pattern(self) -> re.Pattern:
        alternatives = "|".join(
            re.escape(n).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+")
            for n in sorted(self.names, key=len, reverse=True) if len(n) > 3
        )
        return re.compile(rf"\b(?:{alternatives})\b{_ORGANISATION_GUARD}", re.IGNORECASE)


@dataclass(frozen=True)
class TreatyAnswer:
    treaty: Treaty
    article: int | None
    article_passage: Passage | None  # the article's own text, if the treaty is in the index
    citations: list[Passage]  # statement passages that cite the treaty (the article first)
    articles_available: tuple[str, ...]  # article numbers of the treaty's text in the index
    problem: str = ""  # e.g. "The Washington Treaty has no Article 99 (it has Articles 1-14)."
    members: tuple[Treaty, ...] = ()  # the agreements a group name stands for
    part: str = "Article"  # what its numbered parts are called: "Article", or "point" for numbered clauses

    @property
    def parts(self) -> str:
        """The numbered parts the library holds, for people: "Articles 1-14", "points 1-4"."""
        return describe_parts(self.part, self.articles_available)


def describe_parts(part: str, numbers: Sequence[str]) -> str:
    if not numbers:
        return f"no numbered {part.lower()}s"
    if all(n.isdigit() for n in numbers) and [int(n) for n in numbers] == list(
            range(int(numbers[0]), int(numbers[0]) + len(numbers))):
        span = numbers[0] if len(numbers) == 1 else f"{numbers[0]}-{numbers[-1]}"
    else:
        span = ", ".join(numbers[:12]) + ("…" if len(numbers) > 12 else "")
    return f"{part}{'s' if len(numbers) > 1 else ''} {span}"


class TreatyCatalogue:
    """The agreements the library knows (curated names, treaty documents, names the statements
    cite) and, for each, the statement passages that cite it. Made when an index is built (a scan
    of every statement passage: seconds at 100,000 passages) and stored in it as
    ``catalogue.json``; loading an index reads it back (``from_dict``)."""

    FILE = "catalogue.json"

    def __init__(self, passages: Sequence[Passage], documents: list[dict]) -> None:
        self.treaties: list[Treaty] = [Treaty(name, aliases) for name, aliases in CURATED]
        self.treaties += [Treaty(name, aliases, members=members) for name, aliases, members in GROUPS]
        self._passages = passages
        for doc in documents:
            if doc.get("kind") == "treaty":
                self._add_document(doc)
        self._articles: dict[str, dict[str, int]] = self._article_positions(passages)
        self._add_cited_names(passages)
        self._collect_citations(passages)

    def _add_document(self, doc: dict) -> None:
        """A treaty document joins the treaty its title or id names (a new one if none), giving
        it its title and ``aliases`` as aliases, its text, date and completeness."""
        treaty = self._match(doc["title"]) or self._match(doc["id"])
        extra = tuple(a.strip() for a in doc.get("aliases", "").split(",") if a.strip())
        if treaty is None:
            title = re.sub(r"\s*\(.*?\)\s*", " ", doc["title"]).strip()
            treaty = Treaty(title, (doc["title"], *extra) if title != doc["title"] else extra)
            self.treaties.append(treaty)
        else:
            treaty.aliases = tuple(dict.fromkeys((*treaty.aliases, doc["title"], *extra)))
        treaty.document, treaty.date = doc["id"], doc.get("date", "")
        treaty.completeness = doc.get("completeness", "")

    def _article_positions(self, passages: Sequence[Passage]) -> dict[str, dict[str, int]]:
        """Each treaty document's passages by article number; the first of a number wins (an
        official text before a later copy), unless it breaks off where a later one is whole (a
        document assembled from excerpts: "... if Uk[... excerpt ends here]"), and is not only the
        heading it begins with (a table of contents' line)."""
        treaty_documents = {t.document for t in self.treaties if t.document}
        articles: dict[str, dict[str, int]] = {}
        for number, passage in enumerate(passages):
            if passage.document in treaty_documents and passage.article:
                found = articles.setdefault(passage.document, {})
                first = found.get(passage.article)
                if first is None or (cut_off(passages[first].text) and not cut_off(passage.text)
                                     and not passages[first].text.startswith(passage.text.strip())):
                    found[passage.article] = number
        return articles

    def _add_cited_names(self, passages: Sequence[Passage]) -> None:
        """Each agreement a statement names that the catalogue does not know becomes a treaty."""
        for passage in passages:
            if passage.kind != "statement":
                continue
            for match in _CITED_RE.finditer(passage.text):
                name = match.group(1).strip()
                if self._match(name) is None and not name.lower().startswith(("we ", "our ", "this ")):
                    self.treaties.append(Treaty(name))

    def _collect_citations(self, passages: Sequence[Passage]) -> None:
        """Each treaty's citations: the statement passages naming it, newest first. A statement
        naming a group ("the Minsk agreements") cites each member too."""
        for treaty in self.treaties:
            pattern = treaty.pattern()
            treaty.citations = [p for p in passages if p.kind == "statement" and pattern.search(p.text)]
        for group in (t for t in self.treaties if t.members):
            for member in filter(None, map(self.get, group.members)):
                member.citations += [p for p in group.citations if p not in member.citations]
        for treaty in self.treaties:
            treaty.citations.sort(key=lambda p: p.date, reverse=True)

    def to_dict(self, passages: Sequence[Passage]) -> dict:
        """The catalogue with citations as positions in ``passages`` (the index's order)."""
        number = {id(p): n for n, p in enumerate(passages)}
        return {"treaties": [
            {"name": t.name, "aliases": list(t.aliases), "document": t.document, "date": t.date,
             "members": list(t.members), "completeness": t.completeness,
             "citations": [number[id(p)] for p in t.citations]}
            for t in self.treaties], "articles": self._articles}

    @classmethod
    def from_dict(cls, data: dict, passages: Sequence[Passage]) -> TreatyCatalogue:
        catalogue = cls.__new__(cls)
        catalogue._passages = passages
        catalogue._articles = data["articles"]
        catalogue.treaties = [
            Treaty(t["name"], tuple(t["aliases"]), t["document"], t["date"],
                   [passages[n] for n in t["citations"]], tuple(t["members"]), t["completeness"])
            for t in data["treaties"]]
        return catalogue

    def named_article(self, text: str) -> tuple[Treaty, int] | None:
        """The article a question names of a treaty whose text is in the library ("What does
        Article 51 of the UN Charter say?", "point 2 of the Budapest Memorandum"): the treaty and
        the article's passage number; None when it names none, or an article the text lacks."""
        parts = list(_NAMED_PART_RE.finditer(text))
        if not parts:
            return None
        for treaty, found in self.named_treaties(text):  # the longest name first
            if treaty.document not in self._articles:
                continue
            articles = self._articles[treaty.document]
            for part in parts:
                number = part.group(1)
                key = number.upper() if not number.isdigit() else number
                if key in articles and _near(text, part, found):
                    return treaty, articles[key]
        return None

    def most_cited(self, number: str) -> tuple[Treaty, int] | None:
        """Article ``number`` of the only agreement in the library that has one, or of the one whose
        article of that number the statements cite by name ("Article 5 of the Washington Treaty") most
        often; None if none is cited so, or two alike. Counted once per number and catalogue."""
        cache = self.__dict__.setdefault("_most_cited", {})  # from_dict skips __init__
        if number not in cache:
            cache[number] = self._count_cited(number)
        return cache[number]

    def _count_cited(self, number: str) -> tuple[Treaty, int] | None:
        counts = {t.name: sum(any(part.group(1) == number and any(_near(p.text, part, n) for n in t.names)
                                  for part in _NAMED_PART_RE.finditer(p.text)) for p in t.citations)
                  for t in self.treaties if number in self._articles.get(t.document, {})}
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        if not ranked or len(ranked) > 1 and (not ranked[0][1] or ranked[1][1] == ranked[0][1]):
            return None
        treaty = self.get(ranked[0][0])
        return treaty, self._articles[treaty.document][number]

    def article_documents(self, text: str) -> set[str] | None:
        """The agreements whose articles the numbers of a question may be ("Article 5" alone: any,
        None); where it names agreements, those named near an article ("Article 5 of the
        Washington Treaty"), none if all stand in another clause."""
        named = self.named_treaties(text)
        if not named:
            return None
        parts = list(_NAMED_PART_RE.finditer(text))
        return {t.document for t, found in named if t.document and any(_near(text, p, found) for p in parts)}

    def named_treaties(self, text: str) -> list[tuple[Treaty, str]]:
        """The agreements in the library a question names, by a name or the distinctive words of
        one ("Under the North Atlantic Treaty, ...", "the budapest memo"), with the words that
        named each, the longest name first; a name inside a longer one names nothing ("minsk" in
        "minsk 2")."""
        if not hasattr(self, "_patterns"):  # made once per catalogue (from_dict skips __init__)
            self._patterns = {t.name: (t.pattern(), _distinctive_patterns(t)) for t in self.treaties if t.document}
        found: list[tuple[re.Match, Treaty]] = []
        for treaty in self.treaties:
            if treaty.name not in self._patterns:
                continue
            full, short = self._patterns[treaty.name]
            # else "budapest memo", "minsk ii": the distinctive words of one of its names, all of them
            match = full.search(text) or max((m for m in (p.search(text) for p in short) if m),
                                             key=lambda m: m.end() - m.start(), default=None)
            if match:
                found.append((match, treaty))
        found.sort(key=lambda item: item[0].start() - item[0].end())  # the longest name first
        kept: list[tuple[re.Match, Treaty]] = []
        for match, treaty in found:
            if not any(m.start() <= match.start() and match.end() <= m.end() for m, _ in kept):
                kept.append((match, treaty))
        return [(treaty, match.group(0)) for match, treaty in kept]

    def _match(self, name: str) -> Treaty | None:
        """The treaty whose name or alias the text names; the longest name wins, so a title
        naming "the Minsk Agreements" inside a longer alias goes to that alias's treaty."""
        key = _key(name)
        best, best_len = None, 0
        for treaty in self.treaties:
            for n in treaty.names:
                nk = _key(n)
                if (key == nk or (len(nk) > 8 and re.search(rf"\b{re.escape(nk)}\b(?! organi[sz]ation)", key))) \
                        and len(nk) > best_len:
                    best, best_len = treaty, len(nk)
        return best

    def resolve(self, name: str) -> Treaty | None:
        """The treaty a user means: an exact name or alias, else a close fuzzy match."""
        if not _key(name):
            return None
        exact = {(_key(n)): t for t in self.treaties for n in t.names}
        key = _key(name)
        for candidate in (key, re.sub(r"^the ", "", key)):  # "the Minsk agreements"
            if candidate in exact:
                return exact[candidate]
        # A close spelling of the distinctive words ("Budapst Memorandum"), not of the generic ones:
        # "Treaty of Narnia" must not become the "Treaty of Washington".
        from rapidfuzz import fuzz

        wanted = _distinctive(name)
        if not wanted:
            return None
        best, best_score = None, 0.0
        for treaty in self.treaties:
            for n in treaty.names:
                score = fuzz.ratio(wanted, _distinctive(n))
                if score > best_score:
                    best, best_score = treaty, score
        return best if best_score >= 80 else None

    def get(self, name: str) -> Treaty | None:
        return next((t for t in self.treaties if t.name == name), None)

    def suggest(self, text: str, limit: int = 25, cutoff: float = 0) -> list[str]:
        """Canonical names for autocomplete: prefix matches first, then fuzzy matches."""
        from rapidfuzz import fuzz, process

        text = _key(text[:100])
        if not text:
            return [t.name for t in self.treaties][:limit]
        scored: dict[str, float] = {}
        for treaty in self.treaties:
            for n in treaty.names:
                nk = _key(n)
                if nk.startswith(text) or any(w.startswith(text) for w in nk.split()):
                    scored[treaty.name] = max(scored.get(treaty.name, 0), 200 - len(nk))
        choices = {n: t.name for t in self.treaties for n in t.names}
        for _key_text, score, alias in process.extract(text, {a: _key(a) for a in choices},
                                                 scorer=fuzz.WRatio, limit=None,
                                                 score_cutoff=max(cutoff, 50)):
            canonical = choices[alias]
            scored[canonical] = max(scored.get(canonical, 0), score)
        if cutoff:
            scored = {n: s for n, s in scored.items() if s >= cutoff}
        return sorted(scored, key=lambda n: -scored[n])[:limit]

    def lookup(self, treaty: Treaty, article: int | None = None) -> TreatyAnswer:
        articles = {a: self._passages[n] for a, n in self._articles.get(treaty.document, {}).items()}
        available = tuple(articles)
        part = "point" if articles and all(p.clause for p in articles.values()) else "Article"
        citations = list(treaty.citations)
        problem = ""
        article_passage = None
        if article is not None:
            article_re = re.compile(rf"\bArticles?\s+(?:\d+\s*(?:,|and)\s*)*{article}\b", re.IGNORECASE)
            citing = [p for p in citations if article_re.search(p.text)]
            citations = citing + [p for p in citations if p not in citing]
            article_passage = articles.get(str(article)) or articles.get(_roman(article))
            parts = describe_parts(part, available)
            if article_passage is None and treaty.document and treaty.partial:
                problem = (f"{part.capitalize()} {article} of the {treaty.name} is not in the library: only part of "
                           f"its text is ({parts}).")
            elif article_passage is None and treaty.document:
                problem = f"The {treaty.name} has no {part} {article} (it has {parts})."
            elif article_passage is None and not citing:
                problem = (f"The text of the {treaty.name} is not in the library, and no statement "
                           f"cites its Article {article}.")
        members = tuple(filter(None, map(self.get, treaty.members)))
        return TreatyAnswer(treaty, article, article_passage, citations, available, problem, members, part)
