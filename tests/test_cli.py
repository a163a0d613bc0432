import json
import os
import subprocess
import sys

from embeddings.config import PROJECT_ROOT

from .conftest import SHIPPED_DOCUMENTS, SHIPPED_PASSAGES, settings_env


def run_cli(args, settings, stdin=None, **extra):
    env = {**os.environ, **settings_env(settings), **extra}
    return subprocess.run(
        [sys.executable, "-m", "embeddings", *args], input=stdin, capture_output=True, text=True,
        env=env, cwd=PROJECT_ROOT, timeout=300,
    )


def test_ask_json_and_stdin(fresh_built):
    out = run_cli(["ask", "--json", "-"], fresh_built,
                  stdin="Which country did the allies condemn for enabling the attack?\n"
                        "Who painted the Mona Lisa?\n")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 2
    belarus, painter = lines
    assert belarus["answered"] and belarus["hits"][0]["date"] == "2022-02-24"
    assert "We also condemn Belarus for enabling this attack." in belarus["hits"][0]["text"]
    assert painter["answered"] is False and painter["hits"] == [] and painter["note"] == ""
    assert {"painted", "mona", "lisa"} <= set(painter["unmatched"])  # words no passage uses, said as such


def test_ask_text_scope_and_k(fresh_built):
    out = run_cli(["ask", "-k", "1", "--scope", "treaties", "What does Article 51 of the UN Charter allow?"],
                  fresh_built)
    assert out.returncode == 0, out.stderr
    assert "Charter of the United Nations, Article 51, 1945-06-26" in out.stdout
    assert "  1. \u201c" in out.stdout and "  2. " not in out.stdout


def test_build_prints_summary_and_sources(fresh_built):
    (fresh_built.data_dir / "broken.txt").write_bytes(b"\xff\xfe\x00\x00")
    out = run_cli(["build"], fresh_built)
    assert out.returncode == 0, out.stderr
    assert f"{SHIPPED_DOCUMENTS} documents, {SHIPPED_PASSAGES} passages" in out.stdout and "seconds" not in out.stderr
    assert "  treaty (inferred, partial), 2014-09-05, " in out.stdout  # each document: kind, given or inferred
    assert "skipped: broken.txt" in out.stdout
    listing = run_cli(["sources"], fresh_built)
    assert "2022-02-24" in listing.stdout and "Charter of the United Nations" in listing.stdout


def test_bad_arguments_fail_cleanly(fresh_built):
    out = run_cli(["ask", "-k", "0", "hello"], fresh_built)
    assert out.returncode == 2 and "-k must be between 1 and 50" in out.stderr
    assert "Traceback" not in out.stderr


def test_bad_settings_and_folders_are_one_line_naming_the_variable(fresh_built, tmp_path):
    out = run_cli(["ask", "sanctions"], fresh_built, TOP_K="abc")
    assert out.returncode == 2 and out.stderr.strip() == "error: TOP_K must be a whole number from 1 to 10, not 'abc'"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = run_cli(["build"], fresh_built, INDEX_DIR=str(blocker / "index"))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert f"cannot use INDEX_DIR ({blocker / 'index'}): " in out.stderr and len(out.stderr.splitlines()) == 1, \
        out.stderr


def test_the_text_reply_says_whose_words_a_passage_is(engine):
    """A page's report of the statement it gives (and a transcript's speaker) is named beside the quote."""
    from embeddings.__main__ import render_text
    from embeddings.corpus.cleaning import REPORT
    from embeddings.search.results import Hit, SearchResult

    report = next(p for p in engine.index.passages if p.speaker == REPORT)
    text = render_text(SearchResult("q", True, [Hit(report, 0.5, 0.5, 0.0)]))
    assert f"{report.title}, {report.label}, the page's report, {report.date}" in text
