"""An existing index is not replaced by a folder that lacks most of its articles (a mistyped --corpus) unless
that is asked for: one refusal, in one line, for the index folder and PostgreSQL, the CLI and the Python API;
a folder pruned on purpose still updates it."""

from __future__ import annotations

from assistant.store import replacement


def test_the_rule_is_more_than_half_and_at_least_five() -> None:
    cases = {  # (articles held, kept): refused
        (5, 2): False,  # 3 of the 5 shipped articles deleted on purpose: the index follows the folder
        (5, 1): False,  # 4 removed: fewer than a handful, re-indexed in seconds if it was a mistake
        (5, 0): True,  # a folder with none of them
        (4, 0): False,
        (10, 5): False,  # half
        (10, 4): True,  # more than half
        (9, 4): True,
        (1000, 20): True,  # a wrong folder that shares a README.md or two
        (1000, 600): False,
    }
    assert {case: replacement.removes_most(*case) for case in cases} == cases
