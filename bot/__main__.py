"""``python -m bot``: run the bot (or, with no DISCORD_TOKEN, a local console).
``python -m bot sync``: register the slash commands with Discord now, then exit.
``python -m bot feedback export [--since YYYY-MM-DD]``: the readers' votes, one JSON object a line.
``python -m bot feedback delete [--before YYYY-MM-DD]``: erase stored answers and votes (all, or older).
``python -m bot insights [--days N] [--guild ID] [--format text|json|csv]``: what readers asked over
the last N days (1-365, default 7) on one server or all: questions per day, answers, votes,
documents quoted, and the questions the library could not answer, grouped by meaning."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .settings import BotSettings

log = logging.getLogger("bot")


class _Redact(logging.Filter):
    """Belt and braces: the token never reaches a log line."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret and self.secret in record.getMessage():
            record.msg = record.getMessage().replace(self.secret, "[token]")
            record.args = ()
        return True


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    if argv and argv[0] not in {"sync", "feedback", "insights"}:
        print(f"error: unknown command {argv[0]!r} (use: python -m bot [sync | feedback export|delete | insights])",
              file=sys.stderr)
        return 2
    settings = _read_settings()
    if settings is None:
        return 2
    _setup_logging(settings)
    if argv[:1] == ["feedback"]:
        return _feedback(settings, argv[1:])
    if argv[:1] == ["insights"]:
        return _insights(settings, argv[1:])
    if not settings.token and argv:
        print("error: DISCORD_TOKEN is not set; `sync` needs it", file=sys.stderr)
        return 2
    return _serve(settings, sync_only=bool(argv))


def _read_settings() -> BotSettings | None:
    """The settings from the environment (and .env), or None once a one-line error says what is wrong."""
    from dotenv import load_dotenv

    from .settings import BotSettings, SettingsError

    load_dotenv()
    try:
        return BotSettings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _setup_logging(settings: BotSettings) -> None:
    logging.basicConfig(level=getattr(logging, settings.log_level, logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)  # library warnings go through logging (and its format), not bare stderr
    if settings.log_format == "json":  # one JSON object a line, for log aggregation
        from pythonjsonlogger.json import JsonFormatter

        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                               rename_fields={"asctime": "time", "levelname": "level",
                                                              "name": "logger"}))
    for handler in logging.getLogger().handlers:
        handler.addFilter(_Redact(settings.token))
    for noisy in ("faiss", "sentence_transformers", "transformers", "httpx", "discord.gateway",
                  "discord.client", "discord.http"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def _serve(settings: BotSettings, *, sync_only: bool) -> int:
    """The model and the index first, before Discord: a problem with them is reported as what it
    is, not as a connection failure. Then the console (no DISCORD_TOKEN) or Discord."""
    from embeddings.errors import EngineError
    from embeddings.service import Engine

    try:
        engine = Engine(settings.engine)
        engine.load()
    except (EngineError, RuntimeError, OSError, KeyboardInterrupt) as exc:
        return _load_failed(exc, settings)
    if not settings.token:
        return _run_console(engine, settings)
    return _run_discord(engine, settings, sync_only=sync_only)


def _load_failed(exc: BaseException, settings: BotSettings) -> int:
    """The exit code for a model or index that did not load, after a one-line error saying why:
    1, or 0 for an interruption (a stop while loading)."""
    from embeddings.errors import EngineError

    if isinstance(exc, KeyboardInterrupt):
        return 0
    if isinstance(exc, OSError) and not isinstance(exc, (EngineError, RuntimeError)):
        from embeddings.config import folder_error  # PermissionError on INDEX_DIR, a full disk, ...

        print(f"error: {folder_error(exc, settings.engine)}", file=sys.stderr)
    else:
        print(f"error: {exc}", file=sys.stderr)
    return 1


def _run_console(engine, settings: BotSettings) -> int:
    """No DISCORD_TOKEN: questions on standard input, answers on standard output."""
    from embeddings.errors import EngineError

    logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    from . import console
    from .core import Answerer

    try:
        return asyncio.run(console.run(Answerer(engine, settings)))
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


def _run_discord(engine, settings: BotSettings, *, sync_only: bool) -> int:
    try:
        return asyncio.run(_run(engine, settings, sync_only=sync_only))
    except KeyboardInterrupt:
        return 0


def _feedback(settings, args: list[str]) -> int:
    """``feedback export`` and ``feedback delete``, for admins (privacy, the quality loop)."""
    import argparse
    import json
    from datetime import datetime

    from .store import Store, StoreError

    parser = argparse.ArgumentParser(prog="python -m bot feedback")
    sub = parser.add_subparsers(dest="action", required=True)
    export = sub.add_parser("export", help="print every vote as one JSON object per line")
    export.add_argument("--since", default="", metavar="YYYY-MM-DD", help="only votes cast on or after this day")
    delete = sub.add_parser("delete", help="erase stored answers and their votes")
    delete.add_argument("--before", default="", metavar="YYYY-MM-DD", help="only answers asked before this day")
    try:
        args = parser.parse_args(args)
        day = args.since if args.action == "export" else args.before
        moment = datetime.strptime(day, "%Y-%m-%d").timestamp() if day else None
    except ValueError:
        print("error: dates are YYYY-MM-DD", file=sys.stderr)
        return 2
    except SystemExit as exc:
        return int(exc.code or 0)

    async def run() -> int:
        store = await Store.from_settings(settings.database_url, settings.sqlite_path, settings.feedback_days).open()
        try:
            if args.action == "export":
                for row in await store.export(since=moment):
                    print(json.dumps(row, ensure_ascii=False))
            else:
                from .outbox import erase_spilled, spill_folder

                removed = await store.delete_feedback(before=moment)
                kept = erase_spilled(spill_folder(settings.engine.index_dir), before=moment)
                print(f"deleted {removed} stored answers and their votes"
                      + (f", and {kept} kept at a stop for the next start" if kept else ""), file=sys.stderr)
            return 0
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


class _OneLineErrors(argparse.ArgumentParser):
    """A parser whose errors are raised, to be printed as one ``error:`` line (not usage and all)."""

    def error(self, message: str):
        raise ValueError(message)


def _insights(settings, args: list[str]) -> int:
    """``insights``: the figures of the last days, for the operator (text, JSON or CSV on stdout).
    The coverage gaps are grouped with the serving encoder alone, not the whole engine."""
    import time

    from . import insights
    from .store import Store, StoreError

    parser = _OneLineErrors(prog="python -m bot insights")
    parser.add_argument("--days", type=int, default=7, metavar="N", help="the last N days, 1-365 (default 7)")
    parser.add_argument("--guild", default=None, metavar="ID", help="one server's id (default: every server)")
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text")
    try:
        args = parser.parse_args(args)
        if not 1 <= args.days <= 365:
            raise ValueError("--days is a whole number from 1 to 365")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    now = time.time()

    async def read() -> list[dict]:
        store = await Store.from_settings(settings.database_url, settings.sqlite_path, settings.feedback_days).open()
        try:
            return await store.records(insights.period_start(args.days, now), guild_id=args.guild)
        finally:
            await store.close()

    try:
        records = asyncio.run(read())
    except (StoreError, OSError) as exc:  # OSError: Store.open cannot make the SQLite file's folder
        print(f"error: {exc}", file=sys.stderr)
        return 1
    embed = insights.serving_encode(settings.engine) if insights.gap_candidates(records) else None
    report = insights.summarize(records, days=args.days, now=now, embed=embed, guild_id=args.guild)
    print(insights.render(report, args.format))
    return 0


async def _run(engine, settings, *, sync_only: bool) -> int:
    import aiohttp
    import discord

    from embeddings.errors import EngineError

    from .client import make_bot

    bot = make_bot(engine, settings, force_sync=sync_only)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # a stop finishes the answers in flight, then exits 0
        loop.add_signal_handler(sig, lambda name=sig.name: asyncio.ensure_future(bot.shutdown(name)))
    try:
        async with bot:
            if sync_only:
                await bot.login(settings.token)  # setup_hook syncs (forced)
                print("slash commands synced")
                return 0
            await bot.start(settings.token)
            if bot.stopping:  # start() returns once the gateway closes; let the rest close too
                await asyncio.wait_for(bot.stopped.wait(), 30)
                log.info("stopped")
                return 0
    except discord.LoginFailure:
        print("error: Discord refused the token (DISCORD_TOKEN is wrong or was reset)", file=sys.stderr)
    except discord.PrivilegedIntentsRequired:
        print("error: Discord requires an intent this bot did not ask for; check the application settings",
              file=sys.stderr)
    except (TimeoutError, aiohttp.ClientError, OSError, discord.GatewayNotFound) as exc:
        print(f"error: cannot reach Discord ({type(exc).__name__}: {exc})".replace(settings.token, "[token]"),
              file=sys.stderr)
    except discord.HTTPException as exc:
        print(f"error: Discord answered {exc.status}: {exc.text}", file=sys.stderr)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
