"""What a server's readers ask, for its admins and the operator: questions per day, how many were
answered, the readers' votes, the documents quoted most, and the coverage gaps (the questions
the library could not answer well, grouped by meaning).

Computed from the store's records (``Store.records``: one dict per answered question) with no
discord import, so the slash command, ``python -m bot insights`` and the tests share it. Days
are UTC days, the same for every server.

A question's text is kept only on servers that turned insights on; elsewhere it is "". Such a
question counts in the figures and is never shown, exported or grouped.
"""

from __future__ import annotations

import io
import json
import logging
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from csv import writer as csv_writer
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

log = logging.getLogger(__name__)

# Two groups of questions are merged while the mean cosine similarity between their questions
# (average linkage) is at least this. Measured on 49 questions: paraphrase groups (gas prices, a
# football score, the weather, China, sanctions on Russia, climate, Taiwan, COVID, defence
# spending, elections, bitcoin, cyber attacks; 2-5 questions each) and 7 unrelated ones, with both
# encoders that may serve (int8 ONNX). The fine-tuned model joined paraphrases at 0.46 or more (the
# lowest: the three on climate) and different topics at 0.35 or less; the base model (FINE_TUNE=off)
# at 0.48 or more and 0.40 or less (the highest: sanctions on Russia with "Which country did the
# allies condemn for enabling the attack?" and a question on aid to Ukraine). 0.43, in the middle
# of the gap both leave (0.40-0.46), gives back every group exactly with either, none split or
# mixed. tests/test_insights.py keeps part of the set; with the fine-tuned model it passes from 0.36
# to 0.46.
GAP_SIMILARITY = 0.43
# The newest questions grouped: 2,000 take about 17 s to encode (int8 ONNX, 2 cores, one question at
# a time) and under a second to group; more would keep an admin waiting for little.
MAX_CLUSTERED = 2000
TOP_DOCUMENTS = 5
EXAMPLES = 3
ANSWERED = ("answered", "tentative")

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Day:
    date: date
    questions: int
    answered: int  # tentative answers included
    refused: int

    @property
    def share_answered(self) -> float | None:
        return self.answered / self.questions if self.questions else None


@dataclass(frozen=True)
class Gap:
    """Questions of one meaning the library could not answer well."""

    count: int
    representative: str  # the question closest to the group's centroid
    examples: tuple[str, ...]  # up to EXAMPLES distinct questions, the representative first
    refused: int
    down_voted: int  # answered, but readers found the answer more unhelpful than helpful


@dataclass(frozen=True)
class Insights:
    """The figures of one period, of one server or all."""

    start: date
    end: date
    days: int
    guild_id: str | None  # None: every server
    per_day: tuple[Day, ...]  # every day of the period, oldest first, days without questions too
    questions: int
    answered: int  # tentative answers included
    tentative: int
    refused: int
    errors: int
    helpful: int
    not_helpful: int
    median_latency_ms: float | None
    languages: tuple[tuple[str, int], ...]  # most asked first
    documents: tuple[tuple[str, int], ...]  # (title, or id without one; answers quoting it), top TOP_DOCUMENTS
    question_text: bool  # whether any question of the period was kept (insights turned on)
    gap_questions: int  # refused or down-voted questions with their text
    clustered: int  # how many of them were grouped: 0 without an encoder, at most MAX_CLUSTERED
    gaps: tuple[Gap, ...]  # largest first

    @property
    def share_answered(self) -> float | None:
        return self.answered / self.questions if self.questions else None

    def text(self) -> str:
        """Plain text, one figure a line: for screen readers and the console."""
        lines = [f"Questions from {self.start} to {self.end} ({_plural(self.days, 'day')}, UTC), "
                 f"{'server ' + self.guild_id if self.guild_id else 'all servers'}",
                 f"Questions: {self.questions}",
                 f"Answered: {self.answered} ({_percent(self.share_answered)}), of which tentative: {self.tentative}",
                 f"Refused: {self.refused}",
                 f"Errors: {self.errors}",
                 f"Helpful votes: {self.helpful}",
                 f"Not helpful votes: {self.not_helpful}",
                 "Median answer time: " + ("none recorded" if self.median_latency_ms is None
                                           else f"{self.median_latency_ms:.0f} ms"),
                 "Languages: " + (", ".join(f"{name} {n}" for name, n in self.languages) or "none"),
                 "", "Per day:"]
        lines += [f"{d.date}: {_plural(d.questions, 'question')}, {d.answered} answered, {d.refused} refused"
                  for d in self.per_day]
        lines += ["", "Documents quoted most:"]
        lines += [f"{i}. {title}: {_plural(n, 'answer')}" for i, (title, n) in enumerate(self.documents, 1)]
        lines += [] if self.documents else ["none"]
        return "\n".join(lines + [""] + self._gap_lines())

    def _gap_lines(self) -> list[str]:
        if not self.question_text:
            return ["Coverage gaps: no question text is kept. Turn on insights to see the questions "
                    "the library cannot answer."]
        if not self.gap_questions:
            return ["Coverage gaps: none. No question was refused or voted not helpful."]
        if not self.clustered:
            return [f"Coverage gaps: {_plural(self.gap_questions, 'question')} refused or voted not helpful; "
                    "grouping them needs the embedding model, which is not prepared yet."]
        capped = self.clustered < self.gap_questions
        newest = f" (the newest {self.clustered} of {self.gap_questions})" if capped else ""
        lines = [f"Coverage gaps: {_plural(len(self.gaps), 'group')} of {self.clustered} questions refused "
                 f"or voted not helpful{newest}, largest first:"]
        for i, gap in enumerate(self.gaps, 1):
            lines.append(f"{i}. {_plural(gap.count, 'question')} ({gap.refused} refused, "
                         f"{gap.down_voted} voted not helpful): {gap.representative}")
            lines += [f"   also: {example}" for example in gap.examples[1:]]
        return lines

    def to_json(self) -> dict:
        """Every figure, JSON-serialisable: dates as YYYY-MM-DD, shares from 0 to 1 (None with no questions)."""
        return {
            "start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days,
            "guild_id": self.guild_id,
            "per_day": [{"date": d.date.isoformat(), "questions": d.questions, "answered": d.answered,
                         "refused": d.refused, "share_answered": d.share_answered} for d in self.per_day],
            "totals": {"questions": self.questions, "answered": self.answered, "tentative": self.tentative,
                       "refused": self.refused, "errors": self.errors, "share_answered": self.share_answered},
            "votes": {"helpful": self.helpful, "not_helpful": self.not_helpful},
            "median_latency_ms": self.median_latency_ms,
            "languages": dict(self.languages),
            "documents": [{"document": title, "answers": n} for title, n in self.documents],
            "gaps": {"question_text": self.question_text, "questions": self.gap_questions,
                     "clustered": self.clustered,
                     "groups": [{"count": g.count, "representative": g.representative, "examples": list(g.examples),
                                 "refused": g.refused, "down_voted": g.down_voted} for g in self.gaps]},
        }


def period(days: int, now: float) -> tuple[date, date]:
    """The first and last UTC day of the ``days`` days that end today."""
    end = datetime.fromtimestamp(now, UTC).date()
    return end - timedelta(days=days - 1), end


def period_start(days: int, now: float) -> float:
    """The moment the period begins (midnight UTC of its first day): ``since`` for Store.records."""
    return datetime.combine(period(days, now)[0], time(), UTC).timestamp()


def summarize(records: Sequence[dict], *, days: int, now: float, embed: Embed | None = None,
              guild_id: str | None = None) -> Insights:
    """The figures of the ``days`` UTC days ending at ``now``, of one server or all of them.
    ``embed`` (an encoder's ``encode``: unit vectors, one row per text) groups the coverage gaps;
    without it they are counted, not grouped."""
    start, end = period(days, now)
    kept = [r for r in records if _day(r) >= start and r["at"] <= now
            and (guild_id is None or r["guild_id"] == guild_id)]
    outcomes = Counter(r["outcome"] for r in kept)
    latencies = [r["latency_ms"] for r in kept if r["latency_ms"] is not None]
    gap_records = gap_candidates(kept)
    chosen = sorted(gap_records, key=lambda r: r["at"])[-MAX_CLUSTERED:] if embed is not None else []
    return Insights(
        start=start, end=end, days=days, guild_id=guild_id, per_day=_per_day(kept, start, days),
        questions=len(kept), answered=outcomes["answered"] + outcomes["tentative"], tentative=outcomes["tentative"],
        refused=outcomes["refused"], errors=outcomes["error"],
        helpful=sum(r["up"] for r in kept), not_helpful=sum(r["down"] for r in kept),
        median_latency_ms=float(statistics.median(latencies)) if latencies else None,
        languages=tuple(sorted(Counter(r["language"] for r in kept).items(), key=lambda item: (-item[1], item[0]))),
        documents=_top_documents(kept), question_text=any(r["question"].strip() for r in kept),
        gap_questions=len(gap_records), clustered=len(chosen), gaps=_gaps(chosen, embed) if chosen else (),
    )


def gap_candidates(records: Sequence[dict]) -> list[dict]:
    """The records of the coverage gaps: refused, or voted more unhelpful than helpful, whose
    question text was kept."""
    return [r for r in records if r["question"].strip() and (r["outcome"] == "refused" or r["down"] > r["up"])]


def _day(record: dict) -> date:
    return datetime.fromtimestamp(record["at"], UTC).date()


def _per_day(records: Sequence[dict], start: date, days: int) -> tuple[Day, ...]:
    asked, answered, refused = Counter(), Counter(), Counter()
    for r in records:
        day = _day(r)
        asked[day] += 1
        answered[day] += r["outcome"] in ANSWERED
        refused[day] += r["outcome"] == "refused"
    every = (start + timedelta(days=i) for i in range(days))
    return tuple(Day(d, asked[d], answered[d], refused[d]) for d in every)


def _top_documents(records: Sequence[dict]) -> tuple[tuple[str, int], ...]:
    """The documents the answers quoted most, each by its newest title (its id without one)."""
    counts: Counter = Counter()
    titles: dict[str, str] = {}
    for r in records:
        if r["outcome"] in ANSWERED and r["document"]:
            counts[r["document"]] += 1
            titles[r["document"]] = r["title"] or titles.get(r["document"]) or r["document"]
    ranked = sorted(counts.items(), key=lambda item: (-item[1], titles[item[0]]))
    return tuple((titles[doc], n) for doc, n in ranked[:TOP_DOCUMENTS])


def _gaps(records: Sequence[dict], embed: Embed) -> tuple[Gap, ...]:
    """The questions grouped by meaning: average-linkage clustering of their vectors, cut where
    the mean cosine similarity between two groups falls below GAP_SIMILARITY."""
    texts = [r["question"].strip() for r in records]
    vectors = np.asarray(embed(texts), dtype=np.float64)
    labels = np.zeros(len(texts), dtype=int)
    if len(texts) > 1:
        from scipy.cluster.hierarchy import fcluster, linkage

        tree = linkage(vectors, method="average", metric="cosine")
        labels = fcluster(tree, t=1 - GAP_SIMILARITY, criterion="distance")
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    gaps = [_gap([records[i] for i in members], [texts[i] for i in members], vectors[members])
            for members in groups]
    return tuple(sorted(gaps, key=lambda g: (-g.count, g.representative)))


def _gap(records: list[dict], texts: list[str], vectors: np.ndarray) -> Gap:
    centroid = vectors.mean(axis=0)
    closeness = vectors @ (centroid / max(float(np.linalg.norm(centroid)), 1e-12))
    examples: list[str] = []
    for i in np.argsort(-closeness, kind="stable"):
        if texts[i] not in examples and len(examples) < EXAMPLES:
            examples.append(texts[i])
    refused = sum(r["outcome"] == "refused" for r in records)
    return Gap(len(records), examples[0], tuple(examples), refused, len(records) - refused)


def csv(insights: Insights) -> str:
    """CSV in two parts, parted by one empty line. First one row per day, with the header
    ``date,questions,answered,refused,share_answered`` (share from 0 to 1, empty on a day without
    questions). Then, when gaps were grouped, one row per group, with the header
    ``gap,count,refused,down_voted,representative,examples`` (examples parted by " | ")."""
    out = io.StringIO()
    rows = csv_writer(out, lineterminator="\n")
    rows.writerow(["date", "questions", "answered", "refused", "share_answered"])
    for d in insights.per_day:
        share = "" if d.share_answered is None else f"{d.share_answered:.3f}"
        rows.writerow([d.date.isoformat(), d.questions, d.answered, d.refused, share])
    if insights.gaps:
        out.write("\n")
        rows.writerow(["gap", "count", "refused", "down_voted", "representative", "examples"])
        for i, gap in enumerate(insights.gaps, 1):
            rows.writerow([i, gap.count, gap.refused, gap.down_voted, gap.representative, " | ".join(gap.examples)])
    return out.getvalue()


def render(insights: Insights, form: str) -> str:
    """The report as ``text``, ``json`` or ``csv`` (``python -m bot insights --format``)."""
    if form == "json":
        return json.dumps(insights.to_json(), ensure_ascii=False, indent=2)
    return csv(insights) if form == "csv" else insights.text()


def serving_encode(settings) -> Embed | None:
    """The ``encode`` of the encoder the bot serves with (EngineSettings), loaded alone: no index,
    no multilingual model, never a training or an export. The model is the registry's choice, as
    ``Engine`` makes it; None when it is not prepared yet (a first start of the bot trains and
    exports it) or cannot be read. Waits if another process is training the model right now."""
    from embeddings.encoders.choice import make_encoder
    from embeddings.errors import EngineError
    from embeddings.registry import select_model
    from embeddings.service import onnx_exported

    try:
        choice = select_model(settings)
        if choice is None or (settings.encoder == "onnx" and not onnx_exported(choice.path, settings.model_dir)):
            return None
        return make_encoder(choice.path, settings.encoder, settings.model_dir).encode
    except (EngineError, OSError, ValueError) as exc:
        log.warning("coverage gaps not grouped: the embedding model cannot be loaded (%s)", exc)
        return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _percent(share: float | None) -> str:
    return "no questions" if share is None else f"{share:.0%}"
