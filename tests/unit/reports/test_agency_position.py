"""What agencies owe, read from the journal's agency debtor and agency clearing accounts."""

from __future__ import annotations

from datetime import date

from minimin.reports import ledger


def _commission_deducted(books, on, amount):
    """The commission expense posting a remittance records (paid by deduction: it credits
    agency clearing), as minimin.remittances.services.posting creates it."""
    expense = books.expense(on, amount, "professional")
    expense.payment_method = "deducted"
    books.db.session.flush()


def test_agency_owes_the_jobs_done_and_invoices_not_yet_paid(books):
    # Job A: done 1 May, £1,000 gross, not remitted: the agency owes its gross fee.
    job_a = books.job(date(2025, 5, 1), 100000)
    # Job B: done 20 May, £500, remitted on 25 May less £75 commission: its debt is cleared,
    # and the £425 the agency paid waits in agency clearing until a bank line shows it.
    job_b = books.job(date(2025, 5, 20), 50000)
    books.agency_income(date(2025, 5, 25), 50000, commission=7500, job_id=job_b.id)
    _commission_deducted(books, date(2025, 5, 25), 7500)
    # An invoice to the agency, £200 + £40 VAT, unpaid: owed with its VAT, no job.
    books.invoice(date(2025, 5, 10), 20000, 4000, client_id=None, agency_id=books.agency.id)
    # A job not done yet and a cancelled one owe nothing.
    books.job(date(2025, 5, 2), 30000, status="confirmed")
    books.job(date(2025, 5, 3), 40000, status="cancelled")

    position = ledger.agency_position(books.user_id, date(2025, 5, 31))
    [agency] = position.owed
    assert agency.agency_name == "Top Models"
    assert agency.totals == {"GBP": 100000 + 24000}
    assert agency.jobs == [job_a.id]
    assert agency.oldest_days == 30  # 1 May to 31 May
    assert position.totals == {"GBP": 124000}
    assert position.clearing == {"GBP": 50000 - 7500}

    # On 5 May only job A was done; the invoice and the remittance came later.
    early = ledger.agency_position(books.user_id, date(2025, 5, 5))
    assert [(a.totals, a.jobs, a.oldest_days) for a in early.owed] == [
        ({"GBP": 100000}, [job_a.id], 4)
    ]
    assert early.clearing == {}


def test_an_agency_owing_nothing_is_not_listed(books, make_user, db):
    job = books.job(date(2025, 6, 1), 80000)
    books.agency_income(date(2025, 6, 30), 80000, job_id=job.id)
    position = ledger.agency_position(books.user_id, date(2025, 7, 1))
    assert position.owed == []
    assert position.totals == {}
    assert position.clearing == {"GBP": 80000}
