"""Redaction: personal identifiers are replaced by placeholders before text leaves Minimin.

Bank account numbers, sort codes, IBANs, UTRs, National Insurance numbers, email addresses
and phone numbers become ``[[KIND_n]]``; the mapping stays here and :meth:`Redacted.restore`
puts the originals back into what the provider answers. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Order matters: longer, more specific shapes first, so an IBAN is not read as an account.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("IBAN", re.compile(r"\bGB\d{2}\s?[A-Z]{4}(?:\s?\d){14}\b")),
    (
        "NINO",
        re.compile(r"\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIQUVO])[A-Z]\s?(?:\d{2}\s?){3}[A-D]\b"),
    ),
    (
        "PHONE",
        re.compile(r"(?<![\w.])(?:\+44\s?\(?0?\)?\s?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}\b"),
    ),
    ("SORTCODE", re.compile(r"\b\d{2}[-\s]\d{2}[-\s]\d{2}\b")),
    ("UTR", re.compile(r"\b\d{5}\s?\d{5}\b")),
    ("ACCOUNT", re.compile(r"\b\d{8}\b")),
)

_PLACEHOLDER = re.compile(r"\[\[[A-Z]+_\d+\]\]")


@dataclass
class Redacted:
    text: str
    mapping: dict[str, str] = field(default_factory=dict)

    def restore(self, value: Any) -> Any:
        """Put the originals back into a string, or every string inside lists and dicts."""
        if isinstance(value, str):
            return _PLACEHOLDER.sub(lambda m: self.mapping.get(m.group(0), m.group(0)), value)
        if isinstance(value, list):
            return [self.restore(v) for v in value]
        if isinstance(value, dict):
            return {k: self.restore(v) for k, v in value.items()}
        return value


def redact(text: str, base: Redacted | None = None) -> Redacted:
    """Replace every identifier in *text*; the same value always gets the same placeholder,
    also across the texts of one conversation when *base* (an earlier result) is given."""
    mapping: dict[str, str] = dict(base.mapping) if base else {}
    reverse: dict[str, str] = {v: k for k, v in mapping.items()}
    counters: dict[str, int] = {}
    for placeholder in mapping:
        kind, _, number = placeholder.strip("[]").rpartition("_")
        counters[kind] = max(counters.get(kind, 0), int(number))

    for kind, pattern in _PATTERNS:

        def substitute(match: re.Match[str], kind: str = kind) -> str:
            original = match.group(0)
            if original in reverse:
                return reverse[original]
            counters[kind] = counters.get(kind, 0) + 1
            placeholder = f"[[{kind}_{counters[kind]}]]"
            mapping[placeholder] = original
            reverse[original] = placeholder
            return placeholder

        text = pattern.sub(substitute, text)
    return Redacted(text, mapping)
