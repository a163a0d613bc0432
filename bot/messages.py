"""Discord's message limits, the Reply that carries a message (never pinging anyone), and the
text helpers that keep within them: escaping, clipping, checking, and plain text for the console."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import discord

# Discord's limits.
# Discord's limits.
CONTENT_MAX = 2000

TITLE_MAX = 256

DESCRIPTION_MAX = 4096

FIELD_NAME_MAX = 256

FIELD_VALUE_MAX = 1024

FIELDS_MAX = 25

FOOTER_MAX = 2048

EMBED_TOTAL_MAX = 6000  # across all embeds of one message

EMBEDS_MAX = 10


@dataclass
class Reply:
    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    ephemeral: bool = False
    files: list[tuple[str, bytes]] = field(default_factory=list)  # attachments: (filename, content)
    view: discord.ui.View | None = None  # buttons (feedback), sent with the message

    def kwargs(self) -> dict:
        """Keyword arguments for send/followup: never pings anyone."""
        out: dict = {"allowed_mentions": discord.AllowedMentions.none()}
        if self.content:
            out["content"] = self.content
        if self.embeds:
            out["embeds"] = self.embeds
        if self.files:
            out["files"] = [discord.File(io.BytesIO(data), filename=name) for name, data in self.files]
        if self.view is not None:
            out["view"] = self.view
        return out


def escape(text: str) -> str:
    """Show text literally in Discord: markdown and mentions neutralised."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def clip(text: str, limit: int, marker: str = "…") -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(marker), 0)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut + marker


def embed_size(embed: discord.Embed) -> int:
    total = len(embed.title or "") + len(embed.description or "")
    total += len(embed.footer.text or "") if embed.footer else 0
    total += len(embed.author.name or "") if embed.author else 0
    total += sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    return total


def check_limits(reply: Reply) -> None:
    """Raise AssertionError if the reply would be refused by Discord (used by tests too)."""
    assert len(reply.content) <= CONTENT_MAX, len(reply.content)
    assert len(reply.embeds) <= EMBEDS_MAX
    assert sum(embed_size(e) for e in reply.embeds) <= EMBED_TOTAL_MAX
    for e in reply.embeds:
        assert len(e.title or "") <= TITLE_MAX and len(e.description or "") <= DESCRIPTION_MAX
        assert len(e.fields) <= FIELDS_MAX
        for f in e.fields:
            assert 0 < len(f.name) <= FIELD_NAME_MAX and 0 < len(f.value) <= FIELD_VALUE_MAX
        assert len(e.footer.text or "") <= FOOTER_MAX if e.footer else True


def error(message: str, ephemeral: bool = True) -> Reply:
    return Reply(content=clip(escape(message), CONTENT_MAX), ephemeral=ephemeral)


def too_quick(wait: float, ephemeral: bool = True) -> Reply:
    """The per-user cooldown's answer (/ask, a mention, Apps > Ask Statement Bot)."""
    return error(f"You're asking quickly! Please wait {wait:.0f} s before the next question.", ephemeral)


def to_text(reply: Reply) -> str:
    """Plain-text rendering of a reply, for the local console."""
    parts = [reply.content] if reply.content else []
    for embed in reply.embeds:
        parts.append(f"── {embed.title} ──" if embed.title else "──")
        if embed.description:
            parts.append(embed.description)
        for f in embed.fields:
            parts.append(f"{f.name}: {f.value}")
    return _plain("\n".join(parts))


def _plain(text: str) -> str:
    text = re.sub(r"<t:(\d+):[a-zA-Z]>", lambda m: datetime.fromtimestamp(int(m.group(1)), UTC)
                  .strftime("%d %B %Y"), text)
    text = re.sub(r"\\([\\*_~`|>#\-\[\]()])", r"\1", text)  # undo markdown escapes
    return text.replace("@\u200b", "@")
