"""A question to the assistant: the typed input the assistant page builds
(docs/decisions/0009-typed-service-inputs.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class QuestionInput:
    question: str
    #: The day the question is asked ("this month", "overdue" are read from it).
    today: date
