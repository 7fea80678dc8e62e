"""Expenses and the mileage log post to the journal through the expenses services, and the
journal's sums equal what the expense reports said before the journal: each expense's stored
figures by SA103F box (irrecoverable debts disallowable on the cash basis) and the mileage
claim valued from the journeys (:func:`documents_boxes`, :func:`documents_mileage`, the
pre-journal code of minimin.reports.ledger kept here as the oracle), as well as the reports
now reading the journal."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.core.dates import TaxYear
from minimin.expenses import categories, services
from minimin.expenses.mileage import CAR_VAN, claim_for_totals, to_pence
from minimin.expenses.models import Expense, Journey
from minimin.ledger import queries
from minimin.ledger.check import check
from minimin.ledger.models import JournalEntry, JournalLine

YEAR_START = dt.date(2025, 4, 6)
YEAR_END = dt.date(2026, 4, 5)


@pytest.fixture
def owner(db: Any, make_user: Any) -> Any:
    """A VAT-registered sole trader on the standard scheme (input VAT is reclaimable)."""
    from minimin.business.models import BusinessProfile

    user = make_user()
    db.session.add(BusinessProfile(user_id=user.id, vat_registered=True, vat_scheme="standard"))
    db.session.commit()
    return user


def box_total(db: Any, user_id: uuid.UUID, code: str, basis: str, **period: Any) -> int:
    return queries.total(db.session, user_id, codes=[code], basis=basis, **period)


def entries(db: Any, source_id: uuid.UUID) -> list[JournalEntry]:
    return list(
        db.session.scalars(
            sa.select(JournalEntry)
            .where(JournalEntry.source_id == source_id)
            .order_by(JournalEntry.version)
        )
    )


def documents_boxes(db: Any, user_id: uuid.UUID, basis: str) -> dict[str, dict[int, int]]:
    """Allowable and disallowable sterling expenses by box, from the expenses themselves (what
    expense_boxes.expenses_by_box computed before the journal)."""
    found: dict[str, dict[int, int]] = {"allowable": {}, "disallowable": {}}
    for expense in db.session.scalars(sa.select(Expense).where(Expense.user_id == user_id)):
        if expense.currency != "GBP":
            continue
        box = categories.get(expense.category).box
        allowable = expense.allowable_pence
        if basis == "cash" and box == 27:
            allowable = 0
        for part, amount in (
            ("allowable", allowable),
            ("disallowable", expense.business_pence - allowable),
        ):
            found[part][box] = found[part].get(box, 0) + amount
    return found


def documents_mileage(db: Any, user_id: uuid.UUID, start: dt.date, end: dt.date) -> int:
    """The claim for journeys dated *start*..*end* valued from the journeys (what
    mileage.mileage_between computed before the journal): per tax year, the claim with the
    range's miles less the claim without them, rounded once."""
    journeys = db.session.scalars(sa.select(Journey).where(Journey.user_id == user_id)).all()
    claim = Decimal(0)
    year = TaxYear.containing(start)
    while year.start <= end:
        first, last = max(start, year.start), min(end, year.end)
        before = sum(
            (j.miles for j in journeys if year.start <= j.date < first and j.vehicle == CAR_VAN),
            Decimal(0),
        )
        car = sum(
            (j.miles for j in journeys if first <= j.date <= last and j.vehicle == CAR_VAN),
            Decimal(0),
        )
        moto = sum(
            (j.miles for j in journeys if first <= j.date <= last and j.vehicle != CAR_VAN),
            Decimal(0),
        )
        claim += claim_for_totals(year, before + car, moto) - claim_for_totals(
            year, before, Decimal(0)
        )
        year = year.next
    return to_pence(claim)


def add_expenses(user_id: uuid.UUID) -> dict[str, Any]:
    day = dt.date(2025, 6, 2)
    made = {
        # £60.00 incl. £10.00 VAT, 70 % business: box 23 £35.00, input VAT £7.00, drawings £18.
        "phone": services.create_expense(
            user_id,
            services.ExpenseInput(
                date=day,
                supplier="Phone Co",
                category="office",
                amount_pence=6000,
                vat_pence=1000,
                business_percent=Decimal(70),
                vat_reclaimable=True,
                payment_method="direct_debit",
            ),
        ),
        # Everyday clothes, not confirmed: all £80.00 disallowable (box 45).
        "jeans": services.create_expense(
            user_id,
            services.ExpenseInput(
                date=day,
                supplier="Shop",
                category="clothing",
                amount_pence=8000,
            ),
        ),
        # Irrecoverable debt £500.00: allowable on accruals, disallowable on the cash basis.
        "debt": services.create_expense(
            user_id,
            services.ExpenseInput(
                date=day,
                description="Written off",
                category="bad_debts",
                amount_pence=50000,
            ),
        ),
        # Train fare paid personally: box 20 £12.50, capital £12.50.
        "train": services.create_expense(
            user_id,
            services.ExpenseInput(
                date=day,
                supplier="GWR",
                category="travel",
                amount_pence=1250,
                payment_method="personal",
            ),
        ),
        # Commission deducted by an agency, £150 + £30 VAT (as a posted remittance makes it).
        "commission": services.create_expense(
            user_id,
            services.ExpenseInput(
                date=day,
                supplier="Top Models",
                category="professional",
                amount_pence=18000,
                vat_pence=3000,
                vat_treatment="standard",
                payment_method="deducted",
            ),
            source="remittance",
            external_ref="remittance:r1:l1",
        ),
        # €99.00 with no rate: posted in euros, left out of the sterling boxes.
        "euros": services.create_expense(
            user_id,
            services.ExpenseInput(
                date=day,
                supplier="SNCF",
                category="travel",
                amount_pence=9900,
                currency="EUR",
            ),
        ),
    }
    return made


def test_expenses_post_what_the_expense_boxes_report(db: Any, owner: Any) -> None:
    from minimin.reports.ledger.expense_boxes import expenses_by_box

    made = add_expenses(owner.id)
    db.session.commit()

    # Hand-worked figures, sterling only:
    #   box 20 train 1250; box 23 phone 3500; box 28 commission 15000; box 27 debt 50000
    #   (accruals) ; disallowable 30 jeans 8000; disallowable 27 debt 50000 (cash).
    for basis, allowed, refused in (
        ("accruals", {20: 1250, 23: 3500, 27: 50000, 28: 15000}, {30: 8000}),
        ("cash", {20: 1250, 23: 3500, 28: 15000}, {27: 50000, 30: 8000}),
    ):
        documents = documents_boxes(db, owner.id, basis)
        summary = expenses_by_box(owner.id, YEAR_START, YEAR_END, basis, include_mileage=False)
        for box in range(17, 31):
            journal_allowed = box_total(db, owner.id, f"expense:box:{box}", basis)
            journal_refused = box_total(db, owner.id, f"expense:disallowable:{box}", basis)
            assert journal_allowed == allowed.get(box, 0), (basis, box)
            assert journal_refused == refused.get(box, 0), (basis, box)
            assert documents["allowable"].get(box, 0) == journal_allowed
            assert documents["disallowable"].get(box, 0) == journal_refused
            assert summary.box(box).allowable_pence == journal_allowed
            assert summary.box(box).disallowable_pence == journal_refused
        assert summary.unconverted == {"EUR": 9900}
    euro_lines = db.session.scalar(
        sa.select(sa.func.sum(JournalLine.amount_pence)).where(
            JournalLine.user_id == owner.id,
            JournalLine.currency == "EUR",
            JournalLine.account == "expense:box:20",
        )
    )
    assert euro_lines == 9900

    # Reclaimable VAT: phone £7.00 + commission £30.00.
    assert box_total(db, owner.id, "asset:vat:input", "accruals") == 700 + 3000
    # Private share of the phone bill: £60 - £35 - £7 = £18.
    assert box_total(db, owner.id, "equity:drawings", "cash") == 1800
    # Paid personally: the train fare.
    assert box_total(db, owner.id, "equity:capital", "cash") == -1250
    # Deducted by the agency: the commission with its VAT.
    assert box_total(db, owner.id, "asset:agency-clearing", "cash") == -18000
    # From a business account or card (sterling): phone, jeans, debt.
    assert box_total(db, owner.id, "asset:undeposited", "cash") == -(6000 + 8000 + 50000)
    assert {e.source_kind for e in entries(db, made["phone"].id)} == {"expense"}
    assert check(db.session, [owner.id]).ok


def test_expense_lines_carry_the_job_and_vat_treatment(db: Any, owner: Any) -> None:
    from minimin.jobs.models import Job

    job = Job(user_id=owner.id, title="Shoot")
    db.session.add(job)
    db.session.flush()
    expense = services.create_expense(
        owner.id,
        services.ExpenseInput(
            date=dt.date(2025, 7, 1),
            supplier="Taxi",
            category="travel",
            amount_pence=4500,
            job_id=job.id,
            rebillable=True,
        ),
    )
    db.session.commit()
    [entry] = entries(db, expense.id)
    cost = [line for line in entry.lines if line.account == "expense:box:20"]
    assert [(line.amount_pence, line.job_id, line.vat_code) for line in cost] == [
        (4500, job.id, "none")
    ]


def test_edited_and_deleted_expense_is_reversed(db: Any, owner: Any) -> None:
    expense = services.create_expense(
        owner.id,
        services.ExpenseInput(
            date=dt.date(2025, 8, 1),
            supplier="Camera shop",
            category="repairs",
            amount_pence=12000,
            vat_pence=2000,
            vat_reclaimable=True,
        ),
    )
    db.session.commit()
    assert box_total(db, owner.id, "expense:box:22", "accruals") == 10000

    # Half of it was private after all: box 22 = 50 % of £100 = £50; VAT 50 % of £20 = £10;
    # drawings = £120 - £50 - £10 = £60.
    services.update_expense(
        expense, replace(services.expense_input(expense), business_percent=Decimal(50))
    )
    db.session.commit()
    versions = entries(db, expense.id)
    assert [(e.version, e.reverses_id is not None) for e in versions] == [
        (1, False),
        (2, True),
        (3, False),
    ]
    assert versions[1].reverses_id == versions[0].id
    assert box_total(db, owner.id, "expense:box:22", "accruals") == 5000
    assert box_total(db, owner.id, "asset:vat:input", "accruals") == 1000
    assert box_total(db, owner.id, "equity:drawings", "accruals") == 6000
    assert check(db.session, [owner.id]).ok

    services.delete_expense(expense)
    db.session.commit()
    assert len(entries(db, expense.id)) == 4
    assert entries(db, expense.id)[-1].reverses_id == versions[2].id
    for code in ("expense:box:22", "asset:vat:input", "equity:drawings", "asset:undeposited"):
        assert box_total(db, owner.id, code, "accruals") == 0
    assert check(db.session, [owner.id]).ok


def test_recurring_templates_post_nothing_their_expenses_do(db: Any, owner: Any) -> None:
    from minimin.expenses.models import Expense

    rec = services.create_recurring(
        owner.id,
        services.RecurringInput(
            supplier="Spotlight",
            category="advertising",
            amount_pence=1800,
            payment_method="direct_debit",
            frequency="monthly",
            start_date=dt.date(2025, 4, 30),
            end_date=dt.date(2025, 6, 30),
        ),
    )
    db.session.commit()
    assert entries(db, rec.id) == []
    assert services.create_due_expenses(dt.date(2025, 7, 1), owner.id) == 3
    db.session.commit()
    made = db.session.scalars(sa.select(Expense.id).where(Expense.recurring_id == rec.id)).all()
    assert len(made) == 3
    assert all(len(entries(db, expense_id)) == 1 for expense_id in made)
    assert box_total(db, owner.id, "expense:box:24", "cash") == 3 * 1800
    assert check(db.session, [owner.id]).ok


# --------------------------------------------------------------------------- mileage


def journey(user_id: uuid.UUID, day: dt.date, miles: str, vehicle: str = "car_van") -> Any:
    return services.create_journey(
        user_id,
        services.JourneyInput(
            date=day,
            origin="Leeds",
            destination="York",
            purpose="Casting",
            miles=Decimal(miles),
            vehicle=vehicle,
        ),
    )


def mileage_total(db: Any, user_id: uuid.UUID, start: dt.date, end: dt.date) -> int:
    return box_total(db, user_id, "expense:box:20", "cash", start=start, end=end)


def test_mileage_posts_the_tax_years_claim_journey_by_journey(db: Any, owner: Any) -> None:
    # 2025/26: 9,999.9 miles (£4,499.955), then 0.2 (4.5p + 2.5p), 12.3 at 25p (307.5p),
    # a motorcycle 10.1 miles at 24p (242.4p); 2026/27: 0.1 miles (4.5p).
    journey(owner.id, dt.date(2025, 4, 6), "9999.9")
    journey(owner.id, dt.date(2025, 12, 1), "0.2")
    journey(owner.id, dt.date(2026, 1, 5), "12.3")
    journey(owner.id, dt.date(2026, 4, 5), "10.1", "motorcycle")
    journey(owner.id, dt.date(2026, 4, 6), "0.1")
    db.session.commit()

    # The year: £4,500.00 + £3.10 + £2.424 = 450552.4p -> 450552p.
    assert mileage_total(db, owner.id, YEAR_START, YEAR_END) == 450552
    # Every range from the start of the tax year equals the report's claim to that day.
    for end in (
        dt.date(2025, 4, 6),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 5),
        YEAR_END,
    ):
        assert mileage_total(db, owner.id, YEAR_START, end) == documents_mileage(
            db, owner.id, YEAR_START, end
        )
    # Next tax year: 4.5p -> 5p.
    assert mileage_total(db, owner.id, dt.date(2026, 4, 6), dt.date(2027, 4, 5)) == 5
    assert documents_mileage(db, owner.id, dt.date(2026, 4, 6), dt.date(2027, 4, 5)) == 5
    assert box_total(db, owner.id, "equity:capital", "accruals") == -(450552 + 5)
    assert check(db.session, [owner.id]).ok


def test_mileage_mid_year_ranges_and_edits_move_later_journeys(db: Any, owner: Any) -> None:
    # Whole miles: 9,990 on 6 April (£4,495.50), 20 on 1 June (10 at 45p + 10 at 25p = £7),
    # 100 on 1 July (£25), a motorcycle 50 on 1 August (£12).
    first = journey(owner.id, dt.date(2025, 4, 6), "9990")
    june = journey(owner.id, dt.date(2025, 6, 1), "20")
    journey(owner.id, dt.date(2025, 7, 1), "100")
    journey(owner.id, dt.date(2025, 8, 1), "50", "motorcycle")
    db.session.commit()

    def agrees(start: dt.date, end: dt.date, expected: int) -> None:
        assert documents_mileage(db, owner.id, start, end) == expected
        assert mileage_total(db, owner.id, start, end) == expected

    agrees(dt.date(2025, 5, 1), dt.date(2025, 6, 30), 700)
    agrees(dt.date(2025, 6, 2), dt.date(2025, 12, 31), 2500 + 1200)
    agrees(YEAR_START, YEAR_END, 449550 + 700 + 2500 + 1200)

    # The first journey was 9,000 miles: £4,050; the June 20 miles are now all at 45p (£9),
    # July's 100 too (£45): the later journeys' shares move.
    services.update_journey(first, replace(services.journey_input(first), miles=Decimal(9000)))
    db.session.commit()
    agrees(dt.date(2025, 5, 1), dt.date(2025, 6, 30), 900)
    agrees(dt.date(2025, 6, 2), dt.date(2025, 12, 31), 4500 + 1200)
    agrees(YEAR_START, YEAR_END, 405000 + 900 + 4500 + 1200)
    assert check(db.session, [owner.id]).ok

    # Moved to the next tax year: this year loses it, next year gains it.
    services.update_journey(first, replace(services.journey_input(first), date=dt.date(2026, 5, 1)))
    db.session.commit()
    agrees(YEAR_START, YEAR_END, 900 + 4500 + 1200)
    agrees(dt.date(2026, 4, 6), dt.date(2027, 4, 5), 405000)
    assert check(db.session, [owner.id]).ok

    # Deleting the June journey reverses it alone (no journey of the year crosses 10,000).
    services.delete_journey(june)
    db.session.commit()
    agrees(YEAR_START, YEAR_END, 4500 + 1200)
    assert entries(db, june.id)[-1].reverses_id is not None
    assert check(db.session, [owner.id]).ok


def test_deleting_an_early_journey_moves_the_later_shares(db: Any, owner: Any) -> None:
    # 9,995 miles then 10: 5 at 45p + 5 at 25p = £3.50. Without the first, the 10 miles are
    # all at 45p: £4.50.
    first = journey(owner.id, dt.date(2025, 5, 1), "9995")
    later = journey(owner.id, dt.date(2025, 9, 1), "10")
    db.session.commit()
    assert mileage_total(db, owner.id, dt.date(2025, 9, 1), dt.date(2025, 9, 1)) == 350
    services.delete_journey(first)
    db.session.commit()
    assert mileage_total(db, owner.id, dt.date(2025, 9, 1), dt.date(2025, 9, 1)) == 450
    assert documents_mileage(db, owner.id, YEAR_START, YEAR_END) == 450
    assert mileage_total(db, owner.id, YEAR_START, YEAR_END) == 450
    assert [e.version for e in entries(db, later.id)] == [1, 2, 3]
    assert check(db.session, [owner.id]).ok


def test_mileage_rounds_the_running_claim_not_each_range(db: Any, owner: Any) -> None:
    """Tenths of a mile make half pennies: only the tax year's running claim is rounded.

    0.1 miles on 1 May (4.5p) and 0.1 miles on 1 June (4.5p): the claim to 1 May is 5p, to
    1 June 9p, so the journeys post 5p and 4p. Any range from the start of the tax year agrees
    with the claim valued from the journeys; June alone was valued 5p (4.5p rounded on its
    own) before the journal, and is 4p now: whole-penny shares cannot round every range on its
    own and still add up to the year's claim (5p + 5p would claim 10p for a 9p year)."""
    journey(owner.id, dt.date(2025, 5, 1), "0.1")
    journey(owner.id, dt.date(2025, 6, 1), "0.1")
    db.session.commit()
    assert mileage_total(db, owner.id, YEAR_START, dt.date(2025, 5, 31)) == 5
    assert documents_mileage(db, owner.id, YEAR_START, dt.date(2025, 5, 31)) == 5
    assert mileage_total(db, owner.id, YEAR_START, YEAR_END) == 9
    assert documents_mileage(db, owner.id, YEAR_START, YEAR_END) == 9
    assert mileage_total(db, owner.id, dt.date(2025, 6, 1), YEAR_END) == 4
    assert documents_mileage(db, owner.id, dt.date(2025, 6, 1), YEAR_END) == 5


# --------------------------------------------------------------------------- closed periods


def test_closed_period_refuses_changes_to_posted_figures(db: Any, owner: Any) -> None:
    from minimin.ledger.models import PeriodLock

    june = dt.date(2025, 6, 2)
    expense = services.create_expense(
        owner.id,
        services.ExpenseInput(
            date=june,
            supplier="Printer",
            category="office",
            amount_pence=2400,
        ),
    )
    trip = journey(owner.id, june, "10")
    db.session.add(PeriodLock(user_id=owner.id, locked_through=dt.date(2025, 6, 30)))
    db.session.commit()

    refusals = [
        lambda: services.update_expense(
            expense, replace(services.expense_input(expense), amount_pence=2500)
        ),
        lambda: services.update_expense(
            expense, replace(services.expense_input(expense), date=dt.date(2025, 7, 1))
        ),
        lambda: services.delete_expense(expense),
        lambda: services.create_expense(
            owner.id,
            services.ExpenseInput(
                date=dt.date(2025, 6, 30),
                supplier="Late",
                amount_pence=100,
            ),
        ),
        lambda: services.update_journey(
            trip, replace(services.journey_input(trip), miles=Decimal(11))
        ),
        lambda: services.delete_journey(trip),
        lambda: journey(owner.id, dt.date(2025, 6, 5), "3"),
    ]
    for refused in refusals:
        with pytest.raises(services.ExpenseError) as caught:
            refused()
        assert (caught.value.code, caught.value.field) == ("period_locked", "date")
        db.session.rollback()

    # Words only: nothing posted changes, so nothing is refused.
    services.update_expense(
        expense, replace(services.expense_input(expense), notes="Toner for the portfolio prints")
    )
    services.update_journey(
        trip, replace(services.journey_input(trip), purpose="Casting at the studio")
    )
    # An agency's commission deducted in the closed period is posted on the first open day.
    commission = services.create_expense(
        owner.id,
        services.ExpenseInput(
            date=dt.date(2025, 6, 20),
            supplier="Top Models",
            category="professional",
            amount_pence=6000,
            payment_method="deducted",
        ),
        source="remittance",
        external_ref="remittance:r2:l1",
    )
    db.session.commit()
    [entry] = entries(db, commission.id)
    assert entry.date == dt.date(2025, 7, 1)
    assert [len(entries(db, expense.id)), len(entries(db, trip.id))] == [1, 1]
    assert check(db.session, [owner.id]).ok


def test_deleting_a_job_reposts_its_expenses_and_journeys_without_it(db: Any, owner: Any) -> None:
    from minimin.jobs import services as jobs
    from minimin.jobs.models import Job

    job = Job(user_id=owner.id, title="Enquiry")
    db.session.add(job)
    db.session.flush()
    taxi = services.create_expense(
        owner.id,
        services.ExpenseInput(
            date=dt.date(2025, 7, 1),
            supplier="Taxi",
            category="travel",
            amount_pence=2000,
            job_id=job.id,
        ),
    )
    trip = services.create_journey(
        owner.id,
        services.JourneyInput(
            date=dt.date(2025, 7, 1),
            origin="Leeds",
            destination="York",
            purpose="Fitting",
            miles=Decimal(20),
            job_id=job.id,
        ),
    )
    db.session.commit()
    jobs.delete_job(job)
    db.session.commit()
    for source_id in (taxi.id, trip.id):
        live = entries(db, source_id)[-1]
        assert live.reverses_id is None and live.version == 3
        assert {line.job_id for line in live.lines} == {None}
    # Box 20: the £20.00 taxi and 20 miles at 45p, on no job now.
    assert mileage_total(db, owner.id, YEAR_START, YEAR_END) == 2000 + 900
    assert check(db.session, [owner.id]).ok


def test_pages_show_the_closed_period_refusal(db: Any, owner: Any, client: Any, login: Any) -> None:
    from minimin.ledger.models import PeriodLock

    expense = services.create_expense(
        owner.id,
        services.ExpenseInput(
            date=dt.date(2025, 6, 2),
            supplier="Printer",
            category="office",
            amount_pence=2400,
        ),
    )
    db.session.add(PeriodLock(user_id=owner.id, locked_through=dt.date(2025, 6, 30)))
    db.session.commit()
    login(client, owner)
    page = f"/expenses/{expense.id}"
    response = client.submit(f"{page}/delete", form_page=page)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    assert "The books are closed up to 30/06/2025" in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Expense, expense.id) is not None
    assert len(entries(db, expense.id)) == 1
