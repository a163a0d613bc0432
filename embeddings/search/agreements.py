"""What the agreements a question names do to its focus: their passages first, or an article looked
up. General rules about questions: no agreement is named here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from embeddings.corpus.text import words
from embeddings.search.focus import Focus
from embeddings.search.unanswerable import asked_speakers


def named_agreements(focus: Focus, named: Sequence[tuple[object, str]], question: str = "") -> Focus:
    """A question that names agreements in the library ("Under the North Atlantic Treaty, must
    members ...?": ``named`` holds (treaty, the words that named it)) prefers their passages, as
    one naming a speaker prefers theirs. Not where the question says someone else speaks ("What
    did NATO say about the Washington Treaty?": what they said of it); a speaker or issuer the
    question names keeps their documents first, unless its words are those of the agreement's
    name ("NATO" in "the NATO-Russia Founding Act") or the agreement is who the question says
    speaks ("does the Helsinki Final Act say European borders ...") or where they said it ("in
    the 1997 Founding Act, what did NATO say ...")."""
    chosen = [(t.document, found) for t, found in named if focus.documents is None or t.document in focus.documents]
    if not chosen:
        return focus
    names, speakers = {w for _, found in chosen for w in words(found)}, asked_speakers(question)
    source = names & speakers or any(_said_in(question, found) for _, found in chosen)
    if speakers and not source:
        return focus
    if focus.preferred and not source and set(focus.voice_terms) - names:
        return focus
    return replace(focus, preferred=frozenset(d for d, _ in chosen),
                   voice_terms=tuple(dict.fromkeys(w for _, found in chosen for w in words(found))))


def looked_up(focus: Focus, named: Sequence[tuple[object, str]], document: str, question: str) -> Focus:
    """A question that names an article of an agreement by words that name a speaker too ("article
    4 nato treaty", "what does the nato treaty say in article 4?": ``named`` holds (treaty, the
    words that named it)) looks the article up: the words name the agreement, not who speaks or
    acts. Not where the speaker's words stand outside the agreement's name too ("what did NATO
    say about article 5 of the nato treaty", "did nato hold consultations under article 4 of the
    nato treaty?": NATO's documents first), nor where the question's date leaves the agreement out."""
    names = [f for t, f in named if t.document == document]
    if not names or document in focus.preferred or (focus.documents is not None and document not in focus.documents):
        return focus
    rest = re.sub("|".join(re.escape(f) for f in names), " ", question, flags=re.IGNORECASE)
    if set(focus.voice_terms) & set(words(rest)):
        return focus
    return replace(focus, preferred=frozenset(), voice_terms=())


def _said_in(question: str, name: str) -> bool:
    """Whether the question places what was said in the agreement: "In the 1997 <name>, what
    ...", "what did NATO say in the <name>"; not "say about the guarantees in the <name>"."""
    return re.search(rf"(?:^\W*|\b(?:say|said|says|state|stated|write|wrote|promise|promised|agree|agreed|declare|"
                     rf"declared)\s+)in\s+(?:the\s+)?(?:\d{{4}}\s+)?{re.escape(name)}", question,
                     re.IGNORECASE) is not None
