"""Report pages at /reports: thin views over the ledger and the pure tax modules."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from minimin.core import csvsafe
from minimin.core.dates import DateError, TaxYear, parse_uk_date, uk_today
from minimin.core.money import MoneyError, parse_money
from minimin.core.security import USER, classify_blueprint
from minimin.core.web import ViewResult
from minimin.reports import ledger, tax_tables
from minimin.reports.tax_year import TaxYearReport, tax_year_report

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
classify_blueprint(bp, USER)

BASIS_LABELS = {ledger.CASH: "Cash basis", ledger.ACCRUALS: "Accruals basis"}


def _pounds(pence: int) -> str:
    """CSV amount: a plain number in pounds (negative stays numeric)."""
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"


# --------------------------------------------------------------------------- parameters


@dataclass
class Params:
    errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def money(self, name: str, label: str, *, allow_negative: bool = False) -> int:
        raw = (request.values.get(name) or "").strip()
        self.values[name] = raw
        if not raw:
            return 0
        try:
            return parse_money(raw, allow_negative=allow_negative).pence
        except MoneyError as exc:
            self.errors.append(f"{label}: {exc.message}")
            return 0

    def basis(self) -> str:
        basis = request.values.get("basis") or ledger.CASH
        if basis not in ledger.BASES:
            self.errors.append(_("Choose the cash basis or the accruals basis."))
            basis = ledger.CASH
        self.values["basis"] = basis
        return basis

    def tax_year(self, default: TaxYear) -> TaxYear:
        raw = (request.values.get("year") or "").strip()
        self.values["year"] = raw or default.label
        if not raw:
            return default
        try:
            return TaxYear.parse(raw)
        except DateError as exc:
            self.errors.append(str(exc.message))
            return default

    def day(self, name: str, label: str, default: date) -> date:
        raw = (request.values.get(name) or "").strip()
        self.values[name] = raw or default.isoformat()
        if not raw:
            return default
        try:
            return parse_uk_date(raw)
        except DateError as exc:
            self.errors.append(f"{label}: {exc.message}")
            return default


def _year_choices() -> list[TaxYear]:
    current = TaxYear.current()
    years = {current, current.previous, *tax_tables.known_years()}
    return sorted(years, reverse=True)


# --------------------------------------------------------------------------- index


@bp.get("/")
def index() -> ViewResult:
    year = TaxYear.current()
    return render_template("reports/index.html", year=year, years=_year_choices())


# --------------------------------------------------------------------------- tax year


def _tax_year_params() -> tuple[Params, TaxYear, str, int, int]:
    params = Params()
    year = params.tax_year(TaxYear.current())
    basis = params.basis()
    other = params.money("other_income", _("Other business income"))
    aia = params.money("capital_allowances", _("Capital allowances"))
    return params, year, basis, other, aia


@bp.get("/tax-year")
def tax_year() -> ViewResult:
    params, year, basis, other, aia = _tax_year_params()
    status = 400 if params.errors else 200
    report = (
        None
        if params.errors
        else tax_year_report(
            current_user.id, year, basis, other_income_pence=other, capital_allowances_pence=aia
        )
    )
    page = render_template(
        "reports/tax_year.html",
        report=report,
        params=params,
        years=_year_choices(),
        basis_labels=BASIS_LABELS,
    )
    return page, status


@bp.get("/tax-year.pdf")
def tax_year_pdf() -> ViewResult:
    from minimin.invoices.pdf import render_pdf

    params, year, basis, other, aia = _tax_year_params()
    if params.errors:
        return tax_year()
    report = tax_year_report(
        current_user.id, year, basis, other_income_pence=other, capital_allowances_pence=aia
    )
    html = render_template("reports/tax_year_pdf.html", report=report, basis_labels=BASIS_LABELS)
    pdf = render_pdf(html)
    name = f"tax-year-{year.start_year}-{(year.start_year + 1) % 100:02d}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def tax_year_rows(report: TaxYearReport) -> list[list[Any]]:
    """The tax-year report as CSV rows: section, SA103F box, item, amount in pounds."""
    pnl = report.pnl
    rows: list[list[Any]] = [
        ["section", "box", "item", "amount_gbp"],
        ["period", "", f"{report.tax_year.label} ({pnl.basis})", ""],
        ["income", 15, "Turnover", _pounds(pnl.turnover_pence)],
        ["income", "", "of which direct (invoices)", _pounds(pnl.income.direct_pence)],
        ["income", "", "of which agency (gross fees)", _pounds(pnl.income.agency_pence)],
        ["income", 16, "Other business income", _pounds(pnl.other_income_pence)],
    ]
    for line in pnl.expenses.boxes:
        rows.append(["allowable", line.box, str(line.label), _pounds(line.allowable_pence)])
    rows.append(
        ["allowable", 31, "Total allowable expenses", _pounds(pnl.expenses.allowable_pence)]
    )
    for line in pnl.expenses.boxes:
        rows.append(
            [
                "disallowable",
                line.disallowable_box,
                str(line.label),
                _pounds(line.disallowable_pence),
            ]
        )
    rows.append(
        [
            "disallowable",
            46,
            "Total disallowable expenses",
            _pounds(pnl.expenses.disallowable_pence),
        ]
    )
    rows.append(["profit", 47, "Net profit (or loss)", _pounds(pnl.net_profit_pence)])
    rows.append(
        ["profit", 49, "Annual investment allowance", _pounds(pnl.capital_allowances_pence)]
    )
    rows.append(
        ["profit", "", "Profit after capital allowances", _pounds(pnl.taxable_profit_pence)]
    )
    if report.trading_allowance_pence is not None:
        rows.append(
            ["trading_allowance", "", "Trading allowance", _pounds(report.trading_allowance_pence)]
        )
        rows.append(
            [
                "trading_allowance",
                "",
                "Better choice",
                "trading allowance" if report.allowance_is_better else "actual expenses",
            ]
        )
    for currency, amount in sorted(pnl.unconverted.items()):
        rows.append(["not_included", "", f"Amounts in {currency} (no exchange rate)", amount])
    return rows


def _csv_response(rows: list[list[Any]], name: str) -> Response:
    buffer = io.StringIO()
    csvsafe.writer(buffer).writerows(rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/tax-year.csv")
def tax_year_csv() -> ViewResult:
    params, year, basis, other, aia = _tax_year_params()
    if params.errors:
        return tax_year()
    report = tax_year_report(
        current_user.id, year, basis, other_income_pence=other, capital_allowances_pence=aia
    )
    name = f"tax-year-{year.start_year}-{(year.start_year + 1) % 100:02d}.csv"
    return _csv_response(tax_year_rows(report), name)


# --------------------------------------------------------------------------- estimate


@bp.route("/estimate", methods=["GET", "POST"])
def estimate() -> ViewResult:
    """The old tax estimate page: "Your Self Assessment" shows all it showed (and the
    set-aside projection), so its address moves there for good, keeping the year asked for.
    A form posted to the old address is not re-posted: the new page opens for that year."""
    year = request.values.get("year") or request.values.get("tax_year") or None
    target = url_for("reports.self_assessment_page", year=year)
    return redirect(target, 301 if request.method == "GET" else 303)


def _unknown_year_message(exc: tax_tables.UnknownTaxYear) -> str:
    if exc.regime == tax_tables.SCOTLAND:
        return _(
            "Scottish income tax bands for %(year)s are not in Minimin's tax table yet, so no "
            "Scottish estimate can be given for that year.",
            year=exc.tax_year.label,
        )
    known = ", ".join(y.label for y in tax_tables.known_years())
    return _(
        "Tax rates for %(year)s are not in Minimin's tax table (it has %(known)s).",
        year=exc.tax_year.label,
        known=known,
    )


# --------------------------------------------------------------------------- P&L, income by


def _period_params() -> tuple[Params, date, date, str]:
    params = Params()
    year = TaxYear.current()
    start = params.day("start", _("Start date"), year.start)
    end = params.day(
        "end", _("End date"), min(year.end, uk_today()) if uk_today() >= year.start else year.end
    )
    basis = params.basis()
    if not params.errors:
        try:
            ledger.check_period(start, end, basis)
        except ledger.PeriodError as exc:
            params.errors.append(str(exc.message))
    return params, start, end, basis


@bp.get("/profit-and-loss")
def profit_and_loss() -> ViewResult:
    params, start, end, basis = _period_params()
    pnl = None if params.errors else ledger.profit(current_user.id, start, end, basis)
    return (
        render_template("reports/pnl.html", pnl=pnl, params=params, basis_labels=BASIS_LABELS),
        400 if params.errors else 200,
    )


@bp.get("/profit-and-loss.csv")
def profit_and_loss_csv() -> ViewResult:
    params, start, end, basis = _period_params()
    if params.errors:
        return profit_and_loss()
    pnl = ledger.profit(current_user.id, start, end, basis)
    rows: list[list[Any]] = [
        ["item", "box", "amount_gbp"],
        ["Turnover", 15, _pounds(pnl.turnover_pence)],
        ["Direct income", "", _pounds(pnl.income.direct_pence)],
        ["Agency income", "", _pounds(pnl.income.agency_pence)],
    ]
    for line in pnl.expenses.boxes:
        rows.append([str(line.label), line.box, _pounds(-line.allowable_pence)])
    rows.append(["Total allowable expenses", 31, _pounds(-pnl.allowable_expenses_pence)])
    rows.append(["Net profit", 47, _pounds(pnl.net_profit_pence)])
    return _csv_response(rows, f"profit-and-loss-{start.isoformat()}-{end.isoformat()}.csv")


@bp.get("/income-by-client")
def income_by_client() -> ViewResult:
    params, start, end, basis = _period_params()
    rows = (
        None if params.errors else ledger.income_by_counterparty(current_user.id, start, end, basis)
    )
    return (
        render_template(
            "reports/income_by.html",
            rows=rows,
            total=sum(r.total_pence for r in rows or []),
            params=params,
            basis_labels=BASIS_LABELS,
        ),
        400 if params.errors else 200,
    )


@bp.get("/income-by-client.csv")
def income_by_client_csv() -> ViewResult:
    params, start, end, basis = _period_params()
    if params.errors:
        return income_by_client()
    data: list[list[Any]] = [["name", "kind", "direct_gbp", "agency_gbp", "total_gbp"]]
    for row in ledger.income_by_counterparty(current_user.id, start, end, basis):
        data.append(
            [
                row.name,
                row.kind,
                _pounds(row.direct_pence),
                _pounds(row.agency_pence),
                _pounds(row.total_pence),
            ]
        )
    return _csv_response(data, f"income-by-client-{start.isoformat()}-{end.isoformat()}.csv")
