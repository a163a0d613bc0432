"""A local console that answers like the bot, for running without a Discord token."""

from __future__ import annotations

import asyncio
import shlex
import sys

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
/settings is Discord only (a server's own settings); here TOP_K in .env sets the passages per answer."""
SETTINGS = ("/settings changes one Discord server's settings (passages per answer, channels, threads, buttons), "
            "so it exists only in Discord. Here the settings come from .env: TOP_K passages per answer "
            "(now {top_k}).")


async def handle(answerer: Answerer, line: str) -> str | None:
    """One console line -> the rendered reply (None to quit)."""
    line = line.strip()
    if not line:
        return ""
    if not line.startswith("/"):
        return render.to_text(await answerer.ask(line))
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    command, args = words[0].lower(), words[1:]
    if command in {"/quit", "/exit"}:
        return None
    if command == "/help":
        return HELP
    if command in {"/ask", "/timeline"}:
        options = {"--scope": "statements", "--from": "", "--to": "", "--document": ""}
        while len(args) >= 2 and args[0] in options:
            options[args[0]], args = args[1], args[2:]
        if options["--scope"] not in {"statements", "treaties", "all"}:
            return "--scope is one of statements, treaties, all."
        if command == "/timeline":
            return render.to_text(await answerer.timeline(" ".join(args), scope=options["--scope"],
                                                          start=options["--from"], end=options["--to"]))
        return render.to_text(await answerer.ask(" ".join(args), scope=options["--scope"], start=options["--from"],
                                                 end=options["--to"], document=options["--document"]))
    if command == "/treaty":
        if not args:
            return "Usage: /treaty <name> [article]. Known: " + ", ".join(await answerer.suggest(""))
        article = None
        if len(args) > 1 and args[-1].lstrip("-").isdigit():
            article, args = int(args[-1]), args[:-1]
        return render.to_text(await answerer.treaty(" ".join(args), article))
    if command == "/sources":
        return render.to_text(await answerer.sources())
    if command == "/reindex":
        return render.to_text(await answerer.reindex("console"))
    if command == "/settings":
        return SETTINGS.format(top_k=answerer.engine.settings.top_k)
    return f"Unknown command {command}. " + HELP


async def run(answerer: Answerer, stdin=None, stdout=None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
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
