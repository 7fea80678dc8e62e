"""Renewing a usage / buyout licence from the job page: a short form, pre-filled from the
usage line, that bills the renewal as a new job (the rules are in :mod:`minimin.jobs.renewal`)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from minimin.core.money import Money
from minimin.core.tenancy import parse_uuid
from minimin.core.web import ViewResult, apply_user_error
from minimin.jobs import renewal, services
from minimin.jobs.forms import RenewalForm
from minimin.jobs.models import FeeLine, Job
from minimin.jobs.views import _load_or_404, bp


def _line_of(job: Job, line_id: str) -> FeeLine:
    parsed = parse_uuid(line_id)
    line = next((line for line in job.fee_lines if line.id == parsed), None)
    if line is None:
        abort(404)
    return line


def _renewal_initial(job: Job, line: FeeLine) -> dict[str, Any]:
    return {
        "description": line.description or "",
        "media": line.media or "",
        "territory": line.territory or "",
        "term": line.term or "",
        "fee": Money.from_pence(line.amount_pence, job.currency).amount,
        "expires_on": renewal.suggested_expiry(line),
    }


@bp.route("/<job_id>/usage/<line_id>/renew", methods=["GET", "POST"])
def renew_usage(job_id: str, line_id: str) -> ViewResult:
    """GET shows the renewal form, pre-filled from the usage line; POST bills the renewal as
    a new job and shows it."""
    job = _load_or_404(job_id)
    line = _line_of(job, line_id)
    refused = renewal.refusal(job, line)
    if refused is not None:
        flash(str(refused), "error")
        return redirect(url_for("jobs.detail", job_id=job.id), 303)
    if request.method != "POST":
        form = RenewalForm(formdata=None, data=_renewal_initial(job, line))
        form.fee.currency = job.currency
        return render_template("jobs/renew_usage.html", form=form, job=job, line=line)
    form = RenewalForm()
    form.fee.currency = job.currency
    if form.validate_on_submit():
        data = renewal.RenewalInput(
            fee_pence=form.fee.pence or 0,
            expires_on=cast(date, form.expires_on.data),  # required: validated
            description=form.description.data or None,
            media=form.media.data or None,
            territory=form.territory.data or None,
            term=form.term.data or None,
        )
        try:
            renewed = renewal.renew_usage(job, line, data)
        except services.JobError as exc:
            apply_user_error(form, exc)
        else:
            flash(_("The renewal “%(title)s” is ready to invoice.", title=renewed.title), "success")
            return redirect(url_for("jobs.detail", job_id=renewed.id))
    # 400 rolls the request back: nothing of a refused renewal is stored.
    return render_template("jobs/renew_usage.html", form=form, job=job, line=line), 400
