"""Keeping documents added by their link current (``refresh_links``), against a real HTTP server
on 127.0.0.1: conditional requests, a changed page replaced, a vanished or failing one kept with
its last good text and marked stale."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest

from embeddings.config import EngineSettings
from embeddings.corpus.documents import load_corpus, read_document
from embeddings.corpus.splitting import split_passages
from embeddings.library_admin import Refreshed, add_document, link_fields, refresh_links

from .conftest import copy_data
from .formats_fixtures import html_page, statement
from .test_adding import G7, run_cli
from .webserver import Page, WebServer

PATH = "/press/statement"


@pytest.fixture
def library(tmp_path) -> EngineSettings:
    return EngineSettings(copy_data(tmp_path / "data"), tmp_path / "index", "", allow_private_urls=True,
                          fetch_timeout=1)


def added(library: EngineSettings, site: WebServer, page: Page):
    """A page added by its link, its sidecar made to say it was fetched two days ago."""
    site.pages[PATH] = page
    done = add_document(library, site.url(PATH))
    age(library, done.file, days=2)
    return done


def sidecar_path(library: EngineSettings, file: str):
    return library.data_dir / f"{file.rsplit('.', 1)[0]}.meta.json"


def meta_of(library: EngineSettings, file: str) -> dict:
    return json.loads(sidecar_path(library, file).read_text(encoding="utf-8"))


def age(library: EngineSettings, file: str, days: float) -> str:
    meta = meta_of(library, file)
    meta["fetched"] = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    sidecar_path(library, file).write_text(json.dumps(meta), encoding="utf-8")
    return meta["fetched"]


def test_a_page_not_modified_only_moves_fetched_on(library, site):
    done = added(library, site, Page(html_page(statement(G7)), etag='"v1"'))
    old = meta_of(library, done.file)
    sha = read_document(library.data_dir / done.file, library.data_dir).sha256
    assert refresh_links(library) == [Refreshed(done.file, site.url(PATH), "unchanged")]
    path, headers = site.requests[-1]
    assert path == PATH and headers["If-None-Match"] == '"v1"'
    new = meta_of(library, done.file)
    assert new["fetched"] > old["fetched"] and {**new, "fetched": old["fetched"]} == old
    assert read_document(library.data_dir / done.file, library.data_dir).sha256 == sha  # no change for a build


def test_the_same_bytes_without_a_304_are_unchanged_too(library, site):
    modified = "Thu, 24 Feb 2022 17:30:00 GMT"
    done = added(library, site, Page(html_page(statement(G7)), headers={"Last-Modified": modified}))
    before = (library.data_dir / done.file).read_bytes()
    assert [r.outcome for r in refresh_links(library)] == ["unchanged"]
    assert site.requests[-1][1]["If-Modified-Since"] == modified
    assert (library.data_dir / done.file).read_bytes() == before


def test_a_link_fetched_lately_is_left_alone_and_refresh_hours_0_is_never(library, site):
    done = added(library, site, Page(html_page(statement(G7))))
    age(library, done.file, days=0.5)  # twelve hours: not due at 24
    asked = len(site.requests)
    assert refresh_links(library) == []
    assert refresh_links(dataclasses.replace(library, refresh_hours=13)) == []
    assert [r.outcome for r in refresh_links(dataclasses.replace(library, refresh_hours=12))] == ["unchanged"]
    age(library, done.file, days=30)
    assert refresh_links(dataclasses.replace(library, refresh_hours=0)) == []
    assert len(site.requests) == asked + 1
    assert [r.outcome for r in refresh_links(dataclasses.replace(library, refresh_hours=0), force=True)] == [
        "unchanged"]


def test_a_changed_page_replaces_the_file(library, site):
    s = statement(G7)
    done = added(library, site, Page(html_page(s), etag='"v1"'))
    new_words = "The Leaders also agreed today to meet again in person before the end of the month."
    changed = dataclasses.replace(s, paragraphs=[*s.paragraphs, new_words])
    site.pages[PATH] = Page(html_page(changed), etag='"v2"')
    assert refresh_links(library) == [Refreshed(done.file, site.url(PATH), "updated")]
    assert (library.data_dir / done.file).read_bytes() == html_page(changed)
    meta = meta_of(library, done.file)
    assert meta["etag"] == '"v2"' and "stale" not in meta
    report = load_corpus(library.data_dir)
    doc = next(d for d in report.documents if d.path == done.file)
    assert new_words in [p.text for p in split_passages(doc)] and not report.problems


@pytest.mark.parametrize("page, reason", [
    (Page(status=404, body=b"<html><body>Not found</body></html>"), "answered 404 Not Found"),
    (Page(status=410, body=b"gone"), "answered 410 Gone"),
    (Page(status=500, body=b"oops"), "answered 500 Internal Server Error"),
    (Page(html_page(statement(G7)), delay=2), "did not answer within 1 seconds (FETCH_TIMEOUT)"),
    (Page(b"<html><body><nav>Home</nav><p>Moved.</p></body></html>"),
     "no longer reads: has no main text to quote (only page navigation or boilerplate)"),
    (Page(b"%PDF-1.7", content_type="application/pdf"), "now serves a .pdf file, not .html"),
    (Page(b"\x89PNG", content_type="image/png"), "is image/png, not a web page, PDF or Word file (.html, .pdf, .docx)"),
])
def test_a_page_that_vanishes_or_fails_keeps_its_last_text_marked_stale(library, site, page, reason):
    done = added(library, site, Page(html_page(statement(G7))))
    before = (library.data_dir / done.file).read_bytes()
    fetched = meta_of(library, done.file)["fetched"]
    site.pages[PATH] = page
    assert refresh_links(library) == [Refreshed(done.file, site.url(PATH), "stale", reason)]
    assert (library.data_dir / done.file).read_bytes() == before
    meta = meta_of(library, done.file)
    assert meta["stale"]["reason"] == reason and meta["fetched"] == fetched  # the last good fetch
    assert datetime.fromisoformat(meta["stale"]["at"]) > datetime.fromisoformat(fetched)
    assert link_fields(library.data_dir, done.file)["stale"] == meta["stale"]
    assert done.id in {d.id for d in load_corpus(library.data_dir).documents}  # still quoted
    site.pages[PATH] = Page(html_page(statement(G7)))  # back again: no longer stale
    assert [r.outcome for r in refresh_links(library)] == ["unchanged"]
    assert "stale" not in meta_of(library, done.file) and link_fields(library.data_dir, done.file)["stale"] is None


def test_a_page_changed_to_repeat_another_document_is_kept_as_it_was(library, site):
    done = added(library, site, Page(html_page(statement(G7))))
    before = (library.data_dir / done.file).read_bytes()
    site.pages["/other"] = Page(html_page(statement("g7_joint_statement_further_economic_costs_2022-03-11.txt")))
    other = add_document(library, site.url("/other"))
    site.pages[PATH] = site.pages["/other"]
    [result] = refresh_links(library)
    assert result.outcome == "stale" and f"[{other.id}]" in result.reason and "duplicate" in result.reason
    assert (library.data_dir / done.file).read_bytes() == before


def test_refresh_on_the_command_line_says_what_it_did(library, site):
    done = added(library, site, Page(html_page(statement(G7)), etag='"v1"'))
    out = run_cli(["refresh", "--json"], library, ALLOW_PRIVATE_URLS="1")
    assert out.returncode == 0, out.stderr
    assert [json.loads(line) for line in out.stdout.splitlines()] == [
        {"file": done.file, "url": site.url(PATH), "outcome": "unchanged", "reason": ""}]
    out = run_cli(["refresh"], library, ALLOW_PRIVATE_URLS="1")
    assert (out.returncode, out.stdout) == (0, "no link is due for a refresh\n")
    out = run_cli(["refresh"], library, REFRESH_HOURS="0")
    assert out.returncode == 0 and out.stderr == "REFRESH_HOURS=0: links are not refreshed (--all refreshes them now)\n"
    site.pages[PATH] = Page(status=404)
    out = run_cli(["refresh", "--all"], library, ALLOW_PRIVATE_URLS="1")
    assert (out.returncode, out.stdout) == (0, f"stale: {done.file} ({site.url(PATH)}): answered 404 Not Found\n")


async def test_the_bot_re_indexes_a_changed_link_and_answers_from_it(fresh_built, encoder, site):
    """bot/links.py, as the bot's half-hourly loop runs it: a due link that changed is fetched
    and re-indexed while the old index serves, and the next question is answered from the new
    words; a link that fails keeps its text and the index as it was."""
    from bot.core import Answerer
    from bot.links import refresh_links as bot_refresh
    from bot.settings import BotSettings
    from embeddings.service import Engine

    settings = dataclasses.replace(fresh_built, allow_private_urls=True, fetch_timeout=1)
    engine = Engine(settings, encoder=encoder)
    engine.load()
    s = statement(G7)
    done = added(settings, site, Page(html_page(s), etag='"v1"'))
    await asyncio.to_thread(engine.rebuild)
    new_words = "The Leaders agreed to send ten thousand tonnes of seed wheat to Ukrainian farmers before spring."
    site.pages[PATH] = Page(html_page(dataclasses.replace(s, paragraphs=[*s.paragraphs, new_words])), etag='"v2"')
    outcomes = await bot_refresh(engine)
    assert [o.outcome for o in outcomes] == ["updated"]
    answer = engine.ask("How much seed wheat will Ukrainian farmers get?", k=1)
    assert answer.hits and answer.hits[0].passage.text == new_words
    age(settings, done.file, days=2)
    site.pages[PATH] = Page(status=500, body=b"oops")
    before = len(engine.index.passages)
    assert [o.outcome for o in await bot_refresh(engine)] == ["stale"]
    assert len(engine.index.passages) == before
    listed = await Answerer(engine, BotSettings.from_env({})).sources()  # /sources: fetched when, and failed
    text = "\n".join(e.description or "" for e in listed.embeds)
    assert f"link, fetched {meta_of(settings, done.file)['fetched'][:10]}" in text
    assert "**stale** (answered 500" in text
    off = dataclasses.replace(settings, refresh_hours=0)
    assert await bot_refresh(Engine(off, encoder=encoder)) == []  # REFRESH_HOURS=0: never
