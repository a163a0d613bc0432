"""What the bot records: an answer as shown (its passages, and what /insights counts) and a
reader's vote. Written by ``bot.store`` (through ``bot.outbox``), read back by both."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ShownPassage:
    id: str
    document: str
    paragraph: int
    hash: str

    def to_dict(self) -> dict:
        return {"id": self.id, "document": self.document, "paragraph": self.paragraph, "hash": self.hash}


@dataclass(frozen=True)
class StoredAnswer:
    """One answer as recorded: what /insights counts, and what its buttons need. ``question`` is
    "" where the server has not turned insights on; ``more`` holds the next passages (id and
    highlighted sentence) so that "More passages" needs no question text."""

    id: str
    question: str
    scope: str
    passages: list[ShownPassage]
    created_at: float
    guild_id: str | None = None
    channel_id: str | None = None
    index_version: str = ""
    filters: dict = field(default_factory=dict)
    path: str = "ask"
    outcome: str = "answered"
    reason: str = ""
    title: str | None = None
    latency_ms: float | None = None
    language: str = "en"
    more: list[dict] = field(default_factory=list)

    def row(self) -> dict:
        top = self.passages[0] if self.passages else None
        return {"id": self.id, "created_at": self.created_at, "guild_id": self.guild_id,
                "channel_id": self.channel_id, "question": self.question, "scope": self.scope,
                "passages": json.dumps([p.to_dict() for p in self.passages]), "filters": json.dumps(self.filters),
                "index_version": self.index_version, "path": self.path, "outcome": self.outcome,
                "reason": self.reason, "document": top.document if top else None, "title": self.title,
                "passage": top.id if top else None, "latency_ms": self.latency_ms, "language": self.language,
                "more": json.dumps(self.more)}


@dataclass(frozen=True)
class Vote:
    """A reader's click, as the store writes it (the user already hashed)."""

    answer_id: str
    user_hash: str
    vote: str
    at: float


def text_id(value) -> str | None:
    """A Discord id (int or str) as the database keeps it: text, or None."""
    return None if value is None else str(value)
