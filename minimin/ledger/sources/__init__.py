"""The kinds of source document that post to the journal, one module per family."""

from __future__ import annotations

_registered = False


def register_sources() -> None:
    """Register every kind of source document (once per process)."""
    global _registered
    if _registered:
        return
    from minimin.ledger import posting, totals
    from minimin.ledger.sources import banking, expenses, invoices, remittances

    # The kept totals equal the sums of their lines (the reports read them).
    posting.proof(totals.problems)
    invoices.register()
    remittances.register()
    expenses.register()
    banking.register()
    _registered = True
