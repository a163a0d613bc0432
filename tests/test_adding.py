"""Adding documents from the command line (a file, or a link fetched from a real HTTP server on
127.0.0.1) and removing them: what is read is what a build reads, and a document that cannot be
used is refused in one line with DATA_DIR as it was."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from embeddings.config import PROJECT_ROOT, EngineSettings
from embeddings.corpus.documents import load_corpus, read_document
from embeddings.corpus.splitting import split_passages
from embeddings.errors import NotAdded, UnknownDocument
from embeddings.library_admin import add_document, remove_document
from embeddings.library_admin.commands import describe_added
from embeddings.library_admin.fetch import not_public

from .conftest import DATA, LIBRARY, STATEMENT_FILE, copy_data, settings_env
from .formats_fixtures import docx_file, html_page, pdf_pages, statement
from .webserver import Page, WebServer

G7 = "g7_leaders_statement_2022-02-24.txt"
EU = "european_council_members_joint_statement_2022-02-24.txt"


@pytest.fixture
def library(tmp_path) -> EngineSettings:
    """A private copy of data/; links to 127.0.0.1 allowed (the test server), two seconds to fetch."""
    return EngineSettings(copy_data(tmp_path / "data"), tmp_path / "index", "", allow_private_urls=True,
                          fetch_timeout=2)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every entry of a folder and its bytes (a folder as None)."""
    return {p.name: (p.read_bytes() if p.is_file() else None) for p in sorted(folder.iterdir())}


def sidecar(settings: EngineSettings, file: str) -> dict:
    return json.loads((settings.data_dir / f"{file.rsplit('.', 1)[0]}.meta.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- files


def test_a_file_is_stored_under_a_safe_name_and_read_as_a_build_reads_it(library, tmp_path):
    given = tmp_path / "in" / "sub"
    given.mkdir(parents=True)
    odd = tmp_path / "in" / "Évian statement (final)!.txt"
    odd.write_bytes((LIBRARY / G7).read_bytes())
    done = add_document(library, str(given / ".." / odd.name))  # a path with ../ in it
    assert done.file == "evian-statement-final.txt" and done.id == "evian-statement-final"
    assert (library.data_dir / done.file).read_bytes() == odd.read_bytes()  # the file as given
    assert not (library.data_dir / "evian-statement-final.meta.json").exists()  # nothing given: no sidecar
    original = read_document(LIBRARY / G7, LIBRARY)
    passages = split_passages(original)
    assert (done.title, done.date, done.kind, done.format) == (original.title, "2022-02-24", "statement", "txt")
    assert done.passages == len(passages) and done.first_passage == passages[0].text
    assert done.first_label == "paragraph 1" and done.url == "" and done.fetched == ""
    assert describe_added(done).splitlines() == [
        f"added: {original.title} [evian-statement-final] as evian-statement-final.txt",
        f"  statement (inferred, partial), 2022-02-24, {done.passages} passages, txt",  # its COMPLETENESS: PARTIAL
        f"  source: {original.source}",
        f"  paragraph 1: \u201c{passages[0].text}\u201d"]
    report = load_corpus(library.data_dir)
    assert done.id in {d.id for d in report.documents} and not report.problems


def test_metadata_given_overrides_the_file_and_is_kept_in_its_sidecar(library, tmp_path):
    file = tmp_path / "remarks.txt"
    file.write_text("The allies stand together in support of the people of Ukraine today.\n\n"
                    "We call on all parties to return to the negotiating table without delay.\n", encoding="utf-8")
    with pytest.raises(NotAdded, match=r"^not added: .*remarks\.txt has no date: give the day it was said "
                                       r"\(YYYY-MM-DD\)$"):
        add_document(library, str(file))
    done = add_document(library, str(file), title="Remarks on Ukraine", date="2022-03-02", kind="statement",
                        source="https://www.example.org/remarks")
    assert sidecar(library, done.file) == {"title": "Remarks on Ukraine", "date": "2022-03-02", "kind": "statement",
                                           "source": "https://www.example.org/remarks"}
    doc = read_document(library.data_dir / done.file, library.data_dir)
    assert (doc.title, doc.date, doc.kind, doc.source) == (done.title, done.date, done.kind, done.source) == (
        "Remarks on Ukraine", "2022-03-02", "statement", "https://www.example.org/remarks")
    assert done.first_passage == "The allies stand together in support of the people of Ukraine today."


def test_a_name_taken_in_the_library_gets_a_number(library, tmp_path):
    file = tmp_path / "north_atlantic_treaty.md"  # the stem of a shipped file (and its id), another suffix
    file.write_text("DATE: 2023-04-04\nTITLE: Finland joins NATO\n---\nFinland today became the alliance's "
                    "thirty-first member, at a ceremony at NATO Headquarters in Brussels.\n", encoding="utf-8")
    done = add_document(library, str(file))
    assert done.file == "north_atlantic_treaty-2.md" and done.id == "north_atlantic_treaty-2"
    shipped = "north_atlantic_treaty.txt"
    assert (library.data_dir / shipped).read_bytes() == (DATA / shipped).read_bytes()


def test_the_same_document_twice_is_refused_naming_the_one_in_the_library(library, tmp_path):
    first = add_document(library, str(LIBRARY / EU))
    before = snapshot(library.data_dir)
    copy = tmp_path / "another name.txt"
    copy.write_bytes((LIBRARY / EU).read_bytes())
    with pytest.raises(NotAdded) as refused:
        add_document(library, str(copy))
    assert str(refused.value) == (f"not added: {copy} is a duplicate: the same text as \u201c{first.title}\u201d "
                                  f"[{first.id}] ({first.file}), already in the library")
    assert snapshot(library.data_dir) == before
    report = load_corpus(library.data_dir)
    assert [d.id for d in report.documents].count(first.id) == 1 and not report.problems  # indexed once
    shipped = read_document(DATA / STATEMENT_FILE, DATA)
    with pytest.raises(NotAdded, match=rf"duplicate: the same text as .*\[{shipped.id}\] \({STATEMENT_FILE}\)"):
        add_document(library, str(DATA / STATEMENT_FILE))  # a shipped file, under another name


def test_a_document_that_would_make_one_of_the_library_a_duplicate_is_refused(library, tmp_path):
    """The build reads files in name order and skips a later one that repeats an earlier one: a new
    file that sorts first and holds all of a library document's text would push that one out."""
    eu = read_document(LIBRARY / EU, LIBRARY)
    (library.data_dir / "zz_eu.txt").write_bytes((LIBRARY / EU).read_bytes())
    other = read_document(LIBRARY / G7, LIBRARY)
    bigger = tmp_path / "aa_both.txt"
    bigger.write_text(f"TITLE: Both\nDATE: 2022-02-25\n---\n{eu.body}\n\n{other.body}\n", encoding="utf-8")
    before = snapshot(library.data_dir)
    with pytest.raises(NotAdded, match=r"is a duplicate: the same text as .*\[zz_eu\] \(zz_eu\.txt\)"):
        add_document(library, str(bigger))
    assert snapshot(library.data_dir) == before


# --------------------------------------------------------------------------- links


def test_a_web_page_by_its_link(library, site):
    s = statement(EU)
    site.pages["/press/2022-02-24/statement"] = Page(html_page(s), etag='"v1"',
                                                     headers={"Last-Modified": "Thu, 24 Feb 2022 17:30:00 GMT"})
    url = site.url("/press/2022-02-24/statement")
    done = add_document(library, url)
    assert done.file == "127-0-0-1-press-2022-02-24-statement.html" and done.format == "html"
    assert (done.title, done.date, done.url, done.source) == (s.title, s.date, url, url)
    as_text = split_passages(read_document(LIBRARY / EU, LIBRARY))[0].text
    assert done.first_passage == as_text and as_text in s.paragraphs  # the page's words, as from its .txt
    assert (library.data_dir / done.file).read_bytes() == html_page(s)
    meta = sidecar(library, done.file)
    assert meta == {"source": url, "url": url, "fetched": done.fetched, "etag": '"v1"',
                    "last_modified": "Thu, 24 Feb 2022 17:30:00 GMT"}
    assert site.requests[-1][1]["User-Agent"].startswith("statement-bot/")


def test_a_pdf_and_a_word_file_by_their_link(library, site):
    s = statement(G7)
    site.pages["/files/g7.pdf"] = Page(pdf_pages(s), content_type="application/octet-stream")  # typed by the link
    site.pages["/files/eu"] = Page(docx_file(statement(EU)), content_type=(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    pdf = add_document(library, site.url("/files/g7.pdf"))
    docx = add_document(library, site.url("/files/eu"), title="EU statement")
    assert (pdf.file, pdf.format, pdf.date) == ("127-0-0-1-files-g7.pdf", "pdf", s.date)
    assert (docx.file, docx.format, docx.title) == ("127-0-0-1-files-eu.docx", "docx", "EU statement")
    for done, name in ((pdf, G7), (docx, EU)):  # as a build quotes it, and the file's words
        stored = read_document(library.data_dir / done.file, library.data_dir)
        assert done.first_passage == split_passages(stored)[0].text
        assert done.first_passage in statement(name).paragraphs


def test_five_redirects_are_followed_and_each_hop_is_checked(library, site):
    site.pages["/final"] = Page(html_page(statement(EU)))
    done = add_document(library, site.redirects("/moved", 5, "/final"))
    assert done.url == site.url("/moved") and done.passages > 0
    site.pages["/to-ftp"] = Page(status=301, content_type="", headers={"Location": "ftp://127.0.0.1/statement.pdf"})
    with pytest.raises(NotAdded, match=r"is not an http\(s\) link \(ftp:\)$"):
        add_document(library, site.url("/to-ftp"))


def certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for the host ``name`` and its key, made by openssl."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_https_is_verified_for_the_host_the_link_names(library, tmp_path, monkeypatch):
    """The connection goes to the checked address, and TLS is checked against the link's host name."""
    cert, key = certificate(tmp_path, "localhost")
    with WebServer(tls=(cert, key)) as secure:
        secure.pages["/s"] = Page(html_page(statement(G7)))
        url = secure.url("/s", host="localhost")
        with pytest.raises(NotAdded, match=r"has a certificate that cannot be trusted \(.*certificate verify failed"):
            add_document(library, url)  # self-signed: no authority the system knows vouches for it
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now as if an authority the system trusts had signed it
        with pytest.raises(NotAdded, match=r"has a certificate that cannot be trusted \(.*127\.0\.0\.1"):
            add_document(library, secure.url("/s"))  # the certificate names localhost, not 127.0.0.1
        done = add_document(library, url)
    assert (done.url, done.format, done.passages > 0) == (url, "html", True)
    assert secure.requests[-1][1]["Host"] == url.split("/")[2]


def test_a_host_that_refuses_the_connection_is_named_as_not_reached(library):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(NotAdded, match=r"could not be reached \(\[Errno 111\] Connection refused\)$"):
        add_document(library, f"http://127.0.0.1:{port}/statement")


@pytest.mark.parametrize("address, why", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"), ("10.1.2.3", "private"),
    ("192.168.0.10", "private"), ("172.16.5.4", "private"), ("fd00::1", "private"), ("169.254.169.254", "link-local"),
    ("fe80::1%eth0", "link-local"), ("224.0.0.251", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"), ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("100.64.0.1", "non-public"),
    ("8.8.8.8", ""), ("2606:4700:4700::1111", ""),
])
def test_which_addresses_a_link_must_not_lead_to(address, why):
    assert not_public(address) == why


# --------------------------------------------------------------------------- refused, library unchanged


def _file(tmp_path: Path, name: str, content: bytes) -> str:
    (tmp_path / name).write_bytes(content)
    return str(tmp_path / name)


def _page(site: WebServer, path: str, page: Page) -> str:
    site.pages[path] = page
    return site.url(path)


BIG = b"DATE: 2022-03-01\nTITLE: Big\n---\n" + b"Words of a long statement. " * 800
# case -> (what is given, from the test's folder and server; settings changed; metadata; the message's end)
REFUSALS = {
    "missing file": (lambda tmp, site: str(tmp / "nowhere.txt"), {}, {}, r"does not exist"),
    "folder": (lambda tmp, site: str(tmp), {}, {}, r"is not a file"),
    "unsupported type": (lambda tmp, site: _file(tmp, "statement.odt", b"PK\x03\x04..."), {}, {},
                         r"is in a format not supported \(\.odt\); add a \.txt, \.md, \.pdf, \.html or \.docx file"),
    "over the limit": (lambda tmp, site: _file(tmp, "big.txt", BIG), {"max_document_mb": 0.01}, {},
                       r"is 21,632 bytes, over the 10,485 bytes limit \(MAX_DOCUMENT_MB\)"),
    "damaged pdf": (lambda tmp, site: _file(tmp, "cut.pdf", b"%PDF-1.7\n1 0 obj <<"), {}, {},
                    r"is damaged: the PDF is cut off .*"),
    "damaged docx": (lambda tmp, site: _file(tmp, "bad.docx", b"PK\x03\x04 not a zip"), {}, {},
                     r"is damaged or not a Word document .*"),
    "bad date": (lambda tmp, site: str(LIBRARY / G7), {}, {"date": "2022-13-45"},
                 r"is given a date that is not a day: '2022-13-45' \(give YYYY-MM-DD\)"),
    "date in words": (lambda tmp, site: str(LIBRARY / G7), {}, {"date": "24/02/2022"}, r"is not a day: '24/02/2022'.*"),
    "times out": (lambda tmp, site: _page(site, "/slow", Page(html_page(statement(G7)), delay=3)),
                  {"fetch_timeout": 1}, {}, r"did not answer within 1 seconds \(FETCH_TIMEOUT\)"),
    "six redirects": (lambda tmp, site: site.redirects("/loop", 6, "/nowhere"), {}, {},
                      r"redirects more than 5 times"),
    "ftp": (lambda tmp, site: "ftp://127.0.0.1/statement.pdf", {}, {}, r"is not an http\(s\) link \(ftp:\)"),
    "file link": (lambda tmp, site: "file:///etc/passwd", {}, {}, r"is not an http\(s\) link \(file:\)"),
    "loopback": (lambda tmp, site: _page(site, "/p", Page(html_page(statement(G7)))), {"allow_private_urls": False},
                 {}, r"leads to 127\.0\.0\.1, a loopback address; refused \(ALLOW_PRIVATE_URLS=1 allows it\)"),
    "localhost": (lambda tmp, site: site.url("/p").replace("127.0.0.1", "localhost"), {"allow_private_urls": False},
                  {}, r"leads to (127\.0\.0\.1|::1), a loopback address; .*"),
    "404": (lambda tmp, site: site.url("/gone"), {}, {}, r"answered 404 Not Found"),
    "image": (lambda tmp, site: _page(site, "/logo", Page(b"\x89PNG....", content_type="image/png")), {}, {},
              r"is image/png, not a web page, PDF or Word file \(\.html, \.pdf, \.docx\)"),
    "plain text": (lambda tmp, site: _page(site, "/t.txt", Page(b"words", content_type="text/plain")), {}, {},
                   r"is text/plain, not a web page, PDF or Word file .*"),
    "big page": (lambda tmp, site: _page(site, "/big", Page(BIG)), {"max_document_mb": 0.01}, {},
                 r"is 21,632 bytes, over the 10,485 bytes limit \(MAX_DOCUMENT_MB\)"),
    "big page, no length": (lambda tmp, site: _page(site, "/big", Page(BIG, length=False)),
                            {"max_document_mb": 0.01}, {}, r"is over the 10,485 bytes limit \(MAX_DOCUMENT_MB\)"),
    "no main text": (lambda tmp, site: _page(site, "/nav", Page(b"<html><body><nav>Home</nav></body></html>")),
                     {}, {}, r"has no main text to quote \(only page navigation or boilerplate\)"),
    "no host": (lambda tmp, site: "http:///statement", {}, {}, r"names no host"),
    "unknown host": (lambda tmp, site: "http://no-such-host.invalid/statement", {}, {},
                     r"names a host that cannot be found \(no-such-host\.invalid\)"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_what_cannot_be_used_is_refused_in_one_line_and_the_library_is_unchanged(case, library, site, tmp_path):
    make, changes, metadata, message = REFUSALS[case]
    given = make(tmp_path, site)
    settings = dataclasses.replace(library, **changes)
    before = snapshot(settings.data_dir)
    with pytest.raises(NotAdded) as refused:
        add_document(settings, given, **metadata)
    text = str(refused.value)
    assert "\n" not in text
    assert text.startswith(f"not added: {given} ") and re.fullmatch(f"not added: .* {message}", text), text
    assert snapshot(settings.data_dir) == before


# --------------------------------------------------------------------------- removing


def test_a_document_is_removed_with_its_sidecar_by_its_id(library, site):
    before = snapshot(library.data_dir)
    site.pages["/s"] = Page(html_page(statement(G7)))
    done = add_document(library, site.url("/s"))
    assert len(snapshot(library.data_dir)) == len(before) + 2  # the page and its sidecar
    removed = remove_document(library, done.id)
    assert removed.files == (done.file, f"{done.id}.meta.json") and removed.title == done.title
    assert snapshot(library.data_dir) == before
    with pytest.raises(UnknownDocument, match=r"^no document has the id 'nope'; `sources` lists the ids"):
        remove_document(library, "nope")
    with pytest.raises(UnknownDocument):
        remove_document(library, "../data/un_charter.txt")
    assert snapshot(library.data_dir) == before


def test_a_file_the_build_skips_is_removed_by_its_name(library):
    (library.data_dir / "broken.txt").write_bytes(b"\xff\xfe\x00\x00")
    assert any(p.startswith("broken.txt") for p in load_corpus(library.data_dir).problems)
    assert remove_document(library, "broken.txt").files == ("broken.txt",)
    assert not (library.data_dir / "broken.txt").exists()
    with pytest.raises(UnknownDocument):
        remove_document(library, "000_cf6b84a07b3c0ba3.meta.json")  # a sidecar is not a document


# --------------------------------------------------------------------------- the command line


def run_cli(args: list[str], settings: EngineSettings, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **settings_env(settings), **env}
    return subprocess.run([sys.executable, "-m", "embeddings", *args], capture_output=True, text=True,
                          env=environment, cwd=PROJECT_ROOT, timeout=120)


def test_the_command_line_refuses_in_one_line_and_changes_nothing(library, site, tmp_path):
    before = snapshot(library.data_dir)
    site.pages["/p"] = Page(html_page(statement(G7)))
    for args, line in [
        (["add", str(tmp_path / "nowhere.pdf")], f"error: not added: {tmp_path / 'nowhere.pdf'} does not exist"),
        (["add", str(LIBRARY / G7), "--date", "tomorrow"],
         f"error: not added: {LIBRARY / G7} is given a date that is not a day: 'tomorrow' (give YYYY-MM-DD)"),
        (["add", site.url("/p")], f"error: not added: {site.url('/p')} leads to 127.0.0.1, a loopback address; "
                                  "refused (ALLOW_PRIVATE_URLS=1 allows it)"),
        (["remove", "nope"], "error: no document has the id 'nope'; `sources` lists the ids "
                             "(`python -m embeddings sources`: in brackets; with --json: \"id\")"),
    ]:
        out = run_cli(args, library)
        assert (out.returncode, out.stderr, out.stdout) == (1, line + "\n", ""), args
    out = run_cli(["add", str(LIBRARY / G7), "--kind", "speech"], library)
    assert out.returncode == 2 and "invalid choice: 'speech'" in out.stderr
    assert snapshot(library.data_dir) == before


# The base model as it ships, run by PyTorch: no fine-tuning or ONNX export to wait for, and a library
# of one statement, so that each command's build takes seconds.
BASE_MODEL = {"FINE_TUNE": "off", "ENCODER": "torch", "MULTILINGUAL": "off", "ALLOW_PRIVATE_URLS": "1"}


@pytest.mark.model
@pytest.mark.slow
def test_a_link_added_asked_refreshed_and_removed_on_the_command_line(tmp_path, site):
    """End to end with the real model: each command builds the index, and what it says is what serves."""
    data = tmp_path / "data"
    data.mkdir()
    (data / G7).write_bytes((LIBRARY / G7).read_bytes())
    settings = EngineSettings(data, tmp_path / "index", "", model_dir=tmp_path / "models")
    s = statement(EU)
    site.pages["/eu"] = Page(html_page(s), etag='"v1"')
    url = site.url("/eu")
    out = run_cli(["add", url, "--json"], settings, **BASE_MODEL)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    done = result["added"]
    assert done["url"] == url and done["format"] == "html" and done["date"] == "2022-02-24"
    assert result["index"].startswith("index: 2 documents, ")
    listed = listing(settings)
    mine = listed[done["id"]]
    assert (mine["format"], mine["url"], mine["fetched"], mine["stale"], mine["passages"], mine["file"]) == (
        "html", url, done["fetched"], None, done["passages"], done["file"])
    assert listed[G7.removesuffix(".txt")]["format"] == "txt" and "url" not in listed[G7.removesuffix(".txt")]
    asked = run_cli(["ask", "--json", "--document", done["id"], "What does the European Council condemn?"],
                    settings, **BASE_MODEL)
    hits = json.loads(asked.stdout)["hits"]
    assert hits and {h["document"] for h in hits} == {done["id"]}
    quoted = [p.text for p in split_passages(read_document(data / done["file"], data))]
    assert all(h["text"] in quoted for h in hits) and done["first_passage"] in [h["text"] for h in hits]

    sidecar_file = data / f"{done['id']}.meta.json"
    meta = json.loads(sidecar_file.read_text(encoding="utf-8"))
    sidecar_file.write_text(json.dumps({**meta, "fetched": "2020-01-01T00:00:00+00:00"}), encoding="utf-8")
    more = "The members of the European Council will meet again in Versailles on 10 and 11 March."
    site.pages["/eu"] = Page(html_page(dataclasses.replace(s, paragraphs=[*s.paragraphs, more])), etag='"v2"')
    out = run_cli(["refresh", "--json"], settings, **BASE_MODEL)
    assert out.returncode == 0, out.stderr
    refreshed, index = map(json.loads, out.stdout.splitlines())
    assert refreshed["outcome"] == "updated" and ", 1 added, 0 removed, " in index["index"]
    listed = listing(settings)
    assert listed[done["id"]]["passages"] == done["passages"] + 1

    out = run_cli(["remove", done["id"]], settings, **BASE_MODEL)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"removed: {done['title']} [{done['id']}] ({done['file']}, {done['id']}.meta.json)\n"
                                 "index: 1 documents, ")
    listed = run_cli(["sources", "--json"], settings, **BASE_MODEL).stdout
    assert done["id"] not in listed and sorted(p.name for p in data.iterdir()) == [G7]


def listing(settings: EngineSettings) -> dict[str, dict]:
    """``sources --json``'s documents by id."""
    out = run_cli(["sources", "--json"], settings, **BASE_MODEL)
    return {d["id"]: d for d in map(json.loads, out.stdout.splitlines()) if "id" in d}
