"""Answer: plan the question once, gather and score evidence sentences, decide refusal, write the cited answer."""

from __future__ import annotations

from .plan import Plan, make_plan
from .refusal import Decision, decide
from .writer import AnswerWriter, ExtractiveWriter

__all__ = ["AnswerWriter", "Decision", "ExtractiveWriter", "Plan", "decide", "make_plan"]
