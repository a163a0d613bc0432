"""How long from ``/document add`` to answers from the new document: prints the figures, asserts
nothing.

    .venv/bin/python benchmarks/add_document.py [--pages 20]

A generated PDF of about ``--pages`` A5 pages (reportlab; justified paragraphs, a running header,
page numbers) is attached to ``/document add`` in the local Discord emulator (tests/emulator),
answered by the real bot (discord.py, the real model, a temporary copy of data/ and its index,
built before the clock starts). Measured: command -> the reply saying what was added (download,
reading, embedding, the new index serving), and command -> the first ``/ask`` answered with a
sentence of the document's last page. The model is the one MODEL_DIR holds (set it to a
folder with a fine-tuned model, e.g. the tests' cache, or the first start trains one: minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embeddings.config import EngineSettings  # noqa: E402
from embeddings.service import Engine  # noqa: E402
from tests import botkit  # noqa: E402
from tests.emulator import DiscordEmulator  # noqa: E402
from tests.formats_fixtures import Statement, pdf_pages  # noqa: E402

LAST = "The delegations pledged seven thousand tonnes of seed grain to the farmers of the Kherson region."
QUESTION = "How much seed grain did the delegations pledge to the farmers of the Kherson region?"
WORDS = ("allies ministers security energy grid winter repairs reconstruction convoy humanitarian corridor "
         "demining schools hospitals water supply sanctions export controls shipping insurance ports grain "
         "fertiliser refugees border crossings monitoring mission observers budget support loans guarantees "
         "cyber defence air defence training exercises logistics fuel reserves transformers pipelines").split()


def paragraphs(pages: int, seed: int) -> list[str]:
    """About 3.6 paragraphs of five sentences to an A5 page, of the vocabulary above, each its own."""
    rng = random.Random(seed)
    out = []
    for n in range(round(pages * 3.6)):
        sentences = [f"In point {n + 1} the parties discussed {' '.join(rng.sample(WORDS, 6))} and "
                     f"{' '.join(rng.sample(WORDS, 5))}." for _ in range(5)]
        out.append(" ".join(sentences))
    return [*out, LAST]


async def measure(settings, pdf: bytes) -> tuple[float, float, list[str]]:
    """Seconds to the reply, seconds to the first answer from the document, and the reply's
    lines as they came (progress every second, then the result), each with its time."""
    emu = await DiscordEmulator().start()
    bot, task = await botkit.start_bot(emu, botkit.settings_for(emu, settings), None)
    bot.answerer.progress_every = 1.0
    try:
        upload = emu.upload("reconstruction-conference.pdf", pdf, "application/pdf")
        started = time.perf_counter()
        command = await emu.interact("document", [{"name": "add", "type": 1, "options": [
            {"name": "file", "type": 11, "value": upload["id"]}, {"name": "date", "type": 3, "value": "2023-05-17"}]}],
            permissions=botkit.MANAGE_GUILD)
        await emu.wait_for(lambda r: command["token"] in r.path and r.status == 200 and (
            "Added:" in botkit.all_text(r) or "Not added" in botkit.all_text(r)), 1800)
        added = time.perf_counter() - started
        lines = [f"{r.at - emu.interactions[command['token']].created:6.1f} s  {botkit.all_text(r).splitlines()[0]}"
                 for r in emu.requests if command["token"] in r.path and r.method == "PATCH"]
        while True:
            asked = await emu.interact("ask", [botkit.question(QUESTION)])
            if LAST[:60] in botkit.all_text(await emu.answer(asked)).replace("**", ""):
                return added, time.perf_counter() - started, lines
            await asyncio.sleep(0.2)
    finally:
        await botkit.stop_bot(bot, task)
        await emu.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None,
                        help="the text's seed (default: a new one, so no vector cached by an earlier run is reused)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else time.time_ns() % 1_000_000
    pdf = pdf_pages(Statement("Conference on the reconstruction of Ukraine: conclusions", "2023-05-17",
                              "https://www.example.org/conference", paragraphs(args.pages, seed)))
    base = EngineSettings.from_env()
    with tempfile.TemporaryDirectory(prefix="bench-add-") as folder:
        data = Path(folder) / "data"
        shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns(".*"))
        settings = EngineSettings(data_dir=data, index_dir=Path(folder) / "index", model="",
                                  model_dir=base.model_dir or ROOT / "data" / ".index" / ".models")
        Engine(settings).load()  # the library's index, built before the clock starts
        added, answered, lines = asyncio.run(measure(settings, pdf))
    from pypdfium2 import PdfDocument

    pages = len(PdfDocument(pdf))
    print(f"/document add of a {pages}-page PDF ({len(pdf) / 1024:.0f} KB, seed {seed}) on {os.cpu_count()} cores:")
    print(f"  command -> reply with what was added: {added:.1f} s")
    print(f"  command -> answered from the new document: {answered:.1f} s")
    print("  the reply as it changed:")
    print("\n".join(f"    {line}" for line in lines))


if __name__ == "__main__":
    main()
