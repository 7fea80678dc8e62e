"""Recurring expense pages at /expenses/recurring: routes added to the expenses blueprint
(``expenses.recurring*`` endpoints), thin views over the recurring-expense services."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.core.dates import uk_today
from minimin.core.money import Money
from minimin.core.tenancy import owned_or_404
from minimin.core.web import ConfirmForm, ViewResult, apply_user_error
from minimin.expenses import listing, services
from minimin.expenses.forms import RecurringForm
from minimin.expenses.models import RecurringExpense
from minimin.expenses.views import bp


@bp.route("/recurring")
def recurring() -> str:
    items = listing.recurring(current_user.id)
    return render_template(
        "expenses/recurring.html", items=items, delete_form=ConfirmForm(formdata=None)
    )


def _form_page(
    form: RecurringForm, rec: RecurringExpense | None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "expenses/recurring_form.html",
        form=form,
        item=rec,
        reclaim_allowed=services.vat_reclaim_allowed(current_user.id),
        earliest_start=services.earliest_recurring_start(uk_today()),
    ), status


def _save_recurring(form: RecurringForm, rec: RecurringExpense | None) -> ViewResult:
    if not form.validate_on_submit():
        return _form_page(form, rec, 400)
    try:
        if rec is None:
            rec = services.create_recurring(current_user.id, form.to_input())
        else:
            services.update_recurring(rec, form.to_input())
    except services.ExpenseError as exc:
        apply_user_error(form, exc, fields={"amount_pence": "amount", "vat_pence": "vat"})
        return _form_page(form, rec, 400)
    today = uk_today()
    created = services.create_due_for(rec, today)
    if created:
        flash(
            ngettext(
                "Saved. %(num)d expense already due was added.",
                "Saved. %(num)d expenses already due were added.",
                created,
            ),
            "success",
        )
    else:
        flash(_("The recurring expense was saved."), "success")
    if rec.next_due is not None and rec.next_due <= today:
        # A schedule idle for years: one save adds a bounded number (services.MAX_CATCH_UP).
        flash(
            _(
                "More expenses are still due: they are added %(num)d at a time, by the daily "
                "update or the next time you save.",
                num=services.MAX_CATCH_UP,
            ),
            "info",
        )
    return redirect(url_for(".recurring"))


@bp.route("/recurring/new", methods=["GET", "POST"])
def recurring_new() -> ViewResult:
    form = RecurringForm()
    if request.method == "GET":
        form.start_date.data = uk_today()
        form.category.data = "professional"
        form.vat_reclaimable.data = services.vat_reclaim_allowed(current_user.id)
        return _form_page(form, None)
    return _save_recurring(form, None)


@bp.route("/recurring/<item_id>/edit", methods=["GET", "POST"])
def recurring_edit(item_id: str) -> ViewResult:
    rec = owned_or_404(RecurringExpense, item_id)
    if request.method == "GET":
        form = RecurringForm(formdata=None)
        for name in (
            "supplier",
            "description",
            "category",
            "currency",
            "vat_treatment",
            "frequency",
            "start_date",
            "end_date",
            "active",
            "vat_reclaimable",
            "business_percent",
        ):
            form[name].data = getattr(rec, name)
        form.amount.data = Money.from_pence(rec.amount_pence, rec.currency).amount
        form.vat.data = (
            Money.from_pence(rec.vat_pence, rec.currency).amount if rec.vat_pence else None
        )
        form.payment_method.data = rec.payment_method or ""
        form.notes.data = rec.notes or ""
        return _form_page(form, rec)
    return _save_recurring(RecurringForm(), rec)


@bp.route("/recurring/<item_id>/delete", methods=["POST"])
def recurring_delete(item_id: str) -> Response:
    rec = owned_or_404(RecurringExpense, item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_recurring(rec)
    flash(_("The recurring expense was removed. Expenses already added stay."), "success")
    return redirect(url_for(".recurring"))
