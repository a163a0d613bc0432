"""Reply latency with a library loaded: prints figures and writes JSON. Measures, never asserts.

    .venv/bin/python benchmarks/library.py [--out benchmarks/results-library.json]

The shipped data/ plus the library statements of tests/fixtures/library/ are indexed (in a
temporary folder) with the served model (fine-tuned on first use, as a start would), then every
labelled question (the shipped set, the library set, the dated and speaker set) goes through
question -> hits and question -> reply (the Discord message rendered), cache off, three times.
Dated questions are reported apart: their date is found and read (dateparser) on every call;
so are the questions about the library's statements (no labelled question taught the model
them).
So are the translated questions (embeddings/eval/multilingual_questions.jsonl), which the router
sends to the multilingual path; "routing" is the language check every question pays. Their words
are embedded one by one to be read in English (``embeddings.search.crosslingual``) and kept for the
next questions: "other_language_question_to_reply" forgets them before each question, as for a
question of words never asked; "other_language_words_kept" keeps them, as a running bot does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import latency as timed  # noqa: E402

from embeddings.config import EngineSettings  # noqa: E402
from embeddings.labels import load_rows  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results-library.json"))
    args = parser.parse_args()
    from bot import render
    from embeddings.corpus.dates import find_span
    from embeddings.service import Engine

    library_rows = load_rows([ROOT / "embeddings/eval/library_questions.jsonl",
                              ROOT / "embeddings/eval/who_when_questions.jsonl"], shipped=False)
    rows = load_rows() + library_rows
    questions = [r.question for r in rows]
    about_library = [r.question for r in library_rows]  # documents no labelled question taught the model
    foreign = [r.question for r in load_rows([ROOT / "embeddings/eval/multilingual_questions.jsonl"], shipped=False)]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        for folder in (ROOT / "data", ROOT / "tests/fixtures/library"):
            for file in folder.iterdir():
                if file.is_file():
                    shutil.copy2(file, data / file.name)
        shipped = EngineSettings.from_env()
        settings = EngineSettings.from_env({**os.environ, "DATA_DIR": str(data), "INDEX_DIR": str(Path(tmp) / "index"),
                                            "MODEL_DIR": str(shipped.model_dir)})
        engine = Engine(settings)
        engine.load()
        searcher = engine.searcher
        searcher._cache_size = 0
        engine.ask("warm up")
        spans = searcher.library._statement_spans
        dated = [q for q in questions if find_span(q, spans)]
        out = {
            "when": time.strftime("%Y-%m-%d %H:%M"),
            "documents": len(engine.sources()),
            "passages": len(engine.index.passages),
            "questions": len(questions),
            "dated_questions": len(dated),
            "question_to_hits": timed(lambda q: engine.ask(q), questions),
            "question_to_reply": timed(lambda q: render.answer(engine.ask(q)).kwargs(), questions),
            "dated_question_to_reply": timed(lambda q: render.answer(engine.ask(q)).kwargs(), dated),
            "library_question_to_reply": timed(lambda q: render.answer(engine.ask(q)).kwargs(), about_library),
            "date_finding": timed(lambda q: find_span(q, spans), questions),
            "timeline": timed(lambda q: engine.timeline(q), ["sanctions", "Belarus", "humanitarian aid", "Article 5"]),
            "routing": timed(lambda q: searcher.router.language(q), questions + foreign),
            # every word of the question new (its vectors forgotten first), and as served: the words of
            # the questions before it kept, each question asked once
            "other_language_question_to_reply": timed(
                lambda q: engine.multilingual.forget_words() or render.answer(engine.ask(q)).kwargs(), foreign),
            "other_language_words_kept": engine.multilingual.forget_words() or timed(
                lambda q: render.answer(engine.ask(q)).kwargs(), foreign, repeat=1),
        }
    for key in ("question_to_hits", "question_to_reply", "dated_question_to_reply", "library_question_to_reply",
                "date_finding", "timeline", "routing", "other_language_question_to_reply",
                "other_language_words_kept"):
        f = out[key]
        print(f"{key:<26} p50 {f['p50_ms']:6.2f} ms   p95 {f['p95_ms']:6.2f} ms   ({f['n']} calls)")
    print(f"{out['documents']} documents, {out['passages']} passages, {out['questions']} questions "
          f"({out['dated_questions']} name a date)")
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(f"JSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
