"""Read a folder of articles (.txt, .md, .html, .pdf, .docx): decode, extract, clean, attach metadata."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from ..records import Article
from .cleaning import clean_pages, clean_text, first_line
from .documents import read_docx, read_pdf

logger = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
METADATA_FILE = "metadata.json"
MAX_FILE_BYTES = 20_000_000
_META_FIELDS = ("title", "publisher", "author", "date", "url")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


@dataclass
class LoadReport:
    """The articles read from a folder and the files skipped, each with its reason."""

    articles: list[Article] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def decode(data: bytes) -> str:
    """Decode bytes as UTF-8 when they are, else as the encoding charset-normalizer detects."""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("looks like a binary file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ValueError("unknown text encoding")
    return str(best)


def _html_to_text(html: str) -> tuple[str, dict[str, str]]:
    """Main text of an HTML page, one block per line, plus the metadata its head declares."""
    import warnings

    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():  # XHTML pages (<?xml …?>) read fine as HTML
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(html, "lxml")
    meta: dict[str, str] = {}
    metas = soup.find_all("meta")  # once: a search of the page per selector took longer than the rest
    for key, selectors in {
        "title": [("property", "og:title"), ("name", "twitter:title")],
        "publisher": [("property", "og:site_name"), ("name", "publisher")],
        "author": [("name", "author"), ("property", "article:author")],
        "date": [("property", "article:published_time"), ("name", "date"), ("itemprop", "datePublished")],
        "url": [("property", "og:url")],
    }.items():
        for attr, value in selectors:
            tag = next((m for m in metas if m.get(attr) == value), None)
            content = tag.get("content") if tag else None
            if isinstance(content, str) and content.strip():
                meta[key] = content.strip()
                break
    if "title" not in meta and soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    if "date" not in meta and (time := soup.find("time")) is not None:
        value = str(time.get("datetime") or "")
        if isinstance(value, str) and value.strip():
            meta["date"] = value.strip()

    # Code, forms and page chrome never hold article text.
    for tag in soup(
        [
            "script",
            "style",
            "noscript",
            "template",
            "iframe",
            "svg",
            "form",
            "button",
            "nav",
            "header",
            "footer",
            "aside",
            "select",
            "input",
        ]
    ):
        tag.decompose()
    chrome = re.compile(
        r"cookie|consent|share|social|newsletter|comment|breadcrumb|sidebar|related|"
        r"advert|promo|popup|modal|banner|subscribe|skip-link|menu",
        re.IGNORECASE,
    )
    for tag in soup.find_all(True):
        if getattr(tag, "attrs", None) is None:
            continue
        marks = f"{tag.get('id') or ''} {' '.join(tag.get('class') or [])}" if tag.attrs else ""
        if marks and chrome.search(marks) and tag.name not in ("body", "html", "main", "article"):
            tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    return _page_text(root), meta


_BLOCKS = frozenset(("p", "div", "section", "article", "main", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                     "pre", "tr", "br", "dd", "dt", "figcaption", "table", "ul", "ol"))  # fmt: skip
_CELLS = frozenset(("td", "th"))
_PRESERVED = frozenset(("pre", "textarea", "listing", "plaintext", "xmp"))
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


def _page_text(root: Any) -> str:
    """The text under `root`: a line break before and after each block, a space after each table cell,
    and whitespace as a browser shows it: a run of spaces and line breaks is one space, except in
    <pre> and its kin (a hard-wrapped paragraph is one line, not a line per source line).

    One walk over the tree, which it leaves as it is (inserting the breaks into the tree costs time
    that grows with the square of a long list's length)."""
    from bs4 import CData, NavigableString, Tag

    parts: list[str] = []
    kept = any(getattr(t, "name", None) in _PRESERVED for t in (root, *root.parents))
    todo: list[tuple[Any, bool] | str] = [(c, kept) for c in reversed(root.contents)]
    while todo:
        item = todo.pop()
        if isinstance(item, str):  # a break or a space pushed below
            parts.append(item)
            continue
        node, kept = item
        if isinstance(node, Tag):
            block, inner = node.name in _BLOCKS, kept or node.name in _PRESERVED
            if block or node.name in _CELLS:
                todo.append("\n" if block else " ")
            todo.extend((c, inner) for c in reversed(node.contents))
            if block:
                todo.append("\n")
        elif type(node) is NavigableString:  # not comments, doctypes, scripts: what get_text() reads
            parts.append(str(node) if kept else _HTML_SPACE.sub(" ", node))
        elif type(node) is CData:
            parts.append(str(node))
    return "".join(parts)


def _markdown_to_text(text: str) -> tuple[str, dict[str, str]]:
    """Front matter as metadata; the body rendered through a Markdown parser, then read as HTML."""
    meta: dict[str, str] = {}
    if match := _FRONT_MATTER.match(text):
        import yaml

        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, dict):
            meta = {k: str(v) for k, v in loaded.items() if k in _META_FIELDS and v is not None}
        text = text[match.end() :]
    from markdown_it import MarkdownIt

    body, _ = _html_to_text(MarkdownIt().render(text))
    return body, meta


def _read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / METADATA_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning("ignoring %s: %s", path, exc)
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def _special(mode: int) -> str | None:
    for test, name in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device")):  # fmt: skip
        if test(mode):
            return name
    return None


def scan(folder: Path, follow_links: bool = False) -> tuple[list[Path], dict[str, str]]:
    """Every article file under `folder` in a stable order, and what was passed over and why.

    Hidden files and files of other types are passed over silently. Links that lead out of the
    folder are not followed unless `follow_links`; links to folders, dangling links, special files
    (pipes, sockets, devices) and sub-folders that cannot be read are reported.
    """
    root = folder.resolve()
    files: list[Path] = []
    skipped: dict[str, str] = {}

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename or folder)
        rel = where.relative_to(folder).as_posix() if where.is_relative_to(folder) else str(where)
        skipped[rel + "/"] = f"folder cannot be read: {exc.strerror or exc}"

    seen: set[Path] = set()
    for top, dirs, names in os.walk(folder, onerror=unreadable, followlinks=follow_links):
        here = Path(top)
        real = here.resolve()
        if real in seen:  # a followed link that loops back
            dirs[:] = []
            continue
        seen.add(real)
        kept = []
        for name in sorted(dirs):
            path = here / name
            if name.startswith("."):
                continue
            if path.is_symlink() and not follow_links:
                skipped[path.relative_to(folder).as_posix() + "/"] = (
                    f"a link to the folder {os.readlink(path)}: not followed (set follow_links to read it)"
                )
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            path = here / name
            rel = path.relative_to(folder).as_posix()
            if name.startswith("."):
                continue
            try:
                mode = path.lstat().st_mode
                if stat.S_ISLNK(mode):
                    target = path.resolve()
                    if not target.exists():
                        skipped[rel] = f"a dangling link (to {os.readlink(path)})"
                        continue
                    if not follow_links and not target.is_relative_to(root):
                        skipped[rel] = f"a link out of the corpus folder (to {target}): not followed"
                        continue
                    mode = target.stat().st_mode
            except OSError as exc:
                skipped[rel] = f"cannot be read: {exc.strerror or exc}"
                continue
            if (kind := _special(mode)) is not None:
                skipped[rel] = f"{kind}, not a file"
            elif stat.S_ISREG(mode) and path.suffix.lower() in SUFFIXES:
                files.append(path)
    return sorted(files), skipped


def read_article(path: Path, source: str, extra: dict[str, Any] | None = None) -> Article:
    """Read and clean one file. Raises ValueError with the reason when it holds no article."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit")
    suffix = path.suffix.lower()
    meta: dict[str, str] = {}
    pages: list[int] = []
    if suffix == ".pdf":
        paragraphs, meta = read_pdf(path)
        text, pages = clean_pages(paragraphs)
    elif suffix == ".docx":
        lines, meta = read_docx(path)
        text = clean_text("\n".join(lines))
    else:
        raw = decode(path.read_bytes())
        if suffix in (".html", ".htm"):
            raw, meta = _html_to_text(raw)
        elif suffix in (".md", ".markdown"):
            raw, meta = _markdown_to_text(raw)
        text = clean_text(raw)
    if not text.strip():
        raise ValueError("no article text left after cleaning")
    meta.update({k: str(v) for k, v in (extra or {}).items() if k in _META_FIELDS and v})
    return Article(
        source=source,
        title=meta.get("title") or first_line(text)[:200],
        text=text,
        publisher=meta.get("publisher"),
        author=meta.get("author"),
        date=meta.get("date"),
        url=meta.get("url"),
        pages=pages,
    )


def load_corpus(folder: str | Path, follow_links: bool = False) -> LoadReport:
    """Read every article in `folder`. Unreadable files are reported in `skipped`, not raised.

    `follow_links`: also read files that symbolic links lead to outside the folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder not found: {folder}")
    manifest = _read_manifest(folder)
    report = LoadReport()
    paths, report.skipped = scan(folder, follow_links)
    for source, reason in report.skipped.items():
        logger.warning("skipped %s: %s", source, reason)
    for path in paths:
        source = path.relative_to(folder).as_posix()
        try:
            report.articles.append(read_article(path, source, manifest.get(source)))
        except (OSError, ValueError) as exc:
            logger.warning("skipped %s: %s", source, exc)
            report.skipped[source] = str(exc)
    return report
