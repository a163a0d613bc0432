"""What a new user meets in the first hour on the shipped data: dated questions, questions the
statement does not speak to, treaty articles named in a question, /treaty on a partial text,
the same commands in the console and Discord, and files the library cannot read yet."""

from __future__ import annotations

import asyncio

from bot import console, render
from bot.core import Answerer
from bot.settings import BotSettings
from embeddings.corpus.documents import load_corpus
from embeddings.query import Query

from .botkit import BELARUS, all_text
from .conftest import copy_data

STATEMENT = "nato-2022-02-24"

def test_a_question_naming_the_statements_date_or_year_is_answered_from_it(engine):
    for question in ("What did NATO say on 24 February 2022?", "what did nato say on feb 24 2022",
                     "What did NATO say in 2022?"):
        result = engine.ask(question)
        assert result.answered and not result.tentative, (question, result.signals, result.note)
        assert {h.passage.document for h in result.hits} == {STATEMENT}
    belarus = engine.ask("What did NATO say in 2022 about Belarus?")
    assert belarus.answered and BELARUS in belarus.hits[0].passage.text
    assert "2022" in belarus.note  # said: the answer comes from the documents of that year


def test_a_year_no_document_has_is_the_questions_topic_not_a_filter(engine):
    # The statement speaks of 2014; no document is dated 2014: the year is what is asked about.
    since = engine.ask("What support has Ukraine had from the allies in 2014?")
    assert since.answered and not since.note
    later = engine.ask("How many tanks did Germany send to Ukraine in 2023?")
    assert not later.answered or later.tentative
    # a year dating what is asked about, after every document: nothing written earlier can tell
    election = engine.ask("did kamala harris win the 2024 election")
    assert not election.answered and election.reason == "no-date" and "2024" in election.note


def test_a_date_every_document_has_confines_nothing(engine):
    """"the 2022 world cup" in a library of 2022: the date leaves no document out, so the question is
    judged as the library's (its threshold, the words no passage uses), not as a few documents'."""
    cup = engine.ask("did russia play in the 2022 world cup")
    assert not cup.answered and "cup" in cup.unmatched
    belarus = engine.ask("What did NATO say in 2022 about Belarus?")
    assert belarus.answered and "2022" in belarus.note


def test_what_the_statement_does_not_say_is_told_so(engine):
    for question in ("Did NATO say anything about nuclear weapons?", "What did NATO say about the war in Gaza?"):
        result = engine.ask(question)
        assert not result.answered or result.tentative, (question, result.signals)
        assert result.unmatched, question  # the words no passage uses, to say so
        reply = render.to_text(render.answer(result))
        assert "never use" in reply and ("Sorry" in reply or "The nearest ones" in reply), reply
    nuclear = render.to_text(render.answer(engine.ask("Did NATO say anything about nuclear weapons?")))
    assert "“nuclear”" in nuclear and "“weapons”" in nuclear
    mention = engine.ask("Does NATO mention nuclear weapons?")  # "NATO" is who is asked about, not the topic
    assert mention.tentative and set(mention.unmatched) == {"nuclear", "weapons"}
    # Asked whether it speaks of something it does speak of: answered, not hedged.
    belarus = engine.ask("Did NATO say anything about Belarus?")
    assert belarus.answered and not belarus.tentative and "Belarus" in belarus.hits[0].passage.text


def test_a_named_treaty_article_comes_first_whatever_the_scope(engine):
    for question in ("What does Article 51 of the UN Charter say?", "article 5 of the washington treaty",
                     "what's in point 2 of the budapest memorandum"):
        result = engine.ask(question)  # the default scope: the statements
        assert result.answered
        top = result.hits[0].passage
        assert top.kind == "treaty" and top.article in {"51", "5", "2"}, (question, top.id)
    cited = engine.ask("What does Article 5 of the Washington Treaty say?")
    assert [h.passage.kind for h in cited.hits][:2] == ["treaty", "statement"]  # then the statement citing it
    assert "Article 5" in cited.hits[1].passage.text


def test_treaty_lookup_of_a_part_a_partial_text_lacks_is_one_true_reply(engine):
    answer = engine.treaty("Budapest Memorandum", 6)
    reply = render.to_text(render.treaty(answer, "Budapest Memorandum", []))
    assert reply.startswith("Point 6 of the Budapest Memorandum is not in the library: only part of its text "
                            "is (points 1-4).")
    assert "not in the library;" not in reply and "Only part of the text is in the library" in reply
    assert "paragraphs 5 and 6" in reply  # what the file itself says is missing
    complete = engine.treaty("Washington Treaty", 99)
    assert complete.problem == "The Washington Treaty has no Article 99 (it has Articles 1-14)."
    unknown_text = engine.treaty("Charter of Paris", None)
    assert "not in the library" not in render.to_text(render.treaty(unknown_text, "Charter of Paris", []))


def test_an_article_is_of_the_agreement_named_beside_it(engine):
    """"Article 5" in one clause and "the UN Charter" in another is not the Charter's Article 5 (a
    long question looked that up and quoted it first)."""
    catalogue = engine.index.catalogue
    far = "I have been reading about Article 5 and I wonder whether the UN Charter allows collective defence"
    assert catalogue.named_article(far) is None and catalogue.article_documents(far) == set()
    for near in ("What does Article 51 of the UN Charter say?", "Under the UN Charter, what does Article 51 allow?",
                 "un charter article 27 - is that the veto one"):
        assert catalogue.named_article(near)[0].document == "un_charter", near
    assert catalogue.article_documents("Article 5") is None  # no agreement named: any agreement's


def test_an_article_that_breaks_off_in_one_excerpt_is_quoted_from_a_whole_copy(engine):
    """The shipped memorandum has point 4 twice: an excerpt that breaks off ("if Uk[... excerpt
    ends here]") and, later in the file, the whole point."""
    point = engine.treaty("Budapest Memorandum", 4).article_passage
    assert point.article == "4" and point.text.endswith("in which nuclear weapons are used.")
    first = engine.treaty("Washington Treaty", 5).article_passage  # one copy: as before
    assert first.text.startswith("The Parties agree that an armed attack")


def test_console_says_settings_are_discord_only_and_help_lists_the_commands(engine):
    answerer = Answerer(engine, BotSettings.from_env({}))
    settings = asyncio.run(console.handle(answerer, "/settings"))
    assert "only in Discord" in settings and "TOP_K" in settings and "Unknown command" not in settings
    help_text = asyncio.run(console.handle(answerer, "/help"))
    assert "/settings is Discord only" in help_text
    for command, _, _ in render.COMMANDS:
        assert command.split()[0] in help_text or command.startswith("/settings")


async def test_help_command_in_discord(world):
    emu, _, _ = world
    assert "help" in emu.commands and emu.commands["help"]["description"]
    interaction = await emu.interact("help", [])
    reply = await emu.answer(interaction)
    text = all_text(reply)
    assert all(command.split()[0] in text for command, _, _ in render.COMMANDS)
    assert emu.shown(interaction)[0]["ephemeral"]


def test_files_in_formats_not_read_yet_are_listed_as_skipped(tmp_path):
    data = copy_data(tmp_path / "data")
    for name in ("statement.odt", "memo.doc", "notes"):
        (data / name).write_bytes(b"PK\x03\x04 or \xd0\xcf\x11\xe0")
    problems = load_corpus(data).problems
    for name, kind in (("statement.odt", ".odt"), ("memo.doc", ".doc"), ("notes", "no file extension")):
        assert f"{name} is in a format not supported yet ({kind}); add it as a .txt, .md, .pdf, .html or .docx file" \
            in problems


def test_pdf_html_and_word_files_that_are_not_what_they_say_are_named(tmp_path):
    data = copy_data(tmp_path / "data")
    for name in ("statement.pdf", "page.html", "memo.docx"):
        (data / name).write_bytes(b"%PDF-1.4 or <html> or PK\x03\x04")
    problems = load_corpus(data).problems
    assert "statement.pdf is damaged: the PDF is cut off (no end-of-file marker); save or download it again" in problems
    assert "page.html has no main text to quote (only page navigation or boilerplate)" in problems
    assert any(p.startswith("memo.docx is damaged or not a Word document") for p in problems)


def test_what_an_agreement_says_is_answered_by_its_text_in_any_scope(engine):
    """A question of what an agreement itself says or promises ("the budapest memo" too, a short
    form of its name) is answered by its text under the default scope, where a passage of it
    uses a word of the topic; where none does, the statements answer as before ("what does the
    minsk protocol say about swift sanctions" is not answered by its points on hostages)."""
    for question in ("what does the budapest memorandum promise ukraine",
                     "what did the budapest memo guarantee ukraine",
                     "in the budapest memorandum, what did russia promise",  # "russia" of "Russian Federation"
                     "budapest memorandum - what does it say about ukraine's borders"):
        promise = engine.ask(question)
        assert promise.answered and promise.hits[0].passage.document == "budapest_memorandum_1994", question
        assert promise.unsearched == () and "budapest" in promise.note.lower()
    founding = engine.ask("what does the nato russia founding act say about nuclear weapons")  # a name of five words
    assert founding.hits[0].passage.document == "nato_russia_founding_act_1997"
    swift = engine.ask("what does the minsk protocol say about swift sanctions")
    assert swift.hits[0].passage.kind == "statement"
    assert swift.unsearched == ("Minsk Protocol",)


def test_an_agreement_named_but_not_searched_is_said_so(engine):
    """The default scope is the statements: a question about an agreement is answered from them,
    and told where the agreement's text is; a date or a topic no statement has says "statement"
    and how to search the treaties too."""
    broke = engine.ask("did russia break the budapest memorandum")
    assert broke.unsearched == ("Budapest Memorandum",)
    assert ("The Budapest Memorandum's own text was not searched: `/treaty Budapest Memorandum` quotes it, or ask "
            "again with the scope *statements and treaties*.") in render.to_text(render.answer(broke))
    assert engine.ask("did russia break the budapest memorandum", scope="all").unsearched == ()
    assert engine.ask("What does Article 51 of the UN Charter say?").unsearched == ()  # looked up anyway
    assert engine.ask("What's the weather like in Paris tomorrow?").unsearched == ()  # "Paris" alone names none
    early = engine.answer(Query("Belarus", "statements", end="2021-12-31"))
    assert early.note == ("No statement dated 31 December 2021 or earlier is in the library (some treaties are: "
                          "search the treaties too).")
    nothing = engine.timeline("nuclear weapons")
    assert "No statement in the library speaks to" in render.to_text(render.timeline(nothing, scope="statements"))
