"""Categorisation: the user's rules (description contains / matches a pattern, amount range,
direction -> category, client or agency) and suggestions learned from earlier choices.

User patterns are compiled with the ``regex`` module and run with a time limit, so a
catastrophic pattern such as ``(a+)+$`` cannot stall an import; patterns are at most
:data:`PATTERN_MAX` characters. Pure functions (no database).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import regex
from flask_babel import lazy_gettext as _l

from minimin.core.user_error import UserError
from minimin.expenses.categories import CATEGORIES

PATTERN_MAX = 200
#: Seconds one pattern may spend on one description.
MATCH_TIMEOUT = 0.05

#: Categories of money coming in (and of movements that are not income or expenses).
INCOME_CATEGORIES: dict[str, Any] = {
    "income": _l("Income: fees and sales"),
    "agency_payment": _l("Income: agency payment"),
    "refund": _l("Refund"),
    "transfer": _l("Transfer between own accounts"),
    "personal": _l("Personal (not business)"),
    "tax": _l("Tax payment or refund"),
    "loan": _l("Loan or capital"),
}
EXPENSE_CATEGORIES: dict[str, Any] = {cat.code: cat.label for cat in CATEGORIES}
ALL_CATEGORIES: dict[str, Any] = {**INCOME_CATEGORIES, **EXPENSE_CATEGORIES}


#: Strings on which badly backtracking patterns show themselves.
_PROBES = ("a" * 40 + "!", "x" * 60, "card payment to " * 6 + "!", "0" * 40 + "-")


class RuleError(UserError):
    """A categorisation rule that cannot be accepted."""


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """Compile a user's pattern (case-insensitive) or raise :class:`RuleError`."""
    if not pattern:
        raise RuleError(_l("Enter a pattern."), "pattern")
    if len(pattern) > PATTERN_MAX:
        raise RuleError(
            _l("Use at most %(max)d characters in a pattern.", max=PATTERN_MAX), "pattern"
        )
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE | regex.V0)
    except (regex.error, RecursionError, OverflowError) as exc:
        raise RuleError(
            _l("The pattern is not a valid regular expression: %(detail)s", detail=str(exc)[:100]),
            "pattern",
        ) from exc
    # A pattern that cannot finish on a short hostile string within the limit is refused now.
    try:
        for probe in _PROBES:
            compiled.search(probe, timeout=MATCH_TIMEOUT)
    except TimeoutError as exc:
        raise RuleError(_l("The pattern is too slow to run; simplify it."), "pattern") from exc
    return compiled


@dataclass(frozen=True)
class RuleSpec:
    id: uuid.UUID | None
    match_kind: str  # contains / regex / any
    pattern: str
    direction: str = "any"  # any / in / out
    min_pence: int | None = None
    max_pence: int | None = None
    category: str | None = None
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None


@dataclass(frozen=True)
class CompiledRule:
    spec: RuleSpec
    needle: str
    compiled: regex.Pattern[str] | None

    def matches(self, text: str, amount_pence: int) -> bool:
        spec = self.spec
        if spec.direction == "in" and amount_pence <= 0:
            return False
        if spec.direction == "out" and amount_pence >= 0:
            return False
        size = abs(amount_pence)
        if spec.min_pence is not None and size < spec.min_pence:
            return False
        if spec.max_pence is not None and size > spec.max_pence:
            return False
        if spec.match_kind == "contains":
            return self.needle in text.casefold()
        if spec.match_kind == "regex" and self.compiled is not None:
            try:
                return self.compiled.search(text, timeout=MATCH_TIMEOUT) is not None
            except TimeoutError:
                return False
        return spec.match_kind == "any"


def compile_rules(specs: Iterable[RuleSpec]) -> list[CompiledRule]:
    """Ready-to-run rules; a stored pattern that no longer compiles is skipped."""
    out = []
    for spec in specs:
        compiled = None
        if spec.match_kind == "regex":
            try:
                compiled = compile_pattern(spec.pattern)
            except RuleError:
                continue
        out.append(CompiledRule(spec, " ".join(spec.pattern.casefold().split()), compiled))
    return out


def first_match(
    rules: list[CompiledRule], description: str, counterparty: str, amount_pence: int
) -> RuleSpec | None:
    """The first rule (in order) matching the transaction."""
    text = f"{counterparty} {description}".strip()
    for rule in rules:
        if rule.matches(text, amount_pence):
            return rule.spec
    return None


def learn(history: Iterable[tuple[str | None, str | None]]) -> dict[str, str]:
    """From (payee key, category chosen) pairs, the most frequent category per payee (ties go
    to the category seen last). A pair missing either is skipped."""
    counts: dict[str, Counter[str]] = {}
    last: dict[tuple[str, str], int] = {}
    for position, (key, category) in enumerate(history):
        if not key or not category:
            continue
        counts.setdefault(key, Counter())[category] += 1
        last[(key, category)] = position

    def most_used(key: str, counter: Counter[str]) -> str:
        return max(counter, key=lambda category: (counter[category], last[(key, category)]))

    return {key: most_used(key, counter) for key, counter in counts.items()}
