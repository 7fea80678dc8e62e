"""Credit-note and refund pages: routes added to the invoices blueprint (``invoices.*``
endpoints), kept apart from views.py so each module stays readable.

A credit note can be issued on an issued, sent, part-paid or paid invoice; the part of it
above what was outstanding is a refund due, recorded here once the money has gone back
(rules in :mod:`minimin.invoices.credit_notes` and :mod:`minimin.invoices.refunds`).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from minimin.core import listing_params
from minimin.core.tenancy import owned_or_404
from minimin.core.web import ConfirmForm, ViewResult, apply_user_error, page_count, page_number
from minimin.invoices import calc, credit_notes, forms, listing, refunds, services
from minimin.invoices.inputs import CreditLineInput, CreditNoteInput
from minimin.invoices.models import CreditNote, Invoice, Refund
from minimin.invoices.pdf import money
from minimin.invoices.views import (
    _confirmed_removal,
    _invalid,
    _pdf_response,
    _refund_form,
    _safe_filename,
    _show_error,
    bp,
)

# --------------------------------------------------------------------------- credit notes


@bp.route("/invoices/<invoice_id>/credit-notes/new", methods=["GET", "POST"])
def new_credit_note(invoice_id: str) -> ViewResult:
    invoice = owned_or_404(Invoice, invoice_id, for_update=request.method == "POST")
    form = forms.CreditNoteForm()
    context = {"balances": credit_notes.line_balances(invoice)}
    if form.validate_on_submit():
        lines = []
        errors: list[str] = []
        if not form.full.data:
            for line in invoice.lines:
                raw = request.form.get(f"qty-{line.id}", "").strip()
                if not raw:
                    continue
                try:
                    qty = forms.parse_quantity(raw, allow_zero=True)
                except ValueError as exc:
                    errors.append(f"{line.description}: {exc}")
                    continue
                lines.append(CreditLineInput(line_id=line.id, quantity=qty))
        if not errors:
            data = CreditNoteInput(full=bool(form.full.data), lines=lines, reason=form.reason.data)
            try:
                note = credit_notes.create_credit_note(invoice, data)
            except services.InvoiceError as exc:
                errors.append(str(exc))
            else:
                flash(_("Credit note %(number)s issued.", number=note.number), "success")
                if invoice.refund_due_pence:
                    flash(
                        _(
                            "Refund due to the customer: %(amount)s. Record it on the invoice "
                            "once the money has gone back.",
                            amount=money(invoice.refund_due_pence, invoice.currency),
                        ),
                        "info",
                    )
                return redirect(url_for("invoices.show", invoice_id=invoice.id))
        form.form_errors.extend(errors)
        return _invalid("invoices/credit_note_form.html", form=form, invoice=invoice, **context)
    if request.method == "POST":
        return _invalid("invoices/credit_note_form.html", form=form, invoice=invoice, **context)
    if not credit_notes.can_be_credited(invoice):
        flash(
            _("This invoice cannot be credited: it is a draft or already credited in full."),
            "error",
        )
        return redirect(url_for("invoices.show", invoice_id=invoice.id))
    return render_template("invoices/credit_note_form.html", form=form, invoice=invoice, **context)


@bp.route("/invoices/credit-notes/<note_id>/pdf")
def credit_note_pdf(note_id: str) -> Response:
    note = owned_or_404(CreditNote, note_id)
    if not note.pdf_key:
        abort(404)
    return _pdf_response(services.pdf_bytes(note.pdf_key), _safe_filename(note.number))


# --------------------------------------------------------------------------- refunds


def _refund_refused(invoice: Invoice, form: forms.RefundForm) -> tuple[str, int]:
    payment_form = forms.PaymentForm(formdata=None, data={"paid_on": services.today_london()})
    return _invalid(
        "invoices/show.html",
        invoice=invoice,
        payment_form=payment_form,
        refund_form=form,
        confirm=ConfirmForm(),
        public_url=services.public_url(invoice),
        treatment_labels=calc.TREATMENT_LABELS,
    )


@bp.route("/invoices/<invoice_id>/refunds", methods=["POST"])
def add_refund(invoice_id: str) -> ViewResult:
    invoice = owned_or_404(Invoice, invoice_id, for_update=True)
    try:
        refunds.check_refundable(invoice)
    except services.InvoiceError as exc:
        return _show_error(invoice, str(exc))
    form = _refund_form(invoice, request.form)
    # A valid form has a date (the field is required): the second test only says so to mypy.
    if not form.validate_on_submit() or form.refunded_on.data is None:
        return _refund_refused(invoice, form)
    try:
        recorded = refunds.record_refund(invoice, form.to_input())
    except services.InvoiceError as exc:
        apply_user_error(form, exc, default="amount")
        return _refund_refused(invoice, form)
    if len(recorded) > 1:
        numbers = ", ".join(r.credit_note.number for r in recorded if r.credit_note is not None)
        flash(
            _("Refund recorded, split over credit notes %(numbers)s.", numbers=numbers), "success"
        )
    else:
        flash(_("Refund recorded."), "success")
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


@bp.route("/invoices/<invoice_id>/refunds/<refund_id>/delete", methods=["POST"])
def delete_refund(invoice_id: str, refund_id: str) -> ViewResult:
    invoice, refund = _confirmed_removal(Refund, invoice_id, refund_id)
    refunds.delete_refund(refund)
    flash(_("Refund removed: the money is due back to the customer again."), "success")
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


# --------------------------------------------------------------------------- list


def _credit_params() -> listing_params.ListParams:
    return listing_params.parse(
        request.args,
        listing.CREDIT_SORT_KEYS,
        "number",
        listing_params.DESC,
        descending_first=("number", "date", "total"),
    )


@bp.route("/invoices/credit-notes")
def credit_note_list() -> str:
    params = _credit_params()
    page = page_number(request.args)
    total, rows = listing.credit_notes(current_user.id, params, page)
    pages = page_count(total, listing.CREDIT_PAGE_SIZE)
    if page > pages:  # a page past the end (an old link): the last page
        page = pages
        total, rows = listing.credit_notes(current_user.id, params, page)
    return render_template(
        "invoices/credit_notes.html",
        notes=rows,
        total=total,
        params=params,
        page=page,
        pages=pages,
    )


@bp.route("/invoices/credit-notes.csv")
def credit_note_csv() -> Response:
    _total, rows = listing.credit_notes(current_user.id, _credit_params(), None)
    header = [_("Number"), _("Date"), _("Invoice"), _("Customer"), _("Reason"), _("Currency")]
    header += [_("Net"), _("VAT"), _("Total")]
    return listing_params.csv_response(
        "credit-notes.csv",
        header,
        rows,
        lambda r: [
            r.number,
            r.issue_date,
            r.invoice_number,
            r.customer_name,
            r.reason,
            r.currency,
            listing_params.pounds(r.net_pence),
            listing_params.pounds(r.vat_pence),
            listing_params.pounds(r.total_pence),
        ],
    )
