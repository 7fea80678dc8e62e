"""What a user asks of the reports, as the services take it (decision 0009): already parsed
values, named as the form's and the API body's fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from minimin.core.dates import TaxYear


@dataclass(frozen=True)
class VatFilingInput:
    """A VAT return the user has submitted to HMRC, to mark as filed: its period and, when
    known, HMRC's period key (upper case)."""

    start: dt.date
    end: dt.date
    period_key: str | None = None


@dataclass(frozen=True)
class ExportInput:
    """An accountant export of one tax year."""

    tax_year: TaxYear


@dataclass(frozen=True)
class SelfAssessmentInput:
    """What the Self Assessment page keeps for a tax year beyond the books
    (:class:`~minimin.reports.tax_models.OtherIncomeRecord`), as its form and
    ``POST /reports/self-assessment`` give it. Everything given replaces what was kept: an
    amount left out is nil. Amounts are pence here (``salary_pence``) and pounds at the doors
    (``salary``); a refusal names the doors' field."""

    tax_year: TaxYear
    regime: str = "ruk"
    salary_pence: int = 0
    other_income_pence: int = 0
    tax_paid_pence: int = 0
    poa_made_pence: int = 0
    savings_interest_pence: int = 0
    dividends_pence: int = 0
    pension_paid_pence: int = 0
    gift_aid_paid_pence: int = 0
    loss_brought_forward_pence: int = 0
    #: "" or an undergraduate plan (plan1, plan2, plan4, plan5).
    student_loan_plan: str = ""
    postgraduate_loan: bool = False
    student_loan_deducted_pence: int = 0
    child_benefit_pence: int = 0
    #: "", "transfer" or "receive".
    marriage_allowance: str = ""
    over_state_pension_age: bool = False
    wfh_hours: int = 0
    wfh_months: int = 0
    equipment_pence: int = 0
    main_pool_pence: int = 0
    special_pool_pence: int = 0
    transition_profit_pence: int = 0
    transition_accelerated_pence: int = 0
    #: The accounting date (both ``None``, or 31 March to 5 April: the tax year's own end).
    accounting_end_month: int | None = None
    accounting_end_day: int | None = None
    #: ``None``: read from the books. A loss is negative.
    later_period_profit_pence: int | None = None
    #: One of ``selfassessment.compute.LOSS_CHOICES`` ("" carries a loss forward).
    loss_relief: str = ""
    #: The tax year the business started (needed for early years relief).
    trade_start_year: TaxYear | None = None
    prior_income_1_pence: int = 0
    prior_income_2_pence: int = 0
    prior_income_3_pence: int = 0


@dataclass(frozen=True)
class AssetInput:
    """A car or other equipment kept over several years for its capital allowances
    (:class:`~minimin.reports.tax_models.CapitalAsset`), as the page's form and
    ``POST /reports/assets`` give it."""

    #: "car" or "plant" (other equipment).
    kind: str
    cost_pence: int
    bought_year: TaxYear
    description: str = ""
    #: g/km; needed for a car, ignored for other equipment.
    co2: int | None = None
    new: bool = True
    business_percent: int = 100
    disposed_year: TaxYear | None = None
    #: Sale proceeds (or market value if given away); only with ``disposed_year``.
    proceeds_pence: int = 0
