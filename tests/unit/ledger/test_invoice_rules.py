"""The invoicing documents' posting rules (minimin.ledger.rules.invoices), pure: exact lines
worked out by hand, and every entry balanced on both bases."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal

import pytest

from minimin.ledger import accounts
from minimin.ledger.entries import ACCRUALS, BOTH, CASH, Posting, compact
from minimin.ledger.rules import invoices as rules

CLIENT = uuid.UUID("00000000-0000-0000-0000-0000000000c1")
AGENCY = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
JOB_1 = uuid.UUID("00000000-0000-0000-0000-000000000001")
JOB_2 = uuid.UUID("00000000-0000-0000-0000-000000000002")
JOB_3 = uuid.UUID("00000000-0000-0000-0000-000000000003")
DEBTOR = accounts.debtor(client_id=CLIENT)
DAY = dt.date(2026, 5, 4)

Figures = dict[tuple[str, str, str | None, uuid.UUID | None], int]


def figures(posting: Posting) -> Figures:
    """(account, basis, vat_code, job) -> amount, zero lines left out."""
    out: Figures = defaultdict(int)
    for line in compact(posting.lines):
        out[(line.account, line.basis, line.vat_code, line.job_id)] += line.amount
    return dict(out)


def basis_totals(posting: Posting) -> tuple[int, int]:
    """The entry's sum on the accruals basis and on the cash basis: both must be zero."""
    accruals = sum(ln.amount for ln in posting.lines if ln.basis in (BOTH, ACCRUALS))
    cash = sum(ln.amount for ln in posting.lines if ln.basis in (BOTH, CASH))
    return accruals, cash


def mixed_invoice() -> rules.SalesDocument:
    """£1,000 at 20% (job 1), £300 zero-rated (job 2), £100 at 5% (job 3):
    net 100000 + 30000 + 10000 = 140000; VAT 20000 + 0 + 500 = 20500; total 160500."""
    return rules.SalesDocument(
        number="INV-0007",
        date=DAY,
        client_id=CLIENT,
        agency_id=None,
        lines=(
            rules.SaleLine(100000, 20000, "standard", JOB_1),
            rules.SaleLine(30000, 0, "zero", JOB_2),
            rules.SaleLine(10000, 500, "reduced", JOB_3),
        ),
        net=140000,
        vat=20500,
        customer_name="Acme",
    )


# --------------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(
    ("amount", "weights", "parts"),
    [
        (10, [1, 1, 1], [4, 3, 3]),  # remainders tie: the earlier weight takes the penny
        (-10, [1, 1, 1], [-4, -3, -3]),  # a negative amount splits as its positive mirror
        (43333, [100000, 30000], [33333, 10000]),  # 33333.08 / 9999.92: .92 takes the penny
        (7, [0, 0], [7, 0]),  # nothing to be proportional to: all on the first
        (0, [5, 3], [0, 0]),
        (100, [], []),
    ],
)
def test_allocate_by_largest_remainder(amount: int, weights: list[int], parts: list[int]) -> None:
    assert rules.allocate(amount, weights) == parts
    assert sum(parts) == (amount if weights else 0)


# --------------------------------------------------------------------------- invoices


def test_invoice_posts_debtor_and_income_by_line_on_accruals_and_unpaid_sales_on_cash() -> None:
    posting = rules.invoice_posting(mixed_invoice())
    assert posting.date == DAY
    assert posting.currency == "GBP"
    assert posting.description == "Invoice INV-0007 to Acme"
    assert figures(posting) == {
        (DEBTOR, BOTH, None, None): 160500,
        (accounts.TURNOVER_DIRECT, ACCRUALS, "standard", JOB_1): -100000,
        (accounts.TURNOVER_DIRECT, ACCRUALS, "zero", JOB_2): -30000,
        (accounts.TURNOVER_DIRECT, ACCRUALS, "reduced", JOB_3): -10000,
        (accounts.OUTPUT_VAT, ACCRUALS, "standard", JOB_1): -20000,
        (accounts.OUTPUT_VAT, ACCRUALS, "reduced", JOB_3): -500,
        (accounts.UNPAID_SALES, CASH, None, None): -160500,
    }
    assert basis_totals(posting) == (0, 0)
    assert all(ln.client_id == CLIENT and ln.agency_id is None for ln in posting.lines)


def test_invoice_to_an_agency_debits_the_agency() -> None:
    doc = rules.SalesDocument(
        number="INV-1",
        date=DAY,
        client_id=None,
        agency_id=AGENCY,
        lines=(rules.SaleLine(50000, 10000, "standard", None),),
        net=50000,
        vat=10000,
    )
    lines = figures(rules.invoice_posting(doc))
    assert lines[(accounts.debtor(agency_id=AGENCY), BOTH, None, None)] == 60000
    assert lines[(accounts.TURNOVER_DIRECT, ACCRUALS, "standard", None)] == -50000


def test_foreign_currency_invoice_is_posted_in_sterling_with_its_sterling_vat() -> None:
    # $1,000 + $200 VAT at 1.2345 dollars per pound: net 100000 / 1.2345 = 81004.455 -> 81004
    # pence; VAT as the invoice states it in sterling (200 / 1.2345 = 162.0089 -> 16201);
    # the debtor is their sum, 97205.
    doc = rules.SalesDocument(
        number="INV-9",
        date=DAY,
        client_id=CLIENT,
        agency_id=None,
        lines=(rules.SaleLine(100000, 20000, "standard", JOB_1),),
        net=100000,
        vat=20000,
        currency="USD",
        exchange_rate=Decimal("1.2345"),
        vat_gbp=16201,
    )
    posting = rules.invoice_posting(doc)
    assert posting.currency == "GBP"
    assert figures(posting) == {
        (DEBTOR, BOTH, None, None): 97205,
        (accounts.TURNOVER_DIRECT, ACCRUALS, "standard", JOB_1): -81004,
        (accounts.OUTPUT_VAT, ACCRUALS, "standard", JOB_1): -16201,
        (accounts.UNPAID_SALES, CASH, None, None): -97205,
    }

    # A part payment of $500: 500 x 97205 / 1200 = 40502.08 -> 40502 pence received; VAT share
    # 500 x 16201 / 1200 = 6750.42 -> 6750; net 40502 - 6750 = 33752.
    payment = rules.payment_posting(rules.Receipt(DAY, 50000), doc)
    assert figures(payment) == {
        (accounts.UNDEPOSITED, BOTH, None, None): 40502,
        (DEBTOR, BOTH, None, None): -40502,
        (accounts.UNPAID_SALES, CASH, None, None): 40502,
        (accounts.TURNOVER_DIRECT, CASH, "standard", JOB_1): -33752,
        (accounts.OUTPUT_VAT, CASH, "standard", JOB_1): -6750,
    }
    # Paid in full, the debtor clears exactly: 97205 received, VAT share 16201.
    full = figures(rules.payment_posting(rules.Receipt(DAY, 120000), doc))
    assert full[(DEBTOR, BOTH, None, None)] == -97205
    assert full[(accounts.OUTPUT_VAT, CASH, "standard", JOB_1)] == -16201


def test_foreign_currency_without_a_rate_is_posted_in_its_own_currency() -> None:
    doc = rules.SalesDocument(
        number="INV-E",
        date=DAY,
        client_id=CLIENT,
        agency_id=None,
        lines=(rules.SaleLine(40000, 0, "outside_scope", None),),
        net=40000,
        vat=0,
        currency="EUR",
    )
    posting = rules.invoice_posting(doc)
    assert posting.currency == "EUR"
    assert figures(posting)[(DEBTOR, BOTH, None, None)] == 40000
    payment = rules.payment_posting(rules.Receipt(DAY, 15000), doc)
    assert payment.currency == "EUR"
    assert figures(payment)[(accounts.TURNOVER_DIRECT, CASH, "outside_scope", None)] == -15000


# --------------------------------------------------------------------------- payments


def test_part_payment_carries_its_vat_share_spread_over_the_vat_codes() -> None:
    # £500 of the £1,605 invoice. VAT share 50000 x 20500 / 160500 = 6386.29 -> 6386; net
    # share 50000 - 6386 = 43614.
    # Net by line net (100000 : 30000 : 10000 of 140000): 31152.86, 9345.86, 3115.29 ->
    # floors 31152 + 9345 + 3115 = 43612, two pence left to the largest remainders (.86, .86):
    # 31153, 9346, 3115.
    # VAT by line VAT (20000 : 0 : 500 of 20500): 6230.24, 0, 155.76 -> 6230 + 155 = 6385, the
    # penny left to .76: 6230, 0, 156.
    posting = rules.payment_posting(
        rules.Receipt(dt.date(2026, 6, 1), 50000, reference="BACS 123"), mixed_invoice()
    )
    assert posting.date == dt.date(2026, 6, 1)
    assert posting.description == "Payment of invoice INV-0007"
    assert figures(posting) == {
        (accounts.UNDEPOSITED, BOTH, None, None): 50000,
        (DEBTOR, BOTH, None, None): -50000,
        (accounts.UNPAID_SALES, CASH, None, None): 50000,
        (accounts.TURNOVER_DIRECT, CASH, "standard", JOB_1): -31153,
        (accounts.TURNOVER_DIRECT, CASH, "zero", JOB_2): -9346,
        (accounts.TURNOVER_DIRECT, CASH, "reduced", JOB_3): -3115,
        (accounts.OUTPUT_VAT, CASH, "standard", JOB_1): -6230,
        (accounts.OUTPUT_VAT, CASH, "reduced", JOB_3): -156,
    }
    assert basis_totals(posting) == (0, 0)
    # Nothing on the accruals basis but the money moving from the debtor.
    accruals = [ln for ln in posting.lines if ln.basis == ACCRUALS]
    assert accruals == []


def test_agency_remittance_payment_goes_to_agency_clearing() -> None:
    posting = rules.payment_posting(rules.Receipt(DAY, 160500, via_agency=True), mixed_invoice())
    lines = figures(posting)
    assert lines[(accounts.AGENCY_CLEARING, BOTH, None, None)] == 160500
    assert (accounts.UNDEPOSITED, BOTH, None, None) not in lines
    # Paid in full: the cash basis gets the whole of the invoice's net and VAT.
    assert lines[(accounts.TURNOVER_DIRECT, CASH, "standard", JOB_1)] == -100000
    assert lines[(accounts.OUTPUT_VAT, CASH, "reduced", JOB_3)] == -500
    assert basis_totals(posting) == (0, 0)


# --------------------------------------------------------------------------- credit notes, refunds


def half_credit() -> rules.SalesDocument:
    """Half of the standard-rated line credited: £500 + £100 VAT."""
    return rules.SalesDocument(
        number="CN-0001",
        date=dt.date(2026, 7, 1),
        client_id=CLIENT,
        agency_id=None,
        lines=(rules.SaleLine(50000, 10000, "standard", JOB_1),),
        net=50000,
        vat=10000,
    )


def test_credit_note_is_the_opposite_of_an_invoice_for_its_own_figures() -> None:
    posting = rules.credit_note_posting(half_credit(), "INV-0007")
    assert posting.date == dt.date(2026, 7, 1)
    assert posting.description == "Credit note CN-0001 (invoice INV-0007)"
    assert figures(posting) == {
        (DEBTOR, BOTH, None, None): -60000,
        (accounts.TURNOVER_DIRECT, ACCRUALS, "standard", JOB_1): 50000,
        (accounts.OUTPUT_VAT, ACCRUALS, "standard", JOB_1): 10000,
        (accounts.UNPAID_SALES, CASH, None, None): 60000,
    }
    assert basis_totals(posting) == (0, 0)


def test_refund_takes_back_income_at_the_credit_notes_vat_fraction() -> None:
    # £300 of the £600 credit note paid back: VAT 30000 x 10000 / 60000 = 5000, net 25000.
    posting = rules.refund_posting(
        rules.Receipt(dt.date(2026, 7, 2), 30000), half_credit(), "INV-0007"
    )
    assert posting.description == "Refund on invoice INV-0007 (credit note CN-0001)"
    assert figures(posting) == {
        (DEBTOR, BOTH, None, None): 30000,
        (accounts.UNDEPOSITED, BOTH, None, None): -30000,
        (accounts.TURNOVER_DIRECT, CASH, "standard", JOB_1): 25000,
        (accounts.OUTPUT_VAT, CASH, "standard", JOB_1): 5000,
        (accounts.UNPAID_SALES, CASH, None, None): -30000,
    }
    assert basis_totals(posting) == (0, 0)


def test_a_whole_story_leaves_the_debtor_and_unpaid_sales_at_zero() -> None:
    # Invoice £1,605; paid in full; half the standard line credited (£600); £600 refunded.
    invoice = mixed_invoice()
    postings = [
        rules.invoice_posting(invoice),
        rules.payment_posting(rules.Receipt(DAY, 160500), invoice),
        rules.credit_note_posting(half_credit()),
        rules.refund_posting(rules.Receipt(DAY, 60000), half_credit(), "INV-0007"),
    ]
    balance: dict[tuple[str, str], int] = defaultdict(int)
    for posting in postings:
        for line in posting.lines:
            for basis in (ACCRUALS, CASH):
                if line.basis in (BOTH, basis):
                    balance[(line.account, basis)] += line.amount
    for basis in (ACCRUALS, CASH):
        assert balance[(DEBTOR, basis)] == 0
        assert balance[(accounts.UNPAID_SALES, basis)] == 0
        # Turnover: 140000 invoiced less 50000 credited, on either basis.
        assert balance[(accounts.TURNOVER_DIRECT, basis)] == -90000
        assert balance[(accounts.OUTPUT_VAT, basis)] == -10500
        assert balance[(accounts.UNDEPOSITED, basis)] == 100500
