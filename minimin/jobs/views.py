"""Job pages: thin views over jobs.services (parse → load and authorise → service → render)."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.contacts.kinds import kind_label
from minimin.core import listing_params
from minimin.core.dates import DateError, parse_uk_date, uk_today
from minimin.core.forms import select_choices
from minimin.core.i18n import label_lookup
from minimin.core.money import Money
from minimin.core.pagecache import kept_page
from minimin.core.security import USER, classify_blueprint
from minimin.core.tenancy import owned_or_404, parse_uuid
from minimin.core.uploads import UploadError
from minimin.core.web import ConfirmForm, ViewResult, apply_user_error, page_number
from minimin.jobs import listing, renewal, services
from minimin.jobs.forms import (
    AttachmentForm,
    FeeLineRowForm,
    JobForm,
    StatusForm,
    parse_action,
    plain_decimal,
    prepare_formdata,
    yes_no,
    yes_no_choice,
)
from minimin.jobs.models import (
    FEE_KIND_LABELS,
    MAX_DATES,
    MAX_FEE_LINES,
    STATUS_LABELS,
    STATUSES,
    USAGE,
    Job,
    JobAttachment,
)

bp = Blueprint(
    "jobs",
    __name__,
    url_prefix="/jobs",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
classify_blueprint(bp, USER)

_MONTH_RE = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)


@bp.app_template_filter("plain_decimal")
def _plain_decimal(value: Decimal | None) -> str:
    return plain_decimal(value)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "job_status_label": label_lookup(STATUS_LABELS),
        "kind_label": kind_label,
    }


# ----------------------------------------------------------------------------- list


def _filters_from_args(args: Any) -> tuple[listing.JobFilters, list[str]]:
    errors: list[str] = []
    filters = listing.JobFilters()
    status = args.get("status", "")
    if status in STATUSES:
        filters.status = status
    elif status:
        errors.append(_("Choose a status from the list."))
    for key in ("client", "agency"):
        raw = args.get(key, "")
        if raw:
            parsed = parse_uuid(raw)
            if parsed is None:
                errors.append(_("Choose a client or agency from the list."))
            else:
                setattr(filters, f"{key}_id", parsed)
    for key, attr in (("from", "date_from"), ("to", "date_to")):
        raw = args.get(key, "")
        if raw:
            try:
                setattr(filters, attr, parse_uk_date(raw))
            except DateError as exc:
                label = _("From") if key == "from" else _("To")
                errors.append(f"{label}: {exc}")
    return filters, errors


def _net_by_job(rows: list[Any]) -> dict[uuid.UUID, Any]:
    registered = services.freelancer_vat_registered(current_user.id)
    return listing.list_totals(rows, vat_registered=registered)


@bp.route("")
@kept_page
def index() -> ViewResult:
    # A plain dict: the page's links look up each of their keys, and a MultiDict raises and
    # catches an exception for every key that is missing.
    args = request.args.to_dict()
    filters, errors = _filters_from_args(args)
    params = _list_params(args)
    filters.q = params.q
    page = listing.list_jobs(
        current_user.id, filters, sort=params.legacy_sort, page=page_number(args)
    )
    clients, agencies = services.contact_choices(current_user.id)
    return render_template(
        "jobs/list.html",
        page=page,
        totals=_net_by_job(page.jobs),
        filters=filters,
        filter_errors=errors,
        clients=clients,
        agencies=agencies,
        statuses=[(s, str(STATUS_LABELS[s])) for s in STATUSES],
        args=args,
        params=params,
        filter_args=_filter_args(args),
    )


def _list_params(args: Any) -> listing_params.ListParams:
    keys = {key.lstrip("-") for key in listing.SORTS}
    return listing_params.parse(args, keys, "date", listing_params.DESC)


def _filter_args(args: Any) -> dict[str, str]:
    """The list's filters (not search, sort or page), kept by its header and CSV links."""
    return {k: args[k] for k in ("status", "client", "agency", "from", "to") if args.get(k)}


@bp.route("/export.csv")
def index_csv() -> Response:
    """The jobs list as filtered, searched and sorted, every page, as a formula-safe CSV."""
    args = request.args.to_dict()
    filters, _errors = _filters_from_args(args)
    params = _list_params(args)
    filters.q = params.q
    rows = listing.all_jobs(current_user.id, filters, sort=params.legacy_sort)
    totals = _net_by_job(rows)
    header = [_("First day"), _("Last day"), _("Job"), _("Client"), _("Agency"), _("Location")]
    header += [_("Status"), _("Currency"), _("Gross"), _("Expected net")]
    return listing_params.csv_response(
        "jobs.csv",
        header,
        rows,
        lambda r: [
            r.starts_on,
            r.ends_on,
            r.title,
            r.client_name,
            r.agency_name,
            r.location,
            str(STATUS_LABELS.get(r.status, r.status)),
            r.currency,
            totals[r.id].gross.amount,
            totals[r.id].net_paid.amount,
        ],
    )


@bp.route("/to-invoice")
def to_invoice() -> str:
    page = listing.list_jobs(
        current_user.id,
        listing.JobFilters(to_invoice=True),
        sort="date",
        page=page_number(request.args),
    )
    return render_template(
        "jobs/to_invoice.html", page=page, jobs=page.jobs, totals=_net_by_job(page.jobs)
    )


# ----------------------------------------------------------------------------- calendar


def _parse_month(raw: str | None) -> tuple[int, int] | None:
    match = _MONTH_RE.fullmatch(raw or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        return None
    return year, month


@bp.route("/calendar")
def calendar() -> ViewResult:
    raw = request.args.get("month")
    status = 200
    parsed = _parse_month(raw)
    if parsed is None:
        today = uk_today()
        if raw:
            flash(_("Choose a month like 2026-11."), "error")
            status = 400
        parsed = (today.year, today.month)
    year, month = parsed
    first = date(year, month, 1)
    prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
    next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    days = listing.calendar_month(current_user.id, year, month)
    page = render_template(
        "jobs/calendar.html",
        first=first,
        weeks=listing.month_grid(year, month),
        days=days,
        today=uk_today(),
        prev_month=f"{prev_month[0]:04d}-{prev_month[1]:02d}",
        next_month=f"{next_month[0]:04d}-{next_month[1]:02d}",
        prev_ok=prev_month[0] >= 1900,
        next_ok=next_month[0] <= 2100,
    )
    return (page, status) if status != 200 else page


# ----------------------------------------------------------------------------- one job


@bp.route("/<job_id>")
def detail(job_id: str) -> str:
    return _render_detail(_load_or_404(job_id))


def _render_detail(job: Job, **extra: Any) -> str:
    extra.setdefault("attachment_form", AttachmentForm(formdata=None))
    has_usage = any(line.kind == USAGE for line in job.fee_lines)
    return render_template(
        "jobs/detail.html",
        job=job,
        totals=services.job_totals(job),
        status_form=_status_form(job),
        moves=services.allowed_moves(job),
        delete_form=ConfirmForm(),
        renewable=renewal.renewable_line_ids(job) if has_usage else set(),
        renews=renewal.renewed_lines(job) if has_usage else [],
        **extra,
    )


def _load_or_404(job_id: str) -> Job:
    parsed = parse_uuid(job_id)
    job = services.load_job(parsed, current_user.id) if parsed else None
    if job is None:
        abort(404)
    return job


def _status_form(job: Job) -> StatusForm:
    form = StatusForm(status=job.status)
    options = services.status_options(job)
    form.status.choices = select_choices((s, STATUS_LABELS[s]) for s in options)
    form.cancellation_fee.currency = job.currency
    return form


@bp.route("/<job_id>/status", methods=["POST"])
def change_status(job_id: str) -> ViewResult:
    job = owned_or_404(Job, job_id, for_update=True)
    form = StatusForm()
    form.cancellation_fee.currency = job.currency
    error: str | None = None
    valid = form.validate_on_submit()
    if valid and form.status.data == job.status:  # the dropdown sent as shown: nothing moves
        flash(_("The job is still %(status)s.", status=job.status_label), "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    if valid:
        try:
            services.change_status(
                job,
                services.StatusInput(
                    status=form.status.data or "",
                    cancellation_fee_pence=form.cancellation_fee.pence,
                ),
            )
        except services.JobError as exc:
            error = str(exc)
        else:
            flash(_("The job is now %(status)s.", status=job.status_label), "success")
            return redirect(url_for("jobs.detail", job_id=job.id))
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors) or _(
            "The status could not be changed."
        )
    return _render_detail(_load_or_404(job_id), status_error=error), 400


@bp.route("/<job_id>/delete", methods=["POST"])
def delete(job_id: str) -> ViewResult:
    job = owned_or_404(Job, job_id, for_update=True)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.delete_job(job)
    except services.JobError as exc:
        flash(str(exc), "error")
        return redirect(url_for("jobs.detail", job_id=job.id), 303)
    flash(_("The job “%(title)s” was deleted.", title=job.title), "success")
    return redirect(url_for("jobs.index"))


# The usage renewal pages are in views_renewal.py.


# ----------------------------------------------------------------------------- attachments


@bp.route("/<job_id>/attachments", methods=["POST"])
def add_attachment(job_id: str) -> ViewResult:
    job = owned_or_404(Job, job_id, for_update=True)
    form = AttachmentForm()
    error: str | None = None
    status = 400
    if form.validate_on_submit():
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", None):
            error = _("Choose a PDF or an image (PNG, JPEG or WebP) to attach.")
        else:
            try:
                attachment = services.add_attachment(
                    job, services.AttachmentInput(file=upload.stream, filename=upload.filename)
                )
            except UploadError as exc:
                error, status = exc.message, exc.status
    else:
        error = _("The form has expired. Please try again.")
    if error:
        form.file.errors = [error]
        return _render_detail(_load_or_404(job_id), attachment_form=form), status
    flash(_("“%(name)s” was attached.", name=attachment.file.filename), "success")
    return redirect(url_for("jobs.detail", job_id=job.id, _anchor="attachments"))


def _owned_attachment(job_id: str, attachment_id: str) -> tuple[Job, JobAttachment]:
    job = owned_or_404(Job, job_id)
    attachment = owned_or_404(JobAttachment, attachment_id)
    if attachment.job_id != job.id:
        abort(404)
    return job, attachment


@bp.route("/<job_id>/attachments/<attachment_id>/remove", methods=["GET", "POST"])
def remove_attachment(job_id: str, attachment_id: str) -> ViewResult:
    """GET asks for confirmation; POST (with the form's token) removes the file."""
    job, attachment = _owned_attachment(job_id, attachment_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        name = attachment.file.filename
        services.remove_attachment(attachment)
        flash(_("“%(name)s” was removed from the job.", name=name), "success")
        return redirect(url_for("jobs.detail", job_id=job.id, _anchor="attachments"))
    return render_template("jobs/remove_attachment.html", job=job, attachment=attachment, form=form)


# ----------------------------------------------------------------------------- the form


def _initial(job: Job) -> dict[str, Any]:
    return {
        "title": job.title,
        "client_id": str(job.client_id) if job.client_id else "",
        "agency_id": str(job.agency_id) if job.agency_id else "",
        "location": job.location or "",
        "kind_of_work": job.kind_of_work or "",
        "currency": job.currency,
        "notes": job.notes or "",
        "commission_percent": (
            plain_decimal(job.commission_percent) if job.commission_percent is not None else None
        ),
        "commission_vat": yes_no_choice(job.commission_vat) if job.agency_id else "",
        "quoting": job.quoting if job.agency_id else "",
        "agency_fee_percent": (
            plain_decimal(job.agency_fee_percent) if job.agency_fee_percent is not None else None
        ),
        "mother_agency_share_percent": (
            plain_decimal(job.mother_agency_share_percent)
            if job.mother_agency_share_percent is not None
            else None
        ),
        "dates": [
            {"day": d.day, "starts_at": d.starts_at, "ends_at": d.ends_at} for d in job.dates
        ],
        "fee_lines": [
            {
                "kind": line.kind,
                "description": line.description or "",
                "quantity": Decimal(line.quantity),
                "unit_amount": Money.from_pence(line.unit_amount_pence, job.currency).amount,
                "commissionable": yes_no_choice(line.commissionable),
                "vat_applies": yes_no_choice(line.vat_applies),
                "media": line.media or "",
                "territory": line.territory or "",
                "term": line.term or "",
                "usage_expires_on": line.usage_expires_on,
            }
            for line in job.fee_lines
        ],
    }


def _job_input(form: JobForm) -> services.JobInput:
    currency = form.currency.data or "GBP"
    return services.JobInput(
        title=form.title.data or "",
        client_id=parse_uuid(form.client_id.data) if form.client_id.data else None,
        agency_id=parse_uuid(form.agency_id.data) if form.agency_id.data else None,
        location=form.location.data or None,
        kind_of_work=form.kind_of_work.data or None,
        notes=form.notes.data or None,
        currency=currency,
        commission_percent=form.commission_percent.data,
        commission_vat=yes_no(form.commission_vat.data),
        quoting=form.quoting.data or None,
        agency_fee_percent=form.agency_fee_percent.data,
        mother_agency_share_percent=form.mother_agency_share_percent.data,
        dates=[
            services.DateInput(
                day=row.form.day.data,
                starts_at=row.form.starts_at.data,
                ends_at=row.form.ends_at.data,
            )
            for row in form.dates
        ],
        fee_lines=[
            services.FeeLineInput(
                kind=row.form.kind.data,
                quantity=row.form.quantity.data,
                unit_amount_pence=Money(row.form.unit_amount.data, currency).pence,
                description=row.form.description.data or None,
                commissionable=yes_no(row.form.commissionable.data),
                vat_applies=yes_no(row.form.vat_applies.data),
                media=row.form.media.data or None,
                territory=row.form.territory.data or None,
                term=row.form.term.data or None,
                usage_expires_on=row.form.usage_expires_on.data,
            )
            for row in form.fee_lines
        ],
    )


def _build_form(job: Job | None) -> tuple[JobForm, str]:
    """The job form from the request (re-numbered rows) or from *job*; and the action."""
    if request.method == "POST":
        action = request.form.get("action", "save")
        form = JobForm(formdata=prepare_formdata(request.form, action))
    else:
        action = "show"
        form = JobForm(data=_initial(job)) if job is not None else JobForm(formdata=None)
        if job is None:
            form.fee_lines.append_entry()
    clients, agencies = services.contact_choices(
        current_user.id, job.client_id if job else None, job.agency_id if job else None
    )
    form.client_id.choices = select_choices([("", _("None")), *clients])
    form.agency_id.choices = select_choices([("", _("None")), *agencies])
    return form, action


def _row_label(name: str, n: int) -> str:
    return _("Day %(n)d", n=n) if name == "dates" else _("Fee line %(n)d", n=n)


def _error_items(form: JobForm) -> list[tuple[str | None, str]]:
    """Every error of the form, sub-forms included, with the id of the input it is about."""
    items: list[tuple[str | None, str]] = [(None, str(e)) for e in form.form_errors]
    for f in form:
        if f.name == "csrf_token":
            if f.errors:
                items.append((None, _("The form had expired. Please try again.")))
            continue
        if f.name in ("dates", "fee_lines"):
            for n, entry in enumerate(f.entries, start=1):
                label = _row_label(f.name, n)
                for sub in entry.form:
                    items.extend((sub.id, f"{label}, {sub.label.text}: {e}") for e in sub.errors)
            items.extend((None, str(e)) for e in f.errors if isinstance(e, str))
            continue
        items.extend((f.id, str(e)) for e in f.errors)
    return items


def _render_form(
    form: JobForm, job: Job | None, status: int = 200, focus_line: int | None = None
) -> ViewResult:
    agencies = services.agency_terms(current_user.id)
    page = render_template(
        "jobs/form.html",
        form=form,
        errors=_error_items(form) if status >= 400 else [],
        job=job,
        agencies=agencies,
        fee_kind_labels=FEE_KIND_LABELS,
        can_add_date=len(form.dates) < MAX_DATES,
        can_add_line=len(form.fee_lines) < MAX_FEE_LINES,
        max_fee_lines=MAX_FEE_LINES,
        focus_line=focus_line,
        blank_line=FeeLineRowForm(formdata=None, prefix="fee_lines-__n__-"),
        **_running_totals_context(agencies),
    )
    return (page, status) if status != 200 else page


def _running_totals_context(agencies: list[Any]) -> dict[str, Any]:
    """What the form's running totals script needs: each agency's default commission terms
    and whether the user's fees carry VAT (the saved figures come from services)."""
    rates = {
        str(agency.id): {
            "percent": str(agency.default_commission_percent or 0),
            "vat": bool(agency.commission_vat_added),
        }
        for agency in agencies
    }
    return {
        "agency_rates": rates,
        "vat_registered": services.freelancer_vat_registered(current_user.id),
    }


def _handle_form(job: Job | None) -> ViewResult:
    form, action = _build_form(job)
    verb, which, _index = parse_action(action)
    if request.method == "POST" and verb in ("add", "remove"):
        # Rows are added or removed on the server; the page is shown again, nothing stored.
        if verb == "add":
            rows = form.dates if which == "date" else form.fee_lines
            limit = MAX_DATES if which == "date" else MAX_FEE_LINES
            if len(rows) < limit:
                rows.append_entry()
            if which == "line":
                # The page opens at the new line with its first field focused.
                return _render_form(form, job, focus_line=len(rows))
        return _render_form(form, job)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                data = _job_input(form)
                if job is None:
                    saved = services.create_job(current_user.id, data)
                    flash(_("Job “%(title)s” added.", title=saved.title), "success")
                else:
                    saved = services.update_job(job, data)
                    flash(_("Job “%(title)s” saved.", title=saved.title), "success")
                return redirect(url_for("jobs.detail", job_id=saved.id))
            except services.JobError as exc:
                apply_user_error(form, exc)
        return _render_form(form, job, 400)
    return _render_form(form, job)


@bp.route("/new", methods=["GET", "POST"])
def new() -> ViewResult:
    return _handle_form(None)


@bp.route("/<job_id>/edit", methods=["GET", "POST"])
def edit(job_id: str) -> ViewResult:
    job = _load_or_404(job_id)
    if job.is_locked:
        flash(
            _("This job has been invoiced: its details are the record of what was billed."),
            "error",
        )
        return redirect(url_for("jobs.detail", job_id=job.id))
    return _handle_form(job)
