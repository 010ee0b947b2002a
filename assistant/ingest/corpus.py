"""Read a folder of articles (.txt, .md, .html, .pdf, .docx): decode, extract, clean, attach metadata."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import stat
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import CorpusError
from ..records import Article
from . import sections
from .cleaning import clean_pages, clean_text
from .copies import without_copies
from .documents import read_docx, read_pdf
from .filetypes import SUFFIXES, kind_of, type_of, unread
from .markup import META_FIELDS, html_to_text, markdown_to_text
from .roff import is_man_page, man_to_text
from .sections import Heading
from .templates import without_template
from .texinfo import is_texinfo, texinfo_to_text
from .titles import org_settings, untitled, without_shared_affix
from .wrapping import unwrap

logger = logging.getLogger(__name__)
# Files left out of a folder's reading; `IndexReport.skipped` lists them too, and the CLI prints that list.
skipped_logger = logging.getLogger(__name__ + ".skipped")

NO_ARTICLES = "the corpus holds no readable articles; add .txt, .md, .html, .pdf or .docx files"
METADATA_FILE = "metadata.json"
MAX_FILE_BYTES = 20_000_000


@dataclass
class LoadReport:
    """The articles read from a folder and the files skipped, each with its reason."""

    articles: list[Article] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    passed_over: dict[str, int] = field(default_factory=dict)  # files known not to be articles, by type

    def with_articles(self, shown: int = 10) -> LoadReport:
        """This report, if it has articles to index; else CorpusError naming each file left out and why
        (a folder of nothing but unreadable files is told what was wrong with them, a folder of data
        files what it holds)."""
        if self.articles or not (self.skipped or self.passed_over):
            return self  # an empty folder: the index's own check says so
        why = "; ".join(f"{source}: {reason}" for source, reason in list(self.skipped.items())[:shown])
        more = f" (and {len(self.skipped) - shown} more)" if len(self.skipped) > shown else ""
        told = [f"skipped {why}{more}"] if self.skipped else []
        if self.passed_over:
            told.append(passed_over(self.passed_over))
        raise CorpusError(f"{NO_ARTICLES} ({'; '.join(told)})")


def passed_over(counts: dict[str, int]) -> str:
    """ "passed over 13 files that are not articles: 12 .json.gz, 1 .css" (most common type first)."""
    total = sum(counts.values())
    if len(counts) == 1 and total == 1:
        return f"passed over 1 {next(iter(counts))} file, which is not an article"
    if len(counts) == 1:
        return f"passed over {total} {next(iter(counts))} files, which are not articles"
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"passed over {total} files that are not articles: {kinds}"


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


NOT_UTF8 = "its name is not UTF-8 text: rename it to read it"
FOLLOW = "(ASSISTANT_FOLLOW_LINKS=1 or Settings(follow_links=True) reads it)"


def _utf8(name: str) -> bool:
    """Is a file name (as Python decodes it, undecodable bytes as surrogates) valid UTF-8 text?"""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: str | Path) -> str:
    """A path whose name is not UTF-8, printable: the undecodable bytes as U+FFFD."""
    return os.fsencode(path).decode("utf-8", "replace")


class Scan(NamedTuple):
    files: list[Path]  # every article file, in a stable order
    skipped: dict[str, str]  # what was left out, and why
    passed_over: dict[str, int]  # how many files known not to be articles, by type (".png", ".json.gz")


def scan(folder: Path, follow_links: bool = False) -> Scan:
    """Every article file under `folder` in a stable order, what was left out and why, and how many files
    of each type known not to be articles were passed over.

    Hidden files and metadata.json are passed over uncounted; files known not to be articles
    (`filetypes.OTHER_TYPES`) are counted, not listed; documents in formats not read
    (`filetypes.UNREAD_DOCUMENTS`) are reported. Links that lead out of the
    folder are not followed unless `follow_links`; links to folders, dangling links, special files
    (pipes, sockets, devices) and sub-folders that cannot be read are reported.
    """
    root = folder.resolve()
    files: list[Path] = []
    skipped: dict[str, str] = {}
    passed: Counter[str] = Counter()

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
            if not _utf8(name):
                skipped[_shown(path.relative_to(folder)) + "/"] = NOT_UTF8
                continue
            if path.is_symlink() and not follow_links:
                skipped[path.relative_to(folder).as_posix() + "/"] = (
                    f"a link to the folder {os.readlink(path)}: not followed {FOLLOW}"
                )
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            path = here / name
            rel = path.relative_to(folder).as_posix()
            if name.startswith("."):
                continue
            if not _utf8(name):  # it could not be stored, shown or cited
                skipped[_shown(rel)] = NOT_UTF8
                continue
            try:
                mode = path.lstat().st_mode
                if stat.S_ISLNK(mode):
                    try:
                        target = path.resolve()
                    except RuntimeError:  # Python 3.11's word for a loop of links
                        skipped[rel] = "a link that leads back to itself"
                        continue
                    if not target.exists():
                        skipped[rel] = f"a dangling link (to {os.readlink(path)})"
                        continue
                    if not follow_links and not target.is_relative_to(root):
                        skipped[rel] = f"a link out of the corpus folder (to {target}): not followed {FOLLOW}"
                        continue
                    mode = target.stat().st_mode
            except OSError as exc:
                skipped[rel] = f"cannot be read: {exc.strerror or exc}"
                continue
            if (kind := _special(mode)) is not None:
                skipped[rel] = f"{kind}, not a file"
            elif not stat.S_ISREG(mode):
                continue
            elif kind_of(name) is not None:  # Debian's changelog.gz and README.Debian, a project's FAQ
                files.append(path)
            elif (why := unread(name)) is not None:
                skipped[rel] = why
            elif rel != METADATA_FILE:
                passed[type_of(name)] += 1
    return Scan(sorted(files), skipped, dict(passed))


def read_article(path: Path, source: str, extra: dict[str, Any] | None = None) -> Article:
    """Read and clean one file. Raises ValueError with the reason when it holds no article."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit")
    suffix = kind_of(path.name) or ".txt"
    meta: dict[str, str] = {}
    pages: list[int] = []
    headings: list[Heading] = []
    if suffix == ".pdf":
        paragraphs, meta, outline = read_pdf(path)
        text, pages = clean_pages(paragraphs)
        headings = [(level, title, pages[page], "") for level, title, page, _ in outline if page < len(pages)]
    elif suffix == ".docx":
        lines, meta, headings = read_docx(path)
        text = clean_text("\n".join(lines))
    else:
        raw = decode(_gunzipped(path) if path.suffix.lower() == ".gz" else path.read_bytes())
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")  # old Mac and mixed line ends: lines are lines
        if suffix in (".html", ".htm"):
            raw, meta, headings = html_to_text(raw)
        elif suffix in (".md", ".markdown"):
            raw, meta, headings = markdown_to_text(raw)
        elif is_man_page(raw):  # a manual page ("gpgv.1.gz"): set as text, as `man` shows it
            raw, meta, headings = man_to_text(raw)
        elif is_texinfo(raw):  # a GNU manual's source ("manual.texi.gz"): its text, not its markup
            raw, meta, headings = texinfo_to_text(raw)
        else:  # plain text: lines wrapped at a width are joined back into paragraphs
            raw, declared = org_settings(raw)
            if declared:
                meta["title"] = declared
            raw = unwrap(raw)
        text = clean_text(raw, repeats=suffix in (".md", ".markdown"))
    if not text.strip():
        raise ValueError("no article text left after cleaning")
    meta.update({k: str(v) for k, v in (extra or {}).items() if k in META_FIELDS and v})
    return Article(
        source=source,
        # a title the reader found empty ("": a list of links) is the file's name, not its first line
        title=meta.get("title") or untitled(path, "" if meta.get("title") == "" else text, _name(path)),
        text=text,
        publisher=meta.get("publisher"),
        author=meta.get("author"),
        date=meta.get("date"),
        url=meta.get("url"),
        pages=pages,
        headings=sections.locate(text, headings),
    )


def _gunzipped(path: Path) -> bytes:
    """The bytes a .gz file holds, at most MAX_FILE_BYTES of them."""
    import gzip

    try:
        with gzip.open(path) as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise ValueError(f"not a readable gzip file ({exc})") from exc
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"holds over {MAX_FILE_BYTES:,} bytes uncompressed, over the limit")
    return data


def _name(path: Path) -> str:
    """The file's name without the suffixes it is read by ("notes" for notes.md.gz; README.Debian stays)."""
    name = path.name[:-3] if path.suffix.lower() == ".gz" else path.name
    suffix = Path(name).suffix
    return name[: -len(suffix)] if suffix and suffix.lower() in SUFFIXES else name


def missing_corpus(folder: Path) -> str:
    """What to say of a corpus folder that is not one: a file ("point at the folder that holds it"), or nothing."""
    if folder.is_file():
        return f"the corpus is a folder of articles, and {folder} is a file: name the folder that holds it"
    return f"corpus folder not found: {folder}"


def load_corpus(
    folder: str | Path, follow_links: bool = False, progress: Callable[[int, int], None] | None = None
) -> LoadReport:
    """Read every article in `folder`. Unreadable files are reported in `skipped`, not raised.

    `follow_links`: also read files that symbolic links lead to outside the folder. `progress`
    gets (files read, files to read) after each file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(missing_corpus(folder))
    manifest = _read_manifest(folder)
    report = LoadReport()
    paths, report.skipped, report.passed_over = scan(folder, follow_links)
    for source, reason in report.skipped.items():
        skipped_logger.warning("skipped %s: %s", source, reason)
    for number, path in enumerate(paths, start=1):
        source = path.relative_to(folder).as_posix()
        try:
            report.articles.append(read_article(path, source, manifest.get(source)))
        except Exception as exc:  # ours say why; a reader library's (lxml, pypdf, zipfile) on a damaged file too
            why = str(exc) if isinstance(exc, (OSError, ValueError)) else f"cannot be read: {type(exc).__name__}: {exc}"
            skipped_logger.warning("skipped %s: %s", source, why)
            report.skipped[source] = why
        if progress:
            progress(number, len(paths))
    report.articles, copies = without_copies(
        report.articles, lambda source: str(Path(source).with_name(_name(Path(source))))
    )
    for source, why in copies.items():
        skipped_logger.warning("skipped %s: %s", source, why)
    report.skipped.update(copies)
    # A site name the pages' titles share is not part of any one title (metadata.json's titles stay as given).
    own = [i for i, a in enumerate(report.articles) if not (manifest.get(a.source) or {}).get("title")]
    for i, title in zip(own, without_shared_affix([report.articles[i].title for i in own]), strict=True):
        if title != report.articles[i].title:
            report.articles[i] = dataclasses.replace(report.articles[i], title=title)
    report.articles = without_template(report.articles)  # the banner and menu a site's pages all repeat
    return report
