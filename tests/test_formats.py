"""PDF, HTML and Word documents: the same statement gives the same passages in every format, the
metadata comes from the file, page furniture is not quoted, and a bad file is one line in the
build's problems while the rest of the library loads."""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest

from embeddings.config import EngineSettings, SettingsError
from embeddings.corpus.documents import load_corpus, read_document
from embeddings.corpus.formats.pdflayout import Segment, drop_furniture, page_lines, paragraphs

from .formats_fixtures import (
    docx_file,
    html_page,
    pdf_encrypted,
    pdf_pages,
    pdf_scanned,
    pdf_two_columns,
    statement,
)

STATEMENTS = ["g7_joint_statement_further_economic_costs_2022-03-11.txt",
              "european_council_members_joint_statement_2022-02-24.txt"]
MAKERS = {"page.html": html_page, "pages.pdf": pdf_pages, "columns.pdf": pdf_two_columns, "file.docx": docx_file}
G7 = statement(STATEMENTS[0])


def normal(text: str) -> str:
    """Whitespace and typography aside: curly quotes, dashes, compatibility forms."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "´": "'"}))
    return " ".join(text.split())


def passages_of(folder: Path) -> tuple[list[str], list[str]]:
    report = load_corpus(folder)
    return [normal(p.text) for p in report.passages], report.problems


def one_file(tmp_path: Path, name: str, content: bytes) -> Path:
    folder = tmp_path / name.replace(".", "_")
    folder.mkdir()
    (folder / name).write_bytes(content)
    return folder


@pytest.mark.parametrize("source", STATEMENTS)
@pytest.mark.parametrize("name", list(MAKERS))
def test_the_same_statement_gives_the_same_passages_in_every_format(tmp_path, source, name):
    text_folder = tmp_path / "txt"
    text_folder.mkdir()
    (text_folder / source).write_bytes((Path(__file__).parent / "fixtures" / "library" / source).read_bytes())
    expected, problems = passages_of(text_folder)
    assert not problems and len(expected) >= 7
    got, problems = passages_of(one_file(tmp_path, name, MAKERS[name](statement(source))))
    assert not problems
    diff = "\n".join(difflib.unified_diff(expected, got, "from the .txt", f"from {name}", lineterm=""))
    assert got == expected, f"passages differ:\n{diff}"


@pytest.mark.parametrize("name", list(MAKERS))
def test_title_date_and_source_come_from_the_file(tmp_path, name):
    folder = one_file(tmp_path, name, MAKERS[name](G7))
    doc = read_document(folder / name, folder)
    assert doc.title == G7.title
    assert doc.date == G7.date
    if name.endswith(".html"):  # og:url; a PDF or Word file names no address: its file name is the source
        assert doc.source == f"https://www.example.org/press/{G7.date}/statement"
    else:
        assert doc.source == name
    if name != "columns.pdf":
        assert doc.extra["author"] == "Press Office"
    raw = (folder / name).read_bytes()
    assert doc.sha256 == hashlib.sha256(raw + b"{}").hexdigest()  # the original bytes, not the text


def test_a_sidecar_overrides_what_the_file_says(tmp_path):
    folder = one_file(tmp_path, "s.pdf", pdf_pages(G7))
    (folder / "s.meta.json").write_text(json.dumps({"title": "Given title", "date": "2022-03-12", "id": "g7"}))
    doc = read_document(folder / "s.pdf", folder)
    assert (doc.title, doc.date, doc.id) == ("Given title", "2022-03-12", "g7")


def test_a_page_without_meta_tags_takes_its_title_and_time_element(tmp_path):
    folder = one_file(tmp_path, "p.html", html_page(G7, meta=False))
    doc = read_document(folder / "p.html", folder)
    assert doc.date == G7.date  # <time datetime>
    assert doc.title.startswith(G7.title)  # <title>, perhaps with the site's name


def test_word_file_without_properties_takes_its_heading_and_dateline(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Statement on the situation in the region", level=1)
    document.add_paragraph("Brussels, 4 March 2022")
    document.add_paragraph("We stand together with our partners and allies in this difficult hour.")
    out = io.BytesIO()
    document.save(out)
    folder = one_file(tmp_path, "w.docx", out.getvalue())
    doc = read_document(folder / "w.docx", folder)
    assert (doc.title, doc.date) == ("Statement on the situation in the region", "2022-03-04")
    report = load_corpus(folder)
    assert [p.text for p in report.passages] == [
        "We stand together with our partners and allies in this difficult hour."]


def test_headings_become_sections_and_table_rows_stay_rows(tmp_path):
    import docx

    document = docx.Document()
    document.core_properties.title = "Agreed package"
    document.core_properties.created = __import__("datetime").datetime(2022, 3, 1)
    document.add_paragraph("The measures below were agreed by all members of the council.")
    document.add_heading("Financial measures", level=2)
    document.add_paragraph("Key banks are removed from the international payment system at once.")
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, [("Measure", "Adopted", "In force"),
                                       ("Asset freeze on the central bank", "28 February", "1 March")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    report = load_corpus(one_file(tmp_path, "m.docx", out.getvalue()))
    texts = [(p.section, p.text) for p in report.passages]
    assert (None, "The measures below were agreed by all members of the council.") in texts
    assert ("Financial measures", "Key banks are removed from the international payment system at once.") in texts
    assert any("Measure | Adopted | In force" in text for _, text in texts)  # a row, not a heading
    assert any("Asset freeze on the central bank | 28 February | 1 March" in text for _, text in texts)


def test_a_web_page_loses_its_furniture(tmp_path):
    report = load_corpus(one_file(tmp_path, "page.html", html_page(G7)))
    quoted = " ".join(p.text for p in report.passages)
    for furniture in ("cookies", "Share this page", "Related content", "Privacy policy", "Home", "Leaders agree"):
        assert furniture not in quoted


# --------------------------------------------------------------------------- PDF layout rules


def _page(lines: list[tuple[float, str]], x0: float = 50, x1: float = 500) -> list[Segment]:
    """Segments of a page: (top, text) lines, 10 pt high; a line of text "<" is short."""
    return [Segment(x0, top - 10, x1 if not text.endswith("<") else x0 + 100, top, text.rstrip("<"))
            for top, text in lines]


def test_running_headers_and_page_numbers_are_dropped():
    pages = []
    for number, footer in enumerate(["3", "Page 4 of 12", "- 5 -", "6/12"], start=3):
        body = [(700 - 14 * i, f"Body line {number}-{i} of the statement text continues") for i in range(6)]
        pages.append(_page([(780, f"Council statement {number}<"), *body, (40, footer + "<")]))
    kept, furniture = drop_furniture(pages)
    texts = [s.text for page in kept for s in page]
    assert texts and all(t.startswith("Body line") for t in texts)
    assert "Council statement 6" in furniture  # each running line once, as last seen
    one_page, _ = drop_furniture([_page([(780, "Council statement<"), (700, "Body text here.")])])
    assert [s.text for s in one_page[0]] == ["Council statement", "Body text here."]  # one page: nothing repeats


def test_hyphenated_line_ends_are_joined_and_cells_become_rows():
    lines = page_lines(_page([(700, "The Euro-"), (686, "Atlantic area is secure and the"),
                              (672, "commit\u00ad"), (658, "ments stand.<")]), 595)
    assert paragraphs(lines) == ["The Euro-Atlantic area is secure and the commitments stand."]
    row = [Segment(50, 600, 120, 610, "Measure"), Segment(300, 600, 360, 610, "Date")]
    assert paragraphs(page_lines(row, 595)) == ["Measure | Date"]


def test_two_columns_are_read_down_each_column(tmp_path):
    s = statement(STATEMENTS[0])
    text = read_document(one_file(tmp_path, "c.pdf", pdf_two_columns(s)) / "c.pdf", tmp_path / "c_pdf").body
    first, second = s.paragraphs[0], s.paragraphs[1]
    assert first in text and second in text and text.index(first) < text.index(second)


# --------------------------------------------------------------------------- bad files


def _truncated(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def _zip_bomb() -> bytes:
    """A real .docx with one more member that unpacks to 6 MB of zeros (a few KB packed)."""
    out = io.BytesIO(docx_file(G7))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/filler.bin", b"\0" * (6 << 20))
    return out.getvalue()


BAD_FILES = {
    "scan.pdf": (pdf_scanned, "scan.pdf has no text layer (a scan?): no text to quote"),
    "locked.pdf": (lambda: pdf_encrypted(G7), "locked.pdf is encrypted (password-protected)"),
    "cut.pdf": (lambda: _truncated(pdf_pages(G7)), "cut.pdf is damaged: the PDF is cut off"),
    "garbled.pdf": (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n",
                    "garbled.pdf is damaged and cannot be read as a PDF"),
    "cut.docx": (lambda: _truncated(docx_file(G7)), "cut.docx is damaged or not a Word document"),
    "bomb.docx": (_zip_bomb, r"bomb.docx would unpack to \d MB, over the 5 MB limit \(a zip bomb\?\); refused"),
    "big.html": (lambda: b"<html><body>" + b"<p>word</p>" * 100_000 + b"</body></html>",
                 "big.html is 1.0 MB, over the 1.0 MB limit (MAX_DOCUMENT_MB)"),
    "empty.pdf": (lambda: b"", "empty.pdf is empty"),
    "nav.html": (lambda: html_page(G7).split(b"<main>")[0] + b"</body></html>",
                 "nav.html has no main text to quote"),
    "notes.odt": (lambda: b"PK\x03\x04 an OpenDocument file",
                  "notes.odt is in a format not supported yet (.odt)"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_file_is_one_line_and_the_rest_still_loads(tmp_path, name):
    make, problem = BAD_FILES[name]
    (tmp_path / "fine.txt").write_text("date 2022-03 A good paragraph of text to quote.\n", "utf-8")
    (tmp_path / "good.html").write_bytes(html_page(G7))
    (tmp_path / name).write_bytes(make())
    report = load_corpus(tmp_path, max_bytes=1 << 20)  # 1 MB: a .docx may unpack to 5 MB
    assert [d.path for d in report.documents] == ["fine.txt", "good.html"]
    assert len(report.problems) == 1 and "\n" not in report.problems[0], report.problems
    assert re.match(problem if name == "bomb.docx" else re.escape(problem), report.problems[0]), report.problems[0]
    assert len(report.problems[0]) < 160


def test_the_size_limit_is_a_setting():
    assert EngineSettings.from_env({}).max_document_bytes == 20 * 2**20
    assert EngineSettings.from_env({"MAX_DOCUMENT_MB": "0.5"}).max_document_bytes == 2**19
    with pytest.raises(SettingsError, match="MAX_DOCUMENT_MB must be a number of MB above 0"):
        EngineSettings.from_env({"MAX_DOCUMENT_MB": "-1"})


def test_passages_are_the_words_of_the_source(tmp_path):
    """No reader invents or rewords: every passage from every format is in the statement's text."""
    source = normal(" ".join(G7.paragraphs))
    for name, make in MAKERS.items():
        for passage in passages_of(one_file(tmp_path, name, make(G7)))[0]:
            assert passage in source, (name, passage[:80])
    assert re.search(r"loop-holes", source)  # a hyphenated word the PDF may break at its hyphen


QUESTIONS = ["Will Russia keep its most favoured nation trade status?",
             "What about luxury goods for the Russian elite?",
             "Will the G7 help other countries with rising food prices?"]


def test_every_format_answers_the_same_questions_with_the_same_words(tmp_path, encoder, model_dir):
    """The shipped documents and the G7 statement of 11 March, as .txt, then as a web page, a PDF
    and a Word file: each question is answered with the same passage, word for word."""
    from embeddings.service import Engine

    from .conftest import copy_data

    answers = {}
    for name in ["statement.txt", *MAKERS]:
        data = copy_data(tmp_path / name.replace(".", "_") / "data")
        content = (Path(__file__).parent / "fixtures" / "library" / STATEMENTS[0]).read_bytes() \
            if name == "statement.txt" else MAKERS[name](G7)
        (data / name).write_bytes(content)
        engine = Engine(EngineSettings(data, data.parent / "index", "", model_dir=model_dir), encoder=encoder)
        engine.load()
        results = [engine.ask(q, k=1) for q in QUESTIONS]
        assert all(r.answered and r.hits[0].passage.document == Path(name).stem for r in results), name
        answers[name] = [(normal(r.hits[0].passage.text), normal(r.hits[0].highlight)) for r in results]
    for name in MAKERS:
        assert answers[name] == answers["statement.txt"], name


def test_a_files_author_is_a_voice(tmp_path, encoder, model_dir):
    """Who wrote a Word file (its properties) is who the questions may name."""
    from embeddings.service import Engine

    data = tmp_path / "data"
    data.mkdir()
    (data / "g7.docx").write_bytes(docx_file(G7, author="Omar Vellacott"))
    (data / "council.docx").write_bytes(docx_file(statement(STATEMENTS[1]), author="Jane Ashdown"))
    engine = Engine(EngineSettings(data, tmp_path / "index", "", model_dir=model_dir), encoder=encoder)
    engine.load()
    voices = {d["id"]: d["voices"] for d in engine.index.manifest["documents"]}
    assert "vellacott" in voices["g7"] and "ashdown" in voices["council"]
    for name, document in (("Vellacott", "g7"), ("Ashdown", "council")):
        result = engine.ask(f"What did {name} say about sanctions?", k=2)
        assert result.hits and {h.passage.document for h in result.hits} == {document}, name
