"""Answer quality on the library, on questions nobody on the team wrote: prints figures, never asserts.

    .venv/bin/python benchmarks/fair.py [--set dev|final|reserve|reserve2|...] [--misses] [--json]

The library is data/, the statements of tests/fixtures/library/ and the official texts of
embeddings/eval/fresh/documents/ (indexed in a temporary folder with the served model, or in
--index-dir, kept between runs). The questions are embeddings/eval/fresh/library_<set>.jsonl,
written by helpers from the documents alone, in users' words, before anything ran on them (see
that folder's README). ``final`` is kept unseen until an issue ends. Nothing is fitted on either.

Figures by kind of question (plain, yes/no, who/when, other languages) and by language;
"right document" is the share of answerable questions whose first passage is from the document
the question is about (who said it, when), whether or not it is the labelled passage.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embeddings.config import EngineSettings  # noqa: E402
from embeddings.index import build  # noqa: E402
from embeddings.index.load import passage_context  # noqa: E402
from embeddings.labels import load_rows, resolve_quotes  # noqa: E402
from embeddings.training.evaluate import metrics, run_pipeline  # noqa: E402

FRESH = ROOT / "embeddings" / "eval" / "fresh"
LIBRARY = (ROOT / "data", ROOT / "tests" / "fixtures" / "library", FRESH / "documents")


# The question sets of embeddings/eval/fresh/ (README there: who wrote each, which are spent).
LIBRARY_RESERVES = 21
TREATIES_RESERVES = 9
SET_NAMES = ("dev", "final", "reserve", *(f"reserve{n}" for n in range(2, LIBRARY_RESERVES + 1)),
             "shipped-dev", "shipped-final", "treaties-dev", "treaties-final", "treaties-offtopic",
             "treaties-reserve", *(f"treaties-reserve{n}" for n in range(2, TREATIES_RESERVES + 1)))


def question_file(name: str) -> str:
    """"dev" -> library_dev.jsonl, "shipped-dev" -> shipped_dev.jsonl, "treaties-dev" -> treaties_dev.jsonl."""
    return f"{name.replace('-', '_')}.jsonl" if name.startswith(("shipped", "treaties")) else f"library_{name}.jsonl"


def added_documents(name: str) -> tuple[Path, ...]:
    """The documents a later reserve adds to the library: reserve3 reads those of reserve2 too."""
    n = int(name[len("reserve"):]) if name.startswith("reserve") and name[len("reserve"):].isdigit() else 1
    return tuple(FRESH / f"documents_reserve{k}" for k in range(2, n + 1))


def library_data(target: Path, more: tuple[Path, ...] = ()) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for folder in LIBRARY + more:
        for file in folder.iterdir():
            if file.is_file():
                shutil.copy2(file, target / file.name)
    return target


# Ways to let the index know a passage's document without labelled questions, compared here on
# the same questions (docs/quality.md). "served": the code as it is (since RULE_VERSION 4, a context
# unit per statement passage: index.load.passage_units); "plain-units": as it was before, without.
def _plain_units(passage) -> list[str]:
    units = _SERVED_UNITS(passage)
    return units[:-1] if passage.kind == "statement" else units


def _context_words(passage) -> str:
    """BM25 reads the title (and section, speaker) with each statement passage."""
    text = _SERVED_WORDS(passage)
    return f"{passage_context(passage)} {text}" if passage.kind == "statement" else text


_SERVED_UNITS, _SERVED_WORDS = build.passage_units, build.lexical_text
APPROACHES = {"served": {}, "plain-units": {"passage_units": _plain_units},
              "plain-units-context-words": {"passage_units": _plain_units, "lexical_text": _context_words},
              "context-both": {"lexical_text": _context_words}}


def figures(outcomes, path_of: dict[str, str]) -> dict:
    """The pipeline's figures, with the share of answerable questions answered first from their document."""
    out = {k: round(v, 3) if isinstance(v, float) else v for k, v in metrics(outcomes).items()}
    answerable = [o for o in outcomes if o.row.answerable]
    right = [o for o in answerable if o.answered and o.documents and path_of.get(o.documents[0]) == o.row.file]
    out["right_document"] = round(len(right) / max(len(answerable), 1), 3)
    off = [o for o in outcomes if o.row.type == "off-topic"]
    out["off_topic"] = len(off)
    # refused, or answered only as "no passage clearly answers this ... the nearest ones:"
    out["off_topic_told"] = round(sum(not o.answered or o.tentative for o in off) / max(len(off), 1), 3)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=SET_NAMES,
                        default="dev",
                        help="dev/final/reserve/reserveN: the library questions (reserveN with the documents of "
                             "documents_reserve2/ ... documents_reserveN/ added to the library); shipped-*: those "
                             "about data/ (the statement, treaties); treaties-*: about the agreements, every "
                             "document searched")
    parser.add_argument("--index-dir", help="keep the library's index here between runs")
    parser.add_argument("--misses", action="store_true", help="list the questions answered wrong")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--model", help="score this model folder (benchmarks/pseudo.py writes one), not the served one")
    parser.add_argument("--approach", choices=list(APPROACHES), default="served",
                        help="how passages are indexed (see APPROACHES); use a new --index-dir for each")
    args = parser.parse_args()
    for name, function in APPROACHES[args.approach].items():
        setattr(build, name, function)
    from embeddings.service import Engine

    with tempfile.TemporaryDirectory() as tmp:
        data = library_data(Path(tmp) / "data", added_documents(args.set))
        shipped = EngineSettings.from_env()
        index_dir = args.index_dir or str(Path(tmp) / "index")
        settings = EngineSettings.from_env({**os.environ, "DATA_DIR": str(data), "INDEX_DIR": index_dir,
                                            "MODEL_DIR": str(shipped.model_dir)})
        encoder = None
        if args.model:
            from embeddings.encoders.choice import make_encoder

            encoder = make_encoder(args.model, settings.encoder, Path(args.model).parent / ".onnx-cache")
        engine = Engine(settings, encoder=encoder)
        engine.load()
        # a file skipped as a copy of another is asked about as that other file
        copies = dict(re.findall(r"^(\S+) duplicates (\S+)", "\n".join(engine.problems()), re.MULTILINE))
        rows = [replace(r, file=copies.get(r.file, r.file))
                for r in load_rows([FRESH / question_file(args.set)], shipped=False)]
        rows = resolve_quotes(rows, engine.index)
        outcomes = run_pipeline(engine, rows)
        path_of = {d["id"]: d.get("path", "") for d in engine.index.manifest.get("documents", [])}
        groups = defaultdict(list)
        own = FRESH / f"documents_{args.set}"
        new = {f.name for f in own.iterdir()} if own.is_dir() else set()
        for o in outcomes:
            groups[f"type {o.row.type}"].append(o)
            groups[f"lang {o.row.lang}"].append(o)
            if new and o.row.answerable:  # a reserve's questions about the documents it adds, and the rest
                groups[f"docs {'new' if o.row.file in new else 'older'}"].append(o)
        report = {"set": args.set, "approach": args.approach, "model": engine.encoder.fingerprint,
                  "all": figures(outcomes, path_of),
                  **{name: figures(group, path_of) for name, group in sorted(groups.items())}}
        if args.json:
            print(json.dumps(report))
        else:
            print(f"{question_file(args.set)}, approach {args.approach}, model {report['model']}")
            print(f"  {'':<20}{'answerable':>11}{'recall@1':>10}{'recall@3':>10}{'right doc':>10}"
                  f"{'false ref.':>11}{'off-topic':>10}{'refused':>9}{'or told':>9}")
            for name in ["all"] + sorted(k for k in report if k.startswith(("type", "lang", "docs"))):
                f = report[name]
                print(f"  {name:<20}{f['questions']:>11}{f['recall@1']:>10.3f}{f['recall@3']:>10.3f}"
                      f"{f['right_document']:>10.3f}{f['false_rejection']:>11.3f}{f['off_topic']:>10}"
                      f"{f['off_topic_rejected']:>9.3f}{f['off_topic_told']:>9.3f}")
        if args.misses:
            for o in outcomes:
                wrong = (o.row.answerable and (not o.answered or not o.ranked or o.ranked[0] not in o.row.expected)) \
                    or (not o.row.answerable and o.answered)
                if wrong:
                    got = o.ranked[0] if o.ranked else "-"
                    print(f"  [{o.row.type}/{o.row.lang}] {o.row.question!r}: expected {o.row.expected[:2]} "
                          f"got {got} answered={o.answered} reason={o.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
