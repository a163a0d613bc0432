"""PDF, HTML and Word files generated from a statement's text, as a publisher would put it out:
a web page with navigation, cookie banner, share buttons, related links and footer around the
article; PDFs with running headers, page numbers, paragraphs broken across pages and two columns
drawn row by row; a Word file with a heading, page header and footer. Nothing is read from outside
tests/."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from embeddings.corpus.documents import split_header

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Statement:
    title: str
    date: str  # YYYY-MM-DD
    source: str
    paragraphs: list[str]  # the body's paragraphs, a heading among them as it stands

    @property
    def day(self) -> str:
        """The date as a page prints it: "11 March 2022"."""
        from datetime import date

        return f"{date.fromisoformat(self.date):%-d %B %Y}"


def statement(name: str) -> Statement:
    """A statement of tests/fixtures/library: its header fields and the paragraphs of its body
    (a block of hard-wrapped lines is one paragraph; a block of long lines, one per line)."""
    header, body = split_header((FIXTURES / "library" / name).read_text(encoding="utf-8"))
    paragraphs = []
    for block in re.split(r"\n\s*\n", body):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if lines and max(len(line) for line in lines) <= 75:
            lines = [" ".join(lines)]
        paragraphs += [re.sub(r"\\([#\[\]*_])", r"\1", line) for line in lines]
    return Statement(header["TITLE"], header["DATE"][:10], header["SOURCE"].split()[-1], paragraphs)


# --------------------------------------------------------------------------- HTML

def html_page(s: Statement, *, meta: bool = True) -> bytes:
    """A news page: the statement in an <article>, a site's furniture all around it."""
    esc = html.escape
    head = (f'<meta property="og:title" content="{esc(s.title)}">\n'
            f'<meta property="og:url" content="https://www.example.org/press/{s.date}/statement">\n'
            f'<meta property="article:published_time" content="{s.date}T17:30:00+01:00">\n'
            '<meta name="author" content="Press Office">\n') if meta else ""
    body = "\n".join(f"<h1>{esc(p)}</h1>" if i == 0 and _is_heading(p) else f"<p>{esc(p)}</p>"
                     for i, p in enumerate(s.paragraphs))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{esc(s.title)} | Example Press Office</title>
{head}<link rel="stylesheet" href="/site.css"><script>window.dataLayer = [];</script>
</head><body>
<div id="cookie-banner" class="cookie-consent" role="dialog"><p>We use cookies to improve your experience on our
website and to collect statistics. You can accept all cookies or choose which ones you allow.</p>
<button>Accept all cookies</button> <button>Reject non-essential cookies</button>
<a href="/cookies">Cookie settings</a></div>
<header class="site-header"><a class="logo" href="/">Example Press Office</a>
<nav aria-label="Main"><ul><li><a href="/">Home</a></li><li><a href="/press">Press releases</a></li>
<li><a href="/meetings">Meetings</a></li><li><a href="/policies">Policies</a></li>
<li><a href="/contact">Contact</a></li></ul></nav>
<form class="search"><input type="search" placeholder="Search this site"></form></header>
<nav class="breadcrumb"><a href="/">Home</a> &gt; <a href="/press">Press releases</a> &gt; {esc(s.date)}</nav>
<main><article class="press-release">
<p class="meta"><time datetime="{s.date}">{s.day}</time> | Press release</p>
{body}
<div class="share"><span>Share this page:</span> <a href="#">Facebook</a> <a href="#">X</a> <a href="#">LinkedIn</a>
<a href="#">Email</a> <a href="#">Print</a></div>
</article>
<aside class="related"><h2>Related content</h2><ul>
<li><a href="/press/a">Leaders agree on further restrictive measures against Russia</a></li>
<li><a href="/press/b">Timeline: the response to the war in Ukraine</a></li>
<li><a href="/press/c">Press conference after the summit, video and photos</a></li></ul></aside></main>
<footer class="site-footer"><p>© Example Press Office 2024. All rights reserved.</p>
<ul><li><a href="/legal">Legal notice</a></li><li><a href="/privacy">Privacy policy</a></li>
<li><a href="/accessibility">Accessibility</a></li></ul><p>Follow us on social media.</p></footer>
</body></html>""".encode()


def _is_heading(paragraph: str) -> bool:
    return len(paragraph.split()) <= 12 and not paragraph.endswith((".", ":", ";"))


# --------------------------------------------------------------------------- PDF

def pdf_pages(s: Statement) -> bytes:
    """A5 pages, justified text, a running header with the date, "Page N of M" at the foot; the
    paragraphs flow across pages."""
    _, total = _pdf_pages(s, 0)
    return _pdf_pages(s, total)[0]


def _pdf_pages(s: Statement, total: int) -> tuple[bytes, int]:
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], alignment=TA_JUSTIFY)
    out = io.BytesIO()
    pages = [0]

    def furniture(canvas, doc):
        pages[0] = doc.page
        canvas.setFont("Helvetica", 8)
        canvas.drawString(40, A5[1] - 28, f"Press release – {s.day}")
        canvas.drawRightString(A5[0] - 40, 20, f"Page {doc.page} of {total}")

    doc = SimpleDocTemplate(out, pagesize=A5, title=s.title, author="Press Office", leftMargin=40, rightMargin=40)
    story = [Paragraph(html.escape(p), styles["Heading1"] if i == 0 and _is_heading(p) else body)
             for i, p in enumerate(s.paragraphs)]
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return out.getvalue(), pages[0]


def pdf_two_columns(s: Statement) -> bytes:
    """A4 pages in two columns, drawn row by row (left line, right line, next row: the order
    in which a PDF's stream is the worst for reading), "- N -" page numbers, a running footer,
    a dateline at the top of the first page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas as pdfcanvas

    width, height = A4
    column, lead = (width - 120) / 2, 12.5
    lines: list[str | None] = [s.day, None]
    for paragraph in s.paragraphs:
        lines += [*simpleSplit(paragraph, "Helvetica", 10, column), None]  # None: a blank line between paragraphs
    per_column = min(52, -(-len(lines) // 3))  # at least two pages, for the footer to be a running one
    out = io.BytesIO()
    pdf = pdfcanvas.Canvas(out, pagesize=A4)
    pdf.setTitle(s.title)
    for number, start in enumerate(range(0, len(lines), 2 * per_column), start=1):
        left, right = lines[start:start + per_column], lines[start + per_column:start + 2 * per_column]
        pdf.setFont("Helvetica", 10)
        for row in range(per_column):
            for x, col in ((50, left), (70 + column, right)):
                if row < len(col) and col[row]:
                    pdf.drawString(x, height - 70 - row * lead, col[row])
        pdf.setFont("Helvetica", 8)
        pdf.drawString(50, 40, "Example Press Office · press@example.org · www.example.org")
        pdf.drawCentredString(width / 2, 25, f"- {number} -")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def pdf_scanned() -> bytes:
    """A page that is only a picture (of text, for all a reader can tell): no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas as pdfcanvas

    image = Image.new("L", (600, 800), 255)
    draw = ImageDraw.Draw(image)
    for y in range(60, 760, 18):
        draw.line((40, y, 560, y), fill=40, width=6)
    out = io.BytesIO()
    pdf = pdfcanvas.Canvas(out)
    pdf.drawImage(ImageReader(image), 0, 0, 595, 842)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def pdf_encrypted(s: Statement) -> bytes:
    """A PDF that opens only with a password."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas as pdfcanvas

    out = io.BytesIO()
    pdf = pdfcanvas.Canvas(out, encrypt=StandardEncryption("user-secret", "owner-secret"))
    pdf.drawString(72, 760, s.paragraphs[0][:80])
    pdf.showPage()
    pdf.save()
    return out.getvalue()


# --------------------------------------------------------------------------- Word

def docx_file(s: Statement, *, properties: bool = True, author: str = "Press Office") -> bytes:
    """A Word file: the first paragraph a heading if it reads as one, a page header and footer."""
    from datetime import datetime

    import docx

    document = docx.Document()
    if properties:
        document.core_properties.title = s.title
        document.core_properties.author = author
        document.core_properties.created = datetime.fromisoformat(f"{s.date}T09:00:00")
    section = document.sections[0]
    section.header.paragraphs[0].text = "Example Press Office – Press release"
    section.footer.paragraphs[0].text = "press@example.org | www.example.org"
    for i, paragraph in enumerate(s.paragraphs):
        if i == 0 and _is_heading(paragraph):
            document.add_heading(paragraph, level=1)
        else:
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
