"""Ledger sources: the invoices feature's money documents."""

from __future__ import annotations


def register() -> None:
    """Register this family's documents with :mod:`minimin.ledger.posting`."""
