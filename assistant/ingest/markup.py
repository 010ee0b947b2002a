"""Web pages and Markdown as article text: the main content, one block per line, and the metadata they declare."""

from __future__ import annotations

import re
from typing import Any

from .sections import Heading

META_FIELDS = ("title", "publisher", "author", "date", "url")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_HEADING = re.compile(r"^h[1-6]$")
_LD_KINDS = frozenset(("WebPage", "CreativeWork"))


def html_to_text(html: str) -> tuple[str, dict[str, str], list[Heading]]:
    """Main text of an HTML page, one block per line, the metadata its head declares and its headings."""
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
    for key, value in _json_ld(soup).items():
        meta.setdefault(key, value)
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
    for tag in soup.find_all(role=_CHROME_ROLES):  # <div role="navigation">: a <nav> by its ARIA name
        if tag.name not in ("body", "html"):
            tag.decompose()
    for link in soup.find_all("a", href=_SELF_LINK):
        if link.get_text(strip=True) in _LINK_MARKS:  # a heading's permalink mark: "Timers #", "Usage ¶"
            link.decompose()
    root = soup.find("article") or soup.find("main") or soup.find(role="main") or soup.body or soup
    headings = [(int(h.name[1]), h.get_text(" ", strip=True), 0, _text_after(h)) for h in root.find_all(_HEADING)]
    return _page_text(root), meta, headings


_CHROME_ROLES = re.compile(r"^(?:navigation|banner|contentinfo|complementary|search)$", re.I)
_SELF_LINK = re.compile(r"^#")
_LINK_MARKS = frozenset(("", "#", "¶", "§", "🔗", "\uf0c1"))  # what a permalink to a heading shows (or an icon)


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


def _json_ld(soup: Any) -> dict[str, str]:
    """Title, author, publisher, date and URL from the page's schema.org JSON-LD (an Article or the
    like, perhaps inside an "@graph"), as news sites declare them."""
    import json

    found: dict[str, str] = {}
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except ValueError:
            continue
        items = [d for d in (data if isinstance(data, list) else [data]) if isinstance(d, dict)]
        for item in list(items):
            graph = item.get("@graph")
            members = graph if isinstance(graph, list) else [graph]
            items += [m for m in members if isinstance(m, dict)]  # a malformed @graph is passed over
        for item in sorted(items, key=lambda i: not _is_article(i)):  # an Article before its WebPage
            if not _is_article(item) and not _LD_KINDS.intersection(_kinds(item)):
                continue
            values = {"title": item.get("headline") or item.get("name"), "author": _names(item.get("author")),
                      "publisher": _names(item.get("publisher")), "date": item.get("datePublished"),
                      "url": item.get("url")}  # fmt: skip
            for key, value in values.items():
                if isinstance(value, str) and value.strip():
                    found.setdefault(key, " ".join(value.split()))
    return found


def _kinds(item: dict[str, Any]) -> list[str]:
    kind = item.get("@type")
    return [k for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)]


def _is_article(item: dict[str, Any]) -> bool:
    return any(k.endswith(("Article", "BlogPosting", "Report")) for k in _kinds(item))


def _names(value: Any) -> str | None:
    """A schema.org Person or Organization (or a list of them, or a plain string) as names joined by ", "."""
    people = value if isinstance(value, list) else [value]
    names = [p if isinstance(p, str) else p.get("name") if isinstance(p, dict) else None for p in people]
    kept = [n.strip() for n in names if isinstance(n, str) and n.strip()]
    return ", ".join(kept) or None


AFTER_CHARS = 24


def _text_after(heading: Any) -> str:
    """The start of the text after `heading` that is not itself in a heading (where its section's body
    begins), at least AFTER_CHARS of it when there is that much: a cleaned text may have dropped the
    heading line as a repeat of its table of contents, and a first word alone ("int" before a function's
    signature) begins many lines."""
    taken: list[str] = []
    for node in heading.next_elements:
        if (
            isinstance(node, str)
            and node.strip()
            and not any(_HEADING.match(p.name or "") for p in getattr(node, "parents", ()))
        ):
            taken.append(" ".join(node.split()))
            if len(" ".join(taken)) >= AFTER_CHARS:
                break
        elif taken and getattr(node, "name", None) and _HEADING.match(node.name):
            break  # the next heading: this section's text is all there is
    return " ".join(taken)[:60]


_LEADING_COMMENTS = re.compile(r"^(?:\s*<!--.*?-->)*\s*", re.DOTALL)


def markdown_to_text(text: str) -> tuple[str, dict[str, str], list[Heading]]:
    """Front matter as metadata; the body rendered through a Markdown parser, then read as HTML."""
    meta: dict[str, str] = {}
    if match := _FRONT_MATTER.match(text):
        import yaml

        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, dict):
            meta = {k: str(v) for k, v in loaded.items() if k in META_FIELDS and v is not None}
        text = text[match.end() :]
    from markdown_it import MarkdownIt

    # Tables as GitHub writes them are read as tables (CommonMark alone leaves "|Branch|CI|…|" as text).
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    body, _, headings = html_to_text(rendered)
    if "title" not in meta and (first := next((h for h in headings if h[0] == 1), None)) is not None:
        meta["title"] = first[1]  # its first top heading, wherever it is ("# GnuTLS -- Information for developers")
    elif "title" not in meta and _LEADING_COMMENTS.sub("", rendered).startswith(("<ul", "<ol")):
        meta["title"] = ""  # a list of links (Node.js's index.md) is titled by its first item by no one
    return body, meta, headings
