"""Which files of a folder are articles, and how each is read: by its suffix, as plain text, or not at all.

A documentation folder keeps prose in files of many names: `guide.html`, `NEWS.gz`, `README`,
`README.Debian`, `gpgv.1.gz`. Files of known formats are read as those formats; a file without a
suffix, or with one no program claims, is read as plain text (decoding tells a binary one); files
known not to be articles (pictures, code, data) are passed over; documents in formats the assistant
does not read are reported with what to do.
"""

from __future__ import annotations

from pathlib import Path

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
# A gzip-compressed text, Markdown or HTML file ("NEWS.gz", "manual.html.gz") is read as what it holds;
# these, compressed, are not (a PDF or Word file is read from the file itself, an archive holds many).
PACKED = (".pdf", ".docx", ".tar", ".zip", ".jar")
# Files known not to be articles, passed over without a word: pictures, sound and video, fonts, archives,
# programs and their parts, source code, data and configuration in formats of their own.
OTHER_TYPES = frozenset(
    """.png .jpg .jpeg .gif .bmp .ico .svg .svgz .webp .tif .tiff .xcf .psd .mp3 .mp4 .m4a .wav .ogg .oga .ogv
    .flac .avi .mov .mkv .webm .ttf .otf .woff .woff2 .eot .pfb .afm .zip .tar .tgz .bz2 .xz .zst .7z .rar .deb
    .rpm .jar .whl .egg .so .o .a .la .pyc .pyo .exe .dll .bin .class .wasm .dylib .db .sqlite .sqlite3 .dat .npy
    .npz .pkl .pickle .parquet .py .pyi .c .h .cc .cpp .cxx .hpp .hh .js .mjs .cjs .ts .tsx .jsx .css .scss .less
    .java .go .rs .rb .pl .pm .php .sh .bash .zsh .fish .lua .swift .kt .scala .sql .m4 .ac .am .mk .cmake .el
    .elc .vim .json .jsonl .csv .tsv .xml .xsl .xslt .dtd .xsd .yaml .yml .toml .ini .cfg .lock .map .ps .eps .dvi
    .mo .po .pot .gpg .sig .asc .pem .crt .key .pub .kbx .desktop .service .socket .timer .diff .patch .bak .swp
    .orig .rej .tmp .log""".split()  # noqa: SIM905
)
# Documents in formats the assistant does not read: reported, with what to do.
UNREAD_DOCUMENTS = frozenset(".doc .odt .rtf .epub .pages .ppt .pptx .odp .xls .xlsx .ods .djvu .chm".split())  # noqa: SIM905


def kind_of(name: str) -> str | None:
    """How a file called `name` is read: by its suffix (".html", ".pdf", …; "NEWS.gz" as what it holds),
    as plain text (".txt": also a file without a suffix, such as README or FAQ, or with one no program
    claims, such as README.Debian; decoding tells a binary one), or not at all (None)."""
    path = Path(name)
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return None if Path(path.stem).suffix.lower() in PACKED else kind_of(path.stem)
    if suffix in SUFFIXES:
        return suffix
    if suffix in OTHER_TYPES or suffix in UNREAD_DOCUMENTS:
        return None
    return ".txt"


def unread(name: str) -> str | None:
    """Why a file `kind_of` does not read is left out, when it may be a document someone meant to index
    (None for the files passed over without a word)."""
    path = Path(name)
    suffix = path.suffix.lower()
    if suffix == ".gz":
        inner = Path(path.stem).suffix.lower()
        return f"a compressed {inner} file: unpack it to index it" if inner in PACKED else unread(path.stem)
    if suffix in UNREAD_DOCUMENTS:
        return f"{suffix} files are not read: save it as .docx, .pdf, .html or .txt to index it"
    return None


def type_of(name: str) -> str:
    """A file's type as a person names it: its suffix, lowercased, with what a .gz holds (".json.gz");
    "no suffix" for none."""
    path = Path(name.lower())
    if path.suffix == ".gz" and Path(path.stem).suffix:
        return Path(path.stem).suffix + ".gz"
    return path.suffix or "no suffix"
