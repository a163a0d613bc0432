"""Nothing slow runs on the event loop: with a library of a thousand passages citing a hundred
agreements, questions, autocomplete (right after a swap, when the treaty catalogue is new) and
/reindex never hold the loop longer than 100 ms. Encoding, search, the catalogue and builds all
run in threads (bot/core.py, Engine._serve)."""

from __future__ import annotations

import asyncio
import shutil
import string
import time

from embeddings.config import EngineSettings

from .botkit import ADMINISTRATOR, all_text, question, settings_for, start_bot, stop_bot
from .conftest import copy_data
from .emulator import DiscordEmulator

MAX_LAG = 0.1  # seconds


class LoopWatch:
    """Wakes every 10 ms and keeps the worst lateness: a callback that holds the loop shows here."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, time.perf_counter() - start - 0.01)

    def __enter__(self) -> LoopWatch:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc) -> None:
        self._task.cancel()


def _name(i: int) -> str:
    return "Kel" + string.ascii_lowercase[i % 26] + string.ascii_lowercase[i // 26 % 26]


def write_library(data, documents: int = 40, paragraphs: int = 25) -> None:
    """documents x paragraphs one-sentence passages naming 100 agreements (the catalogue's work)."""
    for d in range(documents):
        lines = [f"TITLE: Council statement number {d}", f"DATE: 2022-03-{d % 28 + 1:02d}", "SOURCE: generated",
                 "KIND: statement", "---"]
        for p in range(paragraphs):
            lines.append(f"In item {d}-{p} the council recalled the {_name(d + p)} Harbour Accord and the "
                         f"{_name(50 + (d * p) % 50)} Fisheries Convention, and the Budapest Memorandum.\n")
        (data / f"council_{d:03d}.txt").write_text("\n".join(lines), "utf-8")


async def test_no_callback_holds_the_loop(tmp_path, engine, encoder):
    data = copy_data(tmp_path / "data")
    shutil.copytree(engine.settings.index_dir, tmp_path / "index", symlinks=True)
    emu = await DiscordEmulator().start()
    settings = settings_for(emu, EngineSettings(data_dir=data, index_dir=tmp_path / "index", model="",
                                                model_dir=engine.settings.model_dir))
    bot, task = await start_bot(emu, settings, encoder)
    try:
        with LoopWatch() as watch:
            for text in ("Which country was condemned for enabling the attack?", "sanctions", "Article 5"):
                await emu.answer(await emu.interact("ask", [question(text)]))
            write_library(data)
            admin = await emu.interact("reindex", permissions=ADMINISTRATOR)
            finished = asyncio.ensure_future(
                emu.wait_for(lambda r: admin["token"] in r.path and " added" in all_text(r), 300))
            while not finished.done():  # people keep asking and typing while it builds
                names = await emu.interact("treaty", [{"name": "name", "type": 3, "value": "harb", "focused": True}],
                                           autocomplete=True)
                await emu.callback(names)
                await emu.answer(await emu.interact("ask", [question("What about Belarus?")]))
            done = await finished
            assert "1000 added" in all_text(done).replace(",", "")
            for value, expected in (("harbour acc", "Harbour Accord"), ("fisheries", "Fisheries Convention"),
                                    ("budapest", "Budapest Memorandum")):  # the new catalogue, just swapped in
                names = await emu.interact("treaty", [{"name": "name", "type": 3, "value": value, "focused": True}],
                                           autocomplete=True)
                choices = [c["value"] for c in (await emu.callback(names)).json["data"]["choices"]]
                assert any(expected in c for c in choices), (value, choices)
        assert watch.worst < MAX_LAG, f"the event loop was held for {watch.worst * 1000:.0f} ms"
    finally:
        await stop_bot(bot, task)
        await emu.stop()
