"""The expense and mileage posting rules (pure): balanced entries with figures worked by hand."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from minimin.expenses.mileage import CAR_VAN, MOTORCYCLE, JourneyIn
from minimin.expenses.models import compute_figures
from minimin.ledger import accounts
from minimin.ledger.entries import ACCRUALS, BOTH, CASH, Line, Posting, check_balanced, compact
from minimin.ledger.rules.expenses import (
    ExpenseFacts,
    expense_posting,
    journey_posting,
    mileage_shares,
    paying_account,
)

DAY = dt.date(2025, 6, 2)
JOB = uuid.uuid4()


def facts(
    *,
    amount: int,
    vat: int = 0,
    reclaim: bool = False,
    percent: Decimal = Decimal(100),
    category: str = "other",
    box: int = 30,
    confirmed: bool = False,
    method: str | None = "card",
    vat_code: str = "none",
    currency: str = "GBP",
) -> ExpenseFacts:
    """The facts of an expense, with the figures the expenses feature derives for it."""
    business, reclaimable, allowable = compute_figures(
        amount_pence=amount,
        vat_pence=vat,
        vat_reclaimable=reclaim,
        business_percent=percent,
        category=category,
        warnings_confirmed=confirmed,
    )
    return ExpenseFacts(
        date=DAY,
        description="Expense: test",
        currency=currency,
        box=box,
        amount_pence=amount,
        business_pence=business,
        allowable_pence=allowable,
        reclaimable_vat_pence=reclaimable,
        payment_method=method,
        vat_code=vat_code,
        job_id=JOB,
    )


def amounts(posting: Posting) -> dict[tuple[str, str], int]:
    """(account, basis) -> amount, after merging and dropping zero lines."""
    check_balanced(posting.lines)
    return {(line.account, line.basis): line.amount for line in compact(posting.lines)}


def test_part_business_phone_bill_with_reclaimed_vat() -> None:
    # £60.00 phone bill incl. £10.00 VAT, 70 % business, VAT reclaimed, paid by card.
    # Reclaimable VAT = 70 % of £10.00 = £7.00. Business cost = 70 % of (£60 - £10) = £35.00.
    # Private share = £60.00 - £35.00 - £7.00 = £18.00 (the private 30 % of the net, £15, and
    # of the VAT, £3). Card -> undeposited until the bank line is matched.
    posting = expense_posting(
        facts(
            amount=6000,
            vat=1000,
            reclaim=True,
            percent=Decimal(70),
            category="office",
            box=23,
            vat_code="standard",
        )
    )
    assert amounts(posting) == {
        ("expense:box:23", BOTH): 3500,
        ("asset:vat:input", BOTH): 700,
        ("equity:drawings", BOTH): 1800,
        ("asset:undeposited", BOTH): -6000,
    }
    by_account = {line.account: line for line in posting.lines}
    assert by_account["expense:box:23"].vat_code == "standard"
    assert by_account["asset:vat:input"].vat_code == "standard"
    assert by_account["expense:box:23"].job_id == JOB
    assert posting.date == DAY and posting.currency == "GBP"


def test_part_business_without_reclaim_keeps_the_vat_in_the_cost() -> None:
    # Not VAT-registered: £33.33 at 50 % business: business = half up of 1666.5 = 1667;
    # private = 3333 - 1667 = 1666.
    posting = expense_posting(facts(amount=3333, vat=556, percent=Decimal(50), box=23))
    assert amounts(posting) == {
        ("expense:box:23", BOTH): 1667,
        ("equity:drawings", BOTH): 1666,
        ("asset:undeposited", BOTH): -3333,
    }


def test_everyday_clothing_is_disallowable_unless_confirmed() -> None:
    # £80.00 jeans, clothing (box 30), not confirmed: all £80 is a business cost that is not
    # allowable: SA103F box 45 (30 + 15).
    posting = expense_posting(facts(amount=8000, category="clothing", box=30))
    assert amounts(posting) == {
        ("expense:disallowable:30", BOTH): 8000,
        ("asset:undeposited", BOTH): -8000,
    }
    confirmed = expense_posting(facts(amount=8000, category="clothing", box=30, confirmed=True))
    assert amounts(confirmed) == {
        ("expense:box:30", BOTH): 8000,
        ("asset:undeposited", BOTH): -8000,
    }


def test_entertainment_is_never_allowable() -> None:
    posting = expense_posting(facts(amount=4550, category="entertainment", box=24))
    assert amounts(posting) == {
        ("expense:disallowable:24", BOTH): 4550,
        ("asset:undeposited", BOTH): -4550,
    }


@pytest.mark.parametrize("method", ["personal", "cash"])
def test_paid_personally_or_in_cash_is_the_owners_capital(method: str) -> None:
    # £12.50 train fare paid from a private account: the owner put £12.50 into the business.
    posting = expense_posting(facts(amount=1250, category="travel", box=20, method=method))
    assert amounts(posting) == {
        ("expense:box:20", BOTH): 1250,
        ("equity:capital", BOTH): -1250,
    }


def test_commission_deducted_by_an_agency_clears_the_remittance() -> None:
    # Commission £150.00 + £30.00 VAT deducted from a remittance; VAT-registered freelancer
    # reclaims the £30.00: Dr box 28 £150, Dr input VAT £30, Cr agency clearing £180.
    posting = expense_posting(
        facts(
            amount=18000,
            vat=3000,
            reclaim=True,
            category="professional",
            box=28,
            method="deducted",
            vat_code="standard",
        )
    )
    assert amounts(posting) == {
        ("expense:box:28", BOTH): 15000,
        ("asset:vat:input", BOTH): 3000,
        ("asset:agency-clearing", BOTH): -18000,
    }


def test_irrecoverable_debt_is_allowable_on_accruals_only() -> None:
    # £500 written off: accruals allows it (box 27); on the cash basis the income was never
    # counted, so the same £500 is disallowable (box 42).
    posting = expense_posting(facts(amount=50000, category="bad_debts", box=27))
    assert amounts(posting) == {
        ("expense:box:27", ACCRUALS): 50000,
        ("expense:disallowable:27", CASH): 50000,
        ("asset:undeposited", BOTH): -50000,
    }


def test_foreign_currency_expense_posts_in_its_currency() -> None:
    posting = expense_posting(facts(amount=9900, category="travel", box=20, currency="EUR"))
    assert posting.currency == "EUR"
    assert amounts(posting)[("expense:box:20", BOTH)] == 9900


@pytest.mark.parametrize(
    ("method", "account"),
    [
        (None, "asset:undeposited"),
        ("card", "asset:undeposited"),
        ("bank_transfer", "asset:undeposited"),
        ("direct_debit", "asset:undeposited"),
        ("other", "asset:undeposited"),
        ("personal", "equity:capital"),
        ("cash", "equity:capital"),
        ("deducted", "asset:agency-clearing"),
    ],
)
def test_paying_account(method: str | None, account: str) -> None:
    assert paying_account(method) == account


# --------------------------------------------------------------------------- mileage


def journey(key: str, day: dt.date, miles: str, vehicle: str = CAR_VAN) -> JourneyIn:
    return JourneyIn(key=key, date=day, miles=Decimal(miles), vehicle=vehicle)


def test_mileage_shares_cross_the_threshold_and_round_the_running_claim() -> None:
    # Tax year 2025/26. a: 9,999.9 miles at 45p = £4,499.955 -> running 449995.5p, rounded
    #   449996p. b: 0.2 miles: 0.1 at 45p (4.5p) + 0.1 at 25p (2.5p) = 7p -> running
    #   450002.5p, rounded 450003p, share 7p. c: 12.3 miles at 25p = 307.5p -> 450310p,
    #   rounded 450310p, share 307p. m: motorcycle 10.1 miles at 24p = 242.4p -> 450552.4p,
    #   rounded 450552p, share 242p. New tax year: d: 0.1 miles = 4.5p -> 5p.
    shares = mileage_shares(
        [
            journey("c", dt.date(2026, 1, 5), "12.3"),
            journey("a", dt.date(2025, 4, 6), "9999.9"),
            journey("b", dt.date(2025, 12, 1), "0.2"),
            journey("m", dt.date(2026, 4, 5), "10.1", MOTORCYCLE),
            journey("d", dt.date(2026, 4, 6), "0.1"),
        ]
    )
    assert shares == {"a": 449996, "b": 7, "c": 307, "m": 242, "d": 5}
    # The year's shares add up to the year's rounded claim:
    # 9,999.9 + 0.1 = 10,000 at 45p = £4,500; 0.1 + 12.3 at 25p = £3.10; 10.1 at 24p = £2.424.
    assert shares["a"] + shares["b"] + shares["c"] + shares["m"] == 450000 + 310 + 242


def test_journey_posting_is_motoring_costs_paid_by_the_owner() -> None:
    posting = journey_posting(DAY, "Mileage: Leeds to York", 1125, job_id=JOB)
    assert posting.lines == (
        Line("expense:box:20", 1125, job_id=JOB),
        Line("equity:capital", -1125),
    )
    assert accounts.MILEAGE == "expense:box:20"
