"""The journal in words: account names and line sentences (:mod:`.words`) and "How this is
counted" on document pages (:mod:`.counted`)."""

from __future__ import annotations

from minimin.ledger.labels.counted import (
    IN_FORCE,
    RELATED,
    REPLACED,
    REVERSAL,
    SOURCE_KINDS,
    BatchShare,
    EntryWords,
    HowCounted,
    LineWords,
    how_counted,
)
from minimin.ledger.labels.words import (
    BASIS_NOTES,
    FIXED,
    NAMED,
    Words,
    account_label,
    adds_on_debit,
    line_sentence,
    names_for,
    words_for,
)

__all__ = [
    "BASIS_NOTES",
    "FIXED",
    "IN_FORCE",
    "NAMED",
    "RELATED",
    "REPLACED",
    "REVERSAL",
    "SOURCE_KINDS",
    "BatchShare",
    "EntryWords",
    "HowCounted",
    "LineWords",
    "Words",
    "account_label",
    "adds_on_debit",
    "how_counted",
    "line_sentence",
    "names_for",
    "words_for",
]
