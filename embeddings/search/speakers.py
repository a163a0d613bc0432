"""A speaker or issuer the question names: their documents searched first, the note that says
whose words are quoted, and a question of a rule that names one (answered by an agreement where
one comes first). Mixed into Searcher, whose candidates, answers and library it uses."""

from __future__ import annotations

import re
from dataclasses import replace

from embeddings.corpus.text import tokens, words
from embeddings.search.focus import Focus, reports_saying, without_terms
from embeddings.search.results import Asked, SearchResult
from embeddings.search.retrieval import topic_words
from embeddings.search.unanswerable import asked_speakers, names_never_used

# A question of what may or must be done, or what counts as what: a rule's, which an agreement may
# hold ("Can members withdraw?", "Must members build up their defence?", "is it legal to ...", "is an
# attack on one member considered an attack on all?", "what happens if ...", "how does a new country
# join ...", "how long does it take to leave ..."). Not a request ("can you explain ...", "can
# someone quote ..."), nor what might have been ("could NATO have prevented").
_RULE = re.compile(r"^\W*(?:can|could|must|may|might|shall)\b(?!\s+(?:you|u|someone|somebody|anyone|anybody|i|we)\b)"
                   r"|\b(?:allowed|permitted|required|obliged|obligated|entitled)\b|\b(?:have|has) to\b(?!\s+do\b)"
                   r"|\bis it (?:il)?legal\b|\bis it (?:un)?lawful\b"
                   r"|\b(?:considered|deemed|regarded|treated)\s+(?:as|to be|an?|like)\b|\bcounts? as\b"
                   r"|\bsupposed to\b|\bwhat happens (?:if|when)\b|\bhow long does it take\b"
                   r"|\bhow (?:does|do|can) (?:a|an) (?:new )?\w+ (?:join|get into|become|leave|quit|withdraw)\b",
                   re.IGNORECASE)
_MIGHT_HAVE_BEEN = re.compile(r"\b(?:could|might|should|would)\b[^?.!]*?\bhave\s+(?:been|\w+ed|\w+en)\b", re.IGNORECASE)


def asks_a_rule(question: str, focus: Focus) -> bool:
    """Whether a question that names a speaker or issuer asks what may or must be done ("Must
    NATO members build up their own defence?", "Can the General Assembly weigh in on ...?"),
    not what they said or did on a day: the body is then what the rule is about."""
    return bool(focus.preferred) and focus.span is None and not reports_saying(question) \
        and not asked_speakers(question) and bool(_RULE.search(question)) and not _MIGHT_HAVE_BEEN.search(question)


class Speakers:
    """Searcher's answers for a question that names who speaks (or a rule that names a body)."""

    def _ruled(self, answer: Asked, facts: dict, focus) -> SearchResult | None:
        """A question of a rule that names a body (``asks_a_rule``), asked of the body's documents
        and of the agreements that name it (by a name of theirs, "NATO Treaty", or in their text):
        their answer where an agreement's passage comes first, said to be that; None where the
        body's own does, or no agreement names it."""
        if all(self.library.kind(d) == "treaty" for d in focus.preferred):  # the agreements it names
            return None
        naming = frozenset(d for d in self.library.ids() if self.library.kind(d) == "treaty"
                           and self._names_body(d, focus.voice_terms))
        documents = focus.preferred | naming
        if focus.documents is not None:  # the asker's filters
            documents &= focus.documents
        if not naming & documents:
            return None
        found = self._candidates(answer.query, facts, answer.vector, answer.scope, self._allowed(documents))
        if found is None or not len(found.numbers):
            return None
        result = self._answer(answer, found, documents)
        first = result.hits[0].passage.document if result.hits else ""
        if not result.answered or self.library.kind(first) != "treaty":
            return None
        rule = f"A rule, from an agreement that names {', '.join(focus.voice_terms)}: {self._names(frozenset({first}))}"
        return replace(result, note=f"{focus.note}. {rule}" if focus.note else rule)

    def _names_body(self, document: str, terms) -> bool:
        """Whether an agreement names a body by one of its voice terms: in a name of the agreement
        ("NATO" in "NATO Treaty") or in its text."""
        names = {w for t in self.index.catalogue.treaties if t.document == document for n in t.names for w in words(n)}
        return bool(names & set(terms)) or self.mentions(frozenset({document}), terms)

    def _as_near(self, theirs: SearchResult, other: SearchResult, topic: str, documents: frozenset[str]) -> bool:
        """Whether the named speaker's nearest passage uses a word of the topic, and every one that
        another body's answer uses (the words of their documents' titles aside: "President" of
        "Remarks by President Biden"): then theirs is as near by the words, and what was asked."""
        near, others = (self._topic_in(r, topic, documents) for r in (theirs, other))
        return bool(near) and others <= near

    def _topic_in(self, result: SearchResult, topic: str, documents: frozenset[str]) -> set[str]:
        """The topic's words (as BM25 reads them) that ``result``'s first passage uses, leaving out
        the words of the titles of ``documents`` (a named speaker's)."""
        titles = set().union(*(self.library.title_words(d) for d in documents))
        asked = set(tokens(" ".join(w for w in topic_words(topic) if w not in titles)))
        return asked & set(tokens(result.hits[0].passage.text)) if result.hits else set()

    def _theirs(self, focus, question: str = "") -> str:
        """Whose documents answer, and the question's words that named them, as typed ("Чехії", not
        the term "chekhiya" it names)."""
        typed = sorted(self.library.voices.naming_words(question, focus.voice_terms)) if question else []
        note = f"From {self._names(focus.preferred)} (the question names {', '.join(typed or focus.voice_terms)})"
        if focus.documents is not None and not focus.preferred <= focus.documents:  # a voice's other dates
            return f"None of theirs is dated {focus.span.describe()}. {note}"
        return f"{focus.note}. {note}" if focus.note else note

    def _preferred(self, answer: Asked, facts: dict, scope: str,
                   focus) -> tuple[SearchResult | None, SearchResult | None]:
        """The answer from the documents of the speaker or issuer the question names, or None: for the
        topic (``without_terms``), then as asked; tentatively where a date names them too, or where
        the threshold fitted for a few documents answers ("... about Mariupol?", a name the model
        barely knows). Beside it, where there is none, their passages nearest the topic."""
        topic = without_terms(answer.query, focus.voice_terms)
        tries = [answer] if topic == answer.query else \
            [replace(answer, query=topic, vector=self.encoder.encode_query(topic)), answer]
        ranked = None  # the topic's ranking: as asked, the naming words pull passages that repeat the name
        for asked in tries:
            found = self._candidates(asked.query, facts, asked.vector, scope, self._allowed(focus.preferred))
            if found is None or not len(found.numbers):
                return None, None
            result = self._answer(asked, found, focus.preferred)
            if result.answered and ranked is not None:
                return replace(result, hits=ranked.hits), None
            if result.answered or answer.overview:
                return result, None
            ranked = ranked or result
        # Named by both date and voice, and fewer than half the topic words are ones the library never
        # uses ("how bad this moment is"; "... about football" is still refused); or the threshold
        # fitted for their few documents, not the library's, answers: their nearest passages, said to
        # be that ("why 1000 exactly? where does wales get that number from": the Welsh statement's
        # passage on its first 1,000 people, which the library's threshold refused). Not where a word
        # no passage uses names a country or place asked about ("the border crisis with mexico").
        missing = tuple(w for w in self.unmatched(answer.query, answer.scope) if w not in focus.voice_terms)
        asked = topic_words(topic)
        named = self._names_asked_about(missing, answer.question)
        dated = focus.span is not None and (not missing or 2 * len(missing) < len(asked) and not named)
        fitted = ranked.signals["probability"] >= self.params.answer_threshold  # theirs: no library to compete with
        if dated or fitted and not named:
            return replace(ranked, answered=True, tentative=True, reason="", unmatched=missing), None
        return None, ranked

    def _names_asked_about(self, unmatched: tuple[str, ...], question: str) -> bool:
        """Whether a word no passage uses names what the question asks about ("the border crisis
        with mexico"), not who it says spoke (theirs may be a name their text never writes)."""
        speakers = asked_speakers(question)
        return any(w.lower() not in speakers for w in names_never_used(unmatched, question, self.library.names))

    def _names(self, documents: frozenset[str]) -> str:
        return "; ".join(f"{self.library.title(d)} ({self.library.date(d)})" for d in sorted(documents))
