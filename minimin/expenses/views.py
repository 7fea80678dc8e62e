"""Expense pages at /expenses: thin views over expenses.services.

This module makes the blueprint and holds the expense list and one expense with its receipts;
the recurring expenses are in views_recurring.py and the mileage log in views_mileage.py, whose
routes are added to the same blueprint (``expenses.*`` endpoints)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from minimin.core import listing_params
from minimin.core.dates import DateError, TaxYear, parse_uk_date, uk_today
from minimin.core.forms import choice_values, select_choices
from minimin.core.money import Money, format_money
from minimin.core.security import USER, classify_blueprint
from minimin.core.templating import uk_date
from minimin.core.tenancy import owned_or_404
from minimin.core.transaction import all_or_nothing, keep_changes_on_error
from minimin.core.uploads import UploadError
from minimin.core.web import ConfirmForm, ViewResult, apply_user_error, page_count, page_number
from minimin.expenses import categories, listing, pending, services
from minimin.expenses.forms import ExpenseForm, ReceiptForm
from minimin.expenses.models import (
    FREQUENCY_LABELS,
    PAYMENT_METHODS,
    VAT_TREATMENTS,
    VEHICLE_LABELS,
    Expense,
    ExpenseReceipt,
    PendingReceipt,
)

bp = Blueprint("expenses", __name__, url_prefix="/expenses", template_folder="templates")
classify_blueprint(bp, USER)

PER_PAGE = 50


@bp.app_template_filter("exact_pounds")
def exact_pounds(pounds: Decimal) -> str:
    """An exact amount of pounds (mileage running totals), rounded for display."""
    return format_money(Money(pounds).round_half_up(), locale=str(get_locale()))


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "category_of": categories.get,
        "vat_labels": VAT_TREATMENTS,
        "payment_labels": PAYMENT_METHODS,
        "frequency_labels": FREQUENCY_LABELS,
        "vehicle_labels": VEHICLE_LABELS,
    }


# ----------------------------------------------------------------------------- list


def _parse_filters(args: Any) -> listing.Filters:
    filters = listing.Filters()
    text = args.get("tax_year", "")
    if text:
        try:
            filters.tax_year = TaxYear.parse(text)
        except DateError as exc:
            filters.errors.append(str(exc))
    category = args.get("category", "")
    if category:
        if category in categories.BY_CODE:
            filters.category = category
        else:
            filters.errors.append(_("Unknown category."))
    for name, attr in (("from", "date_from"), ("to", "date_to")):
        value = args.get(name, "")
        if value:
            try:
                setattr(filters, attr, parse_uk_date(value))
            except DateError as exc:
                filters.errors.append(f"{_('Date')}: {exc}")
    receipt = args.get("receipt", "")
    if receipt in ("yes", "no"):
        filters.receipt = receipt
    args = dict(args.items())
    if args.get("sort") in listing.LEGACY_SORTS:
        args["sort"], args["dir"] = listing.LEGACY_SORTS[args["sort"]]
    filters.params = listing_params.parse(
        args, listing.SORTS, "date", listing_params.DESC, descending_first=listing.DESCENDING_FIRST
    )
    filters.page = page_number(args)
    return filters


@bp.route("/")
def index() -> ViewResult:
    filters = _parse_filters(request.args)
    # 1. count and totals, per category and currency (SQL aggregates)
    by_category = listing.totals_by_category(current_user.id, filters)
    totals: dict[str, dict[str, int]] = {}
    for row in by_category:
        total = totals.setdefault(row.currency, {"amount": 0, "vat": 0, "allowable": 0})
        total["amount"] += row.amount
        total["vat"] += row.vat
        total["allowable"] += row.allowable
    count = sum(r.count for r in by_category)
    pages = page_count(count, PER_PAGE)
    filters.page = min(filters.page, pages)
    # 2. one page of rows (receipts come in one more query, selectin)
    expenses = listing.page(current_user.id, filters, per_page=PER_PAGE)
    status = 400 if filters.errors else 200
    return render_template(
        "expenses/list.html",
        expenses=expenses,
        filters=filters,
        by_category=by_category,
        totals=totals,
        count=count,
        pages=pages,
        tax_years=_tax_year_choices(),
        category_choices=categories.choices(),
    ), status


@bp.route("/export.csv")
def index_csv() -> Response:
    """The expense list as filtered, searched and sorted, every page, as a formula-safe CSV."""
    filters = _parse_filters(request.args)
    expenses = listing.every_expense(current_user.id, filters)
    header = [_("Date"), _("Supplier"), _("Description"), _("SA103F box"), _("Category")]
    header += [_("Currency"), _("Amount"), _("VAT reclaimable"), _("Allowable")]
    header += [_("Business use (%(sign)s)", sign="%")]

    def row(e: Expense) -> list[Any]:
        category = categories.get(e.category)
        return [
            e.date,
            e.supplier,
            e.description,
            category.box,
            str(category.label),
            e.currency,
            listing_params.pounds(e.amount_pence),
            listing_params.pounds(e.reclaimable_vat_pence),
            listing_params.pounds(e.allowable_pence),
            e.business_percent,
        ]

    return listing_params.csv_response("expenses.csv", header, expenses, row)


def _tax_year_choices() -> list[TaxYear]:
    current = TaxYear.current()
    return [current - i for i in range(-1, 7)]


# ----------------------------------------------------------------------------- one expense


def job_choices() -> list[SelectChoice]:
    """The user's jobs as choices, "No job" first (the expense and journey forms)."""
    jobs = listing.job_choices(current_user.id)
    return select_choices(
        [("", _("No job"))]
        + [
            (str(job_id), f"{title} ({uk_date(starts)})" if starts else title)
            for job_id, title, starts in jobs
        ]
    )


def _render_form(
    form: ExpenseForm,
    expense: Expense | None,
    status: int = 200,
    warnings: list[Any] | None = None,
    kept: PendingReceipt | None = None,
) -> tuple[str, int]:
    if kept is not None:
        # The form comes back with an error status, which rolls the request back: the kept
        # receipt (and nothing else: see _save) is committed all the same.
        keep_changes_on_error()
    return render_template(
        "expenses/form.html",
        form=form,
        expense=expense,
        warnings=warnings or [],
        kept_receipt=kept,
        reclaim_allowed=services.vat_reclaim_allowed(current_user.id),
    ), status


def _kept_receipt(form: ExpenseForm) -> PendingReceipt | None:
    """The receipt of this submission: a file just chosen (validated and kept, replacing one
    kept before) or the one kept from the form's last showing. UploadError if refused."""
    upload = form.receipt.data
    before = pending.find(current_user.id, form.pending_receipt.data)
    kept: PendingReceipt | None
    if upload and getattr(upload, "filename", None):
        kept = pending.keep(current_user.id, upload.stream, upload.filename)
        if before is not None:
            pending.discard(before)
    elif form.pending_receipt.data and before is None:
        form.pending_receipt.data = ""
        raise UploadError(
            _("The receipt attached before has expired. Please choose the file again."), 400
        )
    else:
        kept = before
    form.pending_receipt.data = str(kept.id) if kept else ""
    return kept


def _save(form: ExpenseForm, expense: Expense | None) -> ViewResult:
    """Validate, warn, save; anything refused re-renders with 4xx (the transaction rolls back,
    except a receipt kept for the next submission)."""
    form.job_id.choices = job_choices()
    valid = form.validate_on_submit()
    try:
        kept = _kept_receipt(form)
    except UploadError as exc:
        form.receipt.errors = [*form.receipt.errors, str(exc.message)]
        return _render_form(form, expense, exc.status)
    if not valid:
        return _render_form(form, expense, 400, kept=kept)
    warnings = categories.warnings_for(
        form.category.data, form.supplier.data, form.description.data
    )
    if warnings and not form.confirm_warnings.data:
        return _render_form(form, expense, 422, warnings, kept)
    creating = expense is None
    data = form.to_input()
    try:
        # A savepoint: a refusal undoes the expense but not the kept receipt.
        with all_or_nothing():
            if expense is None:
                expense = services.create_expense(current_user.id, data)
            else:
                services.update_expense(expense, data)
            if kept is not None:
                pending.attach(expense, kept)
                kept = None
    except services.ExpenseError as exc:
        apply_user_error(form, exc, fields={"amount_pence": "amount", "vat_pence": "vat"})
        return _render_form(form, None if creating else expense, 400, warnings, kept)
    except UploadError as exc:
        form.receipt.errors = [*form.receipt.errors, str(exc.message)]
        return _render_form(form, None if creating else expense, exc.status, warnings, kept)
    flash(_("The expense was saved."), "success")
    return redirect(url_for(".detail", expense_id=expense.id))


@bp.route("/new", methods=["GET", "POST"])
def new() -> ViewResult:
    form = ExpenseForm()
    if request.method == "GET":
        form.date.data = uk_today()
        form.vat_reclaimable.data = services.vat_reclaim_allowed(current_user.id)
        form.job_id.choices = job_choices()
        job = request.args.get("job", "")
        if job in choice_values(form.job_id.choices):
            form.job_id.data = job
        return _render_form(form, None)
    return _save(form, None)


@bp.route("/<expense_id>")
def detail(expense_id: str) -> ViewResult:
    expense = owned_or_404(Expense, expense_id)
    job = listing.linked_job(expense)
    return render_template(
        "expenses/detail.html",
        expense=expense,
        job=job,
        receipt_form=ReceiptForm(formdata=None),
        delete_form=ConfirmForm(formdata=None),
    )


@bp.route("/<expense_id>/edit", methods=["GET", "POST"])
def edit(expense_id: str) -> ViewResult:
    expense = owned_or_404(Expense, expense_id)
    if request.method == "GET":
        form = ExpenseForm(formdata=None)
        form.job_id.choices = job_choices()
        form.date.data = expense.date
        form.supplier.data = expense.supplier
        form.description.data = expense.description
        form.category.data = expense.category
        form.currency.data = expense.currency
        form.amount.data = Money.from_pence(expense.amount_pence, expense.currency).amount
        form.vat_treatment.data = expense.vat_treatment
        form.vat.data = (
            Money.from_pence(expense.vat_pence, expense.currency).amount
            if expense.vat_pence
            else None
        )
        form.vat_reclaimable.data = expense.vat_reclaimable
        form.business_percent.data = expense.business_percent
        form.payment_method.data = expense.payment_method or ""
        form.job_id.data = str(expense.job_id) if expense.job_id else ""
        form.rebillable.data = expense.rebillable
        form.notes.data = expense.notes or ""
        form.confirm_warnings.data = expense.warnings_confirmed
        return _render_form(form, expense)
    return _save(ExpenseForm(), expense)


@bp.route("/<expense_id>/delete", methods=["POST"])
def delete(expense_id: str) -> Response:
    expense = owned_or_404(Expense, expense_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_expense(expense)
    except services.ExpenseError as exc:  # dated in a closed period
        flash(str(exc.message), "error")
        return redirect(url_for(".detail", expense_id=expense.id))
    flash(_("The expense was deleted."), "success")
    return redirect(url_for(".index"))


@bp.route("/<expense_id>/receipts", methods=["POST"])
def add_receipt(expense_id: str) -> ViewResult:
    expense = owned_or_404(Expense, expense_id)
    form = ReceiptForm()
    error = None
    status = 400
    if form.validate_on_submit():
        upload = form.receipt.data
        if upload is None or not getattr(upload, "filename", None):
            error = _("Choose a photo or PDF of the receipt to upload.")
        else:
            try:
                services.add_receipt(expense, upload.stream, upload.filename)
            except UploadError as exc:
                error, status = exc.message, exc.status
    else:
        error = _("The form has expired. Please try again.")
    if error:
        form.receipt.errors = [error]
        return render_template(
            "expenses/detail.html",
            expense=expense,
            job=None,
            receipt_form=form,
            delete_form=ConfirmForm(formdata=None),
        ), status
    flash(_("The receipt was added."), "success")
    return redirect(url_for(".detail", expense_id=expense.id, _anchor="receipts"))


@bp.route("/<expense_id>/receipts/<receipt_id>/remove", methods=["POST"])
def remove_receipt(expense_id: str, receipt_id: str) -> Response:
    expense = owned_or_404(Expense, expense_id)
    receipt = owned_or_404(ExpenseReceipt, receipt_id)
    if receipt.expense_id != expense.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_receipt(receipt)
    flash(_("The receipt was removed."), "success")
    return redirect(url_for(".detail", expense_id=expense.id, _anchor="receipts"))
