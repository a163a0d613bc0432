"""End to end: admins add and remove documents with ``/document`` (the real discord.py client,
the emulator's CDN for attachments, a real local web server for links, the real model)."""

from __future__ import annotations

import pytest

from bot.render import CONTENT_MAX

from . import botkit
from .botkit import ADMINISTRATOR, MANAGE_GUILD, all_text, assert_within_limits, question
from .conftest import running_bot
from .emulator import DiscordEmulator
from .formats_fixtures import html_page, statement
from .webserver import Page, WebServer

ARCTIC = """TITLE: Joint statement on the central Arctic Ocean fisheries
DATE: 2023-05-17
SOURCE: https://www.example.org/arctic/2023-05-17
---
The ministers agreed to extend the moratorium on commercial fishing in the central Arctic Ocean until 2040.

They asked the scientific committee to report every two years on the fish stocks north of the Bering Strait.
"""
FIRST = "The ministers agreed to extend the moratorium on commercial fishing in the central Arctic Ocean until 2040."
G7 = "g7_leaders_statement_2022-02-24.txt"


@pytest.fixture(scope="module")
async def docworld(tmp_path_factory, engine, encoder):
    """An emulator and a bot with its own data and index; links to 127.0.0.1 allowed (the test
    web server), documents of at most 1 MB."""
    async with running_bot(tmp_path_factory.mktemp("documents"), engine, encoder, ALLOW_PRIVATE_URLS="1",
                           MAX_DOCUMENT_MB="1", FETCH_TIMEOUT="5") as running:
        yield running


def add(**options) -> list[dict]:
    types = {"file": 11, "url": 3, "title": 3, "date": 3, "kind": 3}
    return [{"name": "add", "type": 1, "options": [{"name": k, "type": types[k], "value": v}
                                                    for k, v in options.items()]}]


def remove(doc_id: str, *, focused: bool = False) -> list[dict]:
    option = {"name": "document", "type": 3, "value": doc_id, **({"focused": True} if focused else {})}
    return [{"name": "remove", "type": 1, "options": [option]}]


def library(settings) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(settings.engine.data_dir.iterdir()) if p.is_file()}


async def final(emu, interaction, marker: str, timeout: float = 300):
    """The reply's last state: the edit (or follow-up) that carries ``marker``."""
    return await emu.wait_for(lambda r: interaction["token"] in r.path and r.status == 200
                              and marker in all_text(r), timeout)


async def test_document_group_registered_for_admins_and_localised(docworld):
    emu, _, _ = docworld
    command = emu.commands["document"]
    assert int(command["default_member_permissions"]) == MANAGE_GUILD
    assert command.get("name_localizations") in (None, {})  # command names stay English
    assert command["description_localizations"]["fr"].startswith("Admins : ajouter")
    subs = {o["name"]: o for o in command["options"]}
    assert {s["type"] for s in subs.values()} == {1}
    options = {o["name"]: o for o in subs["add"]["options"]}
    assert options["file"]["type"] == 11 and not options["file"].get("required")
    assert options["url"]["name_localizations"]["de"] == "link"
    assert [c["value"] for c in options["kind"]["choices"]] == ["statement", "treaty"]
    document = subs["remove"]["options"][0]
    assert document["autocomplete"] is True and document["required"] is True


async def test_admin_adds_an_attachment_and_the_bot_answers_from_it(docworld, monkeypatch):
    emu, bot, settings = docworld
    monkeypatch.setattr(bot.answerer, "progress_every", 0.1)
    upload = emu.upload("arctic statement.txt", ARCTIC.encode())
    interaction = await emu.interact("document", add(file=upload["id"]), permissions=MANAGE_GUILD)
    callback = await emu.callback(interaction)
    assert callback.json["type"] == 5 and callback.json["data"]["flags"] & 64  # deferred, privately
    done = await final(emu, interaction, "Added:")
    assert done.method == "PATCH" and done.path.endswith("/messages/@original")
    text = all_text(done)
    assert "Joint statement on the central Arctic Ocean fisheries" in text and "2023-05-17" in text
    assert "statement (inferred)" in text and "Passages 2" in text
    assert f"> {FIRST}" in text.replace("\\", "")  # quoted as answers quote it
    assert_within_limits(done)
    lines = [r.json["content"] for r in emu.calls("PATCH", interaction["token"]) if r.json.get("content")]
    assert lines[0].startswith("Reading arctic statement.txt")
    assert all(line.startswith(("Reading", "Adding Joint statement", "Index rebuilt")) for line in lines), lines
    assert [m["ephemeral"] for m in emu.shown(interaction)] == [True]
    assert [s for p, s in emu.downloads if upload["id"] in p] == [200]  # downloaded once, from its link
    asked = await emu.interact("ask", [question("Until when was commercial fishing in the central Arctic stopped?")])
    answer = all_text(await emu.answer(asked))
    assert FIRST in answer.replace("**", "") and "2023-05-17" in answer


async def test_a_link_is_added_and_answered_from(docworld):
    emu, _, settings = docworld
    g7 = statement(G7)
    with WebServer() as site:
        site.pages["/press/g7"] = Page(html_page(g7))
        interaction = await emu.interact("document", add(url=site.url("/press/g7"), date="2022-02-24"),
                                         permissions=ADMINISTRATOR)
        done = await final(emu, interaction, "Added:")
    text = all_text(done)
    assert g7.title[:60] in text and "2022-02-24" in text
    assert any(name.startswith("127-0-0-1-press-g7") for name in library(settings))
    asked = await emu.interact("ask", [question(g7.paragraphs[-1][:200])])
    assert g7.title[:40] in all_text(await emu.answer(asked))


async def test_a_member_without_manage_server_is_refused_and_nothing_is_downloaded(docworld):
    emu, _, settings = docworld
    before, downloads = library(settings), len(emu.downloads)
    upload = emu.upload("sneaky.txt", ARCTIC.replace("2040", "2050").encode())
    interaction = await emu.interact("document", add(file=upload["id"]), permissions=0)
    callback = await emu.callback(interaction)
    assert callback.json["type"] == 4 and callback.json["data"]["flags"] & 64
    assert "Only server admins" in callback.json["data"]["content"]
    refused = await emu.interact("document", remove("un_charter"), permissions=0)
    assert "Only server admins" in (await emu.callback(refused)).json["data"]["content"]
    assert library(settings) == before and len(emu.downloads) == downloads


BAD = {
    "damaged pdf": ("report.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "application/pdf",
                    "Not added: report.pdf "),
    "unsupported type": ("notes.odt", b"PK\x03\x04 not a document we read", None, "format not supported (.odt)"),
    "no date": ("undated.txt", b"TITLE: A statement without a day\n---\nWe say something of substance here today.\n",
                None, "has no date"),
    "too big": ("huge.txt", b"x" * (3 * 2**19), None, "is 1.5 MB, over the 1.0 MB limit (MAX_DOCUMENT_MB)"),
}


@pytest.mark.parametrize("case", BAD)
async def test_a_bad_file_gets_one_line_and_the_library_is_unchanged(docworld, case):
    emu, bot, settings = docworld
    name, data, content_type, expected = BAD[case]
    before, version = library(settings), bot.answerer.engine.index.version
    upload = emu.upload(name, data, content_type)
    interaction = await emu.interact("document", add(file=upload["id"]), permissions=MANAGE_GUILD)
    done = await final(emu, interaction, "Not added:", 60)
    text = all_text(done).replace("\\", "")  # as Discord shows it: markdown escapes undone
    assert expected in text and len(text.splitlines()) == 1 and len(text) <= CONTENT_MAX, text
    assert "/tmp" not in text and "document-" not in text  # the temporary folder is not shown
    assert library(settings) == before and bot.answerer.engine.index.version == version
    assert not done.json.get("embeds")
    if case == "too big":  # refused by its size before any download
        assert not any(upload["id"] in path for path, _ in emu.downloads)


async def test_file_and_url_are_one_or_the_other_and_a_url_must_be_a_web_link(docworld):
    emu, _, settings = docworld
    before = library(settings)
    upload = emu.upload("arctic.txt", ARCTIC.encode())
    both = await emu.interact("document", add(file=upload["id"], url="https://example.org/x"),
                              permissions=MANAGE_GUILD)
    assert "one of the two" in (await emu.callback(both)).json["data"]["content"]
    neither = await emu.interact("document", add(title="Nothing"), permissions=MANAGE_GUILD)
    assert "one of the two" in (await emu.callback(neither)).json["data"]["content"]
    local = await emu.interact("document", add(url=str(settings.engine.data_dir / G7)), permissions=MANAGE_GUILD)
    assert "is not a web link" in all_text(await final(emu, local, "web link", 60))
    assert library(settings) == before


async def test_an_attachment_that_cannot_be_downloaded_is_one_line(docworld):
    emu, _, settings = docworld
    before = library(settings)
    upload = emu.upload("gone.txt", ARCTIC.encode())
    emu.expire(upload)
    interaction = await emu.interact("document", add(file=upload["id"]), permissions=MANAGE_GUILD)
    text = all_text(await final(emu, interaction, "could not download", 60))
    assert "gone.txt" in text and "HTTP 404" in text and library(settings) == before


async def test_remove_with_autocomplete_then_the_document_is_no_longer_quoted(docworld):
    emu, _, settings = docworld
    baltic = (ARCTIC.replace("Joint statement on the central Arctic Ocean fisheries", "Declaration on Baltic herring")
              .replace("central Arctic Ocean", "Baltic Sea herring grounds").replace("Bering Strait", "Gulf of Bothnia")
              .replace("2023-05-17", "2023-06-02"))
    upload = emu.upload("baltic.txt", baltic.encode())
    added = await emu.interact("document", add(file=upload["id"]), permissions=MANAGE_GUILD)
    await final(emu, added, "Added:")
    before = await emu.interact("ask", [question("Until when is commercial fishing on the Baltic Sea herring "
                                                 "grounds stopped?")])
    assert "herring grounds until 2040" in all_text(await emu.answer(before)).replace("**", "")
    typed = await emu.interact("document", remove("baltic her", focused=True), autocomplete=True,
                               permissions=MANAGE_GUILD)
    choices = (await emu.callback(typed)).json["data"]["choices"]
    assert choices and choices[0]["value"] == "baltic" and "Declaration on Baltic herring" in choices[0]["name"]
    removed = await emu.interact("document", remove(choices[0]["value"]), permissions=MANAGE_GUILD)
    text = all_text(await final(emu, removed, "Removed"))
    assert "Declaration on Baltic herring" in text and "Index rebuilt" in text
    assert "baltic.txt" not in library(settings)
    asked = await emu.interact("ask", [question("Until when is commercial fishing on the Baltic Sea herring "
                                                "grounds stopped?")])
    assert "herring grounds until 2040" not in all_text(await emu.answer(asked)).replace("**", "")
    unknown = await emu.interact("document", remove("no-such-document"), permissions=MANAGE_GUILD)
    assert "No document has the id “no-such-document”" in all_text(await final(emu, unknown, "No document", 60))


async def test_questions_are_answered_while_a_document_is_added_and_a_second_change_waits(docworld, monkeypatch):
    """The build is held at its embedding step (the real model still embeds) so the test, not a
    race, decides when it ends."""
    import asyncio

    emu, bot, settings = docworld
    gate, entered = botkit.hold_builds(monkeypatch, bot.answerer.engine.encoder)
    upload = emu.upload("north-sea.txt", ARCTIC.replace("central Arctic Ocean", "North Sea cod banks")
                        .replace("Bering Strait", "Dogger Bank").encode())
    first = await emu.interact("document", add(file=upload["id"]), permissions=MANAGE_GUILD)
    try:
        assert await asyncio.to_thread(entered.wait, 60)
        during = await emu.interact("ask", [question("Which country did the allies condemn for enabling the attack?")])
        assert botkit.BELARUS in all_text(await emu.answer(during))  # from the index serving meanwhile
        for name, options in (("document", remove("un_charter")), ("reindex", None)):
            second = await emu.interact(name, options, permissions=MANAGE_GUILD)
            busy = await emu.callback(second)
            assert "already running" in busy.json["data"]["content"] and busy.json["data"]["flags"] & 64
            assert "by member" in busy.json["data"]["content"]  # who started it
    finally:
        gate.set()
    assert "Joint statement on the North Sea cod banks fisheries" in all_text(await final(emu, first, "Added:"))
    assert "un_charter.txt" in library(settings)


async def test_emulator_cdn_serves_an_upload_only_by_its_signed_link():
    """No bot, no model: the emulator's CDN as the bot meets it."""
    import aiohttp

    emu = await DiscordEmulator().start()
    try:
        upload = emu.upload("a.txt", b"words")
        assert upload["size"] == 5 and upload["content_type"].startswith("text/plain")
        path, query = upload["url"].split("?")
        async with aiohttp.ClientSession() as session:
            async def status(url: str) -> int:
                async with session.get(url) as response:
                    return response.status

            assert await status(upload["url"]) == 200
            assert await status(path) == 403  # no signature
            assert await status(upload["url"].replace("a.txt", "b.txt")) == 404  # another file name
            assert await status(upload["url"].replace(upload["id"], "1" * 19)) == 404  # no such attachment
            emu.expire(upload)
            assert await status(upload["url"]) == 404
        with pytest.raises(AssertionError, match="not uploaded"):
            emu.resolved_attachments({"123"})
    finally:
        await emu.stop()
