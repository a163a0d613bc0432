"""Answers as Discord messages: content and embeds, always within Discord's limits.

Pure functions (no network): the cogs, the local console and the tests all render through here.
Corpus text is quoted word for word, escaped so Discord shows it literally; the caller sends
every message with ``AllowedMentions.none()``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from embeddings.corpus.treaties import TreatyAnswer
from embeddings.search.results import EXPLAINED, SearchResult

from .messages import (  # noqa: F401  (re-exported: the cogs and tests use render.Reply, render.clip, ...)
    CONTENT_MAX,
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    EMBEDS_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    FOOTER_MAX,
    TITLE_MAX,
    Reply,
    check_limits,
    clip,
    embed_size,
    error,
    escape,
    to_text,
    too_quick,
)

COLOUR = discord.Colour(0x004990)  # NATO blue
SCOPE_ALL = "*statements and treaties*"  # how /ask's scope choice for every document is labelled
EXAMPLES = "“Which country was condemned for enabling the attack?”, “sanctions”, “Article 5”"


# --------------------------------------------------------------------------- text helpers


def quote(text: str, limit: int, highlight: str = "") -> str:
    """A block quote of verbatim text, with ``highlight`` (a part of it) in bold; shortened
    visibly (with […]) only if it must be, keeping the highlight whole where it fits."""
    note = "\n*[…] passage shortened to fit Discord*"
    at = text.find(highlight) if highlight and highlight != text else -1
    if at >= 0:
        before, after = text[:at], text[at + len(highlight):]
        body = _quoted(before, highlight, after)
        if len(body) <= limit:
            return body
        lead = "[…] " if before.strip() else ""
        for size in _shrinking(len(after)):  # the highlight whole, and as much as fits of what follows
            tail = after if size >= len(after) else after[:size].rsplit(" ", 1)[0].rstrip() + " […]"
            body = _quoted(lead, highlight, tail if after.strip() else "")
            if len(body) + len(note) <= limit:
                return body + note
    body = _quoted(text, "", "")
    if len(body) <= limit:
        return body
    return clip(body, limit - len(note), " […]") + note


def _shrinking(size: int):
    """Lengths from ``size`` down to 0, each about a sixth shorter than the one before."""
    while size > 0:
        yield size
        size = size * 5 // 6 if size > 60 else 0
    yield 0


def _quoted(before: str, bold: str, after: str) -> str:
    """Block-quoted text with ``bold`` set in bold line by line (as Discord needs), all escaped."""
    pieces = [escape(before)]
    for i, line in enumerate(bold.split("\n")):
        pieces.append(("\n" if i else "") + (f"**{escape(line)}**" if line.strip() else line))
    pieces.append(escape(after))
    return "\n".join("> " + line if line.strip() else ">" for line in "".join(pieces).split("\n"))


def date_line(iso: str) -> str:
    """ISO date plus a Discord timestamp (rendered in each reader's locale) when it is a full date."""
    try:
        day = datetime.strptime(iso, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return iso or "undated"
    if day.year < 1970:  # Discord timestamps start at the Unix epoch
        return iso
    return f"{iso} · <t:{int(day.timestamp())}:D>"


def question_line(question: str, limit: int = 300) -> str:
    return escape(clip(" ".join(question.split()), limit))


def source_field(embed: discord.Embed, source: str) -> None:
    if source.startswith(("http://", "https://")) and len(source) <= 2000 and " " not in source:
        embed.url = source
    embed.add_field(name="Source", value=escape(clip(source, 300)), inline=False)


# --------------------------------------------------------------------------- replies


def answer(result: SearchResult, *, note: str = "", scope: str = "statements") -> Reply:
    """The reply to a question: the passages quoted with title, date, place and source."""
    if result.reason == "empty":
        return help_reply(note)
    if result.reason in ("no-date", "no-match"):
        return Reply(content=_with_note(f"{escape(result.note)} Ask without the date or with another one, "
                                        "or see `/sources` for the documents and their dates.", note))
    if result.reason in ("live", "opinion"):
        return Reply(content=_with_note(f"{escape(result.note)} Ask what they said, for example {EXAMPLES}.", note))
    where = {"statements": "the statements", "treaties": "the treaties"}.get(scope, "the documents")
    if not result.answered or not result.hits:
        text = (f"Sorry, I found nothing in {where} that answers “{question_line(result.question, 200)}”."
                + (f" {escape(_sentence(never_used(result.unmatched, where)))}." if result.unmatched else "")
                + (f"\n{_unsearched(result.unsearched)}" if result.unsearched else
                   f"\nYou can ask about what the statements say, for example {EXAMPLES}, "
                   "or look a treaty up with `/treaty`."))
        return Reply(content=_with_note(text, note))
    focus = f"\n*{escape(clip(result.note, 400))}*" if result.note else ""
    if result.unsearched:
        focus += f"\n*{_unsearched(result.unsearched)}*"
    if result.tentative:  # the nearest passage, said to be only that
        why = f": {never_used(result.unmatched, where)}" if result.unmatched else ""
        focus += f"\n*{escape(clip(f'I found no passage that clearly answers this{why}. The nearest ones:', 600))}*"
    content = _with_note(f"**Q:** {question_line(result.question)}{focus}", note)
    embeds: list[discord.Embed] = []
    budget = EMBED_TOTAL_MAX - 200
    per_hit = budget // len(result.hits)
    for n, hit in enumerate(result.hits, start=1):
        p = hit.passage
        label = f"Nearest {n}." if result.tentative else f"{n}."
        embed = discord.Embed(title=clip(f"{label} {p.title}", TITLE_MAX), colour=COLOUR)
        embed.add_field(name="Date", value=date_line(p.date), inline=True)
        embed.add_field(name="Where", value=escape(clip(where_line(p), 200)), inline=True)
        source_field(embed, p.source)
        if hit.also:
            also = "; ".join(f"{a.title}, {a.date}" for a in hit.also)
            embed.add_field(name="Also in", value=escape(clip(also, 500)), inline=False)
        room = min(DESCRIPTION_MAX, per_hit - embed_size(embed))
        embed.description = quote(p.text, room, hit.highlight)
        embeds.append(embed)
    return Reply(content=content, embeds=embeds)


def _unsearched(names: tuple[str, ...]) -> str:
    """Where to find the text of agreements a question names that its scope did not search."""
    named = [escape(clip(n if n.lower().startswith("the ") else f"the {n}", 100)) for n in names[:2]]
    if len(named) == 1:
        return (f"{_sentence(named[0])}'s own text was not searched: `/treaty {escape(clip(names[0], 100))}` "
                f"quotes it, or ask again with the scope {SCOPE_ALL}.")
    return (f"The own texts of {' and '.join(named)} were not searched: `/treaty` quotes them, or ask again "
            f"with the scope {SCOPE_ALL}.")


def never_used(words: tuple[str, ...], where: str = "the documents") -> str:
    """("nuclear", "weapons") -> 'the statements never use the words “nuclear” and “weapons”'."""
    quoted = [f"“{clip(w, 40)}”" for w in words[:5]]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" and {quoted[-1]}"
    return f"{where} never use the word{'s' if len(quoted) > 1 else ''} {listed}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def timeline(result: SearchResult, *, note: str = "", scope: str = "statements") -> Reply:
    """One passage per document on a topic, oldest first: the sentence that speaks to it, quoted,
    under the document's date and title."""
    if result.reason == "empty":
        return help_reply(note)
    if not result.answered or not result.hits:
        noun = {"statements": "statement", "treaties": "treaty"}.get(scope, "document")
        why = escape(result.note) if result.reason in EXPLAINED else \
            f"No {noun} in the library speaks to “{question_line(result.question, 200)}”." + \
            (f" Ask again with the scope {SCOPE_ALL} to search the treaties too." if scope == "statements" else "")
        return Reply(content=_with_note(why, note))
    content = _with_note(f"**Timeline:** {question_line(result.question)}"
                         + (f"\n*{escape(clip(result.note, 400))}*" if result.note else ""), note)
    count = len(result.hits)
    embed = discord.Embed(title=clip(f"{count} document{'' if count == 1 else 's'}, oldest first", TITLE_MAX),
                          colour=COLOUR)
    budget = EMBED_TOTAL_MAX - 300
    shown = 0
    for hit in result.hits[:FIELDS_MAX]:
        p = hit.passage
        name = clip(f"{p.date or 'undated'} · {p.title}", FIELD_NAME_MAX)
        room = min(FIELD_VALUE_MAX, budget - embed_size(embed) - len(name)) - 60
        if room < 120:
            break
        value = f"{quote(hit.highlight or p.text, room)}\n{escape(clip(where_line(p), 50))}"
        embed.add_field(name=name, value=clip(value, FIELD_VALUE_MAX), inline=False)
        shown += 1
    if shown < len(result.hits):
        embed.set_footer(text=f"{len(result.hits) - shown} more documents did not fit; narrow the dates with from/to.")
    return Reply(content=content, embeds=[embed])


def retrained(result, helpful: int) -> Reply:
    """What /reindex retrain:True did: held-out figures before and after, and the verdict."""
    def figures(card) -> dict:
        try:
            return card["heldout"]["trained"]["pooled"]
        except (KeyError, TypeError):
            return {}

    before, after = figures(result.before), figures(result.after)
    lines = [f"Trained on the labelled questions plus {helpful} answers readers marked helpful "
             "(held-out figures, cross-validated):"]
    for key, name in (("recall@1", "right passage first"), ("recall@3", "right passage in the top 3"),
                      ("false_rejection", "answerable questions refused")):
        if key in before or key in after:
            was = f"{before[key]:.3f}" if key in before else "—"
            now = f"{after[key]:.3f}" if key in after else "—"
            lines.append(f"• {name} ({key}): {was} → {now}")
    if result.swapped:
        lines.append("**The new model serves now**" + (f"; index rebuilt: {result.summary.describe()}"
                                                       if result.summary else "") + ".")
    else:
        lines.append(f"**Kept the model serving now:** {escape(clip(result.reason, 500))}")
    return Reply(content=clip("\n".join(lines), CONTENT_MAX), ephemeral=True)


def settings(current, default_passages: int, *, saved: bool = False) -> Reply:
    """A server's settings, for its admins (privately)."""
    channels = current.channels
    on = [c for c, enabled in channels.items() if enabled]
    off = [c for c, enabled in channels.items() if not enabled]
    where = f"only in {', '.join(f'<#{c}>' for c in on)}" if on else "in every channel"
    if off:
        where += f", never in {', '.join(f'<#{c}>' for c in off)}"
    lines = [
        f"**Passages per answer:** {current.passages or default_passages}"
        + ("" if current.passages else " (the bot's default)"),
        f"**Mentions answered:** {where}",
        f"**Answers to mentions in a thread:** {'on' if current.threads else 'off'}",
        f"**Feedback buttons:** {'on' if current.buttons else 'off'}",
        f"**Insights keep the questions' text:** {'on' if current.insights else 'off'}"
        + (" (shown to admins in /insights)" if current.insights else ""),
    ]
    head = "Saved. This server's settings now:" if saved else "This server's settings:"
    return Reply(content=clip("\n".join([head, *lines]), CONTENT_MAX), ephemeral=True)


def where_line(p) -> str:
    """Where a passage sits, who speaks it, and whether its document is only part of the text:
    "section X, paragraph N", "Article 5 (CHAPTER I)", "paragraph 3 · THE PRESIDENT · partial text"."""
    if p.section and p.section != p.label:
        where = f"{p.label} ({p.section})" if p.kind == "treaty" else f"section {p.section}, {p.label}"
    else:
        where = p.label
    if p.speaker:
        where += f" · {p.speaker}"
    if p.partial:
        where += " · partial text"
    return where


def _with_note(text: str, note: str) -> str:
    return clip(f"{text}\n*{note}*" if note else text, CONTENT_MAX)


# The commands, as /help (in Discord and in the console) lists them: (command, who, what it does).
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("/ask question: [scope:] [from:] [to:] [document:]", "", "the passages that answer, quoted and dated"),
    ("/timeline topic:", "", "one passage per document on a topic, oldest first"),
    ("/treaty name: [article:]", "", "a treaty the statements cite, or one of its articles, word for word"),
    ("/sources", "", "the documents I quote from, with their dates"),
    ("/help", "", "this list"),
    ("Apps > Ask Statement Bot", "", "on a message (right-click it): its text asked, answered only to you"),
    ("/settings", "admins", "this server's passages per answer, channels, threads, buttons, insights"),
    ("/insights [days:]", "admins", "what readers asked here and what the library could not answer"),
    ("/reindex", "admins", "rebuild the index from the documents folder"),
    ("/document add file:|url: [title:] [date:] [kind:]", "admins", "add a document (an attached file or a "
     "link), then rebuild the index"),
    ("/document remove document:", "admins", "remove a document, then rebuild the index"),
)


def help_text() -> str:
    """What the bot does and its commands (``/help`` and a bare mention)."""
    lines = [f"Ask me about the official statements I hold and I will quote the passages that answer, word for "
             f"word, with their source and date. For example: {EXAMPLES}.",
             "Mention me with your question, or use `/ask`:"]
    lines += [f"`{command}` {what}" + (f" ({who})" if who else "") for command, who, what in COMMANDS]
    return "\n".join(lines)


def help_reply(note: str = "") -> Reply:
    return Reply(content=_with_note(help_text(), note))


def treaty(answer_: TreatyAnswer | None, name: str, suggestions: list[str]) -> Reply:
    if answer_ is None:
        hint = f" Did you mean: {', '.join(suggestions[:5])}?" if suggestions else ""
        known = "" if suggestions else " Start typing a name and pick one of the suggestions."
        return Reply(content=f"I don't know a treaty called “{question_line(name, 100)}”.{hint}{known}",
                     ephemeral=True)
    t = answer_.treaty
    if answer_.article_passage is not None:
        title = f"{t.name}, {answer_.article_passage.label}"
    else:
        title = t.name if answer_.article is None or answer_.problem else f"{t.name}, {answer_.part} {answer_.article}"
    embed = discord.Embed(title=clip(title, TITLE_MAX), colour=COLOUR)
    budget = EMBED_TOTAL_MAX - 300
    if answer_.article_passage is not None:
        p = answer_.article_passage
        embed.description = quote(p.text, min(2800, DESCRIPTION_MAX))
        partial = " · partial text: only part of this agreement is in the library" if p.partial else ""
        embed.add_field(name="Text", value=escape(clip(f"{p.title}, {p.label} · {date_line(p.date)}{partial}", 1000)),
                        inline=False)
        embed.add_field(name="Source", value=escape(clip(p.source, 300)), inline=False)
    elif t.document:  # the text is here; no article asked, or one it lacks (the reply's first line says so)
        have = "Only part of the text is in the library" if t.partial else "The full text is in the library"
        ask = f" ({answer_.parts}); add `article:` to quote one" if answer_.articles_available else ""
        cited = " Below: where the statements cite it." if answer_.citations else ""
        embed.description = clip(f"{have}{ask}. Dated {date_line(t.date)}.{cited}"
                                 + (f"\n*{escape(clip(t.completeness, 300))}*" if t.partial else ""), DESCRIPTION_MAX)
    elif answer_.members:
        embed.description = "This name stands for several agreements:\n" + "\n".join(
            f"• **{escape(m.name)}**, {date_line(m.date) if m.date else 'text not in the library'}"
            for m in answer_.members)
    else:
        embed.description = "The text of this treaty is not in the library; here is where the statements cite it."
    if len(t.aliases):
        embed.add_field(name="Also known as", value=escape(clip(", ".join(t.aliases[:6]), 300)), inline=False)
    if answer_.citations:
        for p in answer_.citations[:3]:
            room = min(FIELD_VALUE_MAX, (budget - embed_size(embed)) // 2)
            if room < 80:
                break
            embed.add_field(name=clip(f"Cited in: {p.title}, {p.label}", FIELD_NAME_MAX),
                            value=clip(f"{quote(p.text, room - 40)}\n{date_line(p.date)}", FIELD_VALUE_MAX),
                            inline=False)
    else:
        embed.add_field(name="Cited in", value="No statement in the library cites it.", inline=False)
    content = escape(answer_.problem) if answer_.problem else ""
    return Reply(content=content, embeds=[embed])
