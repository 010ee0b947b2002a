"""Replacing an index: when a sync would remove so much of what an existing index holds that its corpus
folder is more likely the wrong one (a typo in a path) than pruned, it is refused unless asked for.

One decision for both stores (the index folder and PostgreSQL), made from article names alone, so it holds
for an index copied or cloned anywhere: the manifest does not say which folder an index was built from, and
a path recorded there would be wrong in every clone of the repository's `index/`. As rsync's --max-delete,
but in proportion to the index: removing 100 articles of 10,000 is routine, removing 100 of 120 is not.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from ..errors import IndexReplaceError

# A sync is refused when it would remove more than this share of the articles an index holds …
MOST = 0.5
# … and at least this many. A wrong folder keeps next to none of an index's articles (at most a common
# README.md or index.html), a right one after pruning usually keeps most, so a half lies far from both.
# Fewer removals than this are left to go ahead: re-indexing a handful of articles takes seconds, and someone
# who deletes 3 of the 5 shipped articles expects the index to follow, without a flag. An index of five or
# more articles is still never replaced whole by a folder that shares no file name with it.
HANDFUL = 5


def removes_most(held: int, kept: int) -> bool:
    """Whether a sync that keeps `kept` of the `held` articles of an index removes most of it."""
    removed = held - kept
    return removed >= HANDFUL and removed > held * MOST


def check(
    held: Collection[str],
    corpus: Collection[str],
    *,
    index: str,
    another: str,
    corpus_dir: Path | None = None,
    replace: bool = False,
) -> None:
    """Raise IndexReplaceError when indexing the articles named `corpus` (source names) would remove most of
    the `held` articles of an existing index and `replace` is not set; before anything is changed.

    `index` names the index for the message ("the index at …"), `another` how to choose another one.
    """
    if replace or not held:
        return
    new = set(corpus)
    kept = sum(source in new for source in held)
    if not removes_most(len(held), kept):
        return
    folder = str(corpus_dir) if corpus_dir is not None else "the corpus"
    raise IndexReplaceError(
        f"{index} holds {len(held)} articles and {folder} keeps {kept} of them: indexing it would remove "
        f"{len(held) - kept}, so nothing was changed; to replace the index with this folder's articles, add "
        f"--replace to `assistant index`; to keep it, give this folder another {another}"
    )
