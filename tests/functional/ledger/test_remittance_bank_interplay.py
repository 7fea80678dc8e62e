"""An agency's deposit and its remittance, met in either order, count the money once.

The job: £90 invoiced to the agency with 20 % VAT (invoice £108). The agency pays it short, for
£60 of fee: its remittance says gross £60 + VAT £12 = £72, commission 20 % of the fee (£12, no
VAT on it) kept, net £60 deposited in the bank. So the invoice is paid £72 and still owes £36;
the commission is a £12 expense (box 28); agency clearing holds the £60 net until the deposit's
bank line clears it.

Before, the deposit matched to the invoice (a £60 payment) and the remittance posted (a £48
payment: £72 capped at the £48 still owed) made the invoice paid £108; the other order recorded
a second payment (£30 in the stateful test) by the match; and undoing the match deleted the
payment the remittance relied on. Now the remittance adopts the match's payment (and the match
becomes the remittance's), a deposit of a posted remittance matched to its invoice is taken as
the remittance's, and undoing a remittance's match never deletes a payment.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.invoices.models import METHOD_BANK
from minimin.ledger import accounts

NET_DEPOSIT = 6000  # £60: what reached the bank
REMITTED = 7200  # £72: gross £60 + VAT £12, what the remittance pays on the invoice
INVOICE_TOTAL = 10800  # £108: £90 + £18 VAT
COMMISSION = 1200  # £12


def _commit(db: Any) -> None:
    from minimin.core import db as core_db

    core_db.commit(db.session)


class Books:
    """One business, its agency job invoiced, its bank account, and the steps of the story."""

    def __init__(self, db: Any, make_business: Any) -> None:
        from minimin.banking import services as banking
        from minimin.core.dates import TaxYear, uk_today
        from minimin.invoices import services as invoices
        from minimin.invoices.from_jobs import FromJobsInput, create_from_jobs
        from minimin.jobs import services as jobs
        from minimin.jobs.models import Job

        self.db = db
        self.today = uk_today()
        year = TaxYear.containing(self.today)
        self.year = {"start": year.start, "end": year.end}
        self.business = make_business()
        self.user_id = self.business.user_id
        self.account_id = banking.create_account(
            self.user_id, banking.BankAccountInput(name="Business current", last_four="1234")
        ).id
        job = jobs.create_job(
            self.user_id,
            jobs.JobInput(
                title="Catalogue shoot",
                agency_id=self.business.agency_id,
                commission_percent=Decimal(20),
                commission_vat=False,
                quoting="fee_inclusive",
                dates=[jobs.DateInput(day=self.today)],
                fee_lines=[
                    jobs.FeeLineInput(kind="fixed", quantity=Decimal(1), unit_amount_pence=9000)
                ],
            ),
            status="confirmed",
        )
        _commit(db)
        self.job_id = job.id
        jobs.change_status(db.session.get(Job, job.id), jobs.StatusInput("completed"))
        _commit(db)
        invoice = create_from_jobs(self.user_id, FromJobsInput([job.id]))
        invoices.issue(invoice, today=self.today)
        _commit(db)
        assert invoice.total_pence == INVOICE_TOTAL
        self.invoice_id = invoice.id
        self.deposit_id: uuid.UUID | None = None
        self.remittance_id: uuid.UUID | None = None

    # ------------------------------------------------------------------ steps

    def deposit_arrives(self) -> None:
        """The agency's £60 on the statement (added through the ORM, as imports do in bulk)."""
        from minimin.banking.models import BankTransaction

        row = BankTransaction(
            user_id=self.user_id,
            bank_account_id=self.account_id,
            posted_on=self.today,
            amount_pence=NET_DEPOSIT,
            currency="GBP",
            fingerprint=uuid.uuid4().hex,
            description="TOP MODELS AGENCY",
        )
        self.db.session.add(row)
        _commit(self.db)
        self.deposit_id = row.id

    def match_deposit_to_invoice(self) -> Any:
        from minimin.banking.services.matching import Allocation, accept

        (match,) = accept(
            self.deposit(), [Allocation("invoice", self.invoice_id, NET_DEPOSIT, "agency")]
        )
        _commit(self.db)
        return match

    def post_remittance(self, *, name_deposit: bool = False) -> None:
        """Enter the short remittance, match its line to the job (and, when *name_deposit*,
        its deposit) and post it."""
        from minimin.remittances import services as remittances

        remittance = remittances.create_remittance(
            self.user_id,
            remittances.RemittanceInput(
                agency_id=self.business.agency_id,
                date=self.today,
                reference="RA-77",
                lines=[
                    remittances.LineInput(
                        reference="RA-77",
                        description="Catalogue shoot",
                        work_date=self.today,
                        gross_pence=6000,
                        fee_vat_pence=1200,
                        commission_pence=COMMISSION,
                        net_pence=NET_DEPOSIT,
                        job_id=self.job_id,
                    )
                ],
            ),
        )
        remittances.save_match(
            remittance,
            remittances.MatchInput({0: self.job_id}, self.deposit_id if name_deposit else None),
        )
        _commit(self.db)
        self.remittance_id = remittance.id

    def finish_posting(self) -> None:
        from minimin.remittances import services as remittances
        from minimin.remittances.models import Remittance

        remittances.post_remittance(
            self.db.session.get(Remittance, self.remittance_id),
            remittances.PostInput(confirmed=True),
        )
        _commit(self.db)

    def undo(self, match_id: uuid.UUID) -> None:
        from minimin.banking.models import BankMatch
        from minimin.banking.services.matching import undo_match

        undo_match(self.db.session.get(BankMatch, match_id))
        _commit(self.db)

    # ------------------------------------------------------------------ reading

    def settlement_differences(self) -> list[tuple[str, int]]:
        from minimin.remittances.models import Remittance
        from minimin.remittances.services.analysis import analyse

        analysis = analyse(self.db.session.get(Remittance, self.remittance_id))
        return [
            (d.code, int(d.figures["difference"]))
            for d in analysis.discrepancies
            if d.code.startswith("invoice")
        ]

    def deposit(self) -> Any:
        from minimin.banking.models import BankTransaction

        return self.db.session.get(BankTransaction, self.deposit_id)

    def payments(self) -> list[tuple[str, int, bool]]:
        """(method, amount, the remittance's) of each payment on the invoice."""
        from minimin.invoices.models import Payment

        self.db.session.expire_all()
        return sorted(
            (p.method, p.amount_pence, p.remittance_id == self.remittance_id)
            for p in self.db.session.scalars(
                sa.select(Payment).where(Payment.invoice_id == self.invoice_id)
            )
        )

    def invoice_figures(self) -> tuple[int, int]:
        """(paid, outstanding) on the invoice."""
        from minimin.invoices.models import Invoice

        self.db.session.expire_all()
        invoice = self.db.session.get(Invoice, self.invoice_id)
        return invoice.paid_pence, invoice.outstanding_pence

    def total(self, basis: str, *, sign: int = 1, **where: Any) -> int:
        from minimin.ledger import queries

        return queries.total(
            self.db.session, self.user_id, basis=basis, sign=sign, **self.year, **where
        )

    def assert_books(self, *, clearing: int, suspense: int) -> None:
        """The sale counted once on each basis, the commission once, the agency's clearing
        and the bank's suspense as given, and the journal whole."""
        from minimin.ledger.check import check

        agency_debtor = accounts.debtor(agency_id=self.business.agency_id)
        turnover = [accounts.TURNOVER_PREFIX + ":"]
        # Accruals: the invoice's £90 and £18 VAT; the agency owes the £36 not paid.
        assert self.total("accruals", sign=-1, prefixes=turnover) == 9000
        assert self.total("accruals", sign=-1, codes=[accounts.OUTPUT_VAT]) == 1800
        assert self.total("accruals", codes=[agency_debtor]) == 3600
        # Cash: the £72 received, 90/108 of it the sale (£60) and 18/108 its VAT (£12).
        assert self.total("cash", sign=-1, prefixes=turnover) == 6000
        assert self.total("cash", sign=-1, codes=[accounts.OUTPUT_VAT]) == 1200
        for basis in ("accruals", "cash"):
            assert self.total(basis, codes=[accounts.expense_box(28)]) == COMMISSION, basis
            assert self.total(basis, codes=[accounts.AGENCY_CLEARING]) == clearing, basis
            assert self.total(basis, codes=[accounts.SUSPENSE]) == suspense, basis
            assert self.total(basis, codes=[accounts.bank(self.account_id)]) == NET_DEPOSIT
        report = check(self.db.session, [self.user_id])
        assert report.ok, report.problems


@pytest.fixture
def books(app: Any, db: Any, make_business: Any) -> Books:
    return Books(db, make_business)


@pytest.mark.parametrize("name_deposit", [False, True], ids=["deposit found", "deposit named"])
def test_deposit_matched_first_then_the_short_remittance_posted(
    books: Books, name_deposit: bool
) -> None:
    from minimin.banking.models import MATCH_REMITTANCE, BankMatch
    from minimin.remittances.models import Remittance

    books.deposit_arrives()
    if name_deposit:
        # The remittance entered and its deposit chosen, then the deposit matched to the
        # invoice from the bank page, then the remittance posted.
        books.post_remittance(name_deposit=True)
        match = books.match_deposit_to_invoice()
    else:
        # The deposit matched to the invoice first; the remittance comes later, its deposit
        # not chosen (the deposit is no longer unexplained): posting finds it.
        match = books.match_deposit_to_invoice()
        books.post_remittance()
    # The match recorded a £60 payment: £48 left on the invoice.
    assert books.payments() == [(METHOD_BANK, NET_DEPOSIT, False)]
    assert books.invoice_figures() == (NET_DEPOSIT, INVOICE_TOTAL - NET_DEPOSIT)
    # The remittance page, before posting, lists what posting will do: the £36 the agency
    # did not pay (£108 − £72) as a shortfall, and no money "already recorded" (the £60 is
    # the remittance's own deposit).
    assert books.settlement_differences() == [("invoice_short", 3600)]
    books.finish_posting()

    # The remittance pays £72 on the invoice: the £60 of its deposit (the match's payment,
    # now the remittance's) and £12 more; before, £48 more (£108 paid of £72 received).
    assert books.payments() == [
        ("agency_remittance", COMMISSION, True),
        ("agency_remittance", NET_DEPOSIT, True),
    ]
    assert books.invoice_figures() == (REMITTED, INVOICE_TOTAL - REMITTED)  # £72 paid, £36 due
    adopted = books.db.session.get(BankMatch, match.id)
    assert (adopted.kind, adopted.target_id, adopted.payment_id) == (
        MATCH_REMITTANCE,
        books.remittance_id,
        None,
    )
    assert adopted.amount_pence == NET_DEPOSIT
    assert books.db.session.get(Remittance, books.remittance_id).bank_transaction_id == (
        books.deposit_id
    )
    assert books.deposit().reconciled_pence == NET_DEPOSIT  # no second match on the deposit
    # Agency clearing: +£60 +£12 (the payments) −£12 (commission) −£60 (the match) = 0.
    books.assert_books(clearing=0, suspense=0)

    # Undoing the match reverses only the match: the agency did pay, the invoice stays paid
    # £72, and the £60 waits on agency clearing (the bank line back in suspense).
    books.undo(match.id)
    assert books.invoice_figures() == (REMITTED, INVOICE_TOTAL - REMITTED)
    assert len(books.payments()) == 2
    books.assert_books(clearing=NET_DEPOSIT, suspense=-NET_DEPOSIT)

    # Matched to the invoice again, the deposit is the remittance's: no payment recorded.
    again = books.match_deposit_to_invoice()
    assert (again.kind, again.target_id, again.payment_id) == (
        MATCH_REMITTANCE,
        books.remittance_id,
        None,
    )
    assert books.invoice_figures() == (REMITTED, INVOICE_TOTAL - REMITTED)
    assert len(books.payments()) == 2
    books.assert_books(clearing=0, suspense=0)


def test_short_remittance_posted_first_then_its_deposit_matched_to_the_invoice(
    books: Books,
) -> None:
    # Posted with no deposit (the statement not imported yet): £72 paid on the invoice, the
    # £60 net on agency clearing (+£72 payment −£12 commission).
    books.post_remittance()
    books.finish_posting()
    assert books.payments() == [("agency_remittance", REMITTED, True)]
    assert books.invoice_figures() == (REMITTED, INVOICE_TOTAL - REMITTED)

    books.deposit_arrives()
    books.assert_books(clearing=NET_DEPOSIT, suspense=-NET_DEPOSIT)
    # The user matches the deposit to the invoice: it is the remittance's £60, not a second
    # payment of the invoice (before, the match recorded one).
    match = books.match_deposit_to_invoice()
    assert (match.kind, match.target_id, match.payment_id, match.amount_pence) == (
        "remittance",
        books.remittance_id,
        None,
        NET_DEPOSIT,
    )
    assert books.payments() == [("agency_remittance", REMITTED, True)]
    assert books.invoice_figures() == (REMITTED, INVOICE_TOTAL - REMITTED)
    books.assert_books(clearing=0, suspense=0)

    # Undone: the remittance's payment stays.
    books.undo(match.id)
    assert books.payments() == [("agency_remittance", REMITTED, True)]
    assert books.invoice_figures() == (REMITTED, INVOICE_TOTAL - REMITTED)
    books.assert_books(clearing=NET_DEPOSIT, suspense=-NET_DEPOSIT)


def test_a_deposit_of_another_amount_is_not_taken_for_the_remittance(books: Books) -> None:
    """Only the remittance's net (or its named deposit) is its money: a client's £30 part
    payment matched to the same invoice after the remittance is a payment of its own."""
    from minimin.banking.models import BankTransaction
    from minimin.banking.services.matching import Allocation, accept

    books.post_remittance()
    books.finish_posting()
    other = BankTransaction(
        user_id=books.user_id,
        bank_account_id=books.account_id,
        posted_on=books.today,
        amount_pence=3000,
        currency="GBP",
        fingerprint=uuid.uuid4().hex,
        description="TOP MODELS AGENCY TOP-UP",
    )
    books.db.session.add(other)
    _commit(books.db)
    (match,) = accept(other, [Allocation("invoice", books.invoice_id, 3000, "top-up")])
    _commit(books.db)
    assert match.kind == "invoice" and match.payment_id is not None
    # £72 + £30 = £102 paid, £6 due.
    assert books.invoice_figures() == (REMITTED + 3000, INVOICE_TOTAL - REMITTED - 3000)
