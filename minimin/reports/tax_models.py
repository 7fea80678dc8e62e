"""Filed VAT returns, accountant exports and the share links sent to accountants."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey
from minimin.extensions import db

#: The nine boxes of a VAT return, in order.
BOXES = (1, 2, 3, 4, 5, 6, 7, 8, 9)


class VATReturn(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A VAT return the user marked as filed: its figures are frozen from then on."""

    __tablename__ = "vat_return"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "period_start", "period_end", name="uq_vat_return_period"),
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
    )

    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)
    #: HMRC's period key from the obligations endpoint, when the user entered it.
    period_key: Mapped[str | None] = mapped_column(sa.String(4))
    scheme: Mapped[str] = mapped_column(sa.String(24))
    #: Flat rate applied (per cent), Flat Rate Scheme only.
    flat_rate_percent: Mapped[str | None] = mapped_column(sa.String(8))
    box1_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    box2_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    box3_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    box4_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    box5_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    box6_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    box7_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    box8_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    box9_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    filed_at: Mapped[dt.datetime] = mapped_column()

    def boxes(self) -> dict[int, int]:
        return {n: int(getattr(self, f"box{n}_pence")) for n in BOXES}


# Export job statuses
QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
EXPORT_STATUSES = (QUEUED, RUNNING, DONE, FAILED)


class ExportJob(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """One accountant export (a ZIP for a tax year), built in the background."""

    __tablename__ = "export_job"
    __table_args__ = (
        sa.Index("ix_export_job_user_id_created_at", "user_id", "created_at"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="status_known"
        ),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
    )

    tax_year: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(sa.String(80), default="")
    file_key: Mapped[str | None] = mapped_column(sa.String(300))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    files_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)


class ExportShare(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A download link for one export, emailed to the accountant on the business profile.

    Only the SHA-256 of the token is stored; the link dies after ``expires_at`` (7 days) or
    when revoked, and opens this one export of this one account and nothing else."""

    __tablename__ = "export_share"

    export_job_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("export_job.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    downloads: Mapped[int] = mapped_column(default=0)
    last_download_at: Mapped[dt.datetime | None] = mapped_column()


#: Amount columns of :class:`OtherIncomeRecord` (whole figures the user entered, in pence).
OTHER_INCOME_AMOUNTS = (
    "salary_pence",
    "other_income_pence",
    "tax_paid_pence",
    "poa_made_pence",
    "savings_interest_pence",
    "dividends_pence",
    "pension_paid_pence",
    "gift_aid_paid_pence",
    "loss_brought_forward_pence",
    "student_loan_deducted_pence",
    "child_benefit_pence",
    "equipment_pence",
    "main_pool_pence",
    "special_pool_pence",
)


#: Amount columns added for the basis period reform and loss relief (pence, never negative).
REFORM_AMOUNTS = (
    "transition_profit_pence",
    "transition_accelerated_pence",
    "prior_income_1_pence",
    "prior_income_2_pence",
    "prior_income_3_pence",
)


class OtherIncomeRecord(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """What the user entered for a tax year's Self Assessment beyond the books: other income,
    reliefs and circumstances (one row per user and tax year)."""

    __tablename__ = "other_income"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "tax_year", name="uq_other_income_year"),
        sa.CheckConstraint(
            " AND ".join(f"{c} >= 0" for c in OTHER_INCOME_AMOUNTS), name="amounts_positive"
        ),
        sa.CheckConstraint("wfh_months >= 0 AND wfh_months <= 12", name="wfh_months_range"),
        sa.CheckConstraint("wfh_hours_per_month >= 0", name="wfh_hours_positive"),
        sa.CheckConstraint(
            " AND ".join(f"{c} >= 0" for c in REFORM_AMOUNTS), name="reform_amounts_positive"
        ),
        sa.CheckConstraint(
            "(accounting_end_month IS NULL AND accounting_end_day IS NULL) OR "
            "(accounting_end_month BETWEEN 1 AND 12 AND accounting_end_day BETWEEN 1 AND 31)",
            name="accounting_date_range",
        ),
        sa.CheckConstraint(
            "loss_relief IN ('', 'current', 'previous', 'current_previous', "
            "'previous_current', 'early')",
            name="loss_relief_known",
        ),
        sa.CheckConstraint(
            "trade_start_year IS NULL OR (trade_start_year >= 1900 AND trade_start_year <= 2100)",
            name="trade_start_year_range",
        ),
    )

    #: The tax year's first calendar year (2025 = 2025/26).
    tax_year: Mapped[int] = mapped_column()
    regime: Mapped[str] = mapped_column(sa.String(16), default="ruk")
    salary_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    other_income_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    tax_paid_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    poa_made_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    savings_interest_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    dividends_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    pension_paid_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    gift_aid_paid_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    loss_brought_forward_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Comma-separated plans: plan1, plan2, plan4, plan5, pgl.
    student_loan_plans: Mapped[str] = mapped_column(sa.String(40), default="")
    student_loan_deducted_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    child_benefit_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: "" (none), "transfer" (gave £1,260 of allowance) or "receive".
    marriage_allowance: Mapped[str] = mapped_column(sa.String(16), default="")
    over_state_pension_age: Mapped[bool] = mapped_column(default=False)
    wfh_hours_per_month: Mapped[int] = mapped_column(default=0)
    wfh_months: Mapped[int] = mapped_column(default=0)
    #: Capital allowances: equipment (plant, not cars) bought in the year (with an accounting
    #: date, in the period of account ending in it) and the pools brought forward. Cars are
    #: kept as :class:`CapitalAsset` rows.
    equipment_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    main_pool_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    special_pool_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Basis period reform: the whole 2023/24 transition profit (after overlap relief) and
    #: any extra amount the user elected to have taxed in this year (on top of the 20%).
    transition_profit_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    transition_accelerated_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Accounting date other than 31 March to 5 April (both empty: the tax year itself).
    accounting_end_month: Mapped[int | None] = mapped_column()
    accounting_end_day: Mapped[int | None] = mapped_column()
    #: The profit (negative: a loss) of the accounting period ending after this tax year,
    #: when the user enters it (empty: read from the books).
    later_period_profit_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: What to do with this year's trading loss: "" carry forward, "current" / "previous"
    #: (sideways against this or last year's income), both in either order
    #: ("current_previous", "previous_current") or "early" (early years relief).
    loss_relief: Mapped[str] = mapped_column(sa.String(24), default="")
    #: The first calendar year of the tax year the trade started (for early years relief).
    trade_start_year: Mapped[int | None] = mapped_column()
    #: Total income of the tax years 1, 2 and 3 before this one (for carrying a loss back).
    prior_income_1_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    prior_income_2_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    prior_income_3_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)


#: Kinds of :class:`CapitalAsset`.
ASSET_KINDS = ("car", "plant")


class CapitalAsset(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    """A car (or other equipment) the user keeps for the business over several years: bought
    in one tax year, perhaps with private use (then in its own pool), perhaps sold later."""

    __tablename__ = "capital_asset"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('car', 'plant')", name="kind_known"),
        sa.CheckConstraint(
            "cost_pence >= 0 AND disposal_proceeds_pence >= 0", name="amounts_positive"
        ),
        sa.CheckConstraint("co2_g_km IS NULL OR co2_g_km >= 0", name="co2_positive"),
        sa.CheckConstraint(
            "business_percent >= 0 AND business_percent <= 100", name="business_percent_range"
        ),
        sa.CheckConstraint(
            "bought_tax_year >= 1900 AND bought_tax_year <= 2100", name="bought_tax_year_range"
        ),
        sa.CheckConstraint(
            "disposed_tax_year IS NULL OR disposed_tax_year >= bought_tax_year",
            name="disposed_after_bought",
        ),
    )

    description: Mapped[str] = mapped_column(sa.String(80), default="")
    kind: Mapped[str] = mapped_column(sa.String(8), default="car")
    cost_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    co2_g_km: Mapped[int | None] = mapped_column()
    new: Mapped[bool] = mapped_column(default=True)
    business_percent: Mapped[int] = mapped_column(default=100)
    #: First calendar year of the tax year it was bought (2025 = 2025/26).
    bought_tax_year: Mapped[int] = mapped_column()
    disposed_tax_year: Mapped[int | None] = mapped_column()
    disposal_proceeds_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    @property
    def bought_label(self) -> str:
        return f"{self.bought_tax_year}/{(self.bought_tax_year + 1) % 100:02d}"

    @property
    def disposed_label(self) -> str:
        year = self.disposed_tax_year
        return "" if year is None else f"{year}/{(year + 1) % 100:02d}"
