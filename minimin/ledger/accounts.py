"""The chart of accounts: every account a business's journal uses, by code.

Codes are ``kind:name`` (``kind:name:key`` for accounts per contact or bank account), so that
an account's kind (asset, liability, income, expense, equity) is read from its code without a
lookup, and a report sums a kind or a family with a ``LIKE 'prefix%'``. This module is pure:
the words a user sees for each account are in :mod:`minimin.ledger.labels`.
"""

from __future__ import annotations

import uuid

ASSET = "asset"
LIABILITY = "liability"
EQUITY = "equity"
INCOME = "income"
EXPENSE = "expense"
KINDS = (ASSET, LIABILITY, EQUITY, INCOME, EXPENSE)

# Income.
TURNOVER_DIRECT = "income:turnover:direct"  # work invoiced to clients
TURNOVER_AGENCY = "income:turnover:agency"  # work through agencies
TURNOVER_PREFIX = "income:turnover"
OTHER_INCOME = "income:other"
# VAT.
OUTPUT_VAT = "liability:vat:output"
INPUT_VAT = "asset:vat:input"
# Cash basis only: invoiced (or bought) but not yet paid, so not yet income (or expense).
UNPAID_SALES = "liability:unpaid-sales"
# Money received but not yet seen on a bank statement (a payment recorded by hand, Stripe).
UNDEPOSITED = "asset:undeposited"
# What an agency has paid out for a remittance, on its way to the bank.
AGENCY_CLEARING = "asset:agency-clearing"
# Money owed back to customers (credit balances are kept on the debtor accounts).
OWNER_DRAWINGS = "equity:drawings"
OWNER_CAPITAL = "equity:capital"
# Money moving between the user's own accounts (both sides of a transfer clear it).
TRANSFERS = "asset:transfers"
# Bank lines not yet explained (categorised or matched).
SUSPENSE = "asset:suspense"
#: Expenses by SA103F box: ``expense:box:<n>`` (17-30, allowable) and the disallowable part
#: ``expense:disallowable:<n>`` (the matching box 32-45 is n + 15).
EXPENSE_BOX_PREFIX = "expense:box:"
DISALLOWABLE_PREFIX = "expense:disallowable:"
MILEAGE = "expense:box:20"  # simplified expenses for vehicles are motoring costs (box 20)
COMMISSION_BOX = 28  # agency commission, as the expenses feature files it

DEBTOR_CLIENT_PREFIX = "asset:debtors:client:"
DEBTOR_AGENCY_PREFIX = "asset:debtors:agency:"
DEBTORS_PREFIX = "asset:debtors:"
#: A customer named only on the document (records from before customers were required).
DEBTOR_UNNAMED = "asset:debtors:unnamed"
BANK_PREFIX = "asset:bank:"


def kind_of(code: str) -> str:
    """The kind of account *code* is."""
    kind = code.split(":", 1)[0]
    if kind not in KINDS:
        raise ValueError(f"unknown account kind in {code!r}")
    return kind


def expense_box(box: int) -> str:
    if not 17 <= box <= 30:
        raise ValueError(f"SA103F expense box {box} is not 17-30")
    return f"{EXPENSE_BOX_PREFIX}{box}"


def disallowable(box: int) -> str:
    if not 17 <= box <= 30:
        raise ValueError(f"SA103F expense box {box} is not 17-30")
    return f"{DISALLOWABLE_PREFIX}{box}"


def debtor(*, client_id: uuid.UUID | None = None, agency_id: uuid.UUID | None = None) -> str:
    """The debtor account of a client or an agency (at most one of them; neither: a customer
    named only on the document)."""
    if client_id is not None and agency_id is not None:
        raise ValueError("a debtor is a client or an agency, not both")
    if client_id is None and agency_id is None:
        return DEBTOR_UNNAMED
    if client_id is not None:
        return f"{DEBTOR_CLIENT_PREFIX}{client_id}"
    return f"{DEBTOR_AGENCY_PREFIX}{agency_id}"


def bank(bank_account_id: uuid.UUID) -> str:
    return f"{BANK_PREFIX}{bank_account_id}"


def is_balance_sheet(code: str) -> bool:
    return kind_of(code) in (ASSET, LIABILITY, EQUITY)
