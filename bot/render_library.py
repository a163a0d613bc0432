"""Replies about the library: the document list (``/sources``), and to admins what a reindex, an
added or a removed document did. Pure functions, within Discord's limits, as in ``render``."""

from __future__ import annotations

import discord

from embeddings.corpus.records import SourceInfo
from embeddings.index.load import BuildSummary

from .links import link_note
from .messages import (
    CONTENT_MAX,
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    TITLE_MAX,
    Reply,
    clip,
    embed_size,
    escape,
)
from .render import COLOUR, date_line, quote, source_field


def sources(items: list[SourceInfo], problems: list[str], links: dict[str, dict] | None = None) -> Reply:
    """Every document, with kind, date, passages and a partial mark (a link's last fetch, and
    whether it failed: ``links`` by file), and every skipped file with its reason: in embeds while
    they fit Discord's limits, else in an attached text file."""
    def line(s: SourceInfo) -> str:
        partial = " · **partial**" if s.partial else ""
        return (f"`{s.date or 'undated':<10}` **{escape(clip(s.title, 120))}** · {s.kind}"
                f"{' (inferred)' if s.kind_source == 'inferred' else ''}, {s.passages} passages{partial}"
                f"{link_note((links or {}).get(s.path), escape)}")

    items = sorted(items, key=lambda s: (s.kind != "statement", s.date or "9999", s.title))  # statements, by date
    lines = [line(s) for s in items] or ["No documents."]
    skipped = [escape(clip(p, 300)) for p in problems]
    embeds: list[discord.Embed] = []
    chunk: list[str] = []
    fits = True
    for text in lines:
        if len("\n".join([*chunk, text])) > DESCRIPTION_MAX - 100:
            embeds.append(discord.Embed(description="\n".join(chunk), colour=COLOUR))
            chunk = []
        chunk.append(text)
    embeds.append(discord.Embed(description="\n".join(chunk), colour=COLOUR))
    skipped_text = "\n".join(skipped)
    if skipped_text:
        if len(skipped_text) <= FIELD_VALUE_MAX:
            embeds[-1].add_field(name="Skipped files", value=skipped_text, inline=False)
        else:
            fits = False
    embeds[0].title = f"Documents in the library ({len(items)})"
    if any(s.kind_source == "inferred" for s in items):
        embeds[-1].set_footer(text="(inferred): the kind was read from the text, not given in the file's "
                                   "header (KIND:).")
    fits = fits and len(embeds) <= 10 and sum(embed_size(e) for e in embeds) <= EMBED_TOTAL_MAX
    if fits:
        return Reply(embeds=embeds)
    listing = "\n".join(
        [f"{s.date or 'undated'}\t{s.kind} ({s.kind_source})\t{s.passages} passages\t"
         f"{'partial' if s.partial else 'complete'}\t{s.title}\t[{s.id}]{link_note((links or {}).get(s.path))}"
         for s in items]
        + [f"skipped\t{p}" for p in problems]
    )
    summary = (f"{len(items)} documents ({sum(s.partial for s in items)} partial) and {len(problems)} skipped "
               "files: too many to show here, so the full list is attached.")
    return Reply(content=summary, files=[("sources.txt", listing.encode("utf-8"))])


def reindex_done(summary: BuildSummary) -> Reply:
    text = ("Index rebuilt: " if not summary.unchanged else "Index checked, nothing changed: ") + \
        f"{summary.documents} documents, {summary.passages} passages, {summary.added} added, " \
        f"{summary.removed} removed, {summary.seconds:.1f} s."
    if summary.problems:
        text += "\nSkipped: " + "; ".join(summary.problems)
    return Reply(content=escape(clip(text, CONTENT_MAX - 100)), ephemeral=True)


def document_added(done, summary: BuildSummary) -> Reply:
    """What ``/document add`` added (an ``embeddings.library_admin.Added``): title, date, kind,
    passages, and its first passage quoted as answers quote it; the rebuild's summary below."""
    embed = discord.Embed(title=clip(f"Added: {done.title}", TITLE_MAX), colour=COLOUR)
    embed.add_field(name="Date", value=date_line(done.date), inline=True)
    kind = f"{done.kind} ({done.kind_source})" + (" · partial text" if done.partial else "")
    embed.add_field(name="Kind", value=escape(kind), inline=True)
    embed.add_field(name="Passages", value=f"{done.passages:,}", inline=True)
    embed.add_field(name="Id", value=escape(clip(f"{done.id} ({done.format})", 200)), inline=True)
    source_field(embed, done.source)
    embed.add_field(name=clip(f"First passage ({done.first_label})", FIELD_NAME_MAX),
                    value=quote(done.first_passage, FIELD_VALUE_MAX), inline=False)
    return Reply(content=_built_line(summary), embeds=[embed], ephemeral=True)


def document_removed(done, summary: BuildSummary) -> Reply:
    """What ``/document remove`` removed (an ``embeddings.library_admin.Removed``)."""
    title = f"**{escape(clip(done.title, 200))}** [{escape(clip(done.id, 100))}]" if done.title else \
        f"[{escape(clip(done.id, 100))}]"
    return Reply(content=clip(f"Removed {title}.\n{_built_line(summary)}", CONTENT_MAX), ephemeral=True)


def _built_line(summary: BuildSummary) -> str:
    text = f"Index rebuilt: {summary.documents} documents, {summary.passages} passages, {summary.seconds:.1f} s."
    if summary.problems:
        text += " Skipped: " + "; ".join(summary.problems)
    return escape(clip(text, 1500))
