"""The client-facing invoice page behind the payment link: ``/pay/<token>`` (token access, no
login, no referrer) shows nothing but that one invoice, its PDF and, when the business takes
card payments, a way to pay it."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from minimin.core.security import token_access
from minimin.core.web import ConfirmForm, ViewResult
from minimin.invoices import services
from minimin.invoices.models import Invoice
from minimin.invoices.views import _pdf_response, _safe_filename, bp

# --------------------------------------------------------------------------- client page


def _public_invoice(token: str) -> Invoice:
    invoice = services.invoice_for_token(token)
    if invoice is None:
        abort(404)
    return invoice


@bp.route("/pay/<token>")
@token_access
def public_view(token: str) -> str:
    from minimin.invoices import documents

    invoice = _public_invoice(token)
    return render_template(
        "invoices/public.html",
        invoice=invoice,
        # What the PDF says (supplier, bank details, VAT by rate), from the snapshots taken at
        # issue, so the page lets the client pay by bank transfer whether or not cards are on.
        doc=documents.invoice_document(invoice),
        token=token,
        can_pay=invoice.is_open and services.stripe_enabled(invoice.user_id),
        confirm=ConfirmForm(),
        paid_now=request.args.get("paid") == "1",
    )


@bp.route("/pay/<token>/pdf")
@token_access
def public_pdf(token: str) -> Response:
    invoice = _public_invoice(token)
    if not invoice.pdf_key:
        abort(404)
    return _pdf_response(services.pdf_bytes(invoice.pdf_key), _safe_filename(invoice.number))


@bp.route("/pay/<token>/checkout", methods=["POST"])
@token_access
def public_checkout(token: str) -> ViewResult:
    invoice = _public_invoice(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not invoice.is_open:
        flash(_("This invoice has nothing left to pay."), "info")
        return redirect(url_for("invoices.public_view", token=token))
    from minimin.payments import services as payments

    try:
        url = payments.checkout_url(invoice, token)
    except payments.PaymentUnavailable as exc:
        flash(str(exc), "error")
        return redirect(url_for("invoices.public_view", token=token))
    return redirect(url, code=303)
