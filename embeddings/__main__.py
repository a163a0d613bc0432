"""Command line: ``python -m embeddings build|ask|sources|add|remove|refresh|evaluate|train``.

(The speed benchmark is ``benchmarks/bench.py``: it also times the Discord reply rendering.)"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable, Iterator

from embeddings.config import EngineSettings, SettingsError, folder_error
from embeddings.errors import EngineError
from embeddings.labels import LabelError
from embeddings.library_admin import commands as library
from embeddings.library_admin import link_fields
from embeddings.query import Query
from embeddings.search.results import EXPLAINED, SCOPES, SearchResult

log = logging.getLogger("embeddings")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m embeddings",
        description="Search official statements and quote the passages that answer a question.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)
    # in the order `--help` lists the subcommands
    for add in (_build_arguments, _ask_arguments, _timeline_arguments, _sources_arguments, library.add_arguments,
                _evaluate_arguments, _prepare_arguments, _train_arguments):
        add(sub.add_parser)
    return parser


def _build_arguments(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    build = add_parser("build", help="build or update the index from DATA_DIR")
    build.add_argument("--force", action="store_true", help="rebuild even if nothing changed")


def _ask_arguments(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    ask = add_parser("ask", help="answer a question (or '-' to read one per line from stdin)")
    ask.add_argument("question", nargs="+", help="the question, or '-' for standard input")
    ask.add_argument("--json", action="store_true", help="one JSON object per question, per line")
    ask.add_argument("-k", type=int, default=None, help="number of passages (default TOP_K, 3)")
    ask.add_argument("--scope", choices=SCOPES, default="statements",
                     help="what to search (default: statements)")
    _filter_arguments(ask)


def _timeline_arguments(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    timeline = add_parser("timeline", help="one passage per document on a topic, in date order")
    timeline.add_argument("topic", nargs="+", help="the topic, e.g. sanctions")
    timeline.add_argument("--json", action="store_true", help="print the result as JSON")
    timeline.add_argument("--scope", choices=SCOPES, default="statements",
                          help="what to search (default: statements)")
    _filter_arguments(timeline)


def _sources_arguments(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    sources = add_parser("sources", help="list the indexed documents and the skipped files")
    sources.add_argument("--json", action="store_true",
                         help="one JSON object per document (with its format, and for a link its url, when it was "
                              "fetched and whether it is stale), then one {file, skipped} per skipped file")


def _evaluate_arguments(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    evaluate = add_parser("evaluate", help="measure answer quality on the labelled set")
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")
    evaluate.add_argument("--show-misses", action="store_true", help="list wrong answers")
    evaluate.add_argument("--questions", action="append", default=[], metavar="FILE",
                          help="more labelled questions (JSON lines), beside the shipped set")
    evaluate.add_argument("--only", action="store_true",
                          help="score the --questions files alone (e.g. embeddings/eval/library_questions.jsonl "
                               "with DATA_DIR holding the library); no held-out figures then")
    evaluate.add_argument("--split", choices=("fit", "test"), default="",
                          help="only the rows of that half of a set split before fitting (e.g. the test half of "
                               "embeddings/eval/multilingual_questions.jsonl)")


def _prepare_arguments(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    add_parser("prepare", help="fine-tune (if needed) and export the model to ONNX, then exit "
               "(what a first start runs in a child process)")


def _train_arguments(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    train = add_parser(
        "train", help="fine-tune the model on the labelled questions (if not done yet for this data)",
        description="Fine-tune the base model on labelled question -> passage rows, cross-validated; the "
                    "trained model serves (and the next build re-embeds) only if its held-out figures are "
                    "not worse than the model serving now.")
    train.add_argument("--questions", action="append", default=[], metavar="FILE",
                       help="more labelled questions (JSON lines), beside the shipped set")
    train.add_argument("--cross-validate", action="store_true",
                       help="run the cross-validation again even if a record for this data exists")
    train.add_argument("--feedback", default="", metavar="FILE",
                       help="readers' votes (`python -m bot feedback export`): train on the helpful ones beside "
                            "the shipped set, as `/reindex retrain:True` does; the model they make serves on")
    train.add_argument("--config", default="", metavar="JSON",
                       help='training settings to change, e.g. \'{"folds": 2, "max_epochs": 1}\' (a quick run)')


def _filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", default="", metavar="YYYY-MM-DD",
                        help="only documents dated on or after this day (YYYY-MM or YYYY also work)")
    parser.add_argument("--to", dest="end", default="", metavar="YYYY-MM-DD",
                        help="only documents dated on or before this day")
    parser.add_argument("--document", default="", metavar="ID",
                        help="only this document (an id as `sources --json` prints it, or its title)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    signal.signal(signal.SIGTERM, _interrupted)  # a stop runs the cleanups (half-written folders removed)
    if args.command == "prepare":  # the first start's progress, read by the bot (run_child)
        logging.getLogger("embeddings").setLevel(logging.INFO)
    settings = None
    try:
        from embeddings.subprocesses import die_with_parent

        die_with_parent()
        from dotenv import load_dotenv

        load_dotenv()
        settings = EngineSettings.from_env()
        return _COMMANDS[args.command](settings, args)
    except (EngineError, LabelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SettingsError as exc:  # TOP_K=abc: one line naming the variable, as the bot says it
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # an INDEX_DIR that cannot be made, a full disk, ...
        print(f"error: {folder_error(exc, settings) if settings else exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _engine(settings: EngineSettings):
    from embeddings.service import Engine

    return Engine(settings)


def _run_evaluate(settings: EngineSettings, args: argparse.Namespace) -> int:
    from embeddings.service import Engine
    from embeddings.training.evaluate import main as evaluate_main

    return evaluate_main(Engine(settings), as_json=args.json, show_misses=args.show_misses,
                         questions=tuple(args.questions), only=args.only, split=args.split)


def _run_prepare(settings: EngineSettings, args: argparse.Namespace) -> int:
    return _prepare(settings)


def _run_train(settings: EngineSettings, args: argparse.Namespace) -> int:
    return _train(settings, args.questions, args.cross_validate, args.feedback, args.config)


def _run_build(settings: EngineSettings, args: argparse.Namespace) -> int:
    return _build(_engine(settings), force=args.force)


def _run_sources(settings: EngineSettings, args: argparse.Namespace) -> int:
    engine = _engine(settings)
    if args.json:
        for s in engine.sources():
            print(json.dumps({**s.to_dict(), **link_fields(settings.data_dir, s.path)}, ensure_ascii=False))
        for problem in engine.problems():
            file, _, reason = problem.partition(" ")
            print(json.dumps({"file": file, "skipped": reason}, ensure_ascii=False))
        return 0
    for s in engine.sources():
        kind = f"{s.kind} ({s.kind_source})"
        link = link_fields(settings.data_dir, s.path)
        mark = ("  [partial]" if s.partial else "") + ("  [stale link]" if link.get("stale") else "")
        print(f"{s.date:<10}  {kind:<20}  {s.passages:>4} passages  {s.title}  [{s.id}]{mark}")
    for problem in engine.problems():
        print(f"skipped: {problem}")
    return 0


def _run_timeline(settings: EngineSettings, args: argparse.Namespace) -> int:
    engine = _engine(settings)
    result = engine.timeline_of(Query(" ".join(args.topic), args.scope, args.start, args.end, args.document))
    print(json.dumps(result.to_dict(), ensure_ascii=False) if args.json else render_timeline(result))
    return 0 if result.answered else 1


def _run_ask(settings: EngineSettings, args: argparse.Namespace) -> int:
    engine = _engine(settings)
    asked = Query("", args.scope, args.start, args.end, args.document)
    engine.filters_of(asked)  # a bad filter is refused before anything else
    if args.k is not None and not 1 <= args.k <= 50:
        print("error: -k must be between 1 and 50", file=sys.stderr)
        return 2
    for question in _questions(args.question):
        result = engine.answer(asked.with_text(question), k=args.k)
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(render_text(result, args.scope), flush=True)
    return 0


# what each subcommand runs, once the settings are read
_COMMANDS: dict[str, Callable[[EngineSettings, argparse.Namespace], int]] = {
    "build": _run_build,
    "ask": _run_ask,
    "timeline": _run_timeline,
    "sources": _run_sources,
    "add": library.run_add,
    "remove": library.run_remove,
    "refresh": library.run_refresh,
    "evaluate": _run_evaluate,
    "prepare": _run_prepare,
    "train": _run_train,
}


def _prepare(settings: EngineSettings) -> int:
    """What a first start runs in a child process: the model (fine-tuned once if needed), its ONNX
    export and the index, saying how far each is (with the time left) on standard error."""
    from embeddings.encoders.choice import make_encoder
    from embeddings.progress import Progress
    from embeddings.service import Engine
    from embeddings.training.prepare import select_or_train

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    choice = select_or_train(settings, report=say)
    say(f"model: {choice.reason}")
    make_encoder(choice.path, settings.encoder, settings.model_dir).warm()  # exports once
    counters: dict[str, Progress] = {}

    def progress(done: int, total: int, what: str = "texts") -> None:
        counter = counters.get(what) or counters.setdefault(what, Progress(say, f"embedding {what}", total))
        counter.set(done)

    Engine(settings).load(progress)  # and builds the index, so the serving process only reads it
    say(f"model ready: {choice.path}")
    return 0


def _interrupted(signum, _frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _questions(words: list[str]) -> Iterator[str]:
    if words == ["-"]:
        for line in sys.stdin:
            if line.strip():
                yield line.rstrip("\n")
    else:
        yield " ".join(words)


def _train(settings: EngineSettings, files: list[str], again: bool, feedback: str = "", config: str = "") -> int:
    from embeddings.labels import load_rows
    from embeddings.registry import TrainConfig
    from embeddings.training.prepare import select_or_train

    try:
        chosen = TrainConfig(**json.loads(config)) if config else None
    except (ValueError, TypeError) as exc:
        print(f"error: --config is not a set of training settings ({exc})", file=sys.stderr)
        return 2
    helpful = [r for r in load_rows([feedback], shipped=False) if r.answerable] if feedback else None

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if settings.fine_tune == "off":
        print("error: FINE_TUNE=off; set FINE_TUNE=auto to train", file=sys.stderr)
        return 2
    choice = select_or_train(settings, load_rows(files), report=say, cross_validate_again=again, config=chosen,
                          feedback=helpful)
    print(f"model: {choice.path}")
    print(f"  {choice.reason}")
    if choice.card:
        held = choice.card["heldout"]
        for key in ("recall@1", "recall@3", "false_rejection", "off_topic_rejected"):
            print(f"  held-out {key:<20} base {held['base']['mean'][key]:.3f}  "
                  f"fine-tuned {held['trained']['mean'][key]:.3f} ± {held['trained']['std'][key]:.3f}")
    print("the next `python -m embeddings build` (or start) embeds with this model")
    return 0


def _build(engine, force: bool) -> int:
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(done: int, total: int, what: str = "texts") -> None:
        bar = bars.get(what)
        if bar is None and total >= 200:  # a bar where it takes a while: texts, then multilingual vectors
            bar = bars[what] = tqdm(total=total, unit="text", desc=f"embedding {what}", file=sys.stderr)
        if bar is not None:
            bar.n = done
            bar.refresh()

    summary = engine.rebuild(progress=progress, force=force)
    for bar in bars.values():
        bar.close()
    print(f"index: {summary.describe()}")
    for s in engine.sources():
        mark = ", partial" if s.partial else ""
        print(f"  {s.kind} ({s.kind_source}{mark}), {s.date}, {s.passages} passages: {s.title}")
    for problem in summary.problems:
        print(f"skipped: {problem}")
    return 0


def render_text(result: SearchResult, scope: str = "statements") -> str:
    lines = [f"Q: {result.question}"]
    if result.note and result.answered:
        lines.append(f"  ({result.note})")
    if result.unsearched:
        lines.append(f"  (not searched: the text of {' and '.join(result.unsearched)}; try --scope all)")
    if not result.answered:
        if result.reason == "empty":
            lines.append("  Please ask a question in words.")
        elif result.reason in EXPLAINED:
            lines.append(f"  {result.note}")
        else:
            lines.append(f"  Not found: no passage of the {scope if scope != 'all' else 'documents'} "
                         "answers this question.")
            if result.unmatched:
                lines.append(f"  They never use: {', '.join(result.unmatched)}.")
            if scope == "statements":
                lines.append("  Try --scope all to search the treaties too.")
        return "\n".join(lines)
    if result.tentative:
        lines.append("  No passage clearly answers this" + (f" (never used: {', '.join(result.unmatched)})"
                                                            if result.unmatched else "") + "; the nearest one:")
    for n, hit in enumerate(result.hits, start=1):
        p = hit.passage
        quote = p.text.replace("\n", "\n     ")
        lines.append(f"  {n}. \u201c{quote}\u201d")
        if hit.highlight and hit.highlight != p.text:
            lines.append(f"     answers: \u201c{hit.highlight}\u201d")
        lines.append(f"     \u2014 {p.title}, {p.label}{f', {p.speaker}' if p.speaker else ''}, {p.date}")
        lines.append(f"       source: {p.source}")
        if hit.also:
            lines.append("       also in: " + "; ".join(f"{a.title}, {a.date}" for a in hit.also))
    return "\n".join(lines)


def render_timeline(result: SearchResult) -> str:
    lines = [f"Timeline: {result.question}"]
    if not result.answered:
        lines.append(f"  {result.note or 'No document speaks to this topic.'}")
        return "\n".join(lines)
    for hit in result.hits:
        p = hit.passage
        lines.append(f"  {p.date or 'undated'}  {p.title} ({p.label})")
        lines.append(f"      \u201c{(hit.highlight or p.text)}\u201d")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
