"""Accountant export pages (``/reports/export``) and the accountant's download link."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from minimin.business.services import get_profile
from minimin.core.dates import DateError, TaxYear, uk_today
from minimin.core.db import utcnow
from minimin.core.security import token_access
from minimin.core.tenancy import owned_or_404
from minimin.extensions import limiter
from minimin.reports import export
from minimin.reports.inputs import ExportInput
from minimin.reports.tax_models import ExportJob, ExportShare
from minimin.reports.views_vat import bp


def _years() -> list[TaxYear]:
    return export.offered_years(uk_today())


def _index(error: Any = None, status: int = 200) -> Any:
    jobs = export.recent_exports(current_user.id, limit=10)
    profile = get_profile(current_user.id)
    return render_template(
        "reports/export_index.html",
        jobs=jobs,
        years=_years(),
        error=error,
        accountant=(profile.accountant_email if profile else None),
        shares=export.shares(current_user.id),
        now=utcnow(),
        TaxYear=TaxYear,
    ), status


@bp.get("/export")
def export_index() -> Any:
    return _index()


#: Each export reads every record of a tax year and writes a ZIP: a few an hour is plenty.
EXPORTS_PER_HOUR = "10 per hour"


def _user_key() -> str:
    return f"user:{current_user.get_id()}"


@bp.post("/export")
@limiter.limit(EXPORTS_PER_HOUR, key_func=_user_key)
def export_start() -> Any:
    try:
        year = TaxYear.parse(request.form.get("tax_year", ""))
    except DateError as exc:
        return _index(exc.message, 400)
    try:
        job = export.start_export(current_user.id, ExportInput(year))
    except export.ExportError as exc:
        return _index(exc.message, 400)
    return redirect(url_for("tax.export_status", job_id=job.id))


@bp.get("/export/<job_id>")
def export_status(job_id: str) -> Any:
    job = owned_or_404(ExportJob, job_id)
    profile = get_profile(current_user.id)
    return render_template(
        "reports/export_status.html",
        job=job,
        year=TaxYear(job.tax_year),
        accountant=(profile.accountant_email if profile else None),
    )


@bp.get("/export/<job_id>/status.json")
def export_status_json(job_id: str) -> Any:
    job = owned_or_404(ExportJob, job_id)
    response = jsonify(status=job.status, percent=job.progress, step=job.step)
    response.headers["Cache-Control"] = "no-store"
    return response


def _send(job: ExportJob) -> Any:
    try:
        stream = export.open_zip(job)
    except export.ExportError:
        abort(404)
    return send_file(
        stream,
        mimetype="application/zip",
        as_attachment=True,
        download_name=export.download_name(job),
        max_age=0,
    )


@bp.get("/export/<job_id>/download")
def export_download(job_id: str) -> Any:
    return _send(owned_or_404(ExportJob, job_id))


@bp.post("/export/<job_id>/share")
def export_share(job_id: str) -> Any:
    job = owned_or_404(ExportJob, job_id)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm you want to send the link to your accountant."), "error")
        return redirect(url_for("tax.export_status", job_id=job.id)), 303
    try:
        link = export.share(job, current_user.id)
    except export.ExportError as exc:
        return render_template(
            "reports/export_status.html",
            job=job,
            year=TaxYear(job.tax_year),
            accountant=None,
            error=exc.message,
        ), 422
    flash(_("A download link valid for 7 days was emailed to %(email)s.", email=link.recipient))
    return redirect(url_for("tax.export_status", job_id=job.id))


@bp.post("/export/shares/<share_id>/revoke")
def export_share_revoke(share_id: str) -> Any:
    link = owned_or_404(ExportShare, share_id)
    if export.revoke_share(link, current_user.id):
        flash(_("The link was revoked: it no longer opens the export."), "success")
    else:
        flash(_("That link was already revoked."), "info")
    return redirect(url_for("tax.export_index", _anchor="links"))


@bp.get("/export/shared/<token>")
@token_access
def export_shared(token: str) -> Any:
    link = export.share_for_token(token)
    if link is None:
        return render_template("reports/export_link_dead.html"), 404
    job = export.shared_export(link)
    if job is None:
        abort(404)
    export.record_download(link)
    response = _send(job)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
