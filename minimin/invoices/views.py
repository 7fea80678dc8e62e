"""Invoice pages: thin views over invoices.services.

Owner pages live under ``/invoices``; the client-facing page is ``/pay/<token>`` (token access,
no login, no referrer) and shows nothing but that one invoice.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from minimin.contacts.models import Agency, Client
from minimin.core import listing_params
from minimin.core.forms import select_choices
from minimin.core.i18n import label_lookup
from minimin.core.money import Money
from minimin.core.pagecache import kept_page
from minimin.core.security import USER, classify_blueprint
from minimin.core.tenancy import owned_or_404, parse_uuid
from minimin.core.transaction import discard_changes
from minimin.core.web import ConfirmForm, ViewResult, apply_user_error, page_count, page_number
from minimin.invoices import calc, forms, listing, refunds, reminders, services
from minimin.invoices.inputs import FromJobsInput
from minimin.invoices.models import (
    METHOD_STRIPE,
    STATUSES,
    Invoice,
    Payment,
    Refund,
)
from minimin.invoices.pdf import money

bp = Blueprint("invoices", __name__, template_folder="templates")
classify_blueprint(bp, USER)

#: What can be removed from an invoice after it was recorded.
Removable = TypeVar("Removable", Payment, Refund)

STATUS_LABELS = {
    "draft": _l("Draft"),
    "issued": _l("Issued"),
    "sent": _l("Sent"),
    "part_paid": _l("Part paid"),
    "paid": _l("Paid"),
    "void": _l("Void"),
}


#: How a payment or refund was made, in words: the hand-picked methods, the app-recorded ones,
#: and a card payment taken online through the pay page.
METHOD_NAMES = {**forms.PAYMENT_METHOD_NAMES, METHOD_STRIPE: _l("Card, paid online")}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    # Each status translated at most once per render, however many rows show it.
    return {
        "invoice_status_label": label_lookup(STATUS_LABELS),
        "payment_method_label": label_lookup(METHOD_NAMES),
        "invoice_charges_vat": services.charges_vat,
    }


def _invalid(template: str, **context: Any) -> tuple[str, int]:
    # 400 rolls the request transaction back: nothing of a refused form is stored.
    return render_template(template, **context), 400


# --------------------------------------------------------------------------- list


@bp.route("/invoices")
@kept_page
def index() -> str:
    status = _status_filter()
    params = listing_params.parse(
        request.args, listing.SORT_KEYS, listing.DEFAULT_SORT, listing_params.DESC
    )
    page = page_number(request.args)
    summary = listing.summary(current_user.id, services.today_london())
    plain = listing.is_plain(params)
    total = (
        summary.count(status)
        if plain
        else listing.count_matching(current_user.id, status, params.q)
    )
    pages = page_count(total, listing.PAGE_SIZE)
    page = min(page, pages)
    return render_template(
        "invoices/index.html",
        invoices=listing.page_of_invoices(current_user.id, status, page)
        if plain
        else listing.searched_page(current_user.id, status, params, page),
        params=params,
        status=status,
        page=page,
        pages=pages,
        total=total,
        summary=summary,
        ageing=summary.ageing,
        buckets=listing.AGEING_BUCKETS,
        statuses=STATUSES,
    )


def _status_filter() -> str:
    status = request.args.get("status", "")
    return status if status in listing.FILTERS else ""


@bp.route("/invoices.csv")
def index_csv() -> Response:
    """The invoice list as filtered, searched and sorted, every page, as a formula-safe CSV."""
    params = listing_params.parse(
        request.args, listing.SORT_KEYS, listing.DEFAULT_SORT, listing_params.DESC
    )
    rows = listing.searched_page(current_user.id, _status_filter(), params, None)
    header = [_("Number"), _("Customer"), _("Issued"), _("Due"), _("Status"), _("Currency")]
    header += [_("Net"), _("VAT"), _("Total"), _("Outstanding")]
    labels = {s: str(label) for s, label in STATUS_LABELS.items()}
    return listing_params.csv_response(
        "invoices.csv",
        header,
        rows,
        lambda r: [
            r.number or _("Draft"),
            r.customer_name,
            r.issue_date if r.number else None,
            r.due_date,
            labels.get(r.status, r.status),
            r.currency,
            listing_params.pounds(r.net_pence),
            listing_params.pounds(r.vat_pence),
            listing_params.pounds(r.total_pence),
            listing_params.pounds(r.outstanding_pence),
        ],
    )


# --------------------------------------------------------------------------- drafts


def _bill_to_choices() -> list[SelectChoice]:
    choices = [("", _("Choose later"))]
    labels = {"client": _("Client"), "agency": _("Agency")}
    choices.extend(
        (f"{kind}:{contact_id}", f"{name} ({labels[kind]})")
        for kind, contact_id, name in listing.bill_to_choices(current_user.id)
    )
    return select_choices(choices)


def _resolve_bill_to(value: str | None) -> tuple[Any, Any]:
    if not value:
        return None, None
    kind, _sep, raw_id = value.partition(":")
    model = {"client": Client, "agency": Agency}.get(kind)
    if model is None:
        abort(404)
    contact = owned_or_404(model, raw_id)
    return (contact, None) if kind == "client" else (None, contact)


def _make_form(invoice: Invoice | None = None, **kwargs: Any) -> forms.InvoiceForm:
    form = forms.InvoiceForm(**kwargs)
    form.bill_to.choices = _bill_to_choices()
    if request.method == "GET":
        existing = len(invoice.lines) if invoice is not None else 0
        while len(form.lines.entries) < min(existing + forms.BLANK_LINES, forms.MAX_LINES):
            form.lines.append_entry()
    return form


def _form_values(invoice: Invoice) -> dict[str, Any]:
    bill_to = ""
    if invoice.client_id:
        bill_to = f"client:{invoice.client_id}"
    elif invoice.agency_id:
        bill_to = f"agency:{invoice.agency_id}"
    return {
        "bill_to": bill_to,
        "currency": invoice.currency,
        "exchange_rate": f"{invoice.exchange_rate.normalize():f}" if invoice.exchange_rate else "",
        "issue_date": invoice.issue_date,
        "tax_point": invoice.tax_point,
        "due_date": invoice.due_date,
        "notes": invoice.notes or "",
        "lines": [
            {
                "description": line.description,
                "quantity": f"{line.quantity.normalize():f}",
                "unit_price": money(line.unit_price_pence, invoice.currency)
                .replace(",", "")
                .lstrip("£€$")
                if invoice.currency in ("GBP", "EUR", "USD")
                else f"{line.unit_price_pence / 100:.2f}",
                "vat_treatment": line.vat_treatment,
                "job_id": str(line.job_id) if line.job_id else "",
            }
            for line in invoice.lines
        ],
    }


def _save_draft(form: forms.InvoiceForm, invoice: Invoice | None) -> Invoice:
    client, agency = _resolve_bill_to(form.bill_to.data)
    data = form.to_input(
        client.id if client is not None else None, agency.id if agency is not None else None
    )
    if invoice is None:
        return services.create_draft(current_user.id, data)
    return services.update_draft(invoice, data)


@bp.route("/invoices/new", methods=["GET", "POST"])
def new() -> ViewResult:
    prefill: dict[str, Any] = {}
    if request.method == "GET":
        for kind in ("client", "agency"):
            raw = request.args.get(kind)
            if raw and parse_uuid(raw):
                prefill["bill_to"] = f"{kind}:{parse_uuid(raw)}"
    form = _make_form(None, data=prefill or None)
    if form.validate_on_submit():
        try:
            invoice = _save_draft(form, None)
        except services.InvoiceError as exc:
            apply_user_error(form, exc)
            return _invalid("invoices/form.html", form=form, invoice=None)
        flash(_("Draft invoice saved."), "success")
        return redirect(url_for("invoices.show", invoice_id=invoice.id))
    if request.method == "POST":
        return _invalid("invoices/form.html", form=form, invoice=None)
    return render_template("invoices/form.html", form=form, invoice=None)


@bp.route("/invoices/<invoice_id>/edit", methods=["GET", "POST"])
def edit(invoice_id: str) -> ViewResult:
    invoice = owned_or_404(Invoice, invoice_id)
    if not invoice.is_draft:
        flash(_("An issued invoice cannot be changed; issue a credit note instead."), "error")
        return redirect(url_for("invoices.show", invoice_id=invoice.id))
    form = _make_form(invoice, data=_form_values(invoice) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            _save_draft(form, invoice)
        except services.InvoiceError as exc:
            apply_user_error(form, exc)
            return _invalid("invoices/form.html", form=form, invoice=invoice)
        flash(_("Draft invoice saved."), "success")
        return redirect(url_for("invoices.show", invoice_id=invoice.id))
    if request.method == "POST":
        return _invalid("invoices/form.html", form=form, invoice=invoice)
    return render_template("invoices/form.html", form=form, invoice=invoice)


@bp.route("/invoices/from-jobs", methods=["GET", "POST"])
def from_jobs() -> ViewResult:
    from minimin.invoices import from_jobs as job_source

    jobs = job_source.invoiceable_jobs(current_user.id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        chosen = request.form.getlist("job")
        try:
            job_ids = job_source.parse_job_ids(chosen[:50])
            invoice = job_source.create_from_jobs(current_user.id, FromJobsInput(job_ids))
        except services.InvoiceError as exc:
            flash(str(exc), "error")
            return _invalid("invoices/from_jobs.html", jobs=jobs, form=form)
        flash(
            ngettext(
                "Draft invoice made from %(num)d job.",
                "Draft invoice made from %(num)d jobs.",
                len(chosen),
            ),
            "success",
        )
        return redirect(url_for("invoices.show", invoice_id=invoice.id))
    return render_template("invoices/from_jobs.html", jobs=jobs, form=form)


@bp.route("/invoices/<invoice_id>")
def show(invoice_id: str) -> str:
    from minimin.invoices import emails

    invoice = owned_or_404(Invoice, invoice_id)
    payment_form = forms.PaymentForm(formdata=None, data={"paid_on": services.today_london()})
    payment_form.amount.currency = invoice.currency
    return render_template(
        "invoices/show.html",
        invoice=invoice,
        payment_form=payment_form,
        refund_form=_refund_form_if_due(invoice),
        confirm=ConfirmForm(),
        public_url=services.public_url(invoice) if not invoice.is_draft else None,
        treatment_labels=calc.TREATMENT_LABELS,
        failed_email=emails.failed_delivery(invoice) if not invoice.is_draft else None,
        late_claim=reminders.late_claim(invoice, services.today_london()),
    )


@bp.route("/invoices/<invoice_id>/delete", methods=["POST"])
def delete(invoice_id: str) -> ViewResult:
    invoice = owned_or_404(Invoice, invoice_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.delete_draft(invoice)
    except services.InvoiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("invoices.show", invoice_id=invoice.id), 303)
    flash(_("Draft deleted."), "success")
    return redirect(url_for("invoices.index"))


@bp.route("/invoices/<invoice_id>/issue", methods=["POST"])
def issue(invoice_id: str) -> ViewResult:
    invoice = owned_or_404(Invoice, invoice_id, for_update=True)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.issue(invoice)
    except services.InvoiceError as exc:
        return _show_error(invoice, str(exc))
    flash(_("Invoice %(number)s issued.", number=invoice.number), "success")
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


def _show_error(invoice: Invoice, message: str, status: int = 400) -> tuple[str, int]:
    discard_changes()
    invoice = owned_or_404(Invoice, invoice.id)
    payment_form = forms.PaymentForm(formdata=None, data={"paid_on": services.today_london()})
    return render_template(
        "invoices/show.html",
        invoice=invoice,
        payment_form=payment_form,
        refund_form=_refund_form_if_due(invoice),
        confirm=ConfirmForm(),
        error=message,
        public_url=services.public_url(invoice) if not invoice.is_draft else None,
        treatment_labels=calc.TREATMENT_LABELS,
    ), status


@bp.route("/invoices/<invoice_id>/duplicate", methods=["POST"])
def duplicate(invoice_id: str) -> ViewResult:
    invoice = owned_or_404(Invoice, invoice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    copy = services.duplicate(invoice)
    flash(_("A copy was made as a new draft."), "success")
    return redirect(url_for("invoices.edit", invoice_id=copy.id))


def _pdf_response(data: bytes, filename: str, *, inline: bool = False) -> Response:
    response = Response(data, mimetype="application/pdf")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _safe_filename(number: str | None) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in (number or "document"))
    return f"{cleaned[:60] or 'document'}.pdf"


@bp.route("/invoices/<invoice_id>/pdf")
def pdf(invoice_id: str) -> Response:
    invoice = owned_or_404(Invoice, invoice_id)
    if not invoice.pdf_key:
        abort(404)
    return _pdf_response(services.pdf_bytes(invoice.pdf_key), _safe_filename(invoice.number))


# --------------------------------------------------------------------------- payments


@bp.route("/invoices/<invoice_id>/payments", methods=["POST"])
def add_payment(invoice_id: str) -> ViewResult:
    invoice = owned_or_404(Invoice, invoice_id, for_update=True)
    form = forms.PaymentForm()
    form.amount.currency = invoice.currency
    # A valid form has a date (the field is required): the second test only says so to mypy.
    if not form.validate_on_submit() or form.paid_on.data is None:
        return _invalid(
            "invoices/show.html",
            invoice=invoice,
            payment_form=form,
            confirm=ConfirmForm(),
            public_url=services.public_url(invoice) if not invoice.is_draft else None,
            treatment_labels=calc.TREATMENT_LABELS,
        )
    try:
        services.record_payment(invoice, form.to_input())
    except services.InvoiceError as exc:
        apply_user_error(form, exc, default="amount")
        return _invalid(
            "invoices/show.html",
            invoice=invoice,
            payment_form=form,
            confirm=ConfirmForm(),
            public_url=services.public_url(invoice),
            treatment_labels=calc.TREATMENT_LABELS,
        )
    flash(_("Payment recorded."), "success")
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


def _confirmed_removal(
    model: type[Removable], invoice_id: str, record_id: str
) -> tuple[Invoice, Removable]:
    """For removing a payment or refund: the signed-in user's invoice, locked (its balances
    change), and its *model* record; 404 when the record belongs to another invoice, 400
    when the removal was not confirmed through the form."""
    invoice = owned_or_404(Invoice, invoice_id, for_update=True)
    record = owned_or_404(model, record_id)
    if record.invoice_id != invoice.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return invoice, record


@bp.route("/invoices/<invoice_id>/payments/<payment_id>/delete", methods=["POST"])
def delete_payment(invoice_id: str, payment_id: str) -> ViewResult:
    invoice, payment = _confirmed_removal(Payment, invoice_id, payment_id)
    try:
        services.delete_payment(payment)
    except services.InvoiceError as exc:
        return _show_error(invoice, str(exc))
    flash(_("Payment removed."), "success")
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


# --------------------------------------------------------------------------- refund form
# (the credit-note and refund routes are in views_credits.py)


def _refund_form(invoice: Invoice, formdata: Any = None) -> forms.RefundForm:
    """The refund form for *invoice*: the refund due, today and the credit note most likely
    refunded filled in; the credit note offered only from the invoice's own notes."""
    default = refunds.default_credit_note(invoice)
    form = forms.RefundForm(
        formdata=formdata,
        data={
            "amount": Money.from_pence(invoice.refund_due_pence, invoice.currency),
            "refunded_on": services.today_london(),
            "credit_note": str(default.id) if default is not None else "",
        },
    )
    form.amount.currency = invoice.currency
    form.credit_note.choices = select_choices(
        (
            str(note.id),
            _(
                "%(number)s (%(amount)s, %(left)s not yet refunded)",
                number=note.number,
                amount=money(note.total_pence, note.currency),
                left=money(refunds.unrefunded_pence(note), note.currency),
            ),
        )
        for note in reversed(invoice.credit_notes)
    )
    return form


def _refund_form_if_due(invoice: Invoice) -> forms.RefundForm | None:
    """The invoice page's refund form, shown only while money is due back to the customer."""
    return _refund_form(invoice) if invoice.refund_due_pence > 0 else None


# The sending, repeat and reminder-schedule pages are in views_sending.py; the client-facing
# page behind the payment link in views_pay.py.
