"""The README's examples, as a newcomer types them into the console of a fresh clone: each must
work as written (a README example that stops working fails the suite)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

from bot import console
from bot.core import Answerer
from bot.settings import BotSettings
from embeddings.config import PROJECT_ROOT

from .test_bot_process import bot_env

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
# What an example must not say: a refusal, an error, or that it found only the nearest passages.
FAILURES = ("Sorry, I found nothing", "Unknown command", "error:", "I can't", "I don't know",
            "no passage that clearly answers")


def examples(after: str) -> list[tuple[str, str]]:
    """The ``> `` lines of the first text block after the heading or sentence ``after``: (what to
    type, the README's comment on what it does, if any)."""
    block = re.search(r"```text\n(.*?)```", README[README.index(after):], re.DOTALL)
    assert block, f"no example block after {after!r}"
    out = []
    for line in block.group(1).splitlines():
        typed, _, comment = line.removeprefix("> ").partition("  #")
        out.append((typed.strip(), comment.strip()))
    return out


def check(answerer: Answerer, typed: str, comment: str) -> None:
    reply = asyncio.run(console.handle(answerer, typed))
    assert reply, typed
    if "never uses" in comment:  # the example shows what the bot says of what the documents do not say
        assert "never use" in reply, (typed, reply)
        return
    assert not any(f in reply for f in FAILURES), (typed, reply)
    if not typed.startswith("/") or typed.startswith(("/ask", "/treaty")):
        assert "> " in reply and re.search(r"\d{4}-\d\d", reply), (typed, reply)  # a quote, dated


def test_the_readmes_console_examples_work_on_the_shipped_data(engine):
    answerer = Answerer(engine, BotSettings.from_env({}))
    shown = examples("## Try it")
    assert len(shown) >= 8
    for typed, comment in shown:
        check(answerer, typed, comment)


def test_the_readmes_library_examples_work_once_the_library_is_added(engine_with_library):
    assert "cp tests/fixtures/library/*.txt data/" in README  # what the README tells to do first
    answerer = Answerer(engine_with_library, BotSettings.from_env({}))
    for typed, comment in examples("Who said what, and when, needs"):
        check(answerer, typed, comment)


def test_make_run_without_a_token_answers_the_examples_in_one_session(fresh_built):
    """The console as `make run` starts it (python -m bot, no token), fed the examples."""
    typed = "\n".join(t for t, _ in examples("## Try it")) + "\n"
    out = subprocess.run([sys.executable, "-m", "bot"], cwd=PROJECT_ROOT, input=typed, capture_output=True,
                         text=True, timeout=300, env=bot_env(fresh_built))
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert "local console" in out.stdout and "Unknown command" not in out.stdout
    assert out.stdout.count("Date:") >= 5
