"""The command line's ``add``, ``remove`` and ``refresh``: each changes the library, then builds
the index as ``python -m embeddings build`` does (only new text is embedded)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from embeddings.config import EngineSettings
from embeddings.corpus.documents import KINDS
from embeddings.errors import EngineError
from embeddings.library_admin.adding import Added, add_document, remove_document
from embeddings.library_admin.links import refresh_links


def add_arguments(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    add = add_parser("add", help="add a document (a file, or a web page, PDF or Word file by its link), then build")
    add.add_argument("document", metavar="PATH_OR_URL",
                     help="a .txt, .md, .pdf, .html or .docx file, or an http(s) link")
    add.add_argument("--title", default="", help="the title quotes show (instead of the file's own)")
    add.add_argument("--date", default="", metavar="YYYY-MM-DD", help="the day it was said (instead of the file's)")
    add.add_argument("--kind", default="", choices=KINDS, help="statement or treaty (default: as the text says)")
    add.add_argument("--source", default="", help="where it was published (default: the link, or the file's own)")
    add.add_argument("--json", action="store_true", help="print what was read as one JSON object")
    remove = add_parser("remove", help="remove a document by its id (see `sources`), then build")
    remove.add_argument("id", help="the document's id, as `sources` prints it in brackets")
    remove.add_argument("--json", action="store_true", help="print what was removed as one JSON object")
    refresh = add_parser("refresh", help="fetch again the documents added by their link (older than REFRESH_HOURS)")
    refresh.add_argument("--all", action="store_true", help="every link, however recently fetched")
    refresh.add_argument("--json", action="store_true", help="one JSON object per link")


def _rebuild(settings: EngineSettings) -> str:
    """Build the index as ``build`` does; its summary, and the files it skipped, as lines."""
    from embeddings.service import Engine

    started = time.perf_counter()
    summary = Engine(settings).rebuild()
    total = time.perf_counter() - started  # the build, and the model and index loaded around it
    return "\n".join([f"index: {summary.describe()}; {total:.1f} s in all",
                      *(f"skipped: {p}" for p in summary.problems)])


def _built(settings: EngineSettings, what: str, as_json: bool, out: dict) -> int:
    """Build after a change to the library, saying so (or why it could not) after ``out``."""
    try:
        index = _rebuild(settings)
    except EngineError as exc:
        _say(out, as_json, error=f"{what}, but the index was not rebuilt: {exc}. Once that is put right, run "
                                 "`.venv/bin/python -m embeddings build`")
        return 1
    _say(out, as_json, index=index)
    return 0


def _say(out: dict, as_json: bool, **more: str) -> None:
    if as_json:
        print(json.dumps({**out, **more}, ensure_ascii=False))
    elif "error" in more:
        print(f"error: {more['error']}", file=sys.stderr)
    else:
        print(more["index"])


def run_add(settings: EngineSettings, args: argparse.Namespace) -> int:
    done = add_document(settings, args.document, title=args.title, date=args.date, kind=args.kind,
                        source=args.source)
    if not args.json:
        print(describe_added(done), flush=True)
    return _built(settings, f"{done.file} was added", args.json, {"added": done.to_dict()})


def describe_added(done: Added) -> str:
    """What was read, as the command line says it."""
    mark = ", partial" if done.partial else ""
    lines = [f"added: {done.title} [{done.id}] as {done.file}",
             f"  {done.kind} ({done.kind_source}{mark}), {done.date}, {done.passages} passages, {done.format}",
             f"  source: {done.source}"]
    if done.url:
        lines.append(f"  link: {done.url} (fetched {done.fetched})")
    lines.append(f"  {done.first_label}: \u201c{done.first_passage}\u201d")
    return "\n".join(lines)


def run_remove(settings: EngineSettings, args: argparse.Namespace) -> int:
    done = remove_document(settings, args.id)
    if not args.json:
        print(f"removed: {done.title or done.id} [{done.id}] ({', '.join(done.files)})", flush=True)
    return _built(settings, f"{args.id} was removed", args.json, {"removed": done.to_dict()})


def run_refresh(settings: EngineSettings, args: argparse.Namespace) -> int:
    if settings.refresh_hours <= 0 and not args.all:
        print("REFRESH_HOURS=0: links are not refreshed (--all refreshes them now)", file=sys.stderr)
        return 0
    results = refresh_links(settings, force=args.all)
    for r in results:
        if args.json:
            print(json.dumps(r.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(f"{r.outcome}: {r.file} ({r.url})" + (f": {r.reason}" if r.reason else ""), flush=True)
    if not results and not args.json:
        print("no link is due for a refresh")
    if not any(r.outcome == "updated" for r in results):
        return 0
    return _built(settings, "links were refreshed", args.json, {})
