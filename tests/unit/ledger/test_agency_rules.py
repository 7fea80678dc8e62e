"""The agency posting rules (minimin.ledger.rules.agency) and the settlement arithmetic of
remittance lines (minimin.remittances.matching), with figures worked by hand: debit
positive, credit negative; A = accruals only, B = both bases, C = cash only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest

from minimin.ledger import accounts
from minimin.ledger.entries import Posting
from minimin.ledger.rules import agency as rules
from minimin.remittances import matching

AGENCY = uuid.uuid4()
JOB = uuid.uuid4()
DEBTOR = accounts.debtor(agency_id=AGENCY)
DONE = dt.date(2025, 3, 28)
PAID = dt.date(2025, 5, 20)


def _job(**changes: object) -> rules.AgencyJob:
    job = rules.AgencyJob(
        id=JOB,
        title="Knitwear catalogue",
        agency_id=AGENCY,
        earned=True,
        invoiced_by_user=False,
        done_on=DONE,
        gross=120000,
    )
    return dataclasses.replace(job, **changes)  # type: ignore[arg-type]


def _remittance(*lines: rules.RemittanceLine) -> rules.Remittance:
    return rules.Remittance(
        agency_id=AGENCY, received_on=PAID, lines=lines, reference="RA-77", agency_name="Top"
    )


def _amounts(posting: Posting | None) -> dict[tuple[str, str], int]:
    assert posting is not None
    out: dict[tuple[str, str], int] = {}
    for line in posting.lines:
        out[(line.account, line.basis)] = out.get((line.account, line.basis), 0) + line.amount
    return out


# --------------------------------------------------------------------------- agency jobs


def test_an_agency_job_done_is_earned_on_the_accruals_basis_on_its_day() -> None:
    posting = rules.agency_job_posting(_job())
    assert posting is not None and posting.date == DONE
    assert _amounts(posting) == {(DEBTOR, "A"): 120000, (accounts.TURNOVER_AGENCY, "A"): -120000}
    assert {(line.agency_id, line.job_id) for line in posting.lines} == {(AGENCY, JOB)}


@pytest.mark.parametrize(
    "changes",
    [
        {"invoiced_by_user": True},  # its invoice is the income
        {"earned": False},  # not done yet (or cancelled without a fee)
        {"done_on": None},  # undated: no day to earn it on
        {"agency_id": None},  # a direct job is invoiced
        {"gross": 0},  # earns nothing
    ],
)
def test_an_agency_job_posts_nothing_unless_earned_as_done(changes: dict[str, object]) -> None:
    assert rules.agency_job_posting(_job(**changes)) is None


def test_accrues_is_what_the_job_posting_and_the_remittance_agree_on() -> None:
    assert rules.accrues(_job())
    assert not rules.accrues(_job(invoiced_by_user=True))
    assert not rules.accrues(_job(done_on=None))


# --------------------------------------------------------------------------- remittances


def test_a_line_without_an_invoice_is_the_income_on_both_bases() -> None:
    # £1,000 gross + £200 VAT + £50 expenses reimbursed = £1,250 paid before commission.
    line = rules.RemittanceLine(gross=100000, fee_vat=20000, expenses=5000, job_id=JOB)
    posting = rules.remittance_posting(_remittance(line))
    assert posting is not None and posting.date == PAID
    assert _amounts(posting) == {
        (accounts.AGENCY_CLEARING, "B"): 125000,
        (accounts.OUTPUT_VAT, "B"): -20000,
        (accounts.TURNOVER_AGENCY, "B"): -105000,
    }
    assert {
        line.vat_code for line in posting.lines if line.account != accounts.AGENCY_CLEARING
    } == {"standard"}
    assert posting.description == "Remittance RA-77 from Top"


def test_a_line_for_a_job_earned_as_done_clears_the_debtor_on_accruals() -> None:
    line = rules.RemittanceLine(gross=120000, fee_vat=24000, job_id=JOB, job_accrued=True)
    assert _amounts(rules.remittance_posting(_remittance(line))) == {
        (accounts.AGENCY_CLEARING, "B"): 144000,
        (accounts.OUTPUT_VAT, "B"): -24000,
        (DEBTOR, "A"): -120000,  # the agency job posted Dr debtor £1,200 when done
        (accounts.TURNOVER_AGENCY, "C"): -120000,
    }


def test_a_line_without_vat_is_coded_none() -> None:
    line = rules.RemittanceLine(gross=50000)
    posting = rules.remittance_posting(_remittance(line))
    assert posting is not None
    assert _amounts(posting) == {
        (accounts.AGENCY_CLEARING, "B"): 50000,
        (accounts.TURNOVER_AGENCY, "B"): -50000,
    }
    assert [ln.vat_code for ln in posting.lines if ln.account == accounts.TURNOVER_AGENCY] == [
        "none"
    ]


def test_a_line_settling_an_invoice_posts_nothing() -> None:
    # The invoice's payment (method "agency remittance") posts the money and the income.
    line = rules.RemittanceLine(gross=120000, fee_vat=24000, job_id=JOB, settles_invoice=True)
    assert rules.remittance_posting(_remittance(line)) is None


def test_lines_of_both_kinds_post_together_and_balance() -> None:
    settled = rules.RemittanceLine(gross=120000, fee_vat=24000, job_id=JOB, settles_invoice=True)
    own = rules.RemittanceLine(gross=30000, fee_vat=6000, job_id=uuid.uuid4())
    assert _amounts(rules.remittance_posting(_remittance(settled, own))) == {
        (accounts.AGENCY_CLEARING, "B"): 36000,
        (accounts.OUTPUT_VAT, "B"): -6000,
        (accounts.TURNOVER_AGENCY, "B"): -30000,
    }


# --------------------------------------------------------------------------- settlements


def _invoice(outstanding: int, *, open_: bool = True, currency: str = "GBP") -> matching.InvoiceIn:
    return matching.InvoiceIn(
        id=uuid.uuid4(),
        number="INV-0001",
        currency=currency,
        open=open_,
        outstanding_pence=outstanding,
        billed_pence={JOB: 144000},
    )


def _line(gross: int, fee_vat: int, index: int = 0, job: uuid.UUID = JOB) -> matching.LineIn:
    return matching.LineIn(index=index, gross_pence=gross, fee_vat_pence=fee_vat, job_id=job)


def test_a_line_pays_its_invoice_what_the_agency_paid_before_commission() -> None:
    [settled] = matching.settlements([_line(120000, 24000)], {JOB: _invoice(144000)}, "GBP")
    assert (settled.paid_pence, settled.shortfall_pence, settled.unapplied_pence) == (144000, 0, 0)
    assert matching.settlement_discrepancies([settled]) == []


def test_a_short_payment_leaves_the_rest_outstanding_and_is_listed() -> None:
    # Paid on £1,000 + £200 VAT of the £1,440 billed: £240 short.
    [settled] = matching.settlements([_line(100000, 20000)], {JOB: _invoice(144000)}, "GBP")
    assert (settled.paid_pence, settled.shortfall_pence) == (120000, 24000)
    [found] = matching.settlement_discrepancies([settled])
    assert (found.code, found.line_index, found.figures["difference"]) == (
        matching.INVOICE_SHORT,
        0,
        24000,
    )


def test_payment_is_capped_at_what_the_invoice_still_owes() -> None:
    # £440 already paid by hand: the invoice owes £1,000, the agency paid £1,440.
    [settled] = matching.settlements([_line(120000, 24000)], {JOB: _invoice(100000)}, "GBP")
    assert (settled.paid_pence, settled.unapplied_pence) == (100000, 44000)
    [found] = matching.settlement_discrepancies([settled])
    assert found.code == matching.INVOICE_UNAPPLIED and found.figures["difference"] == 44000


@pytest.mark.parametrize(
    "invoice", [_invoice(144000, open_=False), _invoice(144000, currency="EUR")]
)
def test_an_invoice_not_open_or_in_another_currency_takes_nothing(
    invoice: matching.InvoiceIn,
) -> None:
    [settled] = matching.settlements([_line(120000, 24000)], {JOB: invoice}, "GBP")
    assert (settled.paid_pence, settled.unapplied_pence) == (0, 144000)


def test_two_lines_on_one_invoice_share_what_it_owes_in_line_order() -> None:
    other = uuid.uuid4()
    invoice = dataclasses.replace(_invoice(150000), billed_pence={JOB: 100000, other: 50000})
    first, second = matching.settlements(
        [_line(60000, 0, index=1, job=other), _line(100000, 0, index=0)],
        {JOB: invoice, other: invoice},
        "GBP",
    )
    assert (first.line_index, first.paid_pence) == (0, 100000)
    # £500 left on the invoice for the £600 paid for the other job: £100 not recorded again.
    assert (second.line_index, second.paid_pence, second.unapplied_pence) == (1, 50000, 10000)


def test_lines_without_an_invoiced_job_settle_nothing() -> None:
    assert matching.settlements([_line(1000, 0, job=uuid.uuid4())], {JOB: _invoice(1)}, "GBP") == []
