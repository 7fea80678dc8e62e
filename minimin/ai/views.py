"""The AI pages: overview, request log, document review and confirm, pricing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.ai import pricing, services
from minimin.ai.forms import (
    REGION_LABELS,
    BookingConfirmForm,
    ButtonForm,
    DocumentForm,
    PricingForm,
    QuestionForm,
    ReceiptConfirmForm,
)
from minimin.ai.models import ASSISTANT, DOCUMENTS, FEATURES, PRICING, AIMessage
from minimin.ai.schema import BOOKING, RECEIPT, REMITTANCE
from minimin.core.db import utcnow
from minimin.core.security import USER, classify_blueprint
from minimin.core.tenancy import owned_or_404
from minimin.core.user_error import UserError
from minimin.core.web import apply_user_error
from minimin.extensions import limiter

bp = Blueprint("ai", __name__, template_folder="templates")
classify_blueprint(bp, USER)

LABELS = {
    PRICING: _l("Anonymous job pricing"),
    DOCUMENTS: _l("AI document processing"),
    ASSISTANT: _l("Assistant"),
}
DESCRIPTIONS = {
    PRICING: _l(
        "Your accepted day rates (kind of work, basis, region and year only: never names, "
        "dates or clients) join an anonymous pool; you see what others charge once at least "
        "10 people stand behind a figure."
    ),
    DOCUMENTS: _l(
        "Receipts, remittance advices and booking confirmations are read for you to review. "
        "With Claude configured, their text (bank details, tax references, emails and phone "
        "numbers removed) is sent to Anthropic; each request is logged here for you."
    ),
    ASSISTANT: _l(
        "Questions about your own books, answered from your records; kept only while on."
    ),
}


def _user_key() -> str:
    return f"user:{current_user.get_id()}"


def feature_label(purpose: str) -> Any:
    return LABELS.get(purpose, purpose)


def feature_states() -> list[dict[str, Any]]:
    """Each feature with its current consent, for the privacy page."""
    from minimin.privacy import consent

    states = []
    for feature in FEATURES:
        record = consent.latest(current_user.id, feature)
        states.append(
            {
                "purpose": feature,
                "label": LABELS[feature],
                "description": DESCRIPTIONS[feature],
                "on": bool(record and record.granted),
                "since": record.created_at if record and record.granted else None,
            }
        )
    return states


def pricing_hint(kind_of_work: str | None, location: str | None = None) -> Any:
    """The pool's quartiles for a job form, or None (no consent, too few contributors)."""
    if not kind_of_work or not services.has_consent(current_user.id, PRICING):
        return None
    return pricing.figure(kind_of_work, pricing.region_of(location))


@bp.route("/ai")
def index() -> str:
    return render_template(
        "ai/index.html",
        states=feature_states(),
        usage=services.usage_of(current_user.id),
        remote=services.remote_provider() is not None,
    )


@bp.route("/ai/log")
def log() -> str:
    return render_template(
        "ai/log.html",
        requests=services.requests_of(current_user.id),
        usage=services.usage_of(current_user.id),
        labels=LABELS,
    )


# --------------------------------------------------------------------------- documents


@bp.route("/ai/documents", methods=["GET", "POST"])
@limiter.limit("30 per hour", key_func=_user_key, methods=["POST"])
def documents() -> str | tuple[str, int]:
    form = DocumentForm()
    allowed = services.has_consent(current_user.id, DOCUMENTS)
    if request.method == "GET" or not allowed:
        return render_template("ai/documents.html", form=form, allowed=allowed)
    if not form.validate_on_submit():
        return render_template("ai/documents.html", form=form, allowed=allowed), 400
    kept = None
    try:
        text = form.text.data or ""
        upload = form.document.data
        if upload and getattr(upload, "filename", ""):
            text = services.document_text(upload.stream, upload.filename)
        outcome = services.extract_document(current_user.id, form.kind.data, text)
        if outcome.extraction.kind == RECEIPT and upload and getattr(upload, "filename", ""):
            kept = _keep_receipt(upload)
    except UserError as exc:
        apply_user_error(form, exc, default="text")
        return render_template("ai/documents.html", form=form, allowed=allowed), 400
    return _review(outcome, kept)


def _keep_receipt(upload: Any) -> Any:
    """The uploaded receipt kept until the reviewed expense is saved, to become its receipt
    (None when the file cannot be a receipt, e.g. a type the expenses refuse)."""
    from minimin.core.uploads import UploadError
    from minimin.expenses import pending

    upload.stream.seek(0)
    try:
        return pending.keep(current_user.id, upload.stream, upload.filename)
    except UploadError:
        return None


def _review(outcome: services.Outcome, kept: Any = None) -> str:
    extraction = outcome.extraction
    if outcome.notice:
        flash(str(outcome.notice), "warning")
    if extraction.kind == RECEIPT:
        form = ReceiptConfirmForm(
            formdata=None,
            data={
                "supplier": extraction.value("supplier") or "",
                "date": extraction.value("date") or "",
                "total": extraction.value("total") or "",
                "vat": extraction.value("vat") or "",
                "category": extraction.value("category") or "other",
                "pending_receipt": str(kept.id) if kept else "",
            },
        )
    elif extraction.kind == BOOKING:
        form = BookingConfirmForm(
            formdata=None,
            data={
                name: extraction.value(name) or ""
                for name in BookingConfirmForm.__dict__
                if not name.startswith("_") and name in extraction.fields
            },
        )
    else:
        form = None
    matches = _remittance_matches(extraction) if extraction.kind == REMITTANCE else []
    return render_template(
        "ai/review.html",
        extraction=extraction,
        form=form,
        provider=outcome.provider,
        matches=matches,
    )


def _remittance_matches(extraction: Any) -> list[dict[str, Any]]:
    """Each line with the user's invoice of that number, if any (read-only)."""
    rows = []
    for line in extraction.lines:
        invoice = services.invoice_numbered(current_user.id, line.reference)
        rows.append({"line": line, "invoice": invoice})
    return rows


#: The expenses service's names for the receipt form's amounts.
_RECEIPT_FIELDS = {"amount_pence": "total", "vat_pence": "vat"}


@bp.route("/ai/documents/receipt", methods=["POST"])
def confirm_receipt() -> Response | tuple[str, int]:
    """The user's reviewed receipt becomes an expense, through the expenses service."""
    from minimin.expenses import pending
    from minimin.expenses import services as expenses

    form = ReceiptConfirmForm()
    if form.validate_on_submit():
        try:
            expense = expenses.create_expense(
                current_user.id,
                expenses.ExpenseInput(
                    supplier=form.supplier.data or "",
                    date=services.parse_day(form.date.data, "date"),
                    amount_pence=form.total.pence or 0,
                    vat_pence=form.vat.pence or 0,
                    category=form.category.data,
                ),
            )
        except UserError as exc:
            # The expenses service names its amounts as stored; the form as typed.
            if not apply_user_error(form, exc, fields=_RECEIPT_FIELDS):
                flash(str(exc.message), "error")
        else:
            kept = pending.find(current_user.id, form.pending_receipt.data)
            if kept is not None:
                pending.attach(expense, kept)
            flash(_("The expense has been added."), "success")
            return redirect(url_for("expenses.detail", expense_id=expense.id))
    return render_template("ai/review_form.html", form=form, kind=RECEIPT), 400


@bp.route("/ai/documents/booking", methods=["POST"])
def confirm_booking() -> Response | tuple[str, int]:
    """The user's reviewed booking becomes a draft job (an enquiry), through the jobs service."""
    from minimin.jobs import services as jobs

    form = BookingConfirmForm()
    if form.validate_on_submit():
        try:
            data = _job_input(form, jobs)
            job = jobs.create_job(current_user.id, data)
        except UserError as exc:
            if not apply_user_error(form, exc):
                flash(str(exc.message), "error")
        else:
            flash(_("A draft job has been added: check it and confirm it."), "success")
            return redirect(url_for("jobs.detail", job_id=job.id))
    return render_template("ai/review_form.html", form=form, kind=BOOKING), 400


def _job_input(form: BookingConfirmForm, jobs: Any) -> Any:
    start = services.parse_day(form.start_date.data, "start_date")
    end = services.parse_day(form.end_date.data, "end_date") if form.end_date.data else start
    if end < start or (end - start).days > 31:
        raise services.AIError(
            _l("The last day must be within 31 days after the first."), "end_date"
        )
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    fee_lines = []
    if form.fee.pence is not None:
        fee_lines.append(
            jobs.FeeLineInput(
                kind="day_rate",
                quantity=Decimal(len(days)),
                unit_amount_pence=form.fee.pence,
            )
        )
    notes = "\n".join(
        f"{label}: {value}"
        for label, value in (
            (_("Client"), form.client.data),
            (_("Agency"), form.agency.data),
            (_("Usage"), form.usage.data),
        )
        if value
    )
    return jobs.JobInput(
        title=form.title.data or "",
        client_id=services.client_named(current_user.id, form.client.data),
        agency_id=services.agency_named(current_user.id, form.agency.data),
        notes=notes or None,
        dates=[jobs.DateInput(day=d) for d in days],
        fee_lines=fee_lines,
    )


# --------------------------------------------------------------------------- pricing


@bp.route("/ai/pricing")
def pricing_page() -> str:
    form = PricingForm(request.args)
    allowed = services.has_consent(current_user.id, PRICING)
    figure = None
    if allowed and form.kind.data and form.validate():
        figure = pricing.figure(form.kind.data, form.region.data)
    return render_template(
        "ai/pricing.html",
        form=form,
        allowed=allowed,
        figure=figure,
        asked=bool(request.args),
        button=ButtonForm(),
        k=pricing.K_ANONYMITY,
        region_label=REGION_LABELS.get(form.region.data or "", ""),
    )


@bp.route("/ai/pricing/contribute", methods=["POST"])
def contribute() -> Response:
    form = ButtonForm()
    if form.validate_on_submit() and services.has_consent(current_user.id, PRICING):
        count = pricing.contribute(current_user.id)
        flash(_("%(count)d fees are in the anonymous pool.", count=count), "success")
    else:
        flash(_("Turn on anonymous job pricing on the privacy page first."), "error")
    return redirect(url_for("ai.pricing_page"))


# --------------------------------------------------------------------------- assistant


def _assistant_page(form: QuestionForm, status: int = 200) -> tuple[str, int]:
    allowed = services.has_consent(current_user.id, ASSISTANT)
    return render_template(
        "ai/assistant.html",
        form=form,
        allowed=allowed,
        messages=services.conversation(current_user.id) if allowed else [],
        button=ButtonForm(),
    ), status


@bp.route("/ai/assistant", methods=["GET", "POST"])
@limiter.limit("60 per hour", key_func=_user_key, methods=["POST"])
def assistant() -> Response | tuple[str, int]:
    form = QuestionForm()
    if request.method == "GET":
        return _assistant_page(form)
    if not form.validate_on_submit():
        return _assistant_page(form, 400)
    try:
        _answer, notice = services.ask_assistant(current_user.id, form.to_input(utcnow().date()))
    except UserError as exc:
        form.question.errors = [str(exc.message)]
        return _assistant_page(form, 400)
    if notice:
        flash(str(notice), "warning")
    return redirect(url_for("ai.assistant"))


@bp.route("/ai/assistant/<message_id>/delete", methods=["POST"])
def delete_message(message_id: str) -> Response:
    message = owned_or_404(AIMessage, message_id)  # another user's message: 404, as everywhere
    if ButtonForm().validate_on_submit():
        services.delete_message(current_user.id, message.id)
    return redirect(url_for("ai.assistant"))


@bp.route("/ai/assistant/delete", methods=["POST"])
def delete_conversation() -> Response:
    if ButtonForm().validate_on_submit():
        services.delete_conversation(current_user.id)
        flash(_("The conversation has been deleted."), "success")
    return redirect(url_for("ai.assistant"))
