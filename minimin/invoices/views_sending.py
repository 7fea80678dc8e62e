"""Invoice pages for getting paid: sending an invoice by email, pausing its reminders,
repeating it, and the reminder schedule (what is sent before and after the due date)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from minimin.core.tenancy import owned_or_404
from minimin.core.web import ConfirmForm, ViewResult, apply_user_error
from minimin.invoices import forms, services
from minimin.invoices.inputs import ReminderPauseInput, ReminderRuleStateInput
from minimin.invoices.models import Invoice
from minimin.invoices.views import _invalid, bp

# --------------------------------------------------------------------------- sending


def _contact_edit_url(invoice: Invoice) -> str | None:
    if invoice.client_id is not None:
        return url_for("contacts.client_edit", client_id=invoice.client_id)
    if invoice.agency_id is not None:
        return url_for("contacts.agency_edit", agency_id=invoice.agency_id)
    return None


@bp.route("/invoices/<invoice_id>/send", methods=["GET", "POST"])
def send(invoice_id: str) -> ViewResult:
    from minimin.invoices import emails

    invoice = owned_or_404(Invoice, invoice_id)
    if request.method == "POST":
        wait = emails.use_send_allowance(current_user.id)
        if wait:
            # Imported here: accounts builds on the features' models.
            from minimin.accounts import throttle

            allowed = emails.sends_per_hour()
            return throttle.too_many(
                wait, _("At most %(count)d invoices an hour can be emailed.", count=allowed)
            )
    if invoice.is_draft or invoice.status == "void":
        flash(_("Issue the invoice before sending it."), "error")
        return redirect(url_for("invoices.show", invoice_id=invoice.id))
    addresses = emails.recipients_on_record(invoice)
    form = forms.SendForm(
        data={"to": addresses[0]} if request.method == "GET" and addresses else None
    )
    form.to.choices = [(a, a) for a in addresses]
    name = (invoice.customer_snapshot or {}).get("name") or _("this customer")
    page = {"invoice": invoice, "contact_edit_url": _contact_edit_url(invoice), "customer": name}
    if form.validate_on_submit() and _sent(invoice, form):
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
        return _invalid("invoices/send.html", form=form, **page)
    return render_template("invoices/send.html", form=form, log=emails.email_log(invoice), **page)


def _sent(invoice: Invoice, form: forms.SendForm) -> bool:
    """Email *invoice* as the form asks; False, with the reason on the form, when refused."""
    from minimin.invoices import emails

    try:
        emails.send_invoice(invoice, form.to_input())
    except services.InvoiceError as exc:
        apply_user_error(form, exc)
        return False
    return True


@bp.route("/invoices/<invoice_id>/reminders", methods=["POST"])
def toggle_reminders(invoice_id: str) -> ViewResult:
    from minimin.invoices import reminders

    invoice = owned_or_404(Invoice, invoice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reminders.pause(invoice, ReminderPauseInput(paused=not invoice.reminders_paused))
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
            recurring_service.configure(invoice, form.to_input())
        except services.InvoiceError as exc:
            apply_user_error(form, exc)
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

    rules = reminders.rules_for(current_user.id)
    form = forms.ReminderRuleForm()
    if form.validate_on_submit():
        try:
            reminders.save_rule(current_user.id, form.to_input())
        except services.InvoiceError as exc:
            apply_user_error(form, exc)
        else:
            flash(_("Reminder saved."), "success")
            return redirect(url_for("invoices.reminder_settings"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "invoices/reminders.html",
        rules=rules,
        form=form,
        confirm=ConfirmForm(),
        placeholders=reminders.PLACEHOLDERS,
    ), status


@bp.route("/invoices/reminders/<rule_id>/toggle", methods=["POST"])
def reminder_toggle(rule_id: str) -> ViewResult:
    from minimin.invoices import reminders
    from minimin.invoices.models import ReminderRule

    rule = owned_or_404(ReminderRule, rule_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reminders.set_rule_state(rule, ReminderRuleStateInput(enabled=not rule.enabled))
    return redirect(url_for("invoices.reminder_settings"))


@bp.route("/invoices/reminders/<rule_id>/delete", methods=["POST"])
def reminder_delete(rule_id: str) -> ViewResult:
    from minimin.invoices import reminders
    from minimin.invoices.models import ReminderRule

    rule = owned_or_404(ReminderRule, rule_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reminders.delete_rule(rule)
    return redirect(url_for("invoices.reminder_settings"))
