"""Income tax and National Insurance rates for sole traders: ONE table keyed by tax year.

Pure data and lookups: no Flask, no SQLAlchemy. Amounts are integer pence, rates Decimal
percentages. Income tax bands are expressed, as HMRC applies them, on **taxable income** (income
after the personal allowance): a tapered allowance does not move the bands.

Sources: HMRC "Income Tax rates and Personal Allowances", "Scottish Income Tax" rates for
2024/25 and 2025/26, "Rates and thresholds for employers" (Class 2 and Class 4). 2026/27 keeps
the frozen thresholds and the 2025/26 rates (DOMAIN.md). Scottish 2026/27: the Scottish Budget
of 13 January 2026 (starter to £16,537, basic to £29,526, intermediate from £29,527; higher,
advanced and top thresholds unchanged), as ICAEW's summary of it gives the bands. Voluntary
Class 2 for 2026/27 (£3.65 a week, small profits threshold £7,105) is from secondary
summaries of the 2026/27 rates, not from a gov.uk page (December 2026: two independent
summaries agree; no gov.uk page with these figures found among the stored pages): see
docs/reports.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from minimin.core.dates import TaxYear

RUK = "ruk"
SCOTLAND = "scotland"
REGIMES = (RUK, SCOTLAND)


class UnknownTaxYear(LookupError):
    """The table has no rates for this tax year (or for this regime in it)."""

    def __init__(self, tax_year: TaxYear, regime: str = RUK):
        super().__init__(tax_year.label)
        self.tax_year = tax_year
        self.regime = regime


@dataclass(frozen=True)
class Band:
    """A slice of taxable income up to ``upper_pence`` (``None``: no upper limit)."""

    name: str  # "starter", "basic", "intermediate", "higher", "advanced", "additional", "top"
    rate: Decimal  # percent
    upper_pence: int | None


@dataclass(frozen=True)
class TaxTable:
    start_year: int
    personal_allowance_pence: int
    #: The allowance falls by £1 for every £2 of adjusted net income above this.
    taper_threshold_pence: int
    bands: tuple[Band, ...]  # England, Wales and Northern Ireland
    scottish_bands: tuple[Band, ...] | None
    class4_lower_pence: int
    class4_upper_pence: int
    class4_main_rate: Decimal
    class4_upper_rate: Decimal
    #: Voluntary Class 2 NI per week (``None`` when not yet in the table).
    class2_weekly_pence: int | None
    class2_small_profits_threshold_pence: int | None
    trading_allowance_pence: int = 100_000
    #: Payments on account are not needed when the self-assessment bill is below this ...
    poa_minimum_bill_pence: int = 100_000
    #: ... or when at least this percentage of the whole bill was collected at source.
    poa_at_source_percent: Decimal = Decimal(80)
    #: Annual investment allowance (capital allowances).
    annual_investment_allowance_pence: int = 100_000_000

    @property
    def tax_year(self) -> TaxYear:
        return TaxYear(self.start_year)

    @property
    def class2_annual_pence(self) -> int | None:
        if self.class2_weekly_pence is None:
            return None
        return self.class2_weekly_pence * 52

    def bands_for(self, regime: str) -> tuple[Band, ...]:
        if regime == SCOTLAND:
            if self.scottish_bands is None:
                raise UnknownTaxYear(self.tax_year, SCOTLAND)
            return self.scottish_bands
        if regime != RUK:
            raise ValueError(f"unknown regime {regime!r}")
        return self.bands


def _pounds(value: int) -> int:
    return value * 100


_RUK_BANDS = (
    Band("basic", Decimal(20), _pounds(37_700)),
    Band("higher", Decimal(40), _pounds(125_140)),
    Band("additional", Decimal(45), None),
)


def _scottish(starter_to: int, basic_to: int) -> tuple[Band, ...]:
    """Scottish bands from their gross thresholds (income at which each rate stops), less the
    £12,570 allowance; intermediate to £43,662, higher to £75,000, advanced to £125,140."""
    pa = 12_570
    return (
        Band("starter", Decimal(19), _pounds(starter_to - pa)),
        Band("basic", Decimal(20), _pounds(basic_to - pa)),
        Band("intermediate", Decimal(21), _pounds(43_662 - pa)),
        Band("higher", Decimal(42), _pounds(75_000 - pa)),
        Band("advanced", Decimal(45), _pounds(125_140)),
        Band("top", Decimal(48), None),
    )


def _table(
    start_year: int,
    *,
    scottish: tuple[Band, ...] | None,
    class2_weekly_pence: int | None,
    small_profits_pence: int | None,
) -> TaxTable:
    return TaxTable(
        start_year=start_year,
        personal_allowance_pence=_pounds(12_570),
        taper_threshold_pence=_pounds(100_000),
        bands=_RUK_BANDS,
        scottish_bands=scottish,
        class4_lower_pence=_pounds(12_570),
        class4_upper_pence=_pounds(50_270),
        class4_main_rate=Decimal(6),
        class4_upper_rate=Decimal(2),
        class2_weekly_pence=class2_weekly_pence,
        class2_small_profits_threshold_pence=small_profits_pence,
    )


TABLES: dict[int, TaxTable] = {
    2024: _table(
        2024,
        scottish=_scottish(14_876, 26_561),
        class2_weekly_pence=345,
        small_profits_pence=_pounds(6_725),
    ),
    2025: _table(
        2025,
        scottish=_scottish(15_397, 27_491),
        class2_weekly_pence=350,
        small_profits_pence=_pounds(6_845),
    ),
    2026: _table(
        2026,
        scottish=_scottish(16_537, 29_526),
        class2_weekly_pence=365,
        small_profits_pence=_pounds(7_105),
    ),
}


def known_years() -> list[TaxYear]:
    return [TaxYear(y) for y in sorted(TABLES)]


def table_for(tax_year: TaxYear) -> TaxTable:
    """The rates of *tax_year*; :class:`UnknownTaxYear` when the table does not have them."""
    try:
        return TABLES[tax_year.start_year]
    except KeyError:
        raise UnknownTaxYear(tax_year) from None
