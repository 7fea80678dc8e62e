"""The journal for the accountant (``/ledger``): the trial balance at a date, the general
ledger of an account over a period (paged), the journal as CSV and the whole ledger in
beancount format. Signed-in owners only (access class "user"); every figure is the user's own.

Also the template global behind "How this is counted" on document pages.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from minimin.core import csvsafe
from minimin.core.dates import DateError, TaxYear, parse_uk_date, uk_today
from minimin.core.security import USER, classify_blueprint
from minimin.core.web import ViewResult, page_number
from minimin.ledger import export, listing
from minimin.ledger.labels import SOURCE_KINDS, HowCounted, how_counted
from minimin.reports.ledger.periods import PeriodError, check_period

bp = Blueprint("ledger", __name__, url_prefix="/ledger", template_folder="templates")
classify_blueprint(bp, USER)

BASIS_LABELS = {"cash": _l("Cash basis"), "accruals": _l("Accruals basis")}


@dataclass
class Params:
    """The query string's dates and basis, read once: the values to show back in the form and
    the refusals to list (the reports' own parameters are theirs, not shared across views)."""

    errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def day(self, name: str, label: str, default: dt.date) -> dt.date:
        raw = (request.args.get(name) or "").strip()
        self.values[name] = raw or default.isoformat()
        if not raw:
            return default
        try:
            return parse_uk_date(raw)
        except DateError as exc:
            self.errors.append(f"{label}: {exc.message}")
            return default

    def basis(self) -> str:
        basis = request.args.get("basis") or "cash"
        if basis not in BASIS_LABELS:
            self.errors.append(_("Choose the cash basis or the accruals basis."))
            basis = "cash"
        self.values["basis"] = basis
        return basis


def _csv(header: Iterable[Any], rows: Iterable[Iterable[Any]], name: str) -> Response:
    buffer = io.StringIO()
    out = csvsafe.writer(buffer)
    out.writerow(header)
    out.writerows(rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _period(params: Params) -> tuple[dt.date, dt.date]:
    """The period asked for (the current tax year to date by default), checked."""
    year = TaxYear.current()
    today = uk_today()
    start = params.day("start", _("Start date"), year.start)
    end = params.day("end", _("End date"), min(year.end, today))
    if not params.errors:
        try:
            check_period(start, end)
        except PeriodError as exc:
            params.errors.append(str(exc.message))
    return start, end


# --------------------------------------------------------------------------- pages


@bp.get("/")
def index() -> ViewResult:
    params = Params()
    _period(params)
    params.basis()
    return render_template("ledger/index.html", params=params, today=uk_today())


@bp.get("/trial-balance")
def trial_balance() -> ViewResult:
    params = Params()
    day = params.day("date", _("Date"), uk_today())
    basis = params.basis()
    balance = None if params.errors else listing.trial_balance(current_user.id, day, basis)
    page = render_template(
        "ledger/trial_balance.html", balance=balance, params=params, basis_labels=BASIS_LABELS
    )
    return page, 400 if params.errors else 200


@bp.get("/trial-balance.csv")
def trial_balance_csv() -> ViewResult:
    params = Params()
    day = params.day("date", _("Date"), uk_today())
    basis = params.basis()
    if params.errors:
        return trial_balance()
    rows = listing.trial_balance_rows(current_user.id, day, (basis,))
    return _csv(export.TRIAL_BALANCE_HEADER, rows, f"trial-balance-{basis}-{day.isoformat()}.csv")


@bp.get("/general-ledger")
def general_ledger() -> ViewResult:
    params = Params()
    start, end = _period(params)
    basis = params.basis()
    accounts = listing.account_names(current_user.id)
    code = request.args.get("account") or next(iter(accounts), "")
    params.values["account"] = code
    if code and code not in accounts:
        params.errors.append(_("Choose one of your accounts."))
    ledger = (
        listing.general_ledger(current_user.id, code, start, end, basis, page_number(request.args))
        if code and not params.errors
        else None
    )
    page = render_template(
        "ledger/general_ledger.html",
        ledger=ledger,
        accounts=accounts,
        source_labels=SOURCE_KINDS,
        params=params,
        basis_labels=BASIS_LABELS,
    )
    return page, 400 if params.errors else 200


@bp.get("/general-ledger.csv")
def general_ledger_csv() -> ViewResult:
    params = Params()
    start, end = _period(params)
    basis = params.basis()
    if params.errors:
        return general_ledger()
    rows = listing.general_ledger_rows(current_user.id, start, end, basis)
    name = f"general-ledger-{basis}-{start.isoformat()}-{end.isoformat()}.csv"
    return _csv(export.GENERAL_LEDGER_HEADER, rows, name)


@bp.get("/journal.csv")
def journal_csv() -> ViewResult:
    params = Params()
    start, end = _period(params)
    if params.errors:
        return render_template("ledger/index.html", params=params, today=uk_today()), 400
    rows = listing.journal_rows(current_user.id, start, end)
    return _csv(export.JOURNAL_HEADER, rows, f"journal-{start.isoformat()}-{end.isoformat()}.csv")


@bp.get("/minimin.beancount")
def beancount() -> ViewResult:
    title = current_user.full_name or current_user.email
    text = listing.beancount_text(current_user.id, title=title, today=uk_today())
    name = f"minimin-{uk_today().isoformat()}.beancount"
    return Response(
        text,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --------------------------------------------------------------------------- how it is counted


def _how_counted_for_page(source_kind: str, source_id: uuid.UUID | str) -> HowCounted:
    """Template global: how the signed-in user's document is counted."""
    key = source_id if isinstance(source_id, uuid.UUID) else uuid.UUID(str(source_id))
    return how_counted(current_user.id, source_kind, key)


def init_views(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(_how_counted_for_page, "ledger_how_counted")
