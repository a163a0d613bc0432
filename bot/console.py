"""A local console that answers like the bot, for running without a Discord token."""

from __future__ import annotations

import asyncio
import shlex
import sys

from embeddings.query import Query
from embeddings.search.results import SCOPES

from . import render
from .core import Answerer

HELP = """Type a question, or a command (the same as in Discord):
  /ask <question>                 same as typing the question
  /ask --scope all <question>     search the treaties too (statements|treaties|all)
  /ask --from 2022-03-01 --to 2022-03-31 --document <id or title> <question>
  /timeline <topic>               one passage per document on the topic, oldest first
  /treaty <name> [article]        e.g. /treaty "North Atlantic Treaty" 5
  /sources                        the documents in the index
  /reindex                        rebuild the index from DATA_DIR
  /help, /quit
/settings is Discord only (a server's own settings); here TOP_K in .env sets the passages per answer.
/document is Discord only; here use python -m embeddings add PATH_OR_URL (or remove ID).
/insights is Discord only; here use python -m bot insights (the console records no questions).
Apps > Ask Statement Bot (on a message) is Discord only; here type the message's text."""
SETTINGS = ("/settings changes one Discord server's settings (passages per answer, channels, threads, buttons), "
            "so it exists only in Discord. Here the settings come from .env: TOP_K passages per answer "
            "(now {top_k}).")


async def handle(answerer: Answerer, line: str) -> str | None:
    """One console line -> the rendered reply (None to quit)."""
    line = line.strip()
    if not line:
        return ""
    if not line.startswith("/"):
        return render.to_text(await answerer.ask(Query(line))) if _has_words(line) else NO_WORDS.format("")
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    command, args = words[0].lower(), words[1:]
    if command in {"/quit", "/exit"}:
        return None
    run = COMMANDS.get(command)
    if run is None:
        return f"Unknown command {command}. " + HELP
    try:
        return await run(answerer, args)
    except ValueError as exc:  # an option the console cannot use
        return str(exc)


def query_of(args: list[str]) -> Query:
    """``--scope/--from/--to/--document VALUE`` options, then the question. ValueError says what
    is wrong."""
    options = {"--scope": "statements", "--from": "", "--to": "", "--document": ""}
    while len(args) >= 2 and args[0] in options:
        options[args[0]], args = args[1], args[2:]
    if options["--scope"] not in SCOPES:
        raise ValueError(f"--scope is one of {', '.join(SCOPES)}.")
    return Query(" ".join(args), options["--scope"], options["--from"], options["--to"], options["--document"])


NO_WORDS = "Ask in words{}, for example: What did NATO say about Belarus? (/help lists the commands)"


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


async def ask(answerer: Answerer, args: list[str]) -> str:
    query = query_of(args)
    if not _has_words(query.text):
        return NO_WORDS.format(" after /ask")
    return render.to_text(await answerer.ask(query))


async def timeline(answerer: Answerer, args: list[str]) -> str:
    query = query_of(args)
    if not _has_words(query.text):
        return "Name a topic after /timeline, for example: /timeline sanctions"
    return render.to_text(await answerer.timeline(query))


async def treaty(answerer: Answerer, args: list[str]) -> str:
    if not args:
        return "Usage: /treaty <name> [article]. Known: " + ", ".join(await answerer.suggest(""))
    article = None
    if len(args) > 1 and args[-1].lstrip("-").isdigit():
        article, args = int(args[-1]), args[:-1]
    return render.to_text(await answerer.treaty(" ".join(args), article))


async def sources(answerer: Answerer, _args: list[str]) -> str:
    return render.to_text(await answerer.sources())


_OUT = [sys.stdout]  # where run() prints: progress lines of a long command go there as they come


async def _say(line: str) -> None:
    print(line, file=_OUT[0], flush=True)


async def reindex(answerer: Answerer, _args: list[str]) -> str:
    await _say("Rebuilding the index from DATA_DIR (only new text is embedded); questions wait meanwhile…")
    return render.to_text(await answerer.reindex("console", _say))


async def help_text(_answerer: Answerer, _args: list[str]) -> str:
    return HELP


async def settings(answerer: Answerer, _args: list[str]) -> str:
    return SETTINGS.format(top_k=answerer.engine.settings.top_k)


# The console's commands, as in Discord.
COMMANDS = {"/ask": ask, "/timeline": timeline, "/treaty": treaty, "/sources": sources, "/reindex": reindex,
            "/help": help_text, "/settings": settings}


async def run(answerer: Answerer, stdin=None, stdout=None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    _OUT[0] = stdout
    interactive = stdin.isatty()
    print("No DISCORD_TOKEN set: local console. Answers are rendered as the bot would send them.\n"
          + HELP, file=stdout, flush=True)
    while True:
        if interactive:
            print("\n> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return 0
        try:
            out = await handle(answerer, line)
        except Exception as exc:  # the console never dies on one bad line
            out = f"error: {exc}"
        if out is None:
            return 0
        if out:
            print(out, file=stdout, flush=True)
