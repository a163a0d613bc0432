from pathlib import Path

import pytest

from embeddings.corpus.cleaning import REPORT
from embeddings.corpus.documents import load_corpus, parse_date, read_document
from embeddings.corpus.splitting import split_passages
from embeddings.errors import DocumentError

from .conftest import DATA, STATEMENT_FILE


def statement():
    return read_document(DATA / STATEMENT_FILE, DATA)


def test_statement_file_is_kept_exactly_as_given():
    raw = (DATA / STATEMENT_FILE).read_text(encoding="utf-8")
    assert raw.lstrip().startswith("date 2022-02")
    assert raw.rstrip().endswith("Published on: Thursday, February 24, 2022, 05:40 PM IST")


def test_statement_metadata_and_precise_date():
    doc = statement()
    assert doc.kind == "statement"
    assert doc.date == "2022-02-24"  # from "Published on:", more precise than the marker
    assert doc.id == "nato-2022-02-24"
    assert "NATO" in doc.title and doc.source


def test_statement_passages_exclude_marker_date_line_and_boilerplate():
    passages = split_passages(statement())
    assert len(passages) == 14
    texts = [p.text for p in passages]
    assert texts[0].startswith("NATO (North Atlantic Treaty Organization) on Thursday condemned")
    assert not any("Published on" in t for t in texts)
    assert not any(t.startswith("date ") for t in texts)
    assert not any("full statement here" in t for t in texts)
    assert texts[-1] == (
        "Our commitment to Article 5 of the Washington Treaty is iron-clad. "
        "We stand united to defend each other."
    )
    assert [p.paragraph for p in passages] == list(range(1, 15))
    assert all(p.date == "2022-02-24" for p in passages)
    # the page reports the statement, then gives it in full ("Read NATO's full statement here:")
    assert [p.speaker for p in passages] == [REPORT] * 4 + [None] * 10


def test_passages_are_verbatim_substrings_of_the_file():
    raw = (DATA / STATEMENT_FILE).read_text(encoding="utf-8")
    for p in split_passages(statement()):
        assert p.text in raw


def test_marker_month_is_the_fallback(tmp_path: Path):
    (tmp_path / "s.txt").write_text("date 2021-06 The first paragraph of the text.\n\nThe second one, as long.\n",
                                    "utf-8")
    doc = read_document(tmp_path / "s.txt", tmp_path)
    assert doc.date == "2021-06"
    assert [p.text for p in split_passages(doc)] == ["The first paragraph of the text.", "The second one, as long."]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Thursday, February 24, 2022, 05:40 PM IST", "2022-02-24"),
        ("1949-04-04 (signed at Washington, D.C.)", "1949-04-04"),
        ("24 February 2022", "2022-02-24"),
        ("2022-02", "2022-02"),
        ("2022-13-40", ""),
        ("someday", ""),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_north_atlantic_treaty_split_by_article():
    doc = read_document(DATA / "north_atlantic_treaty.txt", DATA)
    assert doc.kind == "treaty" and doc.date == "1949-04-04"
    assert "statengeneraal/laws-markdown" in doc.source
    passages = split_passages(doc)
    articles = [p.article for p in passages if p.article]
    assert articles == [str(n) for n in range(1, 15)]
    article5 = next(p for p in passages if p.article == "5")
    assert article5.text.startswith("The Parties agree that an armed attack against one or more of them")
    assert article5.text.endswith("restore and maintain international peace and security.")
    assert article5.label == "Article 5"
    assert passages[0].label == "Preamble" and "NORTH ATLANTIC TREATY" not in passages[0].text


def test_un_charter_articles_and_chapters():
    doc = read_document(DATA / "un_charter.txt", DATA)
    passages = split_passages(doc)
    articles = [p.article for p in passages if p.article]
    assert articles == [str(n) for n in range(1, 112)]
    art51 = next(p for p in passages if p.article == "51")
    assert "inherent right of individual or collective selfdefense" in art51.text
    assert art51.section.startswith("CHAPTER VII")
    # Chapter headings are metadata, never glued to the previous article's text.
    assert not any("CHAPTER" in p.text for p in passages)
    preamble = passages[0]
    assert preamble.text.startswith("We the peoples") and "CHAPTER I" not in preamble.text


def test_header_format_with_kind_and_id(tmp_path: Path):
    (tmp_path / "x.md").write_text(
        "TITLE: Example\nDATE: 2023-07-11\nSOURCE: https://example.org\nKIND: statement\nID: ex\n---\n"
        "The first paragraph is here.\n\nThe second paragraph follows it.\n",
        "utf-8",
    )
    doc = read_document(tmp_path / "x.md", tmp_path)
    assert (doc.id, doc.title, doc.kind, doc.date, doc.source) == (
        "ex", "Example", "statement", "2023-07-11", "https://example.org")
    assert len(split_passages(doc)) == 2


def test_sidecar_overrides(tmp_path: Path):
    (tmp_path / "a.txt").write_text("date 2020-01 Hello there.\n", "utf-8")
    (tmp_path / "a.meta.json").write_text('{"title": "T", "id": "my-id", "date": "2020-01-05"}', "utf-8")
    doc = read_document(tmp_path / "a.txt", tmp_path)
    assert (doc.title, doc.id, doc.date) == ("T", "my-id", "2020-01-05")


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"date 2020-01 caf\xe9 au lait", "not valid UTF-8"),
        (b"No date anywhere in this text.", "has no date"),
    ],
)
def test_bad_documents_are_reported_by_name_and_skipped(tmp_path: Path, content, problem):
    (tmp_path / "good.txt").write_text("date 2020-01 A fine paragraph.\n", "utf-8")
    (tmp_path / "bad.txt").write_bytes(content)
    report = load_corpus(tmp_path)
    assert [d.path for d in report.documents] == ["good.txt"]
    assert len(report.problems) == 1
    assert report.problems[0].startswith("bad.txt") and problem in report.problems[0]


def test_duplicate_documents_are_reported(tmp_path: Path):
    (tmp_path / "a.txt").write_text("date 2020-01 Same text.\n", "utf-8")
    (tmp_path / "b.txt").write_text("date 2020-01 Same text.\n", "utf-8")
    report = load_corpus(tmp_path)
    assert len(report.documents) == 1
    assert report.problems == ["b.txt duplicates a.txt"]


def test_read_document_error_names_file(tmp_path: Path):
    (tmp_path / "e.txt").write_text("", "utf-8")
    with pytest.raises(DocumentError, match="^e.txt is empty"):
        read_document(tmp_path / "e.txt", tmp_path)


def test_index_folder_and_sidecars_are_not_documents(tmp_path: Path):
    (tmp_path / "a.txt").write_text("date 2020-01 Some text.\n", "utf-8")
    (tmp_path / "a.meta.json").write_text("{}", "utf-8")
    (tmp_path / ".index").mkdir()
    (tmp_path / ".index" / "x.txt").write_text("date 2020-01 Hidden text.\n", "utf-8")
    report = load_corpus(tmp_path)
    assert [d.path for d in report.documents] == ["a.txt"] and not report.problems


def test_short_paragraphs_join_a_neighbour_and_a_short_text_alone_is_kept(tmp_path: Path):
    (tmp_path / "s.txt").write_text("date 2021-06 Thank you.\n\nThe allies met today in Brussels.\n", "utf-8")
    (tmp_path / "t.txt").write_text("date 2021-07 We agree.\n", "utf-8")
    report = load_corpus(tmp_path)
    assert [p.text for p in report.passages] == ["Thank you. The allies met today in Brussels.", "We agree."]


def test_a_paragraph_opening_with_the_titles_words_is_kept_whole(tmp_path: Path):
    """A title written from the text's first words ("Joint Statement (leaders of ...)") does not
    make that opening line "the title again": the line is the start of a wrapped paragraph. The
    title repeated on its own lines, before a date line or a blank one, is still left out."""
    (tmp_path / "joint.txt").write_text(
        "TITLE: Joint Statement on Shared Measures (leaders of Norland, Sudland, Westmark and the Eastern Union)\n"
        "DATE: 2031-05-02\nSOURCE: https://example.org/joint\n---\n"
        "Joint Statement on Shared Measures\n2 May 2031\n\n"
        "We, the leaders of Norland, Sudland, Westmark and the Eastern\n"
        "Union, condemn the blockade of the river ports and stand with the\n"
        "people of the delta in their efforts to reopen them.\n\n"
        "We commit to further measures to hold those responsible to account, together with our partners.\n",
        "utf-8")
    passages = [p.text for p in load_corpus(tmp_path).passages]
    assert passages == [
        "We, the leaders of Norland, Sudland, Westmark and the Eastern Union, condemn the blockade of the river "
        "ports and stand with the people of the delta in their efforts to reopen them.",
        "We commit to further measures to hold those responsible to account, together with our partners."]


def test_a_title_glued_to_the_text_and_emphasised_headings_are_not_quoted(tmp_path: Path):
    """Pages run a heading into the body without a space ("<title>Full Text: ...") and set an
    annex heading in emphasis: neither is quoted; the text after them is, word for word."""
    body = ("Statement by the Council on the situation in NorlandFull Text: The Council condemns the blockade "
            "of the river ports and calls for their immediate reopening.\n\n"
            "The Council stands with the people of the delta and will support their efforts to rebuild.\n\n"
            "*ANNEX - List of measures adopted by the Council*\n\n"
            "The measures enter into force on the day after their publication in the official journal.\n")
    (tmp_path / "council.txt").write_text(
        "TITLE: Statement by the Council on the situation in Norland\nDATE: 2031-05-02\n"
        "SOURCE: https://example.org/council\n---\n" + body, "utf-8")
    passages = [p.text for p in load_corpus(tmp_path).passages]
    assert passages[0] == ("The Council condemns the blockade of the river ports and calls for their immediate "
                           "reopening.")
    assert not any("ANNEX" in p or "Norland" in p for p in passages) and len(passages) == 3
    assert all(p in body for p in passages)


@pytest.mark.parametrize("announce", ["Here is the full text of the council's declaration:",
                                      "The declaration reads as follows:", "Read the complete statement below.",
                                      "Full text:"])
def test_a_pages_report_before_the_text_it_gives_in_full_is_the_pages(tmp_path: Path, announce: str):
    """A page that reports a text and then gives it: the report's paragraphs are said to be the
    page's, not the text's; the text's paragraphs are nobody else's. Written for this test."""
    report = ("The Delta Council on Monday called for the river ports to reopen, its chair told reporters.\n\n"
              "\"We will not wait for another season,\" she said after the vote in the capital.\n\n")
    text = ("The Council calls for the immediate reopening of the river ports to all shipping.\n\n"
            "The Council will review the measures at its next session in the autumn.\n")
    (tmp_path / "page.txt").write_text("TITLE: Delta Council declaration on the river ports\nDATE: 2031-05-05\n"
                                        f"SOURCE: https://example.org/news\n---\n{report}{announce}\n\n{text}", "utf-8")
    passages = load_corpus(tmp_path).passages
    assert [p.speaker for p in passages] == [REPORT, REPORT, None, None]
    assert not any(announce in p.text for p in passages)
    # no such line: every paragraph is the document's own, and so are sentences that name a full
    # text to come, or elsewhere, and a quotation introduced by "said:"
    for body in (text + "\nSee the full text of the declaration on the council's website.\n",
                 "The full text of the agreement will be published next week, the council said today.\n\n" + text,
                 "The chair opened the session at noon and thanked the delegates.\n\nThe summit declaration said:\n\n"
                 + text):
        (tmp_path / "page.txt").write_text("TITLE: Delta Council declaration\nDATE: 2031-05-05\nSOURCE: x\n---\n"
                                            + body, "utf-8")
        assert all(p.speaker is None for p in load_corpus(tmp_path).passages), body


def test_only_what_comes_before_the_first_text_given_in_full_is_the_pages_report(tmp_path: Path):
    """Two texts given in full, one after the other: the second announcement does not make the
    first text a report; a report of one paragraph run into the announcement line is one too."""
    body = ("The two councils met on Monday and each issued a declaration, officials said.\n"
            "Read the Delta Council's full statement here:\n\n"
            "The Delta Council calls for the river ports to reopen to all shipping.\n\n"
            "Read the Harbour Board's full statement here:\n\n"
            "The Harbour Board will waive its fees for the first month after the reopening.\n")
    (tmp_path / "page.txt").write_text("TITLE: Two declarations on the river ports\nDATE: 2031-05-05\nSOURCE: x\n---\n"
                                        + body, "utf-8")
    assert [p.speaker for p in load_corpus(tmp_path).passages] == [REPORT, None, None]

