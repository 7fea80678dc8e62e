"""The journal for the accountant: the trial balance at a date, the general ledger of an
account over a period (paged), the journal as CSV rows (:mod:`.statements`), and the whole
ledger as a beancount file (:mod:`.beancount_file`)."""

from __future__ import annotations

from minimin.ledger.export.beancount_file import (
    BEANCOUNT_NAMED,
    BEANCOUNT_NAMES,
    BEANCOUNT_ROOTS,
    beancount_account,
    beancount_accounts,
    beancount_lines,
    beancount_text,
)
from minimin.ledger.export.statements import (
    BASIS_WORDS,
    BATCH,
    GENERAL_LEDGER_HEADER,
    JOURNAL_HEADER,
    PER_PAGE,
    TRIAL_BALANCE_HEADER,
    BalanceRow,
    LedgerPage,
    LedgerRow,
    TrialBalance,
    account_names,
    account_order,
    general_ledger,
    general_ledger_rows,
    journal_rows,
    line_order,
    pounds,
    trial_balance,
    trial_balance_rows,
)

__all__ = [
    "BASIS_WORDS",
    "BATCH",
    "BEANCOUNT_NAMED",
    "BEANCOUNT_NAMES",
    "BEANCOUNT_ROOTS",
    "GENERAL_LEDGER_HEADER",
    "JOURNAL_HEADER",
    "PER_PAGE",
    "TRIAL_BALANCE_HEADER",
    "BalanceRow",
    "LedgerPage",
    "LedgerRow",
    "TrialBalance",
    "account_names",
    "account_order",
    "beancount_account",
    "beancount_accounts",
    "beancount_lines",
    "beancount_text",
    "general_ledger",
    "general_ledger_rows",
    "journal_rows",
    "line_order",
    "pounds",
    "trial_balance",
    "trial_balance_rows",
]
