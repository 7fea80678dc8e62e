"""Invoice pages for getting paid: sending an invoice by email, pausing its reminders,
repeating it, and the reminder schedule (what is sent before and after the due date)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from minimin.core.tenancy import owned_or_404
from minimin.extensions import db
from minimin.invoices import forms, services
from minimin.invoices.models import Invoice
from minimin.invoices.views import ViewResult, _invalid, bp

# --------------------------------------------------------------------------- sending


@bp.route("/invoices/<invoice_id>/send", methods=["GET", "POST"])
def send(invoice_id: str) -> ViewResult:
    from minimin.invoices import emails

    invoice = owned_or_404(Invoice, invoice_id)
    if invoice.is_draft or invoice.status == "void":
        flash(_("Issue the invoice before sending it."), "error")
        return redirect(url_for("invoices.show", invoice_id=invoice.id))
    default_to = (invoice.customer_snapshot or {}).get("email") or ""
    form = forms.SendForm(data={"to": default_to} if request.method == "GET" else None)
    if form.validate_on_submit():
        emails.send_invoice(
            invoice, to=form.to.data, message=form.message.data, copy_to_self=form.copy_to_self.data
        )
        flash(
            _(
                "Invoice %(number)s is on its way to %(to)s.",
                number=invoice.number,
                to=form.to.data,
            ),
            "success",
        )
        return redirect(url_for("invoices.show", invoice_id=invoice.id))
    if request.method == "POST":
        return _invalid("invoices/send.html", form=form, invoice=invoice)
    return render_template(
        "invoices/send.html", form=form, invoice=invoice, log=emails.email_log(invoice)
    )


@bp.route("/invoices/<invoice_id>/reminders", methods=["POST"])
def toggle_reminders(invoice_id: str) -> ViewResult:
    invoice = owned_or_404(Invoice, invoice_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    invoice.reminders_paused = not invoice.reminders_paused
    flash(
        _("Reminders paused for this invoice.")
        if invoice.reminders_paused
        else _("Reminders resumed for this invoice."),
        "success",
    )
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


@bp.route("/invoices/<invoice_id>/recurring", methods=["GET", "POST"])
def recurring(invoice_id: str) -> ViewResult:
    from minimin.invoices import recurring as recurring_service

    invoice = owned_or_404(Invoice, invoice_id)
    form = forms.RecurringForm(
        data={
            "recurrence": invoice.recurrence or "",
            "next_on": invoice.recurrence_next_on,
            "issue_automatically": invoice.recurrence_issue,
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            recurring_service.configure(
                invoice,
                recurrence=form.recurrence.data or None,
                next_on=form.next_on.data,
                issue_automatically=bool(form.issue_automatically.data),
            )
        except services.InvoiceError as exc:
            form.form_errors.append(str(exc))
            return _invalid("invoices/recurring.html", form=form, invoice=invoice)
        flash(_("Repeat settings saved."), "success")
        return redirect(url_for("invoices.show", invoice_id=invoice.id))
    if request.method == "POST":
        return _invalid("invoices/recurring.html", form=form, invoice=invoice)
    return render_template("invoices/recurring.html", form=form, invoice=invoice)


# --------------------------------------------------------------------------- reminder schedule


@bp.route("/invoices/reminders", methods=["GET", "POST"])
def reminder_settings() -> ViewResult:
    from minimin.invoices import reminders
    from minimin.invoices.models import ReminderRule

    rules = reminders.rules_for(current_user.id)
    form = forms.ReminderRuleForm()
    if form.validate_on_submit():
        existing = next((r for r in rules if r.offset_days == form.parsed_offset), None)
        if existing is None:
            existing = ReminderRule(user_id=current_user.id, offset_days=form.parsed_offset)
            db.session.add(existing)
        existing.subject = form.subject.data
        existing.body = form.body.data
        existing.enabled = True
        flash(_("Reminder saved."), "success")
        return redirect(url_for("invoices.reminder_settings"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "invoices/reminders.html",
        rules=rules,
        form=form,
        confirm=forms.ConfirmForm(),
        placeholders=reminders.PLACEHOLDERS,
    ), status


@bp.route("/invoices/reminders/<rule_id>/toggle", methods=["POST"])
def reminder_toggle(rule_id: str) -> Response:
    from minimin.invoices.models import ReminderRule

    rule = owned_or_404(ReminderRule, rule_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    rule.enabled = not rule.enabled
    return redirect(url_for("invoices.reminder_settings"))


@bp.route("/invoices/reminders/<rule_id>/delete", methods=["POST"])
def reminder_delete(rule_id: str) -> Response:
    from minimin.invoices.models import ReminderRule

    rule = owned_or_404(ReminderRule, rule_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    db.session.delete(rule)
    return redirect(url_for("invoices.reminder_settings"))
