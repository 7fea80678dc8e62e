"""Quote pages: sending a job's quote (``/jobs/<id>/quote``), withdrawing it, and the client's
page behind the link (``/quote/<token>``: token access, no login, no referrer) with the PDF
and the accept button."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from minimin.core.dates import uk_today
from minimin.core.forms import select_choices
from minimin.core.security import TOKEN, USER, classify_blueprint
from minimin.core.tenancy import owned_or_404
from minimin.core.web import ConfirmForm, ViewResult
from minimin.jobs.models import Job
from minimin.quotes import services
from minimin.quotes.forms import QuoteForm
from minimin.quotes.models import Quote

bp = Blueprint("quotes", __name__, template_folder="templates")
classify_blueprint(bp, USER)
public_bp = Blueprint("quote_public", __name__, template_folder="templates")
classify_blueprint(public_bp, TOKEN)


def _addresses(job: Job) -> list[tuple[str, str]]:
    return [
        (contact.email, f"{contact.name} <{contact.email}>")
        for contact in services.addresses_of(job)
    ]


@bp.route("/jobs/<job_id>/quote", methods=["GET", "POST"])
def send(job_id: str) -> ViewResult:
    job = owned_or_404(Job, job_id)
    form = QuoteForm()
    form.to.choices = select_choices(_addresses(job))
    error = None
    if form.validate_on_submit():
        data = services.QuoteInput(
            to=form.to.data or "", days=int(form.days.data or 0), message=form.message.data
        )
        try:
            new = services.send_quote(job, data)
        except services.QuoteError as exc:
            error = str(exc)
        else:
            flash(_("Quote sent to %(to)s.", to=new.quote.sent_to), "success")
            return redirect(url_for("jobs.detail", job_id=job.id))
    status = 400 if form.is_submitted() else 200
    page = render_template(
        "quotes/send.html",
        job=job,
        form=form,
        error=error,
        quotes=services.quotes_of(job),
        quotable=job.status in services.QUOTABLE,
        confirm=ConfirmForm(),
    )
    return (page, status) if status != 200 else page


@bp.route("/quotes/<quote_id>/withdraw", methods=["POST"])
def withdraw(quote_id: str) -> Response:
    quote = owned_or_404(Quote, quote_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw(quote)
    except services.QuoteError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Quote withdrawn: its link no longer accepts it."), "success")
    return redirect(url_for("quotes.send", job_id=quote.job_id))


# ----------------------------------------------------------------------------- client page


def _public(token: str) -> Quote:
    quote = services.quote_for_token(token)
    if quote is None:
        abort(404)
    return quote


@public_bp.route("/quote/<token>")
def view(token: str) -> str:
    quote = _public(token)
    return render_template(
        "quotes/public.html",
        token=token,
        confirm=ConfirmForm(),
        can_accept=quote.can_be_accepted(uk_today()),
        **services.document(quote, token),
    )


@public_bp.route("/quote/<token>/accept", methods=["POST"])
def accept(token: str) -> ViewResult:
    quote = _public(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.accept(quote)
    except services.QuoteError as exc:
        page = render_template(
            "quotes/public.html",
            token=token,
            confirm=ConfirmForm(),
            can_accept=False,
            error=str(exc),
            **services.document(quote, token),
        )
        return page, 409
    flash(_("Thank you: the booking is confirmed."), "success")
    return redirect(url_for("quote_public.view", token=token))


@public_bp.route("/quote/<token>/pdf")
def pdf(token: str) -> Response:
    quote = _public(token)
    return Response(
        services.pdf_bytes(quote, token),
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="quote.pdf"'},
    )
