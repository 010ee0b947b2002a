"""Manual pages (troff with the man macros) are read as `man` shows them, not as their markup."""

from __future__ import annotations

import gzip
from pathlib import Path

from assistant.ingest.corpus import load_corpus
from assistant.ingest.roff import is_man_page, man_to_text

# Set the way yat2m and help2man write pages (Debian's gpgv.1, ls.1, tar.1), shortened.
PAGE = r""".\" Created from Texinfo source by yat2m 1.46
.TH GPGV 1 2022-10-07 "GnuPG 2.2.40" "GNU Privacy Guard 2.2"
.SH NAME
.B gpgv
\- Verify OpenPGP signatures
.SH SYNOPSIS
.B  gpgv
.RI [ options ]
.I signed_files
.SH DESCRIPTION
\fBgpgv\fR is an OpenPGP signature verification tool.
If no \fB--keyring\fR option is given, \fBgpgv\fR looks for a
``default'' keyring named \(oq\fItrustedkeys.kbx\fR\(cq in the
home directory.
.SH OPTIONS
.TP
.B  --max-cache-ttl \fIn\fR
Set the maximum time a cache entry is valid to \fIn\fR seconds. The default
is 7200 seconds.
.SS Traditional usage
\fBtar\fR {\fBA\fR|\fBc\fR}\
[\fBGnSk\fR] [\fIARG\fR...]
.nf
  gpgv --keyring ./pub.kbx file.sig
  gpgv file.sig
.fi
.PP
Registry entry \fIHKCU\\Software\\GNU\fR.
"""


def test_a_manual_page_reads_as_man_shows_it(tmp_path: Path) -> None:
    """Found by a new user: answers quoted 'The \\fB--enable-putty-support\\fR is only …' and the pages'
    titles were their '.\\" Created from Texinfo source …' comment lines."""
    assert is_man_page(PAGE) and not is_man_page("A text that mentions .TH in passing.\n")
    text, meta, headings = man_to_text(PAGE)
    lines = text.split("\n")
    assert meta == {"title": "gpgv - Verify OpenPGP signatures", "date": "2022-10-07"}
    assert [(level, title) for level, title, _, _ in headings] == [
        (1, "NAME"), (1, "SYNOPSIS"), (1, "DESCRIPTION"), (1, "OPTIONS"), (2, "Traditional usage"),
    ]  # fmt: skip
    assert "gpgv [options] signed_files" in lines
    assert (
        "gpgv is an OpenPGP signature verification tool. If no --keyring option is given, gpgv looks for a "
        "``default'' keyring named ‘trustedkeys.kbx’ in the home directory." in lines
    )  # the source's lines joined into one paragraph, fonts and special characters undone
    assert (
        "--max-cache-ttl n Set the maximum time a cache entry is valid to n seconds. The default is 7200 seconds."
        in lines
    )  # an option stays with what it does
    assert "tar {A|c}[GnSk] [ARG...]" in lines  # a line ending in a backslash goes on in the next
    assert "  gpgv --keyring ./pub.kbx file.sig" in lines and "  gpgv file.sig" in lines  # no-fill lines kept
    assert "Registry entry HKCU\\Software\\GNU." in lines
    assert "\\f" not in text and not any(line.startswith(".") for line in lines)

    (tmp_path / "gpgv.1.gz").write_bytes(gzip.compress(PAGE.encode()))
    (article,) = load_corpus(tmp_path).articles
    assert article.title == "gpgv - Verify OpenPGP signatures" and article.date == "2022-10-07"
    assert "The default is 7200 seconds." in article.text
