"""The journal's plain arithmetic: balance on each basis, merging, reversing, VAT shares."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from minimin.ledger import accounts
from minimin.ledger.entries import (
    ACCRUALS,
    CASH,
    Line,
    Posting,
    UnbalancedEntry,
    compact,
    reversed_lines,
    same_lines,
    split_vat_share,
)

DAY = dt.date(2026, 5, 1)


def test_a_posting_must_balance_on_each_basis() -> None:
    # Balanced in total (1440 - 1200 - 240 = 0) but the cash side is missing: refused.
    with pytest.raises(UnbalancedEntry):
        Posting(
            DAY,
            "invoice",
            (
                Line("asset:debtors:client:x", 1440),
                Line(accounts.TURNOVER_DIRECT, -1200, basis=ACCRUALS),
                Line(accounts.OUTPUT_VAT, -240, basis=ACCRUALS),
            ),
        )
    posting = Posting(
        DAY,
        "invoice",
        (
            Line("asset:debtors:client:x", 1440),
            Line(accounts.TURNOVER_DIRECT, -1200, basis=ACCRUALS),
            Line(accounts.OUTPUT_VAT, -240, basis=ACCRUALS),
            Line(accounts.UNPAID_SALES, -1440, basis=CASH),
        ),
    )
    assert sum(line.amount for line in posting.lines) == -1440  # the raw sum mixes the bases


def test_an_unknown_basis_is_refused() -> None:
    with pytest.raises(UnbalancedEntry):
        Posting(DAY, "x", (Line("asset:suspense", 5, basis="Z"), Line("asset:suspense", -5)))


def test_compact_merges_lines_with_the_same_key_and_drops_zeros() -> None:
    lines = compact(
        [
            Line(accounts.TURNOVER_DIRECT, -100, vat_code="standard", memo="a"),
            Line(accounts.TURNOVER_DIRECT, -50, vat_code="standard", memo="b"),
            Line(accounts.TURNOVER_DIRECT, -70, vat_code="zero"),
            Line(accounts.SUSPENSE, 10),
            Line(accounts.SUSPENSE, -10),
        ]
    )
    assert [(ln.account, ln.amount, ln.vat_code, ln.memo) for ln in lines] == [
        (accounts.TURNOVER_DIRECT, -150, "standard", "a; b"),
        (accounts.TURNOVER_DIRECT, -70, "zero", ""),
    ]


def test_reversal_cancels_and_same_lines_ignores_order_and_memos() -> None:
    lines = (Line(accounts.UNDEPOSITED, 200, memo="x"), Line("asset:debtors:client:c", -200))
    back = reversed_lines(lines)
    assert [ln.amount for ln in back] == [-200, 200]
    assert same_lines(
        lines, (Line("asset:debtors:client:c", -200), Line(accounts.UNDEPOSITED, 200))
    )
    assert not same_lines(lines, back)


@pytest.mark.parametrize(
    ("amount", "vat", "total", "expected"),
    [
        (1440, 240, 1440, (1200, 240)),  # paid in full: all of the VAT
        (200, 75, 450, (167, 33)),  # 200 x 75 / 450 = 33.33 -> 33
        (300, 50, 600, (275, 25)),  # 300 x 50 / 600 = 25 exactly
        (1, 1, 2, (0, 1)),  # 0.5 rounds half up
        (-200, 75, 450, (-167, -33)),  # a refund mirrors a payment
        (500, 0, 500, (500, 0)),  # no VAT on the document
    ],
)
def test_vat_share_of_a_part_payment(
    amount: int, vat: int, total: int, expected: tuple[int, int]
) -> None:
    assert split_vat_share(amount, vat, total) == expected


def test_account_codes() -> None:
    assert accounts.kind_of(accounts.TURNOVER_AGENCY) == accounts.INCOME
    assert accounts.expense_box(28) == "expense:box:28"
    assert accounts.disallowable(21) == "expense:disallowable:21"
    with pytest.raises(ValueError):
        accounts.expense_box(31)
    with pytest.raises(ValueError):
        accounts.debtor(client_id=uuid.uuid4(), agency_id=uuid.uuid4())
    assert accounts.debtor() == accounts.DEBTOR_UNNAMED
    assert accounts.is_balance_sheet(accounts.UNPAID_SALES)
    assert not accounts.is_balance_sheet(accounts.MILEAGE)
