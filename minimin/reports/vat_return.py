"""VAT returns: the nine boxes of a period for standard accounting, cash accounting and the
Flat Rate Scheme, the journal entries behind each box, the VAT registration threshold test,
filing (freezing) a return and the JSON body of HMRC's MTD VAT return API.

Every figure is a sum of journal lines (docs/ledger.md); nothing here reads an invoice, a
payment, a remittance or an expense. The posting scheme already dates each line by its tax
point, so the scheme only chooses the basis the lines are read on (docs/mtd.md):

- **Standard accounting** reads the accruals basis: an issued invoice's turnover and output
  VAT on its tax point, a credit note's on its date, agency income on the remittance (the
  self-billed invoice) or the job's end; purchases on the expense's date.
- **Cash accounting** reads the cash basis: sales when the money arrived (each payment
  carrying its share of the invoice's VAT), less refunds when the money went back (the VAT
  fraction of the credit note refunded); purchases as under standard accounting (an expense
  is dated the day it was paid).
- **Flat Rate Scheme** reads the accruals basis: box 1 = flat rate x VAT-inclusive turnover
  (turnover plus output VAT lines). In the first year of VAT registration the rate is 1 point
  lower up to the day before the first anniversary: a period that straddles it is split at
  that day, each part's turnover at its own rate (box 1 rounded once, half-up). Box 4 holds
  only the VAT of capital purchases claimed outside the scheme: a single purchase of £2,000 or
  more including VAT whose VAT the user marked reclaimable; box 7 is those purchases' value
  excluding VAT, otherwise 0; box 6 includes VAT. The limited cost trader test runs on every
  period and 16.5 % applies to a period that fails it.

Box 6 leaves out supplies outside the scope of UK VAT; box 7 leaves out wages, depreciation,
bad debts and simplified mileage (none is a purchase from a supplier). Boxes 6-9 are whole
pounds (HMRC accepts them rounded down). Boxes 2, 8 and 9 concern goods moved between
Northern Ireland and the EU, which Minimin does not record: they are 0. Lines in another
currency (documents with no exchange rate recorded) are left out and listed as a warning.

A filed return closes its period (:func:`minimin.ledger.posting.locked_through`): a later
change to a document dated in it is posted on the first open day, so it is counted in the next
return as a correction, and the filed return keeps the figures it was filed with.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from minimin.business.models import (
    CASH_ACCOUNTING,
    FLAT_RATE,
    FLAT_RATE_LCT,
    FLAT_RATE_SCHEMES,
    STANDARD,
    BusinessProfile,
)
from minimin.core.dates import (
    Period,
    add_days,
    add_months,
    end_of_month,
    uk_today,
    vat_quarter_containing,
    vat_return_due,
)
from minimin.core.db import utcnow
from minimin.core.money import Money
from minimin.core.user_error import CONFLICT, UserError
from minimin.expenses import categories
from minimin.extensions import db
from minimin.invoices import vat as vat_rules
from minimin.ledger import accounts, queries
from minimin.ledger import totals as journal_totals
from minimin.ledger.entries import ACCRUALS, BASES, CASH, READS
from minimin.ledger.models import JournalEntry, JournalLine
from minimin.ledger.queries import fresh
from minimin.ledger.sources.expenses import EXPENSE, MILEAGE
from minimin.ledger.sources.invoices import CREDIT_NOTE, INVOICE, PAYMENT, REFUND
from minimin.ledger.sources.remittances import AGENCY_JOB, REMITTANCE
from minimin.reports.inputs import VatFilingInput
from minimin.reports.ledger.journal import EXPENSE_ACCOUNTS, TURNOVER_ACCOUNTS
from minimin.reports.ledger.kept import PROFILE, kept
from minimin.reports.tax_models import BOXES, VATReturn

GBP = "GBP"
#: Categories that are not purchases for box 7 (wages are not a supply to the business).
NOT_PURCHASES = ("staff", "depreciation", "bad_debts")
#: Categories counted as "relevant goods" for the limited cost trader test.
GOODS_CATEGORIES = ("goods",)
#: VAT codes of supplies outside the scope of UK VAT: not in box 6 nor in flat rate turnover.
OUTSIDE_SCOPE_CODES = (vat_rules.VATTreatment.OUTSIDE_SCOPE.value,)
#: VAT codes that are not taxable supplies (exempt, outside the scope): left out of taxable
#: turnover for the registration threshold.
NOT_TAXABLE_CODES = tuple(t.value for t in vat_rules.VATTreatment if not t.is_taxable_supply)
#: Source kinds whose expense lines are not purchases: simplified mileage is a flat rate per
#: mile, not a supply bought from anyone.
NOT_PURCHASE_KINDS = (MILEAGE,)
#: Rows shown per box on the drill-down page.
DRILL_LIMIT = 1000

BOX_LABELS = {
    1: _l("VAT due on sales and other outputs"),
    2: _l("VAT due on acquisitions of goods from the EU (Northern Ireland)"),
    3: _l("Total VAT due (box 1 + box 2)"),
    4: _l("VAT reclaimed on purchases and other inputs"),
    5: _l("Net VAT to pay to HMRC or reclaim (box 3 − box 4)"),
    6: _l("Total value of sales and other outputs, excluding VAT"),
    7: _l("Total value of purchases and other inputs, excluding VAT"),
    8: _l("Total value of goods supplied to the EU (Northern Ireland), excluding VAT"),
    9: _l("Total value of acquisitions of goods from the EU (Northern Ireland), excluding VAT"),
}
FRS_BOX_LABELS = {
    4: _l("VAT reclaimed on capital purchases of £2,000 or more (Flat Rate Scheme)"),
    6: _l("Total value of sales and other outputs, including VAT (Flat Rate Scheme)"),
    7: _l("Capital purchases of £2,000 or more whose VAT is reclaimed, excluding VAT"),
}
#: A single purchase of at least this much, VAT included, is a capital purchase whose VAT a
#: Flat Rate Scheme user reclaims outside the scheme (box 4).
FRS_CAPITAL_PURCHASE_MIN_PENCE = 200_000
#: What each kind of journal entry is, as the drill-down names it (others show their kind).
SOURCE_LABELS = {
    INVOICE: _l("Invoice"),
    CREDIT_NOTE: _l("Credit note"),
    PAYMENT: _l("Payment received"),
    REFUND: _l("Refund paid"),
    REMITTANCE: _l("Agency remittance"),
    AGENCY_JOB: _l("Agency job done"),
    EXPENSE: _l("Expense"),
    MILEAGE: _l("Mileage"),
}


class VATPeriodError(UserError):
    """A period that cannot have a VAT return."""


class AlreadyFiled(VATPeriodError):
    pass


# --------------------------------------------------------------------------- periods


def _stagger(profile: BusinessProfile) -> str:
    return profile.vat_stagger or "1"


def period_containing(profile: BusinessProfile, day: dt.date) -> Period:
    """The profile's VAT period (quarter by stagger, or month) that includes *day*."""
    stagger = _stagger(profile)
    if stagger == "monthly":
        start = day.replace(day=1)
        end = end_of_month(day)
        return Period(start, end, vat_return_due(end), day.month)
    return vat_quarter_containing(day, int(stagger))


def periods(profile: BusinessProfile, today: dt.date, *, limit: int = 16) -> list[Period]:
    """The user's VAT periods from registration up to the one including *today*, newest
    first (at most *limit*)."""
    first_day = profile.vat_registration_date or add_months(today, -24)
    result: list[Period] = []
    period = period_containing(profile, today)
    while len(result) < limit and period.end >= first_day:
        result.append(period)
        period = period_containing(profile, add_days(period.start, -1))
    return result


def check_period(profile: BusinessProfile | None, start: dt.date, end: dt.date) -> None:
    """Refuse periods that cannot have a return, with the reason."""
    if profile is None or not profile.vat_registered:
        raise VATPeriodError(
            _l("You are not VAT-registered. Add your VAT registration in business settings.")
        )
    if end < start:
        raise VATPeriodError(_l("The period ends before it starts."), "end")
    if (end - start).days > 366:
        raise VATPeriodError(_l("A VAT period cannot be longer than a year."), "end")
    reg = profile.vat_registration_date
    if reg is not None and start < reg:
        raise VATPeriodError(
            _l(
                "The period starts before your VAT registration date (%(date)s).",
                date=reg.strftime("%d %B %Y"),
            ),
            "start",
        )
    if profile.vat_scheme == FLAT_RATE and profile.flat_rate_percent is None:
        raise VATPeriodError(
            _l("Enter your Flat Rate Scheme percentage in business settings first.")
        )


# --------------------------------------------------------------------------- figures


@dataclass
class LimitedCostTest:
    goods_pence: int
    turnover_pence: int
    period_months: int
    limited_cost_trader: bool

    @property
    def two_percent_pence(self) -> int:
        return _half_up(Decimal(self.turnover_pence) * 2 / 100)

    @property
    def floor_pence(self) -> int:
        return _half_up(Decimal(100_000) * self.period_months / 12)


@dataclass
class VATFigures:
    start: dt.date
    end: dt.date
    scheme: str
    boxes: dict[int, int]
    flat_rate: Decimal | None = None
    #: First-year flat rate and its last day, when the period straddles the first
    #: anniversary of VAT registration (the turnover before it is charged at this rate).
    first_year_rate: Decimal | None = None
    first_year_until: dt.date | None = None
    lct: LimitedCostTest | None = None
    #: Currencies left out (documents with no exchange rate recorded), for a warning.
    skipped_currencies: list[str] = field(default_factory=list)

    @property
    def is_flat_rate(self) -> bool:
        return self.scheme in FLAT_RATE_SCHEMES

    def label(self, box: int) -> Any:
        if self.is_flat_rate and box in FRS_BOX_LABELS:
            return FRS_BOX_LABELS[box]
        return BOX_LABELS[box]


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _whole_pounds(pence: int) -> int:
    """Round toward zero to whole pounds (HMRC: boxes 6 to 9 are whole pounds)."""
    return int(Decimal(pence) / 100) * 100


def _months(start: dt.date, end: dt.date) -> int:
    return max(1, min(12, (end.year - start.year) * 12 + end.month - start.month + 1))


def first_year_ends(profile: BusinessProfile) -> dt.date | None:
    """The last day of the Flat Rate Scheme's first-year discount: the day before the first
    anniversary of VAT registration (``date.max`` when the registration date is unknown,
    ``None`` when the user did not claim the discount)."""
    if not profile.flat_rate_first_year:
        return None
    reg = profile.vat_registration_date
    if reg is None:
        return dt.date.max
    return add_days(add_months(reg, 12), -1)


def first_year_split(
    profile: BusinessProfile, start: dt.date, end: dt.date
) -> tuple[bool, dt.date | None]:
    """Whether *start* opens in the first year, and the day it ends when that falls inside
    the period (the period is split there: HMRC's rule for a flat rate change mid-period)."""
    last = first_year_ends(profile)
    if last is None or start > last:
        return False, None
    return True, last if last < end else None


def split_flat_rate_vat(parts: list[tuple[int, Decimal]]) -> int:
    """Box 1 from (VAT-inclusive turnover, flat rate %) parts: each part at its rate, the sum
    rounded half-up to the penny once."""
    return _half_up(sum((Decimal(t) * r / 100 for t, r in parts), Decimal(0)))


def _basis(scheme: str) -> str:
    """The journal basis a scheme reads: cash accounting the cash basis, the others the
    accruals basis (by tax point)."""
    return "cash" if scheme == CASH_ACCOUNTING else "accruals"


# ------------------------------------------------------------- which journal lines make a box


def _expense_accounts(category_codes: tuple[str, ...]) -> tuple[str, ...]:
    """The allowable and disallowable expense accounts of the SA103F boxes of *category_codes*
    (each of these categories has a box of its own: 17 goods, 19 staff, 27 bad debts, 29
    depreciation)."""
    boxes = sorted({categories.get(code).box for code in category_codes})
    return tuple(
        a for box in boxes for a in (accounts.expense_box(box), accounts.disallowable(box))
    )


NOT_PURCHASE_ACCOUNTS = _expense_accounts(NOT_PURCHASES)
GOODS_ACCOUNTS = _expense_accounts(GOODS_CATEGORIES)
#: Box 7's accounts: every expense account but those of costs that are not purchases.
PURCHASE_ACCOUNTS = tuple(a for a in EXPENSE_ACCOUNTS if a not in NOT_PURCHASE_ACCOUNTS)
#: Every account some box reads.
VAT_RETURN_ACCOUNTS = (
    *TURNOVER_ACCOUNTS,
    accounts.OUTPUT_VAT,
    accounts.INPUT_VAT,
    *EXPENSE_ACCOUNTS,
)


#: The conditions below read the columns of a journal line (``JournalLine``, the default) or
#: of the kept totals' rows (:func:`minimin.ledger.totals.rows`: the same columns, and the
#: entry's ``source_kind`` alongside).
Columns = Any


def _of_kind(c: Columns, kind: str) -> Any:
    """SQL: the line is of a document of *kind*: a line's entry looked up by its key, a kept
    total's kind read off the row."""
    return queries.of_kind(kind) if c is JournalLine else c.source_kind == kind


def _code_not_in(codes: tuple[str, ...], c: Columns = JournalLine) -> Any:
    return sa.or_(c.vat_code.is_(None), c.vat_code.not_in(codes))


def _is_sale(c: Columns = JournalLine) -> Any:
    """Turnover of a supply within the scope of UK VAT (boxes 6, and 1 under the FRS)."""
    return sa.and_(c.account.in_(TURNOVER_ACCOUNTS), _code_not_in(OUTSIDE_SCOPE_CODES, c))


def _is_output_vat(c: Columns = JournalLine) -> Any:
    return c.account == accounts.OUTPUT_VAT


def _is_input_vat(c: Columns = JournalLine) -> Any:
    return c.account == accounts.INPUT_VAT


def _is_purchase(c: Columns = JournalLine) -> Any:
    """The business share of a cost bought from a supplier (box 7)."""
    return sa.and_(c.account.in_(PURCHASE_ACCOUNTS), sa.not_(_is_mileage(c)))


def _is_mileage(c: Columns = JournalLine) -> Any:
    """A journey's share of the simplified mileage claim. It is posted to box 20 without a
    VAT code, as a bank line categorised as motoring is: only those lines have their entry's
    kind looked up (by its key), last, so no other line joins its entry."""
    return sa.and_(
        c.account == accounts.MILEAGE,
        c.vat_code.is_(None),
        *(_of_kind(c, kind) for kind in NOT_PURCHASE_KINDS),
    )


def _is_goods() -> Any:
    """Relevant goods for the limited cost trader test: the cost of goods and the input VAT
    posted with it (the test counts goods including VAT), looked up by the input VAT line's
    entry."""
    goods_line = aliased(JournalLine)
    with_goods = (
        sa.select(goods_line.id)
        .where(goods_line.entry_id == JournalLine.entry_id, goods_line.account.in_(GOODS_ACCOUNTS))
        .exists()
    )
    return sa.or_(
        JournalLine.account.in_(GOODS_ACCOUNTS),
        sa.and_(_is_input_vat(), with_goods),
    )


def _sum_where(condition: Any, sign: int = 1, c: Columns = JournalLine) -> Any:
    """SQL: the sum of the amounts of the lines meeting *condition* (0 when none), times
    *sign* (-1 for credits such as sales and output VAT)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, c.amount_pence * sign), else_=0)), 0)


@dataclass(frozen=True)
class LineTotals:
    """The period's journal lines a VAT return is made of, in pence (credits positive for
    sales and output VAT)."""

    sales: int = 0
    output_vat: int = 0
    input_vat: int = 0
    purchases: int = 0
    goods: int = 0

    @property
    def inclusive_sales(self) -> int:
        return self.sales + self.output_vat


def _total_columns(goods: bool, c: Columns = JournalLine) -> list[Any]:
    """SQL sums in the order of :class:`LineTotals`' fields; relevant goods only when
    *goods* (the Flat Rate Scheme's test is the only reader, on the lines: 0 otherwise)."""
    return [
        _sum_where(_is_sale(c), -1, c),
        _sum_where(_is_output_vat(c), -1, c),
        _sum_where(_is_input_vat(c), 1, c),
        _sum_where(_is_purchase(c), 1, c),
        _sum_where(_is_goods()) if goods else sa.literal(0),
    ]


def _vat_lines() -> Any:
    """SQL: a line on an account some box reads. The accounts are listed, not matched by
    prefix, so the database reads the (user, account, date) index for each."""
    return JournalLine.account.in_(VAT_RETURN_ACCOUNTS)


def line_totals(
    user_id: uuid.UUID, basis: str, where: list[Any], *, goods: bool = True
) -> tuple[LineTotals, list[str]]:
    """The :class:`LineTotals` of the user's sterling lines on *basis* meeting *where*, and
    the other currencies that have lines there (left out: no exchange rate recorded). The
    lines are read on their own: no entry is joined (see :func:`_read`)."""
    rows = (
        fresh(db.session())
        .execute(
            sa.select(JournalLine.currency, *_total_columns(goods))
            .where(*_read(user_id, basis), _vat_lines(), *where)
            .group_by(JournalLine.currency)
        )
        .all()
    )
    return _line_totals_of(rows)


def kept_line_totals(
    user_id: uuid.UUID, basis: str, start: dt.date, end: dt.date
) -> tuple[LineTotals, list[str]]:
    """:func:`line_totals` of the lines dated *start*..*end* (relevant goods left at 0), read
    from the journal's kept totals of the whole half months of the range and the lines of
    the days that cut one (:func:`minimin.ledger.totals.rows`): the same figures, from a few
    hundred rows instead of every line of the period."""
    kept = journal_totals.rows(user_id, start, end, BASES, VAT_RETURN_ACCOUNTS).c
    rows = (
        fresh(db.session())
        .execute(
            sa.select(kept.currency, *_total_columns(False, kept))
            .where(_on_basis(basis, kept))
            .group_by(kept.currency)
        )
        .all()
    )
    return _line_totals_of(rows)


def _line_totals_of(rows: Sequence[Any]) -> tuple[LineTotals, list[str]]:
    totals = LineTotals()
    skipped = []
    for currency, *sums in rows:
        if currency == GBP:
            totals = LineTotals(*(int(s) for s in sums))
        elif any(sums):
            skipped.append(currency)
    return totals, sorted(skipped)


def _read(user_id: uuid.UUID, basis: str) -> list[Any]:
    """SQL: the user's lines a return on *basis* reads.

    On the accruals basis (VAT by tax point) an agency job done is not read: it is earned on
    its last day for income tax, at a fee without VAT. Its value is counted with its VAT on
    the remittance (the agency's self-billed invoice), which carries that value as a
    cash-basis turnover line, because on the accruals basis it clears the job's debtor."""
    return [JournalLine.user_id == user_id, _on_basis(basis)]


def _on_basis(basis: str, c: Columns = JournalLine) -> Any:
    """SQL: a line a return on *basis* reads (:func:`_read`)."""
    on_basis: Any = c.basis.in_(READS[basis])
    if basis == "accruals":
        on_basis = sa.or_(
            sa.and_(on_basis, sa.not_(_is_agency_job_income(c))),
            sa.and_(
                c.basis == CASH,
                c.account == accounts.TURNOVER_AGENCY,
                _of_kind(c, REMITTANCE),
            ),
        )
    return on_basis


def _is_agency_job_income(c: Columns = JournalLine) -> Any:
    """SQL: a line of an agency job done. Of the accounts a return reads, such an entry
    posts only agency turnover on the accruals basis (its other line is the agency's
    debtor), so only those lines have their entry's kind looked up."""
    return sa.and_(
        c.account == accounts.TURNOVER_AGENCY,
        c.basis == ACCRUALS,
        _of_kind(c, AGENCY_JOB),
    )


def _dated_in(start: dt.date, end: dt.date) -> list[Any]:
    return [JournalLine.date >= start, JournalLine.date <= end]


def _moved_out_of(user_id: uuid.UUID, start: dt.date, end: dt.date) -> list[Any]:
    """Entries that belong to *start*..*end* but were posted later because it was closed
    (few: their lines are picked by entry)."""
    moved = sa.select(JournalEntry.id).where(
        JournalEntry.user_id == user_id,
        JournalEntry.moved_from >= start,
        JournalEntry.moved_from <= end,
    )
    return [JournalLine.entry_id.in_(moved)]


# --------------------------------------------------------------------------- the boxes


def compute(profile: BusinessProfile, start: dt.date, end: dt.date) -> VATFigures:
    """The nine boxes for *start*..*end* under the profile's scheme (checked first). Kept
    until the journal or the VAT settings change (:mod:`minimin.reports.ledger.kept`)."""
    check_period(profile, start, end)
    return kept(
        profile.user_id,
        ("vat_return", start, end),
        lambda: _compute(profile, start, end),
        also=[PROFILE],
    )


def _compute(profile: BusinessProfile, start: dt.date, end: dt.date) -> VATFigures:
    scheme = profile.vat_scheme or STANDARD
    where = _dated_in(start, end)
    flat = None
    if scheme in FLAT_RATE_SCHEMES:
        # Relevant goods are found by entry (the input VAT posted with goods): the lines.
        totals, skipped = line_totals(profile.user_id, _basis(scheme), where, goods=True)
        flat = _flat_rate_inputs(profile, start, end, where)
    else:
        totals, skipped = kept_line_totals(profile.user_id, _basis(scheme), start, end)
    return _figures(profile, scheme, start, end, totals, skipped, flat)


@dataclass(frozen=True)
class FlatRateInputs:
    """What the Flat Rate Scheme boxes need besides the line totals: the VAT-inclusive
    turnover up to the end of the first-year discount (when the period straddles it) and the
    capital purchases whose VAT is reclaimed (VAT, value excluding VAT)."""

    first_year_turnover: int | None = None
    capital_vat: int = 0
    capital_net: int = 0


def _flat_rate_inputs(
    profile: BusinessProfile, start: dt.date, end: dt.date, where: list[Any]
) -> FlatRateInputs:
    _, split_at = first_year_split(profile, start, end)
    before = None
    if split_at is not None:
        part, _ = line_totals(profile.user_id, "accruals", _dated_in(start, split_at), goods=False)
        before = part.inclusive_sales
    vat, net = _capital_purchases(profile.user_id, where)
    return FlatRateInputs(before, vat, net)


def _capital_purchases(user_id: uuid.UUID, where: list[Any]) -> tuple[int, int]:
    """(VAT, value excluding VAT) of the entries that are single purchases of £2,000 or more
    including VAT with reclaimed VAT: the capital purchases a Flat Rate Scheme user claims
    outside the scheme."""
    vat = _sum_where(_is_input_vat()).label("vat")
    net = _sum_where(_is_purchase()).label("net")
    per_entry = (
        sa.select(vat, net)
        .where(
            *_read(user_id, "accruals"),
            JournalLine.currency == GBP,
            JournalLine.account.in_((*PURCHASE_ACCOUNTS, accounts.INPUT_VAT)),
            *where,
        )
        .group_by(JournalLine.entry_id)
        .subquery()
    )
    row = (
        fresh(db.session())
        .execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(per_entry.c.vat), 0),
                sa.func.coalesce(sa.func.sum(per_entry.c.net), 0),
            ).where(
                per_entry.c.vat > 0,
                per_entry.c.vat + per_entry.c.net >= FRS_CAPITAL_PURCHASE_MIN_PENCE,
            )
        )
        .one()
    )
    return int(row[0]), int(row[1])


def _figures(
    profile: BusinessProfile,
    scheme: str,
    start: dt.date,
    end: dt.date,
    totals: LineTotals,
    skipped: list[str],
    flat: FlatRateInputs | None = None,
) -> VATFigures:
    boxes = dict.fromkeys(BOXES, 0)
    figures = VATFigures(start, end, scheme, boxes, skipped_currencies=skipped)
    if scheme in FLAT_RATE_SCHEMES:
        _flat_rate_boxes(profile, figures, totals, flat or FlatRateInputs())
    else:
        boxes[1] = totals.output_vat
        boxes[4] = totals.input_vat
        boxes[6] = _whole_pounds(totals.sales)
        boxes[7] = _whole_pounds(totals.purchases)
    boxes[3] = boxes[1] + boxes[2]
    boxes[5] = boxes[3] - boxes[4]
    return figures


def _flat_rate_boxes(
    profile: BusinessProfile, figures: VATFigures, totals: LineTotals, flat: FlatRateInputs
) -> None:
    """Box 1 is the flat rate (16.5 % for a limited cost trader) of VAT-inclusive turnover,
    split at the end of the first-year discount; box 4 and 7 only capital purchases; box 6
    includes VAT."""
    start, end, boxes = figures.start, figures.end, figures.boxes
    inclusive = totals.inclusive_sales
    lct = LimitedCostTest(totals.goods, inclusive, _months(start, end), False)
    lct.limited_cost_trader = vat_rules.is_limited_cost_trader(
        Money.from_pence(totals.goods),
        Money.from_pence(max(inclusive, 0)),
        period_months=lct.period_months,
    )
    use_lct = figures.scheme == FLAT_RATE_LCT or lct.limited_cost_trader
    sector = profile.flat_rate_percent
    if sector is None:
        sector = vat_rules.rates_on(end).frs_limited_cost_rate
    in_first_year, split_at = first_year_split(profile, start, end)
    full, discounted = (
        vat_rules.effective_flat_rate(
            Decimal(sector), end, limited_cost_trader=use_lct, first_year=first_year
        )
        for first_year in (False, True)
    )
    figures.lct = lct
    if split_at is not None and flat.first_year_turnover is not None:
        before = flat.first_year_turnover
        figures.flat_rate = full
        figures.first_year_rate, figures.first_year_until = discounted, split_at
        boxes[1] = split_flat_rate_vat([(before, discounted), (inclusive - before, full)])
    else:
        # A correction (entries moved out of a closed period) takes the rate at the period's
        # end when the period straddles the anniversary.
        figures.flat_rate = discounted if in_first_year and split_at is None else full
        boxes[1] = split_flat_rate_vat([(inclusive, figures.flat_rate)])
    boxes[4] = flat.capital_vat
    boxes[6] = _whole_pounds(inclusive)
    boxes[7] = _whole_pounds(flat.capital_net)


def corrections(profile: BusinessProfile, start: dt.date, end: dt.date) -> VATFigures | None:
    """What changed in *start*..*end* after it was closed: the boxes of the entries that
    belong to the period but were posted on the first open day (so the next return counts
    them), or ``None`` when there are none."""
    scheme = profile.vat_scheme or STANDARD
    where = _moved_out_of(profile.user_id, start, end)
    totals, skipped = line_totals(
        profile.user_id, _basis(scheme), where, goods=scheme in FLAT_RATE_SCHEMES
    )
    if totals == LineTotals() and not skipped:
        return None
    flat = None
    if scheme in FLAT_RATE_SCHEMES:
        vat, net = _capital_purchases(profile.user_id, where)
        flat = FlatRateInputs(None, vat, net)
    return _figures(profile, scheme, start, end, totals, skipped, flat)


# --------------------------------------------------------------------------- drill-down


@dataclass
class BoxRow:
    """One journal entry behind a box: what posted it, when, and its amounts in the box."""

    kind: str  # the entry's source kind (invoice, payment, expense...)
    day: dt.date
    reference: str  # the source document's id
    description: str
    net_pence: int
    vat_pence: int
    object_id: uuid.UUID | None = None  # the source document's id
    #: The date in a closed period this entry corrects (posted on the first open day).
    moved_from: dt.date | None = None

    @property
    def kind_label(self) -> Any:
        return SOURCE_LABELS.get(self.kind, self.kind.replace("_", " "))


def _box_columns(figures: VATFigures, box: int) -> tuple[Any, Any]:
    """SQL (net, VAT) of an entry's lines as *box* shows them: sales and output VAT for boxes
    1 and 6, purchases and input VAT for 4 and 7."""
    if box in (1, 6):
        return _sum_where(_is_sale(), -1), _sum_where(_is_output_vat(), -1)
    return _sum_where(_is_purchase()), _sum_where(_is_input_vat())


def box_rows(figures: VATFigures, user_id: uuid.UUID, box: int) -> Iterator[BoxRow]:
    """The journal entries behind *box* (sales for 1 and 6, purchases for 4 and 7), by
    date."""
    if box not in (1, 4, 6, 7):
        return
    net, vat = _box_columns(figures, box)
    entry = (
        JournalEntry.id,
        JournalEntry.source_kind,
        JournalEntry.source_id,
        JournalEntry.date,
        JournalEntry.description,
        JournalEntry.moved_from,
        JournalEntry.posted_at,
    )
    rows = fresh(db.session()).execute(
        sa.select(*entry, net, vat)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            *_read(user_id, _basis(figures.scheme)),
            JournalLine.currency == GBP,
            _vat_lines(),
            *_dated_in(figures.start, figures.end),
        )
        .group_by(*entry)
        .having(sa.or_(net != 0, vat != 0))
        .order_by(JournalEntry.date, JournalEntry.posted_at, JournalEntry.id)
        .limit(DRILL_LIMIT)
    )
    for _id, kind, source_id, day, description, moved_from, _at, net_pence, vat_pence in rows:
        yield BoxRow(
            kind,
            day,
            str(source_id),
            description,
            int(net_pence),
            int(vat_pence),
            source_id,
            moved_from,
        )


# --------------------------------------------------------------------------- filing


def filed_return(user_id: uuid.UUID, start: dt.date, end: dt.date) -> VATReturn | None:
    return db.session.scalar(
        sa.select(VATReturn).where(
            VATReturn.user_id == user_id,
            VATReturn.period_start == start,
            VATReturn.period_end == end,
        )
    )


def filed_returns(user_id: uuid.UUID) -> dict[tuple[dt.date, dt.date], VATReturn]:
    """The user's filed returns by their period (first day, last day)."""
    found = db.session.scalars(sa.select(VATReturn).where(VATReturn.user_id == user_id))
    return {(r.period_start, r.period_end): r for r in found}


def overlapping_filed(user_id: uuid.UUID, start: dt.date, end: dt.date) -> VATReturn | None:
    """A filed return whose period overlaps *start*..*end*."""
    return db.session.scalar(
        sa.select(VATReturn)
        .where(
            VATReturn.user_id == user_id,
            VATReturn.period_start <= end,
            VATReturn.period_end >= start,
        )
        .limit(1)
    )


def mark_filed(
    profile: BusinessProfile, start: dt.date, end: dt.date, *, period_key: str | None = None
) -> VATReturn:
    """Freeze the period's figures as filed. A period (or an overlapping one) cannot be filed
    twice."""
    figures = compute(profile, start, end)
    existing = overlapping_filed(profile.user_id, start, end)
    if existing is not None:
        raise AlreadyFiled(
            _l(
                "A return for %(start)s to %(end)s is already marked as filed; it cannot be "
                "filed again. Correct any errors in your next return.",
                start=existing.period_start.strftime("%d %B %Y"),
                end=existing.period_end.strftime("%d %B %Y"),
            ),
            code=CONFLICT,
        )
    record = VATReturn(
        user_id=profile.user_id,
        period_start=start,
        period_end=end,
        period_key=period_key or None,
        scheme=figures.scheme,
        flat_rate_percent=str(figures.flat_rate) if figures.flat_rate is not None else None,
        filed_at=utcnow(),
        **{f"box{n}_pence": v for n, v in figures.boxes.items()},
    )
    db.session.add(record)
    db.session.flush()
    return record


#: HMRC's period key: 4 letters, digits or #.
PERIOD_KEY = re.compile(r"[A-Z0-9#]{4}", re.ASCII)


def file_return(user_id: uuid.UUID, data: VatFilingInput) -> VATReturn:
    """Mark the period the user submitted to HMRC as filed (:func:`mark_filed`): only a
    period of theirs that has ended, with HMRC's period key when it is given. Raises
    :class:`VATPeriodError` (:class:`AlreadyFiled` for a period filed already)."""
    profile = db.session.scalar(
        sa.select(BusinessProfile).where(BusinessProfile.user_id == user_id)
    )
    check_period(profile, data.start, data.end)
    assert profile is not None  # check_period refuses a missing profile
    if data.period_key is not None and not PERIOD_KEY.fullmatch(data.period_key):
        raise VATPeriodError(
            _l("HMRC's period key is 4 letters, digits or #, like 24A1 or #001."), "period_key"
        )
    if data.end >= uk_today():
        raise VATPeriodError(_l("A period can be marked as filed only after it has ended."), "end")
    return mark_filed(profile, data.start, data.end, period_key=data.period_key)


def stored_figures(record: VATReturn) -> VATFigures:
    return VATFigures(
        record.period_start,
        record.period_end,
        record.scheme,
        record.boxes(),
        flat_rate=Decimal(record.flat_rate_percent) if record.flat_rate_percent else None,
    )


# --------------------------------------------------------------------------- HMRC body


def _pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


def hmrc_body(boxes: dict[int, int], period_key: str | None) -> dict[str, Any]:
    """The body of HMRC's "Submit VAT return for period" (MTD VAT API). Amounts are exact
    Decimals: serialise with :func:`hmrc_json`. ``netVatDue`` is the absolute value of box 5
    (HMRC's definition); boxes 6 to 9 are whole pounds."""
    return {
        "periodKey": period_key,
        "vatDueSales": _pounds(boxes[1]),
        "vatDueAcquisitions": _pounds(boxes[2]),
        "totalVatDue": _pounds(boxes[3]),
        "vatReclaimedCurrPeriod": _pounds(boxes[4]),
        "netVatDue": _pounds(abs(boxes[5])),
        "totalValueSalesExVAT": int(Decimal(boxes[6]) / 100),
        "totalValuePurchasesExVAT": int(Decimal(boxes[7]) / 100),
        "totalValueGoodsSuppliedExVAT": int(Decimal(boxes[8]) / 100),
        "totalAcquisitionsExVAT": int(Decimal(boxes[9]) / 100),
        "finalised": True,
    }


def hmrc_json(body: dict[str, Any]) -> str:
    """*body* as JSON with amounts as exact decimal numbers (``123.40``), as HMRC expects."""
    parts = []
    for key, value in body.items():
        text = format(value, "f") if isinstance(value, Decimal) else json.dumps(value)
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}"


# --------------------------------------------------------------------------- threshold


@dataclass
class ThresholdPosition:
    start: dt.date
    end: dt.date
    turnover_pence: int
    threshold_pence: int
    #: Taxable turnover expected in the next 30 days alone (invoices dated after today and
    #: confirmed jobs ending in them): the forward-look test.
    next_30_days_pence: int = 0

    @property
    def next_30_days_end(self) -> dt.date:
        return add_days(self.end, FORWARD_LOOK_DAYS)

    @property
    def expected_over(self) -> bool:
        """The forward-look test: turnover expected in the next 30 days alone goes over the
        threshold, so registration is due now (by the end of those 30 days), whatever the
        past 12 months."""
        return expected_over_threshold(self.next_30_days_pence, self.threshold_pence)

    @property
    def percent(self) -> int:
        if self.threshold_pence <= 0:
            return 0
        return int(Decimal(self.turnover_pence) * 100 / self.threshold_pence)

    @property
    def level(self) -> str:
        """``over`` (past the threshold), ``near`` (90 %+), ``approaching`` (80 %+), ``ok``."""
        if self.turnover_pence > self.threshold_pence:
            return "over"
        if self.percent >= 90:
            return "near"
        if self.percent >= 80:
            return "approaching"
        return "ok"

    @property
    def headroom_pence(self) -> int:
        return max(self.threshold_pence - self.turnover_pence, 0)


#: The forward-look test's window: the next 30 days from today.
FORWARD_LOOK_DAYS = 30


def expected_over_threshold(next_30_days_pence: int, threshold_pence: int) -> bool:
    """HMRC's forward-look test: register when taxable turnover in the next 30 days ALONE is
    expected to go over the threshold (more than it: exactly the threshold is not over)."""
    return next_30_days_pence > threshold_pence


def expected_turnover_pence(user_id: uuid.UUID, today: dt.date) -> int:
    """Taxable turnover expected in the 30 days after *today*: invoices and other turnover
    already dated in them, and the gross fees of confirmed sterling jobs ending in them
    (not yet invoiced, so not counted twice)."""
    from minimin.jobs.models import CONFIRMED, Job

    start, end = add_days(today, 1), add_days(today, FORWARD_LOOK_DAYS)
    dated = taxable_turnover_pence(user_id, start, end)
    booked = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Job.gross_pence), 0)).where(
            Job.user_id == user_id,
            Job.status == CONFIRMED,
            Job.currency == GBP,
            sa.func.coalesce(Job.ends_on, Job.starts_on).between(start, end),
        )
    )
    return dated + int(booked or 0)


def taxable_turnover_pence(user_id: uuid.UUID, start: dt.date, end: dt.date) -> int:
    """Taxable turnover (excluding VAT, in sterling) from *start* to *end*: the turnover lines
    on the accruals basis (supplies by tax point, less credit notes; agency fees before
    commission), leaving out exempt and outside-the-scope supplies."""
    return queries.total(
        db.session(),
        user_id,
        codes=TURNOVER_ACCOUNTS,
        basis="accruals",
        start=start,
        end=end,
        sign=-1,
        extra=[_code_not_in(NOT_TAXABLE_CODES)],
    )


def registration_threshold(today: dt.date) -> int:
    """The VAT registration threshold in force on *today*, in pence."""
    return vat_rules.rates_on(today).registration_threshold.pence


def threshold_position(user_id: uuid.UUID, today: dt.date) -> ThresholdPosition:
    """Rolling 12 months to *today* against the registration threshold in force today, and
    the turnover expected in the next 30 days (the forward-look test)."""
    start = add_days(add_months(today, -12), 1)
    threshold = registration_threshold(today)
    return ThresholdPosition(
        start,
        today,
        taxable_turnover_pence(user_id, start, today),
        threshold,
        expected_turnover_pence(user_id, today),
    )
