"""Turn raw article text into clean prose: general rules for web boilerplate, no site lists."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import cache

# Whole lines that are page furniture on any site: navigation, comment, share and print links.
_FURNITURE = re.compile(
    r"""^(?:
        skip\ to\ (?:main\ )?content | jump\ to\ (?:navigation|content) | main\ menu | menu
      | (?:leave|post|add|write)\ a\ (?:comment|reply) | \d*\ ?comments? | no\ comments?(?:\ on\ .*)?
      | comments?\ are\ closed | reply | share(?:\ this(?:\ article|\ story|\ post)?)?(?:\ on\ \w+)?
      | print(?:\ this(?:\ article|\ page)?)? | printer[\s-]friendly(?:\ version)? | e-?mail(?:\ this)?
      | tweet | like | pin\ it | follow\ us(?:\ on\ .*)? | subscribe(?:\ now|\ to\ .*)? | sign\ (?:up|in)
      | log\ ?in | register | search | back(?:\ to\ top)? | go\ back | return\ to\ top | top
      | read\ more | continue\ reading | related(?:\ (?:posts|articles|stories|news))? | advertisement
      | tags?:.* | categories?:.* | filed\ under:?.* | previous(?:\ (?:post|article))? | next(?:\ (?:post|article))?
      | privacy(?:\ (?:overview|policy|settings|preferences))? | cookie(?:s|\ (?:policy|settings|preferences))?
      | accept(?:\ all)?(?:\ cookies)? | reject(?:\ all)? | manage\ (?:cookies|consent|options)
      | terms(?:\ of\ (?:use|service))? | all\ rights\ reserved.* | ©.* | copyright\ .*
      | \d+\ min(?:ute)?s?\ read
    )[.!:]?$""",
    re.IGNORECASE | re.VERBOSE,
)
# Short lines that carry these are page chrome even with other words around them.
_CHROME_MARKERS = re.compile(
    # No \b before the digits: templates glue "5 minute read" to the title ("Lisbon5 minute read").
    r"(?:\bno\ comments|\bleave\ a\ comment|\d+\ min(?:ute)?s?\ read|\bread\ more|\bshare\ this|"
    r"\bprint\ this|\bskip\ to\ content)\b",
    re.IGNORECASE | re.VERBOSE,
)
# Consent notices: a paragraph about cookies and what the site does with them.
_COOKIE = re.compile(r"\bcookies?\b", re.IGNORECASE)
_CONSENT = re.compile(
    r"\b(?:browser|website|consent|accept|our site|user experience|personali[sz]e|tracking|gdpr)\b",
    re.IGNORECASE,
)
# A list bullet; a dash or star only with a space after it ("-d", "--help" and "->" are text).
_BULLET = re.compile(r"^\s*(?:[•·▪‣◦●■□►▶]+\s*|[*–—-]+\s+)+(?=\S)")
_LETTER = re.compile(r"[^\W\d_]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")

# Terminal control sequences: CSI ("\x1b[31m"), OSC ("\x1b]0;title\x07"), DCS/PM/APC strings, other
# escapes, and the 8-bit C1 forms; what is left of one after its ESC is dropped must go too.
_TERMINAL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|[\x80-\x9f]"
)
_OTHER_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip_terminal(text: str) -> str:
    """The text with every terminal control sequence and control character removed (newlines and tabs kept)."""
    return _OTHER_CONTROL.sub("", _TERMINAL.sub("", text))


_NOT_PRINTABLE_ASCII = re.compile(r"[^\n\t\x20-\x7e]")
SHORT_LINE_WORDS = 12
TRAILING_FRAGMENTS = 4  # at most this many short lines after the last paragraph are a signature, not a list
FRAGMENT_WORDS = 4


def normalise(text: str) -> str:
    """Unify newlines, Unicode form and spaces; drop control and invisible characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _NOT_PRINTABLE_ASCII.sub(_drop_other, text)  # only the rare other characters are looked up
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _drop_other(match: re.Match[str]) -> str:
    """The character unless its Unicode category is "other" (control, format, private, unassigned)."""
    return "" if unicodedata.category(match.group())[0] == "C" else match.group()


@cache
def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def script_counts(text: str) -> dict[str, int]:
    """How many letters of each script ("LATIN", "CYRILLIC", "CJK") the text has."""
    counts: dict[str, int] = {}
    for ch, n in Counter(_LETTER.findall(text)).items():  # in the order the scripts first appear
        script = _script(ch)
        counts[script] = counts.get(script, 0) + n
    return counts


def _dominant_script(lines: list[str]) -> str:
    counts = script_counts("\n".join(lines))
    return max(counts, key=lambda s: counts[s]) if counts else ""


def _is_foreign_chrome(line: str, script: str) -> bool:
    """A short line written in another script than the article is a leftover UI label."""
    letters = _LETTER.findall(line)
    if not letters or len(line.split()) > SHORT_LINE_WORDS // 2:
        return False
    foreign = sum(1 for ch in letters if _script(ch) != script)
    return foreign / len(letters) > 0.5


def is_boilerplate(line: str, script: str = "LATIN") -> bool:
    """Is this whole line page furniture rather than article text?"""
    words = len(line.split())
    if not _LETTER.search(line):
        return True  # "^", "•", "|", bare numbers and dates
    if _FURNITURE.match(line):
        return True
    markers = [m.end() for m in _CHROME_MARKERS.finditer(line)]
    if markers and (words <= SHORT_LINE_WORDS or (words <= 3 * SHORT_LINE_WORDS and markers[-1] == len(line))):
        return True  # "… Read more", "… No Comments on <title> 5 minute read"
    if _COOKIE.search(line) and _CONSENT.search(line) and words <= 120:
        return True
    return _is_foreign_chrome(line, script)


# A command or a line of code: a path, a call, an assignment, a statement's end, a file name ("fstrim.timer")
_CODE = re.compile(r"[/_();=]|\b[a-z]\w*\.[a-z]\w*\b")


def _is_fragment(line: str) -> bool:
    return len(line.split()) <= FRAGMENT_WORDS and not line.endswith((".", "!", "?", '"', "”"))


def _lines(raw: str) -> list[str]:
    return [line for line in (_BULLET.sub("", line) for line in normalise(raw).split("\n")) if line]


def _kept(lines: list[str], repeats: bool = False) -> list[int]:
    """Which of the lines are the article's own: boilerplate and (unless `repeats`) repeated labels left out."""
    script = _dominant_script(lines)
    kept: list[int] = []
    seen_short: set[str] = set()
    for i, line in enumerate(lines):
        if is_boilerplate(line, script):
            continue
        key = line.casefold()
        if not repeats and len(line.split()) <= SHORT_LINE_WORDS:
            if key in seen_short:
                continue  # a title or label repeated by the page template
            seen_short.add(key)
        kept.append(i)
    # Signatures, site names and widget labels trail the last paragraph as a few short fragments; a longer
    # run of them, or a text of nothing else, is a list (an AUTHORS or THANKS file's names), which stays; so
    # do lines that a paragraph ending in ":" introduces, and commands ("just do the following as root:").
    run = 0
    while run < len(kept) - 1 and _is_fragment(lines[kept[-1 - run]]):
        run += 1
    last = lines[kept[-1 - run]] if kept else ""
    if kept and run <= TRAILING_FRAGMENTS and not _is_fragment(last) and not last.endswith(":"):
        trailing = [lines[i] for i in kept[len(kept) - run :]]
        if not all(_CODE.search(line) for line in trailing):  # "systemctl enable fstrim.timer" is no signature
            del kept[len(kept) - run :]
    return kept


def clean_text(raw: str, repeats: bool = False) -> str:
    """Keep the article's own lines, one paragraph per line, boilerplate removed. A short line the text
    repeats is a label of a web page's template and goes, unless `repeats`: in a text someone wrote as
    it is (Markdown), "Returns: {integer}" under each of 19 functions is each function's."""
    lines = _lines(raw)
    return "\n".join(lines[i] for i in _kept(lines, repeats))


def clean_pages(pages: Sequence[Sequence[str]]) -> tuple[str, list[int]]:
    """`clean_text` of the pages' paragraphs, and the offset in it where each page starts (a page
    left with no text starts where the next one does)."""
    lines: list[str] = []
    page_of: list[int] = []
    for number, page in enumerate(pages):
        for paragraph in page:
            for line in _lines(paragraph):
                lines.append(line)
                page_of.append(number)
    kept = _kept(lines)
    starts: list[int | None] = [None] * len(pages)
    at = 0
    for k, i in enumerate(kept):
        at += 1 if k else 0  # the line break before it
        if starts[page_of[i]] is None:
            starts[page_of[i]] = at
        at += len(lines[i])
    filled, following = [], at
    for start in reversed(starts):
        following = following if start is None else start
        filled.append(following)
    return "\n".join(lines[i] for i in kept), filled[::-1]


def first_line(text: str) -> str:
    """The first line of a text, used as a title when nothing better is known."""
    return text.split("\n", 1)[0].strip()
