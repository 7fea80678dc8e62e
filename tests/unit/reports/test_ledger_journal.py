"""The report figures are the journal's: a changed or removed document changes them once (its
entry is reversed and reposted), income without a document counts, lines in another currency
without a rate are listed apart. Rows are written as the features leave them; the journal is
posted by the ledger's sources before each figure is read."""

from __future__ import annotations

import uuid
from datetime import date

from minimin.core.dates import TaxYear
from minimin.reports import ledger

Y = TaxYear(2025)


def _bank_line(books, on, amount, category, *, client_id=None, agency_id=None):
    from minimin.banking.models import BankAccount, BankTransaction

    account = BankAccount(user_id=books.user_id, name="Current")
    books.db.session.add(account)
    books.db.session.flush()
    line = BankTransaction(
        user_id=books.user_id,
        bank_account_id=account.id,
        posted_on=on,
        amount_pence=amount,
        description="Faster payment",
        fingerprint=uuid.uuid4().hex,
        category=category,
        client_id=client_id,
        agency_id=agency_id,
    )
    books.db.session.add(line)
    books.db.session.flush()
    return line


def test_a_removed_payment_and_a_changed_expense_count_once(books):
    # £600 received on a £1,000 + £200 VAT invoice: cash turnover £500 (its VAT share £100).
    invoice = books.invoice(date(2025, 5, 1), 100000, 20000)
    payment = books.pay(invoice, date(2025, 6, 1), 60000)
    assert ledger.income(books.user_id, Y.start, Y.end).direct_pence == 50000
    # The payment was a mistake: removing it reverses its entry, and turnover is back to 0.
    invoice.paid_pence -= 60000
    books.db.session.delete(payment)
    books.db.session.flush()
    assert ledger.income(books.user_id, Y.start, Y.end).direct_pence == 0
    # An expense of £120 corrected to £150: box 20 holds £150, not £270.
    expense = books.expense(date(2025, 6, 2), 12000, "travel")
    assert ledger.expenses_by_box(books.user_id, Y.start, Y.end).box(20).allowable_pence == 12000
    expense.amount_pence = 15000
    books.db.session.flush()
    boxes = ledger.expenses_by_box(books.user_id, Y.start, Y.end)
    assert boxes.box(20).allowable_pence == 15000
    assert boxes.box(20).count == 1  # the reversal takes the first version's count back


def test_bank_income_without_a_document_is_turnover_by_its_contact(books):
    # £250 in from the client and £80 from the agency, categorised as income on the statement.
    _bank_line(books, date(2025, 7, 1), 25000, "income", client_id=books.client.id)
    _bank_line(books, date(2025, 7, 2), 8000, "income", agency_id=books.agency.id)
    for basis in ("cash", "accruals"):
        result = ledger.income(books.user_id, Y.start, Y.end, basis)
        assert (result.direct_pence, result.agency_pence) == (25000, 8000)
    rows = ledger.income_by_counterparty(books.user_id, Y.start, Y.end)
    assert [(r.kind, r.name, r.direct_pence, r.agency_pence) for r in rows] == [
        ("client", "Acme Studios Ltd", 25000, 0),
        ("agency", "Top Models", 0, 8000),
    ]


def test_another_currency_without_a_rate_is_listed_not_converted(books):
    # A €500 invoice with no rate recorded is posted in euros: accruals turnover leaves it out
    # and lists it; a £100 sterling invoice counts.
    books.invoice(date(2025, 5, 1), 50000, currency="EUR")
    books.invoice(date(2025, 5, 2), 10000)
    books.expense(date(2025, 5, 3), 4000, "travel", currency="USD")
    result = ledger.profit(books.user_id, Y.start, Y.end, "accruals")
    assert result.turnover_pence == 10000
    assert result.income.unconverted == {"EUR": 50000}
    assert result.expenses.unconverted == {"USD": 4000}
    assert result.expenses.allowable_pence == 0
    assert result.unconverted == {"EUR": 50000, "USD": 4000}


def test_mileage_is_in_the_month_of_the_journeys_and_can_be_left_out(books):
    # 9,990 miles on 5 April 2025 belong to 2024/25. In 2025/26: 20 miles in April and
    # 10 in May at 45p: £9.00 and £4.50; a £30 train fare in May is box 20 too.
    books.journey(date(2025, 4, 5), "9990.0")
    books.journey(date(2025, 4, 6), "20.0")
    books.journey(date(2025, 5, 20), "10.0")
    books.expense(date(2025, 5, 21), 3000, "travel")
    series = ledger.monthly_series(books.user_id, Y.start, Y.end)
    assert [p.expenses_pence for p in series[:3]] == [900, 450 + 3000, 0]
    without = ledger.expenses_by_box(books.user_id, Y.start, Y.end, include_mileage=False)
    assert (without.box(20).allowable_pence, without.mileage_pence) == (3000, 0)
    claim = ledger.mileage_between(books.user_id, date(2025, 5, 1), date(2025, 5, 31))
    assert (claim.car_miles, claim.journeys, claim.claim_pence) == (10, 1, 450)


def test_accruals_agency_income_by_agency_from_the_jobs_done(books):
    # A £2,000 agency job done on 30 March 2026 is the agency's accruals income of 2025/26,
    # and its remittance in April 2026 the cash income of 2026/27 only.
    job = books.job(date(2026, 3, 30), 200000)
    books.agency_income(date(2026, 4, 20), 200000, job_id=job.id)
    accruals = ledger.income_by_counterparty(books.user_id, Y.start, Y.end, "accruals")
    assert [(r.kind, r.name, r.agency_pence) for r in accruals] == [
        ("agency", "Top Models", 200000)
    ]
    assert ledger.income_by_counterparty(books.user_id, Y.start, Y.end, "cash") == []
    next_year = Y.next
    cash = ledger.income_by_counterparty(books.user_id, next_year.start, next_year.end, "cash")
    assert [(r.name, r.agency_pence) for r in cash] == [("Top Models", 200000)]
    assert ledger.income(books.user_id, next_year.start, next_year.end, "accruals").total_pence == 0
