"""Labelled questions: the JSON-lines format (a question and its gold passages, by id or by a
quote of the document), readers' votes as rows, and the shipped set
(``embeddings/eval/questions.jsonl``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from embeddings.search.results import SCOPES


class LabelError(ValueError):
    """A labelled-questions file cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Row:
    question: str
    expected: tuple[str, ...]
    type: str
    scope: str = "statements"
    documents: tuple[str, ...] = ()  # a question about a date or a voice: every hit must be from these
    missed: tuple[str, ...] = ()  # passages a reader marked "Not helpful" for this question
    split: str = ""  # "fit" or "test", where a set was split before anything was fitted on it
    lang: str = "en"
    # A row labelled by the words of its answer rather than passage ids (held-out sets written
    # without knowing how documents are split): the document's file and verbatim fragments of the
    # answering passage(s); resolved to passage ids against an index by resolve_quotes().
    file: str = ""
    quotes: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return bool(self.expected)


def parse_rows(text: str, source: str) -> list[Row]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            if "vote" in d:  # a row of `python -m bot feedback export`
                rows.append(feedback_row(d))
                continue
            question = str(d["question"]).strip()
            expected = tuple(str(e) for e in d.get("expected", []))
            kind = str(d.get("type") or ("labelled" if expected else "off-topic"))
            scope = str(d.get("scope") or "statements")
            documents = tuple(str(e) for e in d.get("documents", []))
            quotes = tuple(str(q) for q in [d.get("quote", ""), *d.get("also", [])] if str(q).strip())
            file = str(d.get("document") or "") if "quote" in d else ""
            if "quote" in d:  # a quote-labelled row: its type says whether it is answerable
                kind = {"off_topic": "off-topic", "near_topic": "near-topic"}.get(kind, kind)
        except (ValueError, KeyError, TypeError) as exc:
            raise LabelError(f"{source} line {number}: not a labelled question ({exc})") from exc
        if not question or scope not in SCOPES:
            raise LabelError(f"{source} line {number}: needs a question and a scope of {', '.join(SCOPES)}")
        rows.append(Row(question, expected, kind, scope, documents, split=str(d.get("split", "")),
                        lang=str(d.get("lang") or "en"), file=file, quotes=quotes))
    return rows


def feedback_row(d: dict) -> Row:
    """A reader's vote as a labelled row: "up" labels the question with the passages shown;
    "down" records them as a known miss (not a refusal: the question may well be answerable)."""
    question = str(d["question"]).strip()
    shown = tuple(str(p["id"]) for p in d.get("passages", []))
    if d["vote"] == "up" and shown:
        return Row(question, shown, "feedback", str(d.get("scope") or "statements"))
    if d["vote"] not in ("up", "down"):
        raise ValueError(f"vote must be up or down, not {d['vote']!r}")
    return Row(question, (), "feedback-miss", str(d.get("scope") or "statements"), missed=shown)


def load_rows(files: Iterable[str | Path] = (), *, shipped: bool = True) -> list[Row]:
    """The shipped rows (unless ``shipped`` is false) and those of ``files``; a question that
    occurs twice is kept once (the first)."""
    rows: list[Row] = []
    if shipped:
        text = resources.files("embeddings").joinpath("eval/questions.jsonl").read_text("utf-8")
        rows += parse_rows(text, "embeddings/eval/questions.jsonl")
    for file in files:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LabelError(f"{file}: cannot be read ({exc})") from exc
        rows += parse_rows(text, str(file))
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row.question.lower() not in seen:
            seen.add(row.question.lower())
            unique.append(row)
    return unique


_SPEAKER_LABEL = re.compile(r"^[A-Z][A-Z .'’-]{1,40}:\s+")


def _squash(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("“", '"').replace("”", '"').split()).lower()


def resolve_quotes(rows: list[Row], index) -> list[Row]:
    """Quote-labelled rows with their passage ids filled in from ``index`` (a LoadedIndex): the
    passages of the row's document whose text holds one of its quotes, or, for a row with a
    document and no quote ("What did NATO say on 24 February 2022?"), every passage of the
    document, and the row is answered right by any of them. A quote no passage holds raises
    LabelError (a splitting that cut a quote in two, or a wrong label)."""
    from dataclasses import replace

    by_file = {d.get("path", ""): d for d in index.manifest.get("documents", [])}
    out = []
    for row in rows:
        if not row.file or row.expected:
            out.append(row)
            continue
        doc = by_file.get(row.file)
        if doc is None:
            raise LabelError(f"{row.question!r}: no document {row.file} in the index")
        first, last = doc["range"]
        passages = [index.passages[n] for n in range(first, last)]
        if not row.quotes:
            expected = tuple(p.id for p in passages)
        else:
            # a quote may keep the speaker's label ("THE PRESIDENT: ..."), which passages leave out
            quotes = [_squash(_SPEAKER_LABEL.sub("", q)) for q in row.quotes]
            expected = tuple(p.id for p in passages if any(q in _squash(p.text) for q in quotes))
            if not expected:
                raise LabelError(f"{row.question!r}: no passage of {row.file} holds its quote {row.quotes[0]!r}")
        whole_document = () if row.quotes else (doc["id"],)  # every top hit must be from it
        out.append(replace(row, expected=expected, documents=row.documents or whole_document))
    return out
