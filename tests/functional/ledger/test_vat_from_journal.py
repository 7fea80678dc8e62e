"""The VAT return read from the journal alone: each box is a sum of journal lines, worked out
by hand below. A test kind of document (its postings held in a dict, posted by the real
posting service) stands for the invoices, payments, remittances and expenses, so these tests
depend only on the posting scheme (docs/ledger.md), not on each feature's posting rules.

The April-June 2025 quarter (registered 1 January 2025, stagger 1) holds:

- invoice A, 10 April: £1,000 standard-rated + £200 VAT, and £40 travel at cost outside the
  scope of VAT (total £1,240);
- a payment of £620 on A, 1 June: on the cash basis half of each part of A: £500 standard,
  £20 outside the scope, £100 VAT (620 x 200 / 1,240);
- a credit note on A, 20 June: £250 + £50 VAT;
- a remittance, 15 June: £400 fee + £80 VAT through an agency that deducted £60 commission +
  £12 VAT (paid net £408);
- an expense, 1 May: travel £100 + £20 reclaimable VAT; wages, 3 May: £300 (not a purchase);
  simplified mileage, 5 May: 100 miles, £45 (not a purchase); an expense of $50 with no
  exchange rate;
- and, next quarter, invoice B of 2 July: £999 + £199.80 VAT.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.ledger import accounts, posting, queries
from minimin.ledger.check import check
from minimin.ledger.entries import ACCRUALS, CASH, Line, Posting
from minimin.ledger.models import JournalEntry
from tests.functional.ledger.test_remittance_postings import (  # noqa: F401 - a fixture
    owner,
)

KIND = "vat_test_document"
WANTED: dict[uuid.UUID, Posting | None] = {}
OWNERS: dict[uuid.UUID, uuid.UUID] = {}
Q2 = (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
Q3 = (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
REGISTERED = {
    "vat_registered": True,
    "vat_number": "GB123456789",
    "vat_registration_date": dt.date(2025, 1, 1),
    "vat_stagger": "1",
}


def _poster(session: Any, source_id: uuid.UUID) -> Posting | None:
    return WANTED.get(source_id)


def _lister(session: Any, user_id: uuid.UUID) -> list[uuid.UUID]:
    return [doc for doc, holder in OWNERS.items() if holder == user_id and WANTED.get(doc)]


@pytest.fixture
def test_kind() -> Iterator[None]:
    posting.source(KIND, _poster, _lister)
    yield
    posting._posters.pop(KIND, None)
    posting._listers.pop(KIND, None)
    WANTED.clear()
    OWNERS.clear()


def _post(db: Any, user_id: uuid.UUID, wanted: Posting, doc: uuid.UUID | None = None) -> uuid.UUID:
    """Post *wanted* as document *doc* (a new one by default) through the posting service."""
    doc = doc or uuid.uuid4()
    WANTED[doc] = wanted
    OWNERS[doc] = user_id
    posting.touch(db.session, user_id, KIND, doc)
    db.session.commit()  # the commit settles what was touched
    return doc


def _invoice(day: dt.date, net: int, vat: int, outside: int = 0) -> Posting:
    """An issued invoice: debtor on both bases; turnover and VAT on accruals; unpaid sales on
    the cash basis."""
    total = net + vat + outside
    return Posting(
        day,
        f"Invoice of {day}",
        (
            Line(accounts.DEBTOR_CLIENT_PREFIX + "acme", total),
            Line(accounts.TURNOVER_DIRECT, -net, ACCRUALS, vat_code="standard"),
            Line(accounts.TURNOVER_DIRECT, -outside, ACCRUALS, vat_code="outside_scope"),
            Line(accounts.OUTPUT_VAT, -vat, ACCRUALS, vat_code="standard"),
            Line(accounts.UNPAID_SALES, -total, CASH),
        ),
    )


def _payment(day: dt.date, net: int, vat: int, outside: int) -> Posting:
    amount = net + vat + outside
    return Posting(
        day,
        "Payment for invoice A",
        (
            Line(accounts.UNDEPOSITED, amount),
            Line(accounts.DEBTOR_CLIENT_PREFIX + "acme", -amount),
            Line(accounts.UNPAID_SALES, amount, CASH),
            Line(accounts.TURNOVER_DIRECT, -net, CASH, vat_code="standard"),
            Line(accounts.TURNOVER_DIRECT, -outside, CASH, vat_code="outside_scope"),
            Line(accounts.OUTPUT_VAT, -vat, CASH, vat_code="standard"),
        ),
    )


def _credit_note(day: dt.date, net: int, vat: int) -> Posting:
    return Posting(
        day,
        "Credit note CN-0001",
        (
            Line(accounts.DEBTOR_CLIENT_PREFIX + "acme", -(net + vat)),
            Line(accounts.TURNOVER_DIRECT, net, ACCRUALS, vat_code="standard"),
            Line(accounts.OUTPUT_VAT, vat, ACCRUALS, vat_code="standard"),
            Line(accounts.UNPAID_SALES, net + vat, CASH),
        ),
    )


def _remittance(day: dt.date) -> Posting:
    """£400 fee + £80 VAT, less £60 commission + £12 VAT: £408 paid."""
    return Posting(
        day,
        "Remittance R-1 from Stars Agency",
        (
            Line(accounts.AGENCY_CLEARING, 40_800),
            Line(accounts.TURNOVER_AGENCY, -40_000, vat_code="standard"),
            Line(accounts.OUTPUT_VAT, -8_000, vat_code="standard"),
            Line(accounts.expense_box(28), 6_000, vat_code="standard"),
            Line(accounts.INPUT_VAT, 1_200, vat_code="standard"),
        ),
    )


def _expense(
    day: dt.date, box: int, cost: int, vat: int = 0, currency: str = "GBP", what: str = "Trainline"
) -> Posting:
    return Posting(
        day,
        f"Expense: {what}",
        (
            Line(accounts.expense_box(box), cost, vat_code="standard" if vat else "none"),
            Line(accounts.INPUT_VAT, vat, vat_code="standard"),
            Line(accounts.UNDEPOSITED, -(cost + vat)),
        ),
        currency=currency,
    )


def _mileage(db: Any, user_id: uuid.UUID, day: dt.date, miles: str) -> None:
    """A journey in the mileage log (the real ``mileage`` source posts it: 45p a mile)."""
    from minimin.expenses.models import Journey

    db.session.add(
        Journey(
            user_id=user_id,
            date=day,
            origin="Home",
            destination="Studio",
            purpose="Shoot",
            miles=Decimal(miles),
        )
    )
    db.session.commit()


def _quarter(db: Any, user_id: uuid.UUID) -> uuid.UUID:
    """Post the documents of the module docstring; returns invoice A's id."""
    invoice_a = _post(db, user_id, _invoice(dt.date(2025, 4, 10), 100_000, 20_000, 4_000))
    _post(db, user_id, _payment(dt.date(2025, 6, 1), 50_000, 10_000, 2_000))
    _post(db, user_id, _credit_note(dt.date(2025, 6, 20), 25_000, 5_000))
    _post(db, user_id, _remittance(dt.date(2025, 6, 15)))
    _post(db, user_id, _expense(dt.date(2025, 5, 1), 20, 10_000, 2_000))
    _post(db, user_id, _expense(dt.date(2025, 5, 3), 19, 30_000, what="Assistant"))
    _post(db, user_id, _expense(dt.date(2025, 5, 7), 20, 5_000, currency="USD", what="Uber NY"))
    _mileage(db, user_id, dt.date(2025, 5, 5), "100")
    _post(db, user_id, _invoice(dt.date(2025, 7, 2), 99_900, 19_980))
    return invoice_a


def _profile(db: Any, user_id: uuid.UUID, **values: Any) -> Any:
    from minimin.business.models import BusinessProfile

    profile = BusinessProfile(
        user_id=user_id,
        business_name="Sam Trader",
        onboarding_step="done",
        **REGISTERED,
        **values,
    )
    db.session.add(profile)
    db.session.commit()
    return profile


def test_standard_accounting_reads_the_accruals_lines(
    db: Any, make_user: Any, test_kind: None
) -> None:
    from minimin.reports import vat_return

    user = make_user()
    profile = _profile(db, user.id, vat_scheme="standard")
    _quarter(db, user.id)
    figures = vat_return.compute(profile, *Q2)
    # Box 1: £200 on A - £50 credited + £80 on the remittance = £230.
    # Box 4: £20 on the travel + £12 on the commission = £32; box 5 = £198.
    # Box 6: £1,000 - £250 + £400 = £1,150 (the £40 outside the scope is not a supply in it).
    # Box 7: £100 travel + £60 commission = £160 (wages, mileage and the dollars left out).
    assert figures.boxes == {
        1: 23_000,
        2: 0,
        3: 23_000,
        4: 3_200,
        5: 19_800,
        6: 115_000,
        7: 16_000,
        8: 0,
        9: 0,
    }
    assert figures.skipped_currencies == ["USD"]
    # Box 20 holds the mileage the return leaves out: £100 travel + £45 for the 100 miles.
    box20 = queries.total(db.session(), user.id, codes=(accounts.MILEAGE,), start=Q2[0], end=Q2[1])
    assert box20 == 14_500
    rows = list(vat_return.box_rows(figures, user.id, 1))
    assert [(r.day, r.net_pence, r.vat_pence) for r in rows] == [
        (dt.date(2025, 4, 10), 100_000, 20_000),
        (dt.date(2025, 6, 15), 40_000, 8_000),
        (dt.date(2025, 6, 20), -25_000, -5_000),
    ]
    assert {r.kind for r in rows} == {KIND}
    assert rows[1].description == "Remittance R-1 from Stars Agency"
    purchases = list(vat_return.box_rows(figures, user.id, 7))
    assert [(r.description, r.net_pence, r.vat_pence) for r in purchases] == [
        ("Expense: Trainline", 10_000, 2_000),
        ("Remittance R-1 from Stars Agency", 6_000, 1_200),
    ]
    # Taxable turnover for the threshold, April-July: £1,150 in the quarter + £999 of B.
    assert vat_return.taxable_turnover_pence(user.id, Q2[0], dt.date(2025, 7, 31)) == 214_900


def test_cash_accounting_reads_the_cash_lines(db: Any, make_user: Any, test_kind: None) -> None:
    from minimin.reports import vat_return

    user = make_user()
    profile = _profile(db, user.id, vat_scheme="cash_accounting")
    _quarter(db, user.id)
    figures = vat_return.compute(profile, *Q2)
    # Box 1: £100 carried by the payment + £80 on the remittance; the invoice and the credit
    # note change nothing until money moves. Box 6: £500 + £400. Purchases as standard.
    assert (figures.boxes[1], figures.boxes[4], figures.boxes[5]) == (18_000, 3_200, 14_800)
    assert (figures.boxes[6], figures.boxes[7]) == (90_000, 16_000)
    rows = list(vat_return.box_rows(figures, user.id, 1))
    assert [(r.description, r.net_pence, r.vat_pence) for r in rows] == [
        ("Payment for invoice A", 50_000, 10_000),
        ("Remittance R-1 from Stars Agency", 40_000, 8_000),
    ]


def test_flat_rate_scheme_and_the_limited_cost_trader_test(
    db: Any, make_user: Any, test_kind: None
) -> None:
    from minimin.reports import vat_return

    user = make_user()
    profile = _profile(db, user.id, vat_scheme="flat_rate", flat_rate_percent=Decimal("14.5"))
    _quarter(db, user.id)
    figures = vat_return.compute(profile, *Q2)
    # VAT-inclusive turnover: £1,150 + £230 = £1,380. No goods: a limited cost trader, so
    # 16.5 % of it: £227.70. No capital purchase of £2,000 or more: boxes 4 and 7 are 0.
    assert figures.lct is not None and figures.lct.limited_cost_trader
    assert figures.boxes[1] == 22_770
    assert (figures.boxes[4], figures.boxes[6], figures.boxes[7]) == (0, 138_000, 0)
    # £300 of goods + £60 VAT: over 2 % of turnover (£27.60) and £250 a quarter, so the
    # sector rate applies: 14.5 % x £1,380 = £200.10; box 7 stays 0 (goods for resale of
    # £360 are not a capital purchase of £2,000 or more).
    _post(db, user.id, _expense(dt.date(2025, 6, 2), 17, 30_000, 6_000, what="Props Ltd"))
    figures = vat_return.compute(profile, *Q2)
    assert figures.lct is not None and figures.lct.goods_pence == 36_000
    assert not figures.lct.limited_cost_trader
    assert (figures.boxes[1], figures.boxes[7]) == (20_010, 0)


def test_a_filed_return_keeps_its_figures_and_the_next_one_carries_the_corrections(
    app: Any, client: Any, db: Any, make_user: Any, login: Any, test_kind: None
) -> None:
    from minimin.reports import vat_return

    user = make_user()
    profile = _profile(db, user.id, vat_scheme="standard")
    invoice_a = _quarter(db, user.id)
    filed = vat_return.mark_filed(profile, *Q2, period_key="25A1")
    db.session.commit()
    assert filed.box1_pence == 23_000
    # After filing: a late invoice dated 1 June (£100 + £20 VAT) and invoice A cut to £950 +
    # £190 VAT (the £40 outside the scope unchanged). Both reach the closed quarter, so they
    # are posted on 1 July, the first open day, remembering the day they belong to.
    late = _post(db, user.id, _invoice(dt.date(2025, 6, 1), 10_000, 2_000))
    _post(db, user.id, _invoice(dt.date(2025, 4, 10), 95_000, 19_000, 4_000), invoice_a)
    moved = db.session.execute(
        sa.select(JournalEntry.source_id, JournalEntry.date, JournalEntry.moved_from)
        .where(JournalEntry.moved_from.is_not(None))
        .order_by(JournalEntry.moved_from, JournalEntry.version)
    ).all()
    assert moved == [
        (invoice_a, dt.date(2025, 7, 1), dt.date(2025, 4, 10)),  # reversal of version 1
        (invoice_a, dt.date(2025, 7, 1), dt.date(2025, 4, 10)),  # version 3
        (late, dt.date(2025, 7, 1), dt.date(2025, 6, 1)),
    ]
    # Touching a moved document again posts nothing more.
    _post(db, user.id, WANTED[late], late)
    assert db.session.scalar(sa.select(sa.func.count()).where(JournalEntry.source_id == late)) == 1
    # The filed quarter is unchanged; what changed in it: box 1 +£20 - £10, box 6 +£100 - £50.
    assert vat_return.compute(profile, *Q2).boxes[1] == 23_000
    corrections = vat_return.corrections(profile, *Q2)
    assert corrections is not None
    assert (corrections.boxes[1], corrections.boxes[6]) == (1_000, 5_000)
    # The late invoice corrected again (£150 + £30 VAT): its moved entry is reversed as a
    # correction to 1 June too, so the quarter's corrections hold its latest figures only:
    # box 1 +£30 - £10, box 6 +£150 - £50.
    _post(db, user.id, _invoice(dt.date(2025, 6, 1), 15_000, 3_000), late)
    corrections = vat_return.corrections(profile, *Q2)
    assert corrections is not None
    assert (corrections.boxes[1], corrections.boxes[6]) == (2_000, 10_000)
    _post(db, user.id, _invoice(dt.date(2025, 6, 1), 10_000, 2_000), late)
    # The next quarter counts them with invoice B: box 1 £10 + £199.80, box 6 £50 + £999.
    q3 = vat_return.compute(profile, *Q3)
    assert (q3.boxes[1], q3.boxes[6]) == (20_980, 104_900)
    corrected = [r for r in vat_return.box_rows(q3, user.id, 1) if r.moved_from]
    # A: its first version reversed, its new one; the late invoice: posted, reversed, posted
    # at £30, reversed, posted at £20 again.
    assert sorted((r.day, r.moved_from, r.vat_pence) for r in corrected) == [
        (dt.date(2025, 7, 1), dt.date(2025, 4, 10), -20_000),
        (dt.date(2025, 7, 1), dt.date(2025, 4, 10), 19_000),
        (dt.date(2025, 7, 1), dt.date(2025, 6, 1), -3_000),
        (dt.date(2025, 7, 1), dt.date(2025, 6, 1), -2_000),
        (dt.date(2025, 7, 1), dt.date(2025, 6, 1), 2_000),
        (dt.date(2025, 7, 1), dt.date(2025, 6, 1), 2_000),
        (dt.date(2025, 7, 1), dt.date(2025, 6, 1), 3_000),
    ]

    # The moves keep the books whole: each document has one entry in force, for its date.
    report = check(db.session(), [user.id])
    assert report.ok, report.problems

    login(client, user)
    html = client.get("/reports/vat/2025-04-01/2025-06-30").get_data(as_text=True)
    assert 'id="box-1">£230.00<' in html  # as filed
    assert "have changed since it was filed" in html
    assert "box 1 £10.00, box 4 £0.00, box 5 £10.00" in html
    html = client.get("/reports/vat/2025-07-01/2025-09-30").get_data(as_text=True)
    assert 'id="box-1">£209.80<' in html
    drill = client.get("/reports/vat/2025-07-01/2025-09-30/box/1").get_data(as_text=True)
    assert drill.count("correction to") == 7


def test_an_invoiced_agency_job_and_its_remittance_count_once_in_the_return(
    app: Any,
    db: Any,
    client: Any,
    login: Any,
    owner: Any,  # noqa: F811 - the remittance tests' fixture, imported above
) -> None:
    """The double count of decision 0004, through the real job, invoice and remittance
    services: a job invoiced to the agency (£1,200 + £240 VAT, issued 2 May) and the agency's
    remittance for it (20 May: 20 % commission £240 + £48 VAT deducted, £1,152 paid). Before
    the journal the return counted the job twice (box 1 £480, box 6 £2,400)."""
    from minimin.business.models import BusinessProfile
    from minimin.reports import vat_return
    from tests.functional.ledger import test_remittance_postings as agency_flow

    login(client, owner)
    job_id = agency_flow._job(app, owner)
    agency_flow._invoice(app, owner, job_id)
    agency_flow._remit(client, owner, job_id)

    profile = db.session.scalar(
        sa.select(BusinessProfile).where(BusinessProfile.user_id == owner.id)
    )
    profile.vat_registration_date = dt.date(2025, 1, 1)
    profile.vat_stagger = "1"
    for scheme in ("standard", "cash_accounting"):
        # Standard: the invoice on 2 May; cash: its payment by the remittance on 20 May. The
        # commission is a purchase: £240 in box 7, its £48 VAT in box 4.
        profile.vat_scheme = scheme
        figures = vat_return.compute(profile, *Q2)
        assert (figures.boxes[1], figures.boxes[4], figures.boxes[5]) == (24_000, 4_800, 19_200)
        assert (figures.boxes[6], figures.boxes[7]) == (120_000, 24_000), scheme


def test_agency_work_without_an_invoice_counts_with_its_vat_on_the_remittance(
    app: Any,
    db: Any,
    client: Any,
    login: Any,
    owner: Any,  # noqa: F811 - the remittance tests' fixture, imported above
) -> None:
    """A job done through an agency on 28 March and never invoiced by the user, then the
    agency's self-billed remittance of 20 May: £1,200 fee + £240 VAT, £240 commission + £48
    VAT deducted. For income tax (accruals) the job is earned on 28 March, at its fee without
    VAT; for VAT its value goes with its VAT, on the remittance (the self-billed invoice)."""
    from minimin.business.models import BusinessProfile
    from minimin.reports import vat_return
    from tests.functional.ledger import test_remittance_postings as agency_flow

    login(client, owner)
    job_id = agency_flow._job(app, owner, day=dt.date(2025, 3, 28))
    agency_flow._remit(client, owner, job_id, kind="self_billed")

    profile = db.session.scalar(
        sa.select(BusinessProfile).where(BusinessProfile.user_id == owner.id)
    )
    profile.vat_registration_date = dt.date(2025, 1, 1)
    profile.vat_stagger = "1"
    q1 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    # The journal's accruals turnover holds the job in the first quarter...
    agency_turnover = queries.total(
        db.session(), owner.id, prefixes=(accounts.TURNOVER_AGENCY,), start=q1[0], end=q1[1]
    )
    assert agency_turnover == -120_000
    # ... but neither the standard scheme nor the Flat Rate Scheme counts it there.
    for scheme in ("standard", "flat_rate"):
        profile.vat_scheme = scheme
        profile.flat_rate_percent = Decimal("12")
        assert vat_return.compute(profile, *q1).boxes[6] == 0, scheme
    profile.vat_scheme = "standard"
    figures = vat_return.compute(profile, *Q2)
    assert (figures.boxes[1], figures.boxes[4], figures.boxes[6], figures.boxes[7]) == (
        24_000,
        4_800,
        120_000,
        24_000,
    )
    rows = list(vat_return.box_rows(figures, owner.id, 6))
    assert [(r.kind, r.day, r.net_pence, r.vat_pence) for r in rows] == [
        ("remittance", dt.date(2025, 5, 20), 120_000, 24_000)
    ]
    # Flat Rate Scheme: £1,440 VAT-inclusive turnover in the second quarter, no goods, so
    # the limited cost trader rate: 16.5 % = £237.60.
    profile.vat_scheme = "flat_rate"
    figures = vat_return.compute(profile, *Q2)
    assert (figures.boxes[1], figures.boxes[6]) == (23_760, 144_000)
    # Cash accounting reads the remittance by the day the money arrived, as before.
    profile.vat_scheme = "cash_accounting"
    figures = vat_return.compute(profile, *Q2)
    assert (figures.boxes[1], figures.boxes[6]) == (24_000, 120_000)
