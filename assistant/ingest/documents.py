"""PDF and Word files as articles: their text in reading order, their properties, and where each page starts.

PDF text comes from PDFium (pypdfium2, Apache-2.0/BSD): on the manuals Debian ships it keeps the
spaces that pdfplumber's layout analysis drops on TeX output ("Howtousebzip2"), decomposes the
ligatures pypdf leaves in ("ﬁle"), marks TeX's soft hyphens so a word broken over two lines is one
word again, and reads a page in about a millisecond. A page's lines are hard wraps: they are joined
into paragraphs (a short line, a blank line or a list item ends one), and the running heads and
page numbers that repeat at the top or bottom of the pages are dropped. A PDF without a text layer
(a scan) has no article in it: it is reported and skipped, not indexed as empty.

Word files (.docx) are read with python-docx: paragraphs and table rows in document order.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

from .sections import Heading

SOFT_HYPHEN = "\ufffe"  # how PDFium marks a hyphen TeX inserted at a line break
MIN_CHARS_PER_PAGE = 20  # below this on average, the PDF is taken to have no text layer
_ITEM = re.compile(r"^(?:[•◦▪‣∙·*–-]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
_DIGITS = re.compile(r"\d+")
_ENDS = (".", "!", "?", ":", ";", ")", '"', "”")
_HEADING_STYLE = re.compile(r"Heading (\d)$")
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")


def read_pdf(path: Path) -> tuple[list[list[str]], dict[str, str], list[Heading]]:
    """The paragraphs of each page, the document's properties (title, author, date) and its outline
    (level, title, page index).

    Raises ValueError when the file cannot be read as a PDF or has no text layer."""
    import pypdfium2

    try:
        doc = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        raise ValueError(f"not a readable PDF ({exc})") from exc
    try:
        pages = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
        properties = doc.get_metadata_dict(skip_empty=True)
        outline: list[Heading] = []
        for item in doc.get_toc():
            dest = item.get_dest()
            page = dest.get_index() if dest is not None else None
            if page is not None:
                outline.append((item.level + 1, item.get_title(), page, ""))
    finally:
        doc.close()
    if sum(len(p.strip()) for p in pages) < MIN_CHARS_PER_PAGE * max(len(pages), 1):
        raise ValueError(f"a PDF of {len(pages)} page(s) without a text layer (a scan?): nothing to read")
    lines = [[line.strip() for line in page.replace(SOFT_HYPHEN + "\r\n", "").replace(SOFT_HYPHEN, "")
              .replace("\r\n", "\n").split("\n")] for page in pages]  # fmt: skip
    lines = _without_running_heads(lines)
    width = _typical_width([line for page in lines for line in page])
    meta = {key: properties[name].strip() for key, name in (("title", "Title"), ("author", "Author"))
            if properties.get(name, "").strip()}  # fmt: skip
    if date := _pdf_date(properties.get("CreationDate", "")):
        meta["date"] = date
    paged = [_paragraphs(page, width) for page in lines]
    for before, after in itertools.pairwise(paged):  # a sentence that runs on over a page break
        if before and after and not before[-1].endswith(_ENDS) and after[0][:1].islower():
            before[-1] += " " + after.pop(0)
    return paged, meta, outline


def read_docx(path: Path) -> tuple[list[str], dict[str, str], list[Heading]]:
    """The paragraphs of a Word file (table rows as cells joined by " | "), its core properties and its
    headings (paragraphs in a "Heading N" style).

    Raises ValueError when the file is not a readable .docx."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except PackageNotFoundError as exc:  # python-docx says "Package not found", as if the file were missing
        raise ValueError("not a readable Word file (not a .docx package; an old .doc or a damaged file?)") from exc
    except (KeyError, ValueError) as exc:
        raise ValueError(f"not a readable Word file ({exc})") from exc
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    paragraphs: list[str] = []
    headings: list[Heading] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            paragraphs.append(block.text)
            style = block.style.name if block.style is not None else ""
            if (level := _HEADING_STYLE.match(style or "")) is not None:
                headings.append((int(level.group(1)), block.text, 0, ""))
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [c.text.strip() for c in row.cells]
                paragraphs.append(" | ".join(dict.fromkeys(c for c in cells if c)))  # merged cells repeat
    core = document.core_properties
    meta = {
        key: value.strip() for key, value in (("title", core.title), ("author", core.author)) if value and value.strip()
    }
    when = core.created
    if isinstance(when, datetime) and when.year > 1980:  # not an unset (zero) date
        meta["date"] = when.date().isoformat()
    return paragraphs, meta, headings


def _without_running_heads(pages: list[list[str]]) -> list[list[str]]:
    """Drop a page's first or last line when it is one of the pages' first or last lines on at least three
    pages (numbers aside): running heads, footers and page numbers."""
    if len(pages) < 3:
        return pages
    ends: Counter[str] = Counter()
    for page in pages:
        body = [line for line in page if line]
        for line in {*body[:1], *body[-1:]}:
            ends[_DIGITS.sub("#", line)] += 1
    repeated = {key for key, n in ends.items() if n >= 3}
    out = []
    for page in pages:
        body = [line for line in page if line]
        edge = {*body[:1], *body[-1:]}
        out.append([line for line in page if not (line in edge and _DIGITS.sub("#", line) in repeated)])
    return out


def _typical_width(lines: list[str]) -> int:
    """The length of a full line of body text: the upper quartile of the line lengths."""
    lengths = sorted(len(line) for line in lines if line)
    return lengths[3 * len(lengths) // 4] if lengths else 0


def _paragraphs(lines: list[str], width: int) -> list[str]:
    """Hard-wrapped lines joined into paragraphs. A paragraph ends at a blank line, at a line well short of
    the full width, and before a list item or a heading (a short line without a full stop after one that
    ends a sentence)."""
    out: list[list[str]] = []
    ended = True
    for line in lines:
        if not line:
            ended = True
            continue
        short = len(line) < 0.75 * width
        heading = short and not line.endswith(_ENDS) and bool(out) and out[-1][-1].endswith(_ENDS)
        if ended or heading or _ITEM.match(line):
            out.append([line])
        else:
            out[-1].append(line)
        ended = short
    return [" ".join(parts) for parts in out]


def _pdf_date(value: str) -> str | None:
    """ "D:20220520201356+02'00'" -> "2022-05-20" (as precise as the value is)."""
    match = _PDF_DATE.match(value.strip())
    if not match:
        return None
    year, month, day = match.groups()
    return "-".join(part for part in (year, month, day) if part)
