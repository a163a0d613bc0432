"""The bot's database, run against both back ends: a SQLite file and a real PostgreSQL server
started here (pgserver's binaries), through the same code."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa

from bot import schema
from bot.schema import database_url
from bot.store import SCHEMA_VERSION, ShownPassage, Store, StoredAnswer, StoreError
from embeddings.config import PROJECT_ROOT

SHOWN = [ShownPassage("nato-2022-02-24#5", "nato-2022-02-24", 5, "ab12"),
         ShownPassage("nato-2022-02-24#14", "nato-2022-02-24", 14, "cd34")]


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A PostgreSQL server of our own for the session (as root, pgserver runs it as another user)."""
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("postgres"), cleanup_mode="stop")
    yield server.get_uri()
    server.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request, tmp_path):
    if request.param == "sqlite":
        opened = await Store.from_settings("", tmp_path / "bot.sqlite3", 90).open()
    else:
        url = request.getfixturevalue("postgres_url")
        opened = await Store.from_settings(url, tmp_path / "unused.sqlite3", 90).open()
        await opened.delete_feedback()  # one server for the session: start each test empty
        async with opened.engine.begin() as conn:
            await conn.exec_driver_sql("DELETE FROM channel_settings")
            await conn.exec_driver_sql("DELETE FROM guild_settings")
    yield opened
    await opened.close()


async def test_votes_one_per_user_and_a_second_click_changes_it(store):
    await store.update_settings(10, insights=True)
    answer = await store.add_answer("Who was condemned?", "statements", SHOWN, "v-1", guild_id=10, channel_id=20)
    assert await store.vote(answer, 1, "up") == {"up": 1, "down": 0}
    assert await store.vote(answer, 1, "up") == {"up": 1, "down": 0}  # the same click again counts once
    assert await store.vote(answer, 1, "down") == {"up": 0, "down": 1}  # changed
    assert await store.vote(answer, 2, "up") == {"up": 1, "down": 1}
    assert await store.vote("0123456789abcdef", 1, "up") is None  # not stored (purged)
    stored = await store.answer(answer)
    assert stored.question == "Who was condemned?" and stored.passages == SHOWN and stored.guild_id == "10"
    with pytest.raises(ValueError):
        await store.vote(answer, 1, "maybe")
    old = store.make_vote(answer, 2, "down")
    await store.vote(answer, 2, "up")
    assert (await store.write([old])) == [{"up": 1, "down": 1}]  # replayed late, it loses to the newer vote


async def test_a_question_is_written_only_where_the_server_keeps_questions_now(store):
    """The text of a question asked while insights were on, written after they were turned off
    (it waited in the outbox), is not kept."""
    await store.update_settings(11, insights=True)
    asked = StoredAnswer("a" * 16, "Is it kept?", "statements", SHOWN, time.time(), "11")
    await store.update_settings(11, insights=False)
    await store.write([asked])
    async with store.engine.connect() as conn:
        kept = (await conn.exec_driver_sql(f"SELECT question FROM answers WHERE id = '{asked.id}'")).scalar()
    assert kept == ""


async def test_users_are_stored_only_as_salted_hashes(store):
    answer = await store.add_answer("q", "statements", SHOWN, "v-1")
    await store.vote(answer, 123456789012345678, "up")
    async with store.engine.connect() as conn:
        rows = (await conn.exec_driver_sql("SELECT user_hash FROM votes")).all()
        salt = (await conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'salt'")).scalar()
    assert rows and "123456789012345678" not in rows[0][0] and len(rows[0][0]) == 64 and len(salt) == 32


async def test_export_purge_and_delete(store):
    await store.update_settings(10, insights=True)  # the server keeps its questions' text
    old = await store.add_answer("old question", "statements", SHOWN, "v-1", guild_id=10)
    new = await store.add_answer("new question", "all", SHOWN[:1], "v-2", guild_id=10, filters={"start": "2022-03-01"})
    await store.vote(old, 1, "down")
    await store.vote(new, 1, "up")
    rows = await store.export()
    assert [(r["question"], r["vote"]) for r in rows] == [("old question", "down"), ("new question", "up")]
    assert rows[1]["passages"] == [SHOWN[0].to_dict()] and rows[1]["scope"] == "all"
    assert (await store.answer(new)).filters == {"start": "2022-03-01"}
    assert [r["question"] for r in await store.export(since=time.time() + 60)] == []
    async with store.engine.begin() as conn:  # the old answer was asked 100 days ago
        await conn.exec_driver_sql(f"UPDATE answers SET created_at = {time.time() - 100 * 86400} WHERE id = '{old}'")
    assert await store.purge() == 1  # FEEDBACK_DAYS = 90
    assert await store.answer(old) is None and [r["question"] for r in await store.export()] == ["new question"]
    assert await store.delete_feedback() == 1 and await store.export() == []


async def test_settings_per_server(store):
    assert (await store.settings(1)).passages is None and (await store.settings(1)).buttons
    await store.update_settings(1, passages=2, threads=True)
    await store.update_settings(1, buttons=False)
    got = await store.settings(1)
    assert (got.passages, got.threads, got.buttons) == (2, True, False)
    assert (await store.settings(2)).passages is None  # another server is untouched
    assert got.answers_in("100")
    await store.set_channel(1, 100, False)
    assert not (await store.settings(1)).answers_in("100") and (await store.settings(1)).answers_in("200")
    await store.set_channel(1, 300, True)  # one channel switched on: only there
    got = await store.settings(1)
    assert got.answers_in("300") and not got.answers_in("200") and not got.answers_in("100")
    assert got.answers_in("999", parent_id="300")  # a thread follows its channel
    with pytest.raises(ValueError):
        await store.update_settings(1, colour="red")


async def test_two_hundred_votes_at_once(store):
    answer = await store.add_answer("q", "statements", SHOWN, "v-1")
    results = await asyncio.gather(*(store.vote(answer, user, "up" if user % 4 else "down") for user in range(200)))
    assert all(r is not None for r in results)
    assert await store.counts(answer) == {"up": 150, "down": 50}


async def test_schema_is_versioned_and_a_newer_one_refused(store):
    assert await store.schema_version() == SCHEMA_VERSION
    async with store.engine.begin() as conn:
        await conn.exec_driver_sql(f"UPDATE schema_version SET version = {SCHEMA_VERSION + 1}")
    again = Store(store.url, sqlite_path=None, feedback_days=90)
    with pytest.raises(StoreError, match="newer than this program"):
        await again.open()
    async with store.engine.begin() as conn:
        await conn.exec_driver_sql(f"UPDATE schema_version SET version = {SCHEMA_VERSION}")


async def test_damaged_sqlite_is_moved_aside_and_recreated(tmp_path, caplog):
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"this is not a database, it is a text file that someone saved here" * 100)
    store = await Store.from_settings("", path, 90).open()
    try:
        answer = await store.add_answer("q", "statements", SHOWN, "v-1")
        assert await store.vote(answer, 1, "up") == {"up": 1, "down": 0}
    finally:
        await store.close()
    moved = list(tmp_path.glob("bot.sqlite3.unusable-*"))
    assert moved and moved[0].read_bytes().startswith(b"this is not a database")
    assert str(path) in caplog.text and moved[0].name in caplog.text


async def test_unreachable_postgresql_is_named():
    store = Store.from_settings("postgresql://nobody@127.0.0.1:1/none", PROJECT_ROOT / "unused", 90)
    with pytest.raises(StoreError, match="cannot open the database"):
        await store.open()


WRITER = """
import asyncio, sys
from pathlib import Path
from bot.store import Store
async def main(path, answer, first):
    store = await Store.from_settings("", Path(path), 90).open()
    for user in range(first, first + 100):
        assert await store.vote(answer, user, "up") is not None
    await store.close()
asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


async def test_shard_processes_write_one_sqlite_file(tmp_path):
    """Three processes (as shards on one machine) voting at once into one SQLite file."""
    path = tmp_path / "bot.sqlite3"
    store = await Store.from_settings("", path, 90).open()
    answer = await store.add_answer("q", "statements", SHOWN, "v-1")
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), answer, str(n * 100)], cwd=PROJECT_ROOT,
                              stderr=subprocess.PIPE, text=True) for n in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert await store.counts(answer) == {"up": 300, "down": 0}
    async with store.engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
    await store.close()


def test_feedback_rows_feed_evaluate(tmp_path):
    """``feedback export`` rows are read by evaluate and train: helpful ones as labelled
    questions, unhelpful ones as known misses."""
    from embeddings.labels import load_rows

    file = tmp_path / "feedback.jsonl"
    file.write_text("\n".join(json.dumps(r) for r in [
        {"question": "Who did NATO condemn besides Russia?", "vote": "up", "passages": [SHOWN[0].to_dict()]},
        {"question": "Is NATO sending ships?", "vote": "down", "passages": [SHOWN[1].to_dict()]},
    ]) + "\n")
    up, down = load_rows([file], shipped=False)
    assert up.expected == ("nato-2022-02-24#5",) and up.answerable and up.type == "feedback"
    assert down.expected == () and down.missed == ("nato-2022-02-24#14",) and down.type == "feedback-miss"


def version_1_tables() -> tuple[sa.MetaData, sa.Table, sa.Table]:
    """The answers and votes tables as schema version 1 made them (the previous release)."""
    old = sa.MetaData()
    for name in ("meta", "guild_settings", "channel_settings", "schema_version"):
        schema.metadata.tables[name].to_metadata(old)
    answers_v1 = sa.Table(
        "answers", old, sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False, index=True), sa.Column("guild_id", sa.String(32)),
        sa.Column("channel_id", sa.String(32)), sa.Column("question", sa.Text, nullable=False),
        sa.Column("scope", sa.String(16), nullable=False), sa.Column("passages", sa.Text, nullable=False),
        sa.Column("filters", sa.Text, nullable=False), sa.Column("index_version", sa.String(80), nullable=False))
    votes_v1 = sa.Table(
        "votes", old, sa.Column("answer_id", sa.String(32), sa.ForeignKey("answers.id", ondelete="CASCADE"),
                                primary_key=True),
        sa.Column("user_hash", sa.String(64), primary_key=True), sa.Column("vote", sa.String(4), nullable=False),
        sa.Column("at", sa.Float, nullable=False))
    settings_v1 = old.tables["guild_settings"]
    settings_v1._columns.remove(settings_v1.c.insights)  # not a version-1 column
    return old, answers_v1, votes_v1


async def _create_database(url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """The URL of an empty database of each back end."""
    if request.param == "sqlite":
        return database_url("", tmp_path / "old.sqlite3")
    base = request.getfixturevalue("postgres_url")
    name = f"upgrade_{uuid.uuid4().hex[:8]}"
    asyncio.run(_create_database(base, name))
    return database_url(str(sa.engine.make_url(base).set(database=name)), tmp_path / "unused")


async def test_a_version_1_database_upgrades_without_loss(empty_database):
    """The previous release's database, with its answers, votes and settings, opened by this one:
    everything kept, the answers' top passage filled in, the new columns at their defaults."""
    from sqlalchemy.ext.asyncio import create_async_engine

    old, answers_v1, votes_v1 = version_1_tables()
    engine = create_async_engine(empty_database)
    async with engine.begin() as conn:
        await conn.run_sync(old.create_all)
        await conn.execute(old.tables["schema_version"].insert().values(version=1))
        await conn.execute(old.tables["meta"].insert().values(key="salt", value="old-salt"))
        await conn.execute(answers_v1.insert(), [
            {"id": f"a{n}", "created_at": time.time() - n, "guild_id": "10", "channel_id": "20",
             "question": f"question {n}", "scope": "statements", "filters": "{}", "index_version": "v-1",
             "passages": json.dumps([p.to_dict() for p in SHOWN])} for n in range(3)])
        await conn.execute(votes_v1.insert(), [{"answer_id": "a0", "user_hash": "u1", "vote": "up", "at": 1.0},
                                               {"answer_id": "a1", "user_hash": "u1", "vote": "down", "at": 2.0}])
        await conn.execute(old.tables["guild_settings"].insert().values(
            guild_id="10", passages=5, threads=True, buttons=False, updated_at=1.0))
    await engine.dispose()
    store = await Store(empty_database, feedback_days=90).open()
    try:
        assert await store.schema_version() == SCHEMA_VERSION == 2
        assert store.user_hash(1) == hashlib.sha256(b"old-salt:1").hexdigest()  # the voters' salt kept
        kept = await store.answer("a0")
        assert kept.passages == SHOWN and kept.outcome == "answered"
        assert kept.question == ""  # kept by version 1, shown only once the server turns insights on
        records = {r["id"]: r for r in await store.records(0)}
        assert set(records) == {"a0", "a1", "a2"}
        assert records["a0"]["passage"] == SHOWN[0].id and records["a0"]["document"] == SHOWN[0].document
        assert (records["a0"]["up"], records["a1"]["down"]) == (1, 1) and records["a2"]["language"] == "en"
        assert records["a0"]["question"] == ""  # kept before, shown only once the server turns insights on
        settings = await store.settings(10)
        assert (settings.passages, settings.threads, settings.buttons, settings.insights) == (5, True, False, False)
        await store.update_settings(10, insights=True)
        assert (await store.records(0))[0]["question"].startswith("question")
        assert (await store.answer("a0")).question == "question 0"
        await store.update_settings(10, insights=False)  # turned off: the kept text is forgotten
        assert (await store.answer("a0")).question == ""
    finally:
        await store.close()


OPENER = """
import asyncio, sys
from pathlib import Path
from bot.store import Store
async def main(path):
    store = await Store.from_settings("", Path(path), 90).open()
    print(len(await store.records(0)))
    await store.close()
asyncio.run(main(sys.argv[1]))
"""


@pytest.mark.slow
async def test_processes_opening_a_version_1_file_together_migrate_it_once(tmp_path):
    """Two shard processes start on the previous release's SQLite file of 20,000 answers: one
    migrates (about 15 s here) while the other waits for it (before, the other gave up on the
    lock after 5 s and moved the file aside)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    path = tmp_path / "bot.sqlite3"
    old, answers_v1, _ = version_1_tables()
    engine = create_async_engine(database_url("", path))
    async with engine.begin() as conn:
        await conn.run_sync(old.create_all)
        await conn.execute(old.tables["schema_version"].insert().values(version=1))
        await conn.execute(answers_v1.insert(), [
            {"id": f"a{n}", "created_at": time.time(), "guild_id": "10", "channel_id": "20", "question": "q",
             "scope": "statements", "filters": "{}", "index_version": "v-1",
             "passages": json.dumps([SHOWN[0].to_dict()])} for n in range(20000)])
    await engine.dispose()
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(path)], cwd=PROJECT_ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [proc.communicate(timeout=120) for proc in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [out.strip() for out, _ in outs] == ["20000", "20000"]
    assert not list(tmp_path.glob("*.unusable-*"))
