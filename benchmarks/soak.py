"""Soak benchmark: is anything the bot records lost when its database goes away? Prints figures,
never asserts.

    PYTHONPATH=. .venv/bin/python benchmarks/soak.py [--questions 3000] [--store sqlite|postgresql]
        [--concurrency 8] [--model-dir DIR] [--index-dir DIR] [--json]

The real bot (bot/client.py, with the project's model and an index of data/) runs against the
Discord emulator of the tests (tests/emulator/), in a temporary folder with its own copies of
data/, the index and the models (the folders given are only read). For each store (by default
SQLite, then PostgreSQL, a server of its own from pgserver):

* N questions with /ask, ``--concurrency`` at a time, alternately on two servers (one with
  /settings insights on): answerable ones about NATO's statement of 24 February 2022 and
  off-topic ones. Helpful / Not helpful is clicked on about one answer in eight (each by a new
  user), "More passages" on about one in forty.
* Halfway, the database goes away for 10 s: the SQLite file locked by another connection
  (BEGIN EXCLUSIVE), or the PostgreSQL server stopped, then started.
* The last 10 questions are asked (and voted on) with the database away again, then the bot
  stops gracefully (``bot.shutdown("SIGTERM")``) and the database comes back 1 s after.
* Then the database is read: every question must be a record, every vote not refused a vote row
  (or be kept in the spill folder for the next start). "lost" counts those that are neither.

Faster with the test suite's cached model and index (else the model may be fine-tuned first,
many minutes, and the index built):

    --model-dir ~/.cache/statement-bot-tests/models-<hash>
    --index-dir ~/.cache/statement-bot-tests/indexes/shipped-<hash>

Cost, on 2 shared cores with the cached model and index: about 2 minutes for the default run
(3,000 questions on each store, about a minute each, plus 15 s to copy the model folder,
about 150 MB, and load the engine); 25 s for ``--questions 300 --store sqlite``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import json
import logging
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import discord  # noqa: E402

from bot.store import Store  # noqa: E402
from embeddings.config import EngineSettings  # noqa: E402
from tests.botkit import MANAGE_GUILD, all_text, question, settings_for, start_bot  # noqa: E402
from tests.emulator import DiscordEmulator  # noqa: E402
from tests.test_feedback_e2e import buttons, settings_command  # noqa: E402

ANSWERABLE = [
    "Who was condemned for enabling the attack?", "Which country did the allies condemn?",
    "What did NATO say about Belarus?", "Did NATO call on Russia to stop the attack?",
    "What does Article 5 say?", "Will NATO defend every ally?", "What did the allies say about sanctions?",
    "Did NATO say the attack was unprovoked?", "What did the allies ask Russia to do?",
    "Which treaty commitments did Russia break?", "Will NATO deploy more forces to the east?",
    "What did the leaders say about Ukraine's sovereignty?", "Did NATO invoke Article 4?",
    "What did the allies say about the people of Ukraine?", "Who attacked Ukraine on 24 February 2022?",
]
OFF_TOPIC = [
    "What is the price of gas today?", "Who won the football match last night?",
    "How much does a loaf of bread cost?", "What is the weather in Brussels tomorrow?",
    "Which team leads the NBA this season?", "How do I bake sourdough bread?",
    "What is the euro to dollar rate now?", "Who won the tennis final?",
]
PHRASINGS = ["{}", "Quick question: {}", "I'd like to know: {}", "{} Thanks!"]
OTHER_GUILD = "1234567890123456789"  # the server without insights (the emulator's own has them on)
OUTAGE = 10.0  # seconds the database is away halfway
AT_STOP = 10  # questions asked (and voted on) with the database away just before the stop


def questions(n: int) -> list[str]:
    """n questions, about two answerable for one off-topic, in a few phrasings."""
    mixed = [q for pair in itertools.zip_longest(ANSWERABLE, OFF_TOPIC) for q in pair if q]
    return [PHRASINGS[(i // len(mixed)) % len(PHRASINGS)].format(mixed[i % len(mixed)]) for i in range(n)]


class LogCount(logging.Handler):
    """Counts the bot's warnings and errors (a database outage logs one per question); errors
    are printed too."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[record.levelname] += 1
        if record.levelno >= logging.ERROR:
            print(f"{record.name} {record.levelname}: {record.getMessage()}", file=sys.stderr)


LOG = LogCount()


class Replies:
    """The bot's requests to the emulator for each interaction, by token, as they come (the
    emulator's own ``wait_for`` rescans every request and grows slow over thousands)."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.by_token: dict[str, list] = defaultdict(list)
        self.events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        real = emu._record

        async def record(req):
            await real(req)
            token = next((p for p in req.path.split("/") if p.startswith("itoken-")), None)
            if token:
                self.by_token[token].append(req)
                self.events[token].set()

        emu._record = record

    async def final(self, token: str, timeout: float):
        """The request that answers the interaction (not a defer), or None within ``timeout``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            for req in self.by_token[token]:
                kind = (req.json or {}).get("type")
                if req.status == 200 and ("/webhooks/" in req.path or kind in (4, 7)):
                    return req
            self.events[token].clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.events[token].wait(), left)
        return None


class Run:
    """One store's run: the bot, the emulator, and what the client saw."""

    def __init__(self, emu, bot, replies, concurrency: int) -> None:
        self.emu, self.bot, self.replies = emu, bot, replies
        self.slots = asyncio.Semaphore(concurrency)
        self.seen: Counter = Counter()
        self.latencies: list[float] = []
        self.clicks: list[asyncio.Task] = []
        self.users = itertools.count()
        self.votes_started = 0
        self.resumed: float | None = None  # seconds after the outage until the database took writes again
        self.peak = 0

    async def ask(self, text: str, guild: str) -> dict | None:
        """Ask; the answer's message (None without one), counted by what it carried."""
        async with self.slots:
            interaction = await self.emu.interact("ask", [question(text)], guild_id=guild)
            req = await self.replies.final(interaction["token"], 60)
        self.seen["asked"] += 1
        if req is None:
            return None
        self.seen["answered"] += 1
        self.latencies.append(req.at - self.emu.interactions[interaction["token"]].created)
        body = req.json.get("data", req.json) if req.path.endswith("/callback") else req.json
        passages, has_buttons = bool(body.get("embeds")), bool(body.get("components"))
        self.seen["with passages"] += passages
        self.seen["with buttons"] += has_buttons
        self.seen["passages without buttons"] += passages and not has_buttons
        self.seen["buttons without passages"] += has_buttons and not passages
        return self.emu.message_of(req) if has_buttons else None

    async def click(self, message: dict, action: str) -> None:
        """Click a button as a new user; count how the bot acknowledged it."""
        user = self.emu.make_user(f"reader{next(self.users)}")
        interaction = await self.emu.click(message, buttons(message)[action]["custom_id"], user=user)
        req = await self.replies.final(interaction["token"], 30)
        text = all_text(req) if req is not None else ""
        if action == "more":
            self.seen["more shown" if "More passages" in text else "more refused"] += 1
            return
        self.seen["votes clicked"] += 1
        if req is None:
            ack = "not acknowledged"
        elif "will be counted" in text:
            ack = "noted"
        elif "couldn't record" in text:
            ack = "refused"
        elif "no longer kept" in text:
            ack = "gone"
        elif (req.json or {}).get("type") == 7 or "components" in (req.json or {}):
            ack = "counted"
        else:
            ack = "other reply"
        self.seen[ack] += 1

    async def ask_and_click(self, n: int, text: str) -> None:
        message = await self.ask(text, self.emu.guild_id if n % 2 else OTHER_GUILD)
        if message is None:
            return
        if self.votes_started < self.seen["asked"] / 8:
            self.votes_started += 1
            self.clicks.append(asyncio.create_task(self.click(message, "up" if n % 3 else "down")))
        if n % 40 == 0:
            self.clicks.append(asyncio.create_task(self.click(message, "more")))

    async def watch_outbox(self) -> None:
        while True:
            self.peak = max(self.peak, len(self.bot.answerer.outbox or ()))
            await asyncio.sleep(0.02)


# --------------------------------------------------------------------------- the faults


class SqliteFault:
    """Another connection holding the file with BEGIN EXCLUSIVE (it waits for the bot's write)."""

    def __init__(self, path: Path) -> None:
        self.path, self.holder = path, None

    async def away(self) -> None:
        def lock():
            self.holder = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self.holder.execute("BEGIN EXCLUSIVE")

        await asyncio.to_thread(lock)

    async def back(self) -> None:
        self.holder.execute("ROLLBACK")
        self.holder.close()


class PostgresFault:
    """The benchmark's own PostgreSQL server, stopped and started."""

    def __init__(self, server) -> None:
        self.server = server

    async def away(self) -> None:
        from pgserver._commands import pg_ctl

        await asyncio.to_thread(pg_ctl, ["-w", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    async def back(self) -> None:
        await asyncio.to_thread(self.server.ensure_postgres_running)


# --------------------------------------------------------------------------- one run


async def soak(store: str, engine_settings: EngineSettings, encoder, tmp: Path, n: int, concurrency: int) -> dict:
    server = None
    env = {}
    if store == "postgresql":
        import pgserver

        tmp.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(tmp / "pg", cleanup_mode="stop")
        env["DATABASE_URL"] = server.get_uri()
    emu = await DiscordEmulator().start()
    replies = Replies(emu)
    settings = settings_for(emu, engine_settings, **env)
    bot, task = await start_bot(emu, settings, encoder)
    fault = PostgresFault(server) if server else SqliteFault(settings.sqlite_path)
    run = Run(emu, bot, replies, concurrency)
    LOG.seen.clear()
    watcher = asyncio.create_task(run.watch_outbox())
    try:
        insights = await emu.interact("settings", settings_command("insights", enabled=True),
                                      permissions=MANAGE_GUILD, guild_id=emu.guild_id)
        await replies.final(insights["token"], 30)
        started = time.monotonic()
        await with_an_outage(run, fault, questions(n - AT_STOP))
        waiting = await stop_with_work_waiting(run, fault, task)
        wall = time.monotonic() - started
    finally:
        watcher.cancel()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = bot._test_previous_endpoints
        await emu.stop()
    try:
        stored = await count(settings, emu.guild_id)
    finally:
        if server is not None:
            server.cleanup()
    return figures(store, run, stored, waiting, wall)


async def with_an_outage(run: Run, fault, texts: list[str]) -> None:
    """Ask them all, the database away for OUTAGE seconds halfway; wait until all is written."""
    asking = [asyncio.create_task(run.ask_and_click(i, t)) for i, t in enumerate(texts)]
    while run.seen["asked"] < len(texts) // 2:
        await asyncio.sleep(0.05)
    await fault.away()
    await asyncio.sleep(OUTAGE)
    await fault.back()
    run.resumed = await until_writing(run.bot.answerer.outbox)
    await asyncio.gather(*asking)
    await asyncio.gather(*run.clicks)
    await until_writing(run.bot.answerer.outbox, empty=True)


async def stop_with_work_waiting(run: Run, fault, task: asyncio.Task) -> int:
    """The database away, AT_STOP answers and votes waiting, a graceful stop, the database back
    1 s into it. How many records waited when the stop began."""
    await fault.away()
    shown = await asyncio.gather(*(run.ask(t, run.emu.guild_id) for t in ANSWERABLE[:AT_STOP]))
    await asyncio.gather(*(run.click(m, "up") for m in shown if m is not None))
    waiting = len(run.bot.answerer.outbox)
    back = asyncio.create_task(after(1.0, fault.back()))
    await run.bot.shutdown("SIGTERM")
    await asyncio.wait_for(task, 60)
    await back
    return waiting


async def until_writing(outbox, empty: bool = False, timeout: float = 60.0) -> float | None:
    """Seconds until the outbox writes again (with ``empty``, until nothing waits); None if not
    within ``timeout``."""
    start = time.monotonic()
    while outbox.failing_since is not None or (empty and len(outbox)):
        if time.monotonic() - start > timeout:
            return None
        await asyncio.sleep(0.05)
    return round(time.monotonic() - start, 1)


async def after(seconds: float, work) -> None:
    await asyncio.sleep(seconds)
    await work


async def count(settings, insights_guild: str) -> dict:
    """What the database holds, and what the stop kept in the spill folder for the next start."""
    store = await Store.from_settings(settings.database_url, settings.sqlite_path, 90).open()
    try:
        records = await store.records(0)
    finally:
        await store.close()
    spilled = Counter()
    for file in (settings.engine.index_dir / "pending-records").glob("*.jsonl"):
        spilled.update(json.loads(line)["kind"] for line in file.read_text().splitlines() if line.strip())
    insights = [r for r in records if r["guild_id"] == insights_guild]
    return {"records": len(records), "votes": sum(r["up"] + r["down"] for r in records),
            "with passages": sum(1 for r in records if r["passage"]),
            "insights without text": sum(1 for r in insights if not r["question"]),
            "spilled answers": spilled["answer"], "spilled votes": spilled["vote"]}


def figures(store: str, run: Run, db: dict, waiting: int, wall: float) -> dict:
    s = run.seen
    votes_expected = s["votes clicked"] - s["refused"] - s["gone"]
    lat = sorted(run.latencies) or [0.0]
    return {
        "store": store,
        "questions asked": s["asked"],
        "answers received": s["answered"],
        "answers with passages": s["with passages"],
        "answers with buttons": s["with buttons"],
        "answers with passages but no buttons": s["passages without buttons"],
        "answers with buttons but no passages": s["buttons without passages"],
        "vote clicks": s["votes clicked"],
        "votes counted (new counts shown)": s["counted"],
        "votes noted (will be counted)": s["noted"],
        "votes refused (couldn't record)": s["refused"],
        "votes on an answer no longer kept": s["gone"],
        "votes with another reply": s["other reply"],
        "votes not acknowledged": s["not acknowledged"],
        "'More passages' clicks": s["more shown"] + s["more refused"],
        "'More passages' shown": s["more shown"],
        "'More passages' refused (error)": s["more refused"],
        "votes in the database": db["votes"],
        "votes acknowledged as counted or noted": s["counted"] + s["noted"],
        "votes kept on disk for the next start": db["spilled votes"],
        "votes lost": votes_expected - db["votes"] - db["spilled votes"],
        "records in the database": db["records"],
        "records with passages in the database": db["with passages"],
        "records kept on disk for the next start": db["spilled answers"],
        "records lost": s["asked"] - db["records"] - db["spilled answers"],
        "insights-server records without their text": db["insights without text"],
        "records waiting, peak": run.peak,
        "writes resumed after the outage (s)": run.resumed,
        "records waiting when the stop began": waiting,
        "warnings logged": LOG.seen["WARNING"],
        "errors logged": LOG.seen["ERROR"] + LOG.seen["CRITICAL"],
        "answer latency p50 (ms)": round(statistics.median(lat) * 1000),
        "answer latency p95 (ms)": round(lat[int(0.95 * (len(lat) - 1))] * 1000),
        "answer latency max (ms)": round(lat[-1] * 1000),
        "wall time (s)": round(wall, 1),
    }


def prepare(tmp: Path, args):
    """Copies of data/, the index and the models (the folders given are only read), the index
    loaded (or built) once; the engine, whose encoder every run's bot shares."""
    from embeddings.service import Engine

    shutil.copytree(ROOT / "data", tmp / "data", ignore=shutil.ignore_patterns(".index"))
    env = {**os.environ, "DATA_DIR": str(tmp / "data"), "INDEX_DIR": str(tmp / "index")}
    if args.model_dir:
        shutil.copytree(args.model_dir, tmp / "models", symlinks=True)
        env["MODEL_DIR"] = str(tmp / "models")
    if args.index_dir:
        shutil.copytree(args.index_dir, tmp / "index", symlinks=True)
    engine = Engine(EngineSettings.from_env(env))
    engine.load()
    return engine


def own_index(engine, folder: Path) -> EngineSettings:
    """The engine's settings with a copy of its index (the bot keeps its database there)."""
    shutil.copytree(engine.settings.index_dir, folder, symlinks=True, ignore=shutil.ignore_patterns("*.lock"))
    return dataclasses.replace(engine.settings, index_dir=folder)


def table(results: list[dict]) -> str:
    names = list(results[0])
    width = max(map(len, names))
    lines = [f"{'':{width}}  " + "  ".join(f"{r['store']:>10}" for r in results)]
    lines += [f"{name:{width}}  " + "  ".join(f"{str(r[name]):>10}" for r in results) for name in names[1:]]
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=3000)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), help="default: both, one after the other")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--model-dir", type=Path, help="a folder of prepared models (copied)")
    parser.add_argument("--index-dir", type=Path, help="a built index of data/ (copied)")
    parser.add_argument("--json", action="store_true", help="the figures as JSON instead of a table")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, handlers=[LOG])
    results = []
    with tempfile.TemporaryDirectory(prefix="soak-") as name:
        tmp = Path(name)
        engine = await asyncio.to_thread(prepare, tmp, args)
        for store in [args.store] if args.store else ["sqlite", "postgresql"]:
            settings = own_index(engine, tmp / f"index-{store}")
            results.append(await soak(store, settings, engine.encoder, tmp / store, args.questions, args.concurrency))
    print(json.dumps(results, indent=2) if args.json else table(results))


if __name__ == "__main__":
    asyncio.run(main())
