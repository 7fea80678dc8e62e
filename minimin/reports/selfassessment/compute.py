"""A whole Self Assessment estimate for a sole trader: trading profit (after the working from
home flat rate and losses brought forward), PAYE and other income, savings interest and
dividends, pension contributions and Gift Aid, the marriage allowance, the High Income Child
Benefit Charge, Class 4 NI (none over State Pension age) and student loan repayments. Pure: no
Flask, no database. Rates from :mod:`minimin.reports.tax_tables` and :mod:`.rates`.

The order is HMRC's (the SA302 calculation):

1. Income in whole pounds (rounded down). Trading profit less the working from home flat rate;
   losses brought forward are set against it, then against the year's share of the transition
   profit (basis period reform). A loss makes the profit nil; as the user chose, it is set
   against this year's other income (pay and other income, then savings, then dividends)
   and/or last year's, or carried back three years (early years relief), with the cap of
   :mod:`.losses`; the rest is carried forward. The transition profit is taxed in the bands
   and for Class 4 but left out of adjusted net income.
2. Gross pension contributions and Gift Aid are the payments grossed up at 20% (x 100 / 80,
   rounded down to the pound). Adjusted net income = total income less both.
3. The personal allowance is tapered on adjusted net income, less £1,260 when transferred to a
   spouse or civil partner; it is set against non-savings income first, then savings, then
   dividends.
4. The basic and higher rate limits are extended by the gross contributions and Gift Aid (for a
   Scottish taxpayer, every limit above the starter band).
5. Non-savings income is taxed through the regime's bands; savings and dividends through the UK
   bands above it: savings first (starting rate for savings: £5,000 less taxable non-savings
   income, at 0%; then the personal savings allowance, £1,000 / £500 / nil by the highest rate
   band reached, at 0%), then dividends (the £500 allowance at 0%). Income at 0% still fills
   its band.
6. Tax reducer: the marriage allowance received (20% of £1,260) when no income reaches the
   higher rate. Then the High Income Child Benefit Charge: 1% of the benefit per £200 of
   adjusted net income above £60,000, capped at all of it; rounded down to the pound.
7. Class 4 on the trading profit (nil when State Pension age was reached before 6 April of the
   year). Student loans: 9% (PGL 6%) of income above each plan's threshold, rounded down to the
   pound; income is profit, PAYE pay and other income, plus savings and dividends when they
   exceed £2,000; repayments already deducted through PAYE are credited.
8. Payments on account are on income tax and Class 4 less tax at source (not on student
   loans): due unless that is under £1,000 or more than 80% was collected at source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from minimin.core.dates import TaxYear
from minimin.reports.selfassessment import losses
from minimin.reports.selfassessment.rates import (
    POSTGRADUATE,
    STUDENT_LOAN_PLANS,
    STUDENT_LOAN_RATES,
    WFH_RATES,
    OtherRates,
    other_rates_for,
)
from minimin.reports.tax_tables import RUK, SCOTLAND, TaxTable, table_for

PENNY = 100
TRANSFER, RECEIVE = "transfer", "receive"
MARRIAGE_CHOICES = ("", TRANSFER, RECEIVE)
NON_SAVINGS, SAVINGS, DIVIDENDS = "non_savings", "savings", "dividends"
CARRY, CURRENT, PREVIOUS = "", "current", "previous"
CURRENT_PREVIOUS, PREVIOUS_CURRENT, EARLY = "current_previous", "previous_current", "early"
LOSS_CHOICES = (CARRY, CURRENT, PREVIOUS, CURRENT_PREVIOUS, PREVIOUS_CURRENT, EARLY)


@dataclass(frozen=True)
class OtherIncome:
    """What the user enters beyond the books, per tax year."""

    savings_interest_pence: int = 0
    dividends_pence: int = 0
    #: Paid to relief-at-source pension schemes (net: the provider adds 20%).
    pension_paid_pence: int = 0
    #: Gift Aid donations paid (net).
    gift_aid_paid_pence: int = 0
    loss_brought_forward_pence: int = 0
    student_loan_plans: tuple[str, ...] = ()
    student_loan_deducted_pence: int = 0
    #: Child Benefit received in the tax year (for the High Income Child Benefit Charge).
    child_benefit_pence: int = 0
    marriage_allowance: str = ""
    over_state_pension_age: bool = False
    wfh_hours_per_month: int = 0
    wfh_months: int = 0
    #: The share of the 2023/24 transition profit taxed this year (basis period reform).
    transition_profit_pence: int = 0
    #: This year's trading loss: "" carried forward, or relief against other income
    #: (:data:`LOSS_CHOICES`).
    loss_relief: str = ""
    #: Total income of the 1, 2 and 3 tax years before this one (for carrying a loss back).
    prior_years_income: tuple[int, int, int] = (0, 0, 0)
    #: The trade's own profit in last year's total income (the cap does not apply to it).
    prior_trade_profit_pence: int = 0
    #: First calendar year of the tax year the trade started (early years relief).
    trade_start_year: int | None = None


@dataclass(frozen=True)
class SAInput:
    tax_year: TaxYear
    profit_pence: int
    salary_pence: int = 0
    other_income_pence: int = 0
    tax_paid_at_source_pence: int = 0
    payments_on_account_made_pence: int = 0
    regime: str = RUK
    other: OtherIncome = field(default_factory=OtherIncome)


@dataclass(frozen=True)
class Slice:
    """One line of the band breakdown: *income* of *kind* taxed at *rate* in *band*."""

    kind: str  # non_savings, savings, dividends
    band: str  # starter, basic, ..., savings_starting, psa, dividend_allowance
    rate: Decimal
    income_pence: int
    exact: Decimal

    @property
    def tax_pence(self) -> int:
        return _down(self.exact)


@dataclass(frozen=True)
class Payment:
    due: date
    kind: str  # balancing, first_poa, second_poa
    amount_pence: int


@dataclass(frozen=True)
class StudentLoan:
    plan: str
    threshold_pence: int
    rate: Decimal
    amount_pence: int


@dataclass(frozen=True)
class SelfAssessment:
    input: SAInput
    table: TaxTable
    rates: OtherRates
    wfh_pence: int
    profit_before_losses_pence: int
    loss_this_year_pence: int
    loss_used_pence: int
    loss_carried_forward_pence: int
    trading_profit_pence: int
    #: Transition profit taxed this year, after losses brought forward set against it.
    transition_profit_pence: int
    transition_loss_used_pence: int
    #: This year's loss set against this year's other income, and carried back (year, amount).
    loss_against_income_pence: int
    loss_carried_back: tuple[tuple[TaxYear, int], ...]
    #: True when early years relief was asked for but the loss year is not one of the first
    #: four tax years of the trade.
    early_years_refused: bool
    total_income_pence: int
    pension_gross_pence: int
    gift_aid_gross_pence: int
    adjusted_net_income_pence: int
    personal_allowance_pence: int
    marriage_transfer_pence: int
    band_extension_pence: int
    slices: tuple[Slice, ...]
    tax_on_income_pence: int
    marriage_reducer_pence: int
    income_tax_pence: int
    hicbc_pence: int
    class4_pence: int
    class4_exempt: bool
    student_loans: tuple[StudentLoan, ...]
    student_loan_pence: int
    payments_on_account_required: bool
    payment_on_account_pence: int
    payments: tuple[Payment, ...]

    @property
    def taxable_income_pence(self) -> int:
        return sum(s.income_pence for s in self.slices)

    @property
    def liability_pence(self) -> int:
        """Income tax (with the child benefit charge), Class 4 and student loans."""
        return (
            self.income_tax_pence + self.hicbc_pence + self.class4_pence + self.student_loan_pence
        )

    @property
    def self_assessment_pence(self) -> int:
        """The year's bill through Self Assessment (negative: a repayment)."""
        return (
            self.liability_pence
            - self.input.tax_paid_at_source_pence
            - self.input.other.student_loan_deducted_pence
        )

    @property
    def balancing_payment_pence(self) -> int:
        return self.self_assessment_pence - self.input.payments_on_account_made_pence


def _down(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_DOWN))


def whole_pounds(pence: int) -> int:
    """Pence rounded down to whole pounds (never below zero)."""
    return max(pence, 0) // PENNY * PENNY


def grossed_up(net_pence: int) -> int:
    """A payment made net of basic rate tax, grossed up at 20% (x 100 / 80), whole pounds."""
    return whole_pounds(net_pence * 100 // 80)


def wfh_flat_rate(hours_per_month: int, months: int) -> int:
    """Working from home simplified expenses: £10, £18 or £26 a month by the hours of business
    work at home (25-50, 51-100, 101 or more); nothing under 25 hours."""
    if months < 0 or months > 12 or hours_per_month < 0:
        raise ValueError("months must be 0 to 12 and hours not negative")
    for hours_from, pence in WFH_RATES:
        if hours_per_month >= hours_from:
            return pence * months
    return 0


def tapered_allowance(table: TaxTable, adjusted_net_income_pence: int) -> int:
    excess = max(adjusted_net_income_pence - table.taper_threshold_pence, 0)
    return max(table.personal_allowance_pence - excess // (2 * PENNY) * PENNY, 0)


def hicbc(rates: OtherRates, adjusted_net_income_pence: int, child_benefit_pence: int) -> int:
    """High Income Child Benefit Charge: 1% of the benefit for every full £200 of adjusted net
    income above the threshold, at most 100%; rounded down to the pound."""
    if child_benefit_pence <= 0:
        return 0
    over = adjusted_net_income_pence - rates.hicbc_threshold_pence
    if over <= 0:
        return 0
    step = (rates.hicbc_full_pence - rates.hicbc_threshold_pence) // 100
    percent = min(over // step, 100)
    return whole_pounds(child_benefit_pence * percent // 100)


def student_loan_repayment(rates: OtherRates, plan: str, income_pence: int) -> StudentLoan | None:
    """One plan's repayment on *income_pence*: 9% (PGL 6%) above its threshold, rounded down
    to the pound; ``None`` when the plan has no threshold that year (Plan 5 before 2026/27)."""
    threshold = rates.student_loan_thresholds.get(plan)
    if threshold is None:
        return None
    rate = STUDENT_LOAN_RATES[plan]
    above = max(whole_pounds(income_pence) - threshold, 0)
    return StudentLoan(plan, threshold, rate, whole_pounds(_down(Decimal(above) * rate / 100)))


# --------------------------------------------------------------------------- bands


def _limits(table: TaxTable, regime: str, extension: int) -> list[tuple[str, Decimal, int | None]]:
    """(band, rate, upper limit on taxable income) with the limits extended by *extension*
    (for Scotland every limit above the starter band)."""
    bands = table.bands_for(regime)
    out = []
    for band in bands:
        upper = band.upper_pence
        if upper is not None and not (regime == SCOTLAND and band.name == "starter"):
            upper += extension
        out.append((band.name, band.rate, upper))
    return out


def _slices(
    kind: str, limits: list[tuple[str, Decimal, int | None]], start: int, amount: int
) -> list[Slice]:
    """Cut *amount* of income, sitting from *start* in the bands, into taxed slices."""
    out = []
    lower = 0
    for name, rate, upper in limits:
        top = start + amount if upper is None else min(start + amount, upper)
        portion = top - max(lower, start)
        if portion > 0:
            out.append(Slice(kind, name, rate, portion, Decimal(portion) * rate / 100))
        lower = upper if upper is not None else lower
    return out


def _uk_limits(
    table: TaxTable, rates: tuple[Decimal, Decimal, Decimal], extension: int
) -> list[tuple[str, Decimal, int | None]]:
    names = ("basic", "higher", "additional")
    out: list[tuple[str, Decimal, int | None]] = []
    for name, rate, band in zip(names, rates, table.bands, strict=True):
        upper = band.upper_pence
        out.append((name, rate, None if upper is None else upper + extension))
    return out


def _zero_then_taxed(
    kind: str,
    zero: list[tuple[str, int]],
    limits: list[tuple[str, Decimal, int | None]],
    start: int,
    amount: int,
) -> list[Slice]:
    """*amount* from *start*: first the nil-rate parts in *zero* (each fills its band), then
    the rest through *limits*."""
    out = []
    position, left = start, amount
    for name, size in zero:
        used = min(size, left)
        if used > 0:
            out.append(Slice(kind, name, Decimal(0), used, Decimal(0)))
            position, left = position + used, left - used
    out.extend(_slices(kind, limits, position, left))
    return out


def _psa(table: TaxTable, rates: OtherRates, extension: int, total_taxable: int) -> int:
    """The personal savings allowance by the highest UK rate band the taxable income reaches."""
    basic, higher = (b.upper_pence for b in table.bands[:2])
    assert basic is not None and higher is not None
    if total_taxable > higher + extension:
        return 0
    if total_taxable > basic + extension:
        return rates.psa_higher_pence
    return rates.psa_basic_pence


# --------------------------------------------------------------------------- the calculation


@dataclass(frozen=True)
class _Trading:
    wfh: int
    before_losses: int
    loss_this_year: int
    loss_used: int
    brought_left: int
    profit: int
    transition: int
    transition_loss_used: int


def _trading(data: SAInput) -> _Trading:
    """Profit after the flat rate and losses brought forward: those are set against this
    year's profit first, then against the transition profit taxed this year (SA103F boxes 74
    and 73.4)."""
    other = data.other
    wfh = wfh_flat_rate(other.wfh_hours_per_month, other.wfh_months)
    before = data.profit_pence - wfh
    loss_this_year = whole_pounds(-before) if before < 0 else 0
    profit = whole_pounds(before)
    brought = whole_pounds(other.loss_brought_forward_pence)
    used = min(brought, profit)
    transition = whole_pounds(other.transition_profit_pence)
    on_transition = min(brought - used, transition)
    return _Trading(
        wfh,
        before,
        loss_this_year,
        used,
        brought - used - on_transition,
        profit - used,
        transition - on_transition,
        on_transition,
    )


@dataclass(frozen=True)
class _LossRelief:
    against_income: int
    carried_back: tuple[tuple[TaxYear, int], ...]
    left: int
    early_refused: bool


def _loss_relief(data: SAInput, loss: int, other_income: int, ati: int) -> _LossRelief:
    """This year's loss set against other income as the user chose (ITA 2007 ss.64, 72; the
    cap of s.24A): against this year's *other_income* and/or last year's total income, or
    carried back three years (early years relief). What is left is carried forward."""
    other = data.other
    choice = other.loss_relief
    year = data.tax_year
    prior = [whole_pounds(p) for p in other.prior_years_income]
    against = 0
    back: list[tuple[TaxYear, int]] = []
    left = loss
    if loss <= 0 or choice == CARRY:
        return _LossRelief(0, (), loss, False)
    if choice == EARLY:
        start = other.trade_start_year
        if start is None or not start <= year.start_year < start + losses.EARLY_YEARS:
            return _LossRelief(0, (), loss, True)
        incomes = {year - n: prior[n - 1] for n in (1, 2, 3)}
        early = losses.early_years_relief(loss, year, TaxYear(start), incomes)
        return _LossRelief(0, early.used, early.left_pence, False)
    order = {
        CURRENT: (CURRENT,),
        PREVIOUS: (PREVIOUS,),
        CURRENT_PREVIOUS: (CURRENT, PREVIOUS),
        PREVIOUS_CURRENT: (PREVIOUS, CURRENT),
    }[choice]
    for step in order:
        if step == CURRENT:
            relief = losses.sideways_relief(left, other_income, ati)
            against = relief.used_pence
        else:
            trade = min(whole_pounds(other.prior_trade_profit_pence), prior[0])
            relief = losses.sideways_relief(left, prior[0], prior[0], trade)
            if relief.used_pence:
                back.append((year.previous, relief.used_pence))
        left = relief.left_pence
    return _LossRelief(against, tuple(back), left, False)


def _reduce(amounts: list[int], by: int) -> list[int]:
    """Take *by* off the amounts in order (non-savings, savings, dividends)."""
    out = []
    for amount in amounts:
        cut = min(amount, by)
        out.append(amount - cut)
        by -= cut
    return out


def _check(data: SAInput) -> None:
    other = data.other
    amounts = {
        "salary_pence": data.salary_pence,
        "other_income_pence": data.other_income_pence,
        "tax_paid_at_source_pence": data.tax_paid_at_source_pence,
        "payments_on_account_made_pence": data.payments_on_account_made_pence,
        **{k: v for k, v in vars(other).items() if k.endswith("_pence")},
    }
    for name, value in amounts.items():
        if value < 0:
            raise ValueError(f"{name} cannot be negative")
    if other.marriage_allowance not in MARRIAGE_CHOICES:
        raise ValueError("unknown marriage allowance choice")
    if any(p not in STUDENT_LOAN_PLANS for p in other.student_loan_plans):
        raise ValueError("unknown student loan plan")
    if sum(p != POSTGRADUATE for p in other.student_loan_plans) > 1:
        raise ValueError("only one undergraduate plan is repaid at a time")
    if other.loss_relief not in LOSS_CHOICES:
        raise ValueError("unknown loss relief choice")
    if any(p < 0 for p in other.prior_years_income):
        raise ValueError("prior years' income cannot be negative")


def self_assessment(data: SAInput) -> SelfAssessment:
    """The year's Self Assessment estimate (see the module docstring for the rules).
    Raises :class:`~minimin.reports.tax_tables.UnknownTaxYear` for a year not in the tables."""
    _check(data)
    table = table_for(data.tax_year)
    rates = other_rates_for(data.tax_year)
    table.bands_for(data.regime)  # an unknown regime or year fails before any arithmetic
    other = data.other
    trading = _trading(data)
    salary = whole_pounds(data.salary_pence)
    misc = whole_pounds(data.other_income_pence)
    savings = whole_pounds(other.savings_interest_pence)
    dividends = whole_pounds(other.dividends_pence)
    pension = grossed_up(other.pension_paid_pence)
    gift_aid = grossed_up(other.gift_aid_paid_pence)
    # A loss this year: no trading profit; relief against other income as chosen, the cap
    # on adjusted total income (total income less gross pension contributions).
    other_total = salary + misc + savings + dividends
    relief = _loss_relief(data, trading.loss_this_year, other_total, max(other_total - pension, 0))
    other_ns, savings, dividends = _reduce(
        [salary + misc, savings, dividends], relief.against_income
    )
    non_savings = trading.profit + other_ns
    # The transition profit is taxed as trading income but left out of net income, so it
    # moves neither the personal allowance taper nor the child benefit charge (FA 2022
    # Sch. 1; see basis_period.py).
    total = non_savings + savings + dividends

    extension = pension + gift_aid
    ani = max(total - extension, 0)
    non_savings += trading.transition
    transfer = rates.marriage_allowance_pence if other.marriage_allowance == TRANSFER else 0
    allowance = max(tapered_allowance(table, ani) - transfer, 0)

    ns_taxable = max(non_savings - allowance, 0)
    left = max(allowance - non_savings, 0)
    sav_taxable = max(savings - left, 0)
    left = max(left - savings, 0)
    div_taxable = max(dividends - left, 0)
    total_taxable = ns_taxable + sav_taxable + div_taxable

    slices = _slices(NON_SAVINGS, _limits(table, data.regime, extension), 0, ns_taxable)
    starting = max(rates.savings_starting_band_pence - ns_taxable, 0)
    psa = _psa(table, rates, extension, total_taxable)
    slices += _zero_then_taxed(
        SAVINGS,
        [("savings_starting", starting), ("psa", psa)],
        _uk_limits(table, rates.savings_rates, extension),
        ns_taxable,
        sav_taxable,
    )
    slices += _zero_then_taxed(
        DIVIDENDS,
        [("dividend_allowance", rates.dividend_allowance_pence)],
        _uk_limits(table, rates.dividend_rates, extension),
        ns_taxable + sav_taxable,
        div_taxable,
    )
    tax_on_income = _down(sum((s.exact for s in slices), Decimal(0)))
    basic_limit = table.bands[0].upper_pence or 0
    reducer = 0
    if other.marriage_allowance == RECEIVE and total_taxable <= basic_limit + extension:
        reducer = min(rates.marriage_allowance_pence * 20 // 100, tax_on_income)
    income_tax = tax_on_income - reducer
    child_charge = hicbc(rates, ani, other.child_benefit_pence)

    class4_exempt = other.over_state_pension_age
    class4 = 0 if class4_exempt else _class4(table, trading.profit + trading.transition)

    loan_income = non_savings - trading.transition
    if savings + dividends > rates.student_loan_unearned_floor_pence:
        loan_income += savings + dividends
    loans = tuple(
        loan
        for plan in other.student_loan_plans
        if (loan := student_loan_repayment(rates, plan, loan_income)) is not None
    )
    loans_total = sum(loan.amount_pence for loan in loans)

    poa_base = income_tax + child_charge + class4
    required, each, payments = _payments(data, table, poa_base, loans_total)
    return SelfAssessment(
        input=data,
        table=table,
        rates=rates,
        wfh_pence=trading.wfh,
        profit_before_losses_pence=trading.before_losses,
        loss_this_year_pence=trading.loss_this_year,
        loss_used_pence=trading.loss_used,
        loss_carried_forward_pence=trading.brought_left + relief.left,
        trading_profit_pence=trading.profit,
        transition_profit_pence=trading.transition,
        transition_loss_used_pence=trading.transition_loss_used,
        loss_against_income_pence=relief.against_income,
        loss_carried_back=relief.carried_back,
        early_years_refused=relief.early_refused,
        total_income_pence=total,
        pension_gross_pence=pension,
        gift_aid_gross_pence=gift_aid,
        adjusted_net_income_pence=ani,
        personal_allowance_pence=allowance,
        marriage_transfer_pence=transfer,
        band_extension_pence=extension,
        slices=tuple(slices),
        tax_on_income_pence=tax_on_income,
        marriage_reducer_pence=reducer,
        income_tax_pence=income_tax,
        hicbc_pence=child_charge,
        class4_pence=class4,
        class4_exempt=class4_exempt,
        student_loans=loans,
        student_loan_pence=loans_total,
        payments_on_account_required=required,
        payment_on_account_pence=each,
        payments=payments,
    )


def _class4(table: TaxTable, profit: int) -> int:
    main = max(min(profit, table.class4_upper_pence) - table.class4_lower_pence, 0)
    upper = max(profit - table.class4_upper_pence, 0)
    exact = Decimal(main) * table.class4_main_rate / 100
    exact += Decimal(upper) * table.class4_upper_rate / 100
    return _down(exact)


def _payments(
    data: SAInput, table: TaxTable, poa_base: int, loans: int
) -> tuple[bool, int, tuple[Payment, ...]]:
    """Payments on account (on income tax and Class 4 less tax at source; never on student
    loans) and the payment timeline."""
    at_source = data.tax_paid_at_source_pence
    poa_bill = poa_base - at_source
    share = Decimal(at_source) * 100 / Decimal(poa_base) if poa_base > 0 else Decimal(100)
    # More than 80% at source excuses them; exactly 80% does not.
    required = poa_bill >= table.poa_minimum_bill_pence and share <= table.poa_at_source_percent
    each = poa_bill // 2 if required else 0
    bill = poa_bill + loans - data.other.student_loan_deducted_pence
    balancing = bill - data.payments_on_account_made_pence
    payments = [Payment(data.tax_year.filing_deadline, "balancing", balancing)]
    if required:
        first, second = data.tax_year.next.payments_on_account
        payments += [Payment(first, "first_poa", each), Payment(second, "second_poa", each)]
    return required, each, tuple(payments)
