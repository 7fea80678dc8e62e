"""Ledger aggregates on SQLite and PostgreSQL, against figures worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from minimin.core.dates import TaxYear
from minimin.reports import ledger

Y = TaxYear(2025)


def test_cash_basis_income_is_payments_received_net_of_their_vat_share(books):
    # £1,000 + £200 VAT, paid £600 in the year and £600 after it.
    invoice = books.invoice(date(2025, 5, 1), 100000, 20000)
    books.pay(invoice, date(2025, 6, 1), 60000)
    books.pay(invoice, date(2026, 4, 6), 60000)
    # A non-VAT invoice paid in full; a payment before the year is ignored.
    plain = books.invoice(date(2025, 3, 1), 33333)
    books.pay(plain, date(2025, 4, 6), 33333)
    early = books.invoice(date(2025, 1, 1), 5000)
    books.pay(early, date(2025, 4, 5), 5000)

    result = ledger.income(books.user_id, Y.start, Y.end)
    assert result.direct_pence == 50000 + 33333
    assert result.output_vat_pence == 10000
    assert result.agency_pence == 0
    assert result.total_pence == 83333


def test_vat_share_rounds_half_up_per_payment(books):
    # £10.00 + £2.00 VAT paid in three parts of 4.00: VAT share 0.6667 -> 0.67 each.
    invoice = books.invoice(date(2025, 5, 1), 1000, 200)
    for day in (1, 2, 3):
        books.pay(invoice, date(2025, 6, day), 400)
    result = ledger.income(books.user_id, Y.start, Y.end)
    assert result.output_vat_pence == 3 * 67
    assert result.direct_pence == 1200 - 201


def test_accruals_income_is_invoices_issued_less_credit_notes(books):
    a = books.invoice(date(2025, 4, 6), 100000, 20000)
    books.invoice(date(2025, 7, 1), 50000, status="paid")
    books.invoice(date(2025, 7, 2), 70000, status="void")
    books.invoice(date(2025, 7, 3), 90000, status="draft")
    books.invoice(date(2026, 4, 6), 11100)  # next year
    books.credit(a, date(2025, 9, 1), 25000, 5000)
    result = ledger.income(books.user_id, Y.start, Y.end, "accruals")
    assert result.direct_pence == 100000 + 50000 - 25000
    # Nothing paid: the cash basis shows no income.
    assert ledger.income(books.user_id, Y.start, Y.end).total_pence == 0


def test_agency_income_is_the_gross_fee_not_the_net_paid(books):
    # Fee £1,000, commission £150 + £30 VAT: the agency paid £820, turnover is £1,000.
    books.agency_income(date(2025, 8, 1), 100000, commission=18000, expenses=2500)
    books.agency_income(date(2026, 4, 6), 99999)
    result = ledger.income(books.user_id, Y.start, Y.end)
    assert result.agency_pence == 102500
    assert result.direct_pence == 0


def test_accruals_agency_income_counts_completed_jobs(books):
    job = books.job(date(2026, 3, 30), 200000)
    books.job(date(2025, 5, 1), 30000, status="confirmed")  # not done
    books.job(date(2025, 5, 2), 40000, status="cancelled")
    # Paid after the year end: accruals counts the job; cash counts the receipt next year.
    books.agency_income(date(2026, 4, 20), 200000, job_id=job.id)
    books.agency_income(date(2025, 6, 1), 5000)  # no job: dated by receipt
    accruals = ledger.income(books.user_id, Y.start, Y.end, "accruals")
    assert accruals.agency_pence == 205000
    cash = ledger.income(books.user_id, Y.start, Y.end, "cash")
    assert cash.agency_pence == 5000


def test_foreign_invoices_convert_at_their_rate_and_foreign_expenses_stay_apart(books):
    # €1,170 at 1.17 per £1 = £1,000.
    invoice = books.invoice(date(2025, 5, 1), 117000, currency="EUR", rate=Decimal("1.17"))
    books.pay(invoice, date(2025, 5, 10), 117000)
    books.expense(date(2025, 5, 11), 5000, "travel", currency="EUR")
    books.agency_income(date(2025, 5, 12), 7000, currency="USD")
    profit = ledger.profit(books.user_id, Y.start, Y.end)
    assert profit.income.direct_pence == 100000
    assert profit.unconverted == {"EUR": 5000, "USD": 7000}
    assert profit.expenses.allowable_pence == 0


def test_expenses_by_box_split_allowable_and_disallowable(books):
    books.expense(date(2025, 4, 6), 12000, "travel")
    books.expense(date(2025, 5, 1), 6000, "office", vat=1000, reclaim=True)  # 5000 business
    books.expense(date(2025, 5, 2), 10000, "office", percent="30")  # 3000 business
    books.expense(date(2025, 5, 3), 8000, "entertainment")
    books.expense(date(2025, 5, 4), 4000, "clothing")
    books.expense(date(2025, 5, 5), 4500, "clothing", confirmed=True)
    books.expense(date(2025, 5, 6), 20000, "depreciation")
    books.expense(date(2025, 5, 7), 9000, "bad_debts")
    books.expense(date(2026, 4, 6), 99999, "travel")  # next year
    cash = ledger.expenses_by_box(books.user_id, Y.start, Y.end)
    assert cash.box(20).allowable_pence == 12000
    assert cash.box(23).allowable_pence == 8000
    assert cash.box(24).disallowable_pence == 8000
    assert cash.box(24).allowable_pence == 0
    assert (cash.box(30).allowable_pence, cash.box(30).disallowable_pence) == (4500, 4000)
    assert cash.box(29).disallowable_pence == 20000
    # Cash basis: bad debts are not allowable (the income was never counted).
    assert (cash.box(27).allowable_pence, cash.box(27).disallowable_pence) == (0, 9000)
    assert cash.allowable_pence == sum(b.allowable_pence for b in cash.boxes) == 24500
    assert cash.disallowable_pence == 8000 + 4000 + 20000 + 9000
    accruals = ledger.expenses_by_box(books.user_id, Y.start, Y.end, "accruals")
    assert accruals.box(27).allowable_pence == 9000
    assert [b.box for b in cash.boxes] == list(range(17, 31))


def test_mileage_claim_per_tax_year_and_for_a_part_year(books):
    books.journey(date(2025, 4, 10), "9000.0")
    books.journey(date(2025, 9, 1), "2000.5")  # 1000 at 45p + 1000.5 at 25p
    books.journey(date(2025, 10, 1), "100.0", "motorcycle")
    books.journey(date(2026, 4, 6), "10.0")  # next tax year
    claim = ledger.mileage_claim(books.user_id, Y)
    assert claim.car_miles == Decimal("11000.5")
    assert claim.journeys == 3
    # 10000 x 0.45 + 1000.5 x 0.25 + 100 x 0.24 = 4500 + 250.125 + 24 = 4774.125 -> £4,774.13
    assert claim.claim_pence == 477413
    # From September only: the 9,000 miles before count towards the threshold.
    part = ledger.mileage_between(books.user_id, date(2025, 9, 1), Y.end)
    assert part.claim_pence == 45000 + 25013 + 2400
    expenses = ledger.expenses_by_box(books.user_id, Y.start, Y.end)
    assert expenses.box(20).allowable_pence == 477413
    assert expenses.mileage_pence == 477413


def test_profit_and_monthly_series_reconcile(books):
    invoice = books.invoice(date(2025, 4, 1), 500000)
    books.pay(invoice, date(2025, 4, 5), 100000)  # previous tax year
    books.pay(invoice, date(2025, 4, 20), 250000)
    books.pay(invoice, date(2026, 1, 15), 150000)
    books.agency_income(date(2025, 12, 1), 80000)
    books.expense(date(2025, 6, 1), 30000, "advertising")
    books.expense(date(2025, 6, 2), 5000, "entertainment")
    books.journey(date(2025, 4, 5), "9990.0")  # previous year's threshold, not this one's
    books.journey(date(2025, 4, 6), "20.0")
    books.journey(date(2026, 4, 5), "10.0")
    result = ledger.profit(books.user_id, Y.start, Y.end, other_income_pence=1000)
    assert result.turnover_pence == 480000
    assert result.expenses.mileage_pence == 30 * 45
    assert result.net_profit_pence == 480000 + 1000 - 30000 - 1350
    series = ledger.monthly_series(books.user_id, Y.start, Y.end)
    assert (series[0].year, series[0].month) == (2025, 4)
    assert len(series) == 13
    assert sum(p.income_pence for p in series) == result.turnover_pence
    assert sum(p.expenses_pence for p in series) == result.allowable_expenses_pence
    assert series[0].income_pence == 250000
    assert series[0].expenses_pence == 20 * 45


def test_income_by_counterparty(books):
    from minimin.contacts.models import Client

    other = Client(user_id=books.user_id, name="Beta Ltd", kind="company")
    books.db.session.add(other)
    books.db.session.flush()
    a = books.invoice(date(2025, 5, 1), 10000)
    books.pay(a, date(2025, 5, 2), 10000)
    b = books.invoice(date(2025, 5, 1), 40000, client_id=other.id)
    books.pay(b, date(2025, 5, 3), 40000)
    c = books.invoice(
        date(2025, 5, 1), 7000, client_id=None, agency_id=books.agency.id, customer_name="TM"
    )
    books.pay(c, date(2025, 5, 4), 7000)
    d = books.invoice(date(2025, 5, 1), 3000, client_id=None, customer_name="Walk-in")
    books.pay(d, date(2025, 5, 5), 3000)
    books.agency_income(date(2025, 6, 1), 25000)
    rows = ledger.income_by_counterparty(books.user_id, Y.start, Y.end)
    assert [(r.kind, r.name, r.total_pence) for r in rows] == [
        ("client", "Beta Ltd", 40000),
        ("agency", "Top Models", 32000),
        ("client", "Acme Studios Ltd", 10000),
        ("other", "Walk-in", 3000),
    ]
    agency = rows[1]
    assert (agency.direct_pence, agency.agency_pence) == (7000, 25000)
    total = ledger.income(books.user_id, Y.start, Y.end).total_pence
    assert sum(r.total_pence for r in rows) == total


def test_other_users_rows_are_never_counted(books, make_user, db):
    from tests.unit.reports.conftest import Books

    db.session.commit()  # release SQLite's write lock before another connection writes
    stranger = Books(db, make_user().id)
    invoice = stranger.invoice(date(2025, 5, 1), 10000)
    stranger.pay(invoice, date(2025, 5, 2), 10000)
    stranger.expense(date(2025, 5, 2), 500)
    stranger.journey(date(2025, 5, 2), "10.0")
    stranger.agency_income(date(2025, 5, 2), 900)
    result = ledger.profit(books.user_id, Y.start, Y.end)
    assert result.turnover_pence == 0 and result.expenses.total_pence == 0
    assert ledger.income_by_counterparty(books.user_id, Y.start, Y.end) == []


@pytest.mark.parametrize(
    ("start", "end", "basis", "code"),
    [
        (date(2025, 5, 1), date(2025, 4, 30), "cash", "end_before_start"),
        (date(2000, 1, 1), date(2025, 1, 1), "cash", "too_long"),
        (date(2025, 1, 1), date(2025, 2, 1), "invoice", "basis"),
    ],
)
def test_periods_that_make_no_sense_are_refused(app, start, end, basis, code):
    with pytest.raises(ledger.PeriodError) as caught:
        ledger.check_period(start, end, basis)
    assert caught.value.code == code
