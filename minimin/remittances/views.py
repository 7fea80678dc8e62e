"""Remittance pages: thin views over remittances.services.

URLs: ``/remittances`` (list), ``/remittances/new`` (enter by hand), ``/remittances/import``
(CSV or PDF), ``/remittances/owed`` ("agency owes you"), ``/remittances/<id>`` (the three-way
match, discrepancies, post), ``/remittances/<id>/edit``, ``/<id>/match``, ``/<id>/post``,
``/<id>/delete``; ``/remittances/import/<import_id>`` (a PDF being read in the background).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from minimin.core import listing_params
from minimin.core.dates import uk_today
from minimin.core.money import Money
from minimin.core.security import USER, classify_blueprint
from minimin.core.tasks import enqueue
from minimin.core.tenancy import owned_or_404, parse_uuid
from minimin.core.uploads import SIZE_LIMITS, UploadError, read_limited, sniff, validate_pdf
from minimin.core.web import ConfirmForm, ViewResult
from minimin.remittances import listing, matching, services
from minimin.remittances.forms import (
    ImportForm,
    PostForm,
    RemittanceForm,
    parse_action,
    prepare_formdata,
)
from minimin.remittances.models import (
    MAX_LINES,
    POSTED,
    READ,
    READING,
    STATUS_LABELS,
    STATUSES,
    Remittance,
    RemittanceImport,
)
from minimin.remittances.parsers.common import ParsedRemittance, RemittanceParseError
from minimin.remittances.parsers.csv_parser import MAX_CSV_BYTES, parse_csv

bp = Blueprint("remittances", __name__, url_prefix="/remittances", template_folder="templates")
classify_blueprint(bp, USER)


def _agency_choices(keep: uuid.UUID | None = None) -> list[SelectChoice]:
    return [SelectChoice("", _("Choose an agency"))] + [
        SelectChoice(str(i), n) for i, n in listing.agency_choices(current_user.id, keep)
    ]


def _pence(field: Any) -> int:
    value = field.pence
    return int(value) if value is not None else 0


# ----------------------------------------------------------------------------- list


@bp.route("")
def index() -> ViewResult:
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    params = listing.parse(request.args)
    remittances = listing.remittances(current_user.id, status or None, params)
    return render_template(
        "remittances/list.html",
        remittances=remittances,
        status=status,
        params=params,
        statuses=[(s, STATUS_LABELS[s]) for s in STATUSES],
    )


@bp.route("/export.csv")
def index_csv() -> Response:
    """The remittance list as filtered, searched and sorted, as a formula-safe CSV."""
    status = request.args.get("status", "")
    rows = listing.remittances(
        current_user.id, status if status in STATUSES else None, listing.parse(request.args)
    )
    header = [_("Date"), _("Agency"), _("Document"), _("Reference"), _("Agency invoice")]
    header += [_("Currency"), _("Net paid"), _("Status")]
    return listing_params.csv_response(
        "remittances.csv",
        header,
        rows,
        lambda r: [
            r.date,
            r.agency.name,
            str(r.kind_label),
            r.reference,
            r.agency_invoice_number,
            r.currency,
            listing_params.pounds(r.total_net_pence),
            str(r.status_label),
        ],
    )


@bp.route("/owed")
def owed() -> str:
    groups = services.owed_by_agencies(current_user.id)
    return render_template(
        "remittances/owed.html", groups=groups, totals=services.owed_totals(groups)
    )


# ----------------------------------------------------------------------------- entry


def _input(form: RemittanceForm) -> services.RemittanceInput:
    lines = tuple(
        services.LineInput(
            reference=row.form.reference.data or "",
            description=row.form.description.data or "",
            work_date=row.form.work_date.data,
            gross_pence=_pence(row.form.gross),
            fee_vat_pence=_pence(row.form.fee_vat),
            commission_pence=_pence(row.form.commission),
            commission_vat_pence=_pence(row.form.commission_vat),
            expenses_pence=_pence(row.form.expenses),
            net_pence=_pence(row.form.net),
        )
        for row in form.lines
    )
    return services.RemittanceInput(
        # A missing agency is refused by the service on its field; a valid form has a date.
        agency_id=parse_uuid(form.agency_id.data),  # type: ignore[arg-type]
        date=form.date.data,  # type: ignore[arg-type]
        kind=form.kind.data or "advice",
        reference=form.reference.data or "",
        agency_invoice_number=form.agency_invoice_number.data or "",
        total_net_pence=form.total_net.pence,
        lines=lines,
        source_file_id=parse_uuid(form.source_file_id.data) if form.source_file_id.data else None,
    )


def _errors(form: RemittanceForm) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name, errors in form.errors.items():
        if name == "lines":
            for position, row_errors in enumerate(errors):
                if not isinstance(row_errors, dict):
                    continue
                for sub, messages in row_errors.items():
                    field = form.lines[position].form[sub]
                    for message in messages:
                        found.append(
                            (
                                field.id,
                                _(
                                    "Line %(n)d, %(field)s: %(message)s",
                                    n=position + 1,
                                    field=field.label.text,
                                    message=message,
                                ),
                            )
                        )
        elif name in form:
            for message in errors:
                found.append((form[name].id, f"{form[name].label.text}: {message}"))
    return found


def _render_form(
    form: RemittanceForm,
    remittance: Remittance | None,
    errors: list[tuple[str, str]] | None = None,
    status: int = 200,
    notes: list[Any] | None = None,
) -> ViewResult:
    page = render_template(
        "remittances/form.html",
        form=form,
        remittance=remittance,
        errors=errors or [],
        notes=notes or [],
        can_add_line=len(form.lines) < MAX_LINES,
    )
    return (page, status) if status != 200 else page


def _handle_form(remittance: Remittance | None) -> ViewResult:
    keep = remittance.agency_id if remittance else None
    action = request.form.get("action", "save")
    verb, _index = parse_action(action)
    formdata = prepare_formdata(request.form, action)
    if verb == "add":
        position = len({k.split("-")[1] for k in formdata if k.startswith("lines-")})
        if position < MAX_LINES:
            formdata.add(f"lines-{position}-reference", "")
    form = RemittanceForm(formdata=formdata)
    form.agency_id.choices = _agency_choices(keep)
    if not form.lines.entries:
        form.lines.append_entry()
    if verb != "save":
        form.csrf_token.validate(form)  # CSRF still required for the add/remove round trip
        return _render_form(form, remittance)
    if not form.validate():
        return _render_form(form, remittance, _errors(form), 400)
    try:
        data = _input(form)
        if remittance is None:
            remittance = services.create_remittance(current_user.id, data)
        else:
            services.update_remittance(remittance, data)
    except services.RemittanceError as exc:
        anchor = form[exc.field].id if exc.field and exc.field in form else ""
        return _render_form(form, remittance, [(anchor, str(exc))], 400)
    flash(
        _("The remittance was saved. Check the jobs and the bank deposit, then post it."), "success"
    )
    return redirect(url_for("remittances.detail", remittance_id=remittance.id))


@bp.route("/new", methods=["GET", "POST"])
def new() -> ViewResult:
    if request.method == "POST":
        return _handle_form(None)
    form = RemittanceForm(formdata=None, data={"date": uk_today()})
    form.agency_id.choices = _agency_choices()
    agency = request.args.get("agency", "")
    if agency and agency in {c.value for c in form.agency_id.choices}:
        form.agency_id.data = agency
    return _render_form(form, None)


@bp.route("/<remittance_id>/edit", methods=["GET", "POST"])
def edit(remittance_id: str) -> ViewResult:
    remittance = owned_or_404(Remittance, remittance_id, for_update=request.method == "POST")
    if remittance.status == POSTED:
        flash(_("A posted remittance is a record and cannot be changed."), "error")
        return redirect(url_for("remittances.detail", remittance_id=remittance.id))
    if request.method == "POST":
        return _handle_form(remittance)
    form = RemittanceForm(formdata=None, data=_initial(remittance))
    form.agency_id.choices = _agency_choices(remittance.agency_id)
    return _render_form(form, remittance)


def _amount(pence: int, currency: str = "GBP") -> Any:
    return Money.from_pence(pence, currency).amount


def _initial(remittance: Remittance) -> dict[str, Any]:
    c = remittance.currency
    return {
        "agency_id": str(remittance.agency_id),
        "kind": remittance.kind,
        "date": remittance.date,
        "reference": remittance.reference or "",
        "agency_invoice_number": remittance.agency_invoice_number or "",
        "total_net": _amount(remittance.total_net_pence, c),
        "source_file_id": str(remittance.source_file_id) if remittance.source_file_id else "",
        "lines": [
            {
                "reference": line.reference or "",
                "description": line.description or "",
                "work_date": line.work_date,
                "gross": _amount(line.gross_pence, c),
                "fee_vat": _amount(line.fee_vat_pence, c) if line.fee_vat_pence else None,
                "commission": _amount(line.commission_pence, c),
                "commission_vat": _amount(line.commission_vat_pence, c),
                "expenses": _amount(line.expenses_pence, c) if line.expenses_pence else None,
                "net": _amount(line.net_pence, c),
            }
            for line in remittance.lines
        ],
    }


def _parsed_initial(parsed: ParsedRemittance, agency_id: str, kind: str) -> dict[str, Any]:
    return {
        "agency_id": agency_id,
        "kind": kind,
        "date": parsed.date or uk_today(),
        "reference": parsed.reference,
        "agency_invoice_number": parsed.agency_invoice_number,
        "total_net": _amount(parsed.total_net_pence)
        if parsed.total_net_pence is not None
        else None,
        "lines": [
            {
                "reference": line.reference,
                "description": line.description,
                "work_date": line.work_date,
                "gross": _amount(line.gross_pence),
                "fee_vat": _amount(line.fee_vat_pence) if line.fee_vat_pence else None,
                "commission": _amount(line.commission_pence),
                "commission_vat": _amount(line.commission_vat_pence),
                "expenses": _amount(line.expenses_pence) if line.expenses_pence else None,
                "net": _amount(line.net_pence),
            }
            for line in parsed.lines
        ]
        or [{}],
    }


# ----------------------------------------------------------------------------- import


def _render_import(
    form: ImportForm, problems: list[str] | None = None, status: int = 200
) -> ViewResult:
    page = render_template("remittances/import.html", form=form, problems=problems or [])
    return (page, status) if status != 200 else page


@bp.route("/import", methods=["GET", "POST"])
def import_file() -> ViewResult:
    form = ImportForm()
    form.agency_id.choices = _agency_choices()
    if request.method == "GET":
        return _render_import(form)
    if not form.validate():
        problems = [
            f"{form[n].label.text}: {m}" for n, ms in form.errors.items() if n in form for m in ms
        ]
        return _render_import(form, problems or [_("The form could not be read.")], 400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render_import(form, [_("Choose a CSV or PDF file.")], 400)
    try:
        data = read_limited(upload.stream, SIZE_LIMITS["document"])
    except UploadError as exc:
        return _render_import(form, [exc.message], exc.status)
    kind = form.kind.data or "advice"
    agency_id = form.agency_id.data or ""
    if sniff(data) == "application/pdf":
        return _import_pdf(form, data, upload.filename, agency_id, kind)
    if sniff(data) is not None:
        return _render_import(form, [_("This file is neither a CSV nor a PDF file.")], 400)
    if len(data) > MAX_CSV_BYTES:
        return _render_import(form, [_("The CSV file is larger than 1 MB.")], 413)
    try:
        parsed = parse_csv(data)
    except RemittanceParseError as exc:
        return _render_import(form, [str(p) for p in exc.problems], 400)
    if parsed.problems:
        return _render_import(form, [str(p) for p in parsed.problems], 400)
    return _create_from_parsed(form, parsed, agency_id, kind, None)


def _create_from_parsed(
    form: ImportForm, parsed: ParsedRemittance, agency_id: str, kind: str, file_id: uuid.UUID | None
) -> ViewResult:
    entry = RemittanceForm(formdata=None, data=_parsed_initial(parsed, agency_id, kind))
    entry.agency_id.choices = _agency_choices()
    try:
        data = services.input_from_parsed(parsed, parse_uuid(agency_id), kind, file_id)
        remittance = services.create_remittance(current_user.id, data)
    except services.RemittanceError as exc:
        # What was read is kept in a prefilled form: correct it and save.
        if file_id:
            entry.source_file_id.data = str(file_id)
        return _render_form(entry, None, [("", str(exc))], 200 if file_id else 400)
    flash(
        _(
            "%(n)d lines were read. Check them, then the jobs and the bank deposit.",
            n=len(parsed.lines),
        ),
        "success",
    )
    return redirect(url_for("remittances.detail", remittance_id=remittance.id))


def _import_pdf(
    form: ImportForm, data: bytes, filename: str, agency_id: str, kind: str
) -> ViewResult:
    """Check and store the PDF, then read it in the background (services/reading.py)."""
    from minimin.remittances.tasks import read_remittance_pdf

    try:
        clean = validate_pdf(data)
        job = services.start_pdf_import(
            current_user.id, services.ImportInput(parse_uuid(agency_id), kind), clean, filename
        )
    except UploadError as exc:
        return _render_import(form, [exc.message], exc.status)
    except services.RemittanceError as exc:
        return _render_import(form, [str(exc)], 429)
    enqueue(read_remittance_pdf, str(job.id))
    return redirect(url_for("remittances.reading", import_id=job.id))


@bp.route("/import/<import_id>")
def reading(import_id: str) -> ViewResult:
    """Where an imported PDF stands: reading (the page refreshes itself), unreadable, or read."""
    job = owned_or_404(RemittanceImport, import_id)
    if job.status == READING and not services.is_lost(job):
        return render_template("remittances/reading.html", job=job, failed=False, problems=[])
    if job.status != READ:
        problems = [str(p) for p in services.problems_of(job)]
        page = render_template("remittances/reading.html", job=job, failed=True, problems=problems)
        return page
    if job.remittance_id is not None:
        remittance = listing.read_remittance(job)
        if remittance is not None:
            flash(
                _(
                    "%(n)d lines were read. Check them, then the jobs and the bank deposit.",
                    n=len(remittance.lines),
                ),
                "success",
            )
            return redirect(url_for("remittances.detail", remittance_id=remittance.id))
    return _render_partly_read(job)


def _render_partly_read(job: RemittanceImport) -> ViewResult:
    # Not everything could be read: manual entry, prefilled with what was read. The PDF is
    # kept and attached when the form is saved.
    parsed = services.parsed_of(job)
    agency_id = str(job.agency_id) if job.agency_id else ""
    entry = RemittanceForm(formdata=None, data=_parsed_initial(parsed, agency_id, job.kind))
    entry.agency_id.choices = _agency_choices()
    entry.source_file_id.data = str(job.file_id) if job.file_id else ""
    messages = [("", str(p)) for p in parsed.problems]
    messages.insert(
        0,
        (
            "",
            _(
                "Not everything in the PDF could be read: %(n)d lines were read. Enter or "
                "correct the rest by hand.",
                n=len(parsed.lines),
            ),
        ),
    )
    return _render_form(entry, None, messages, 200, notes=parsed.notes)


# ----------------------------------------------------------------------------- one remittance


def _discrepancy_text(d: matching.Discrepancy, currency: str) -> str:
    from minimin.core.templating import money

    def m(key: str) -> str:
        return money(int(d.figures.get(key, 0)), currency)

    line = _("Line %(n)d: ", n=(d.line_index or 0) + 1) if d.line_index is not None else ""
    if d.code == matching.NET_DOES_NOT_ADD_UP:
        text = _(
            "the net does not add up: gross %(gross)s + VAT on the fee %(fee_vat)s − commission "
            "%(commission)s − VAT on commission %(commission_vat)s + expenses %(expenses)s = "
            "%(computed)s, but the net paid is %(stated)s (%(difference)s).",
            gross=m("gross"),
            fee_vat=m("fee_vat"),
            commission=m("commission"),
            commission_vat=m("commission_vat"),
            expenses=m("expenses"),
            computed=m("computed"),
            stated=m("stated"),
            difference=m("difference"),
        )
    elif d.code == matching.MISSING_JOB:
        text = _(
            "no job matches this line (gross %(gross)s). Choose the job, or book it first.",
            gross=m("gross"),
        )
    elif d.code == matching.COMMISSION_RATE:
        text = _(
            "commission %(commission)s is %(rate)s%% of %(gross)s; the agreed rate is "
            "%(agreed)s%% (%(expected)s), a difference of %(difference)s.",
            commission=m("commission"),
            rate=d.figures["rate"],
            gross=m("gross"),
            agreed=_plain(d.figures["agreed_rate"]),
            expected=m("expected"),
            difference=m("difference"),
        )
    elif d.code == matching.COMMISSION_VAT:
        text = _(
            "VAT on commission is %(stated)s; the agreed terms give %(expected)s (%(difference)s).",
            stated=m("stated"),
            expected=m("expected"),
            difference=m("difference"),
        )
    elif d.code == matching.GROSS_DIFFERS:
        text = _(
            "the gross fee %(stated)s differs from the job's fee %(expected)s (%(difference)s).",
            stated=m("stated"),
            expected=m("expected"),
            difference=m("difference"),
        )
    elif d.code == matching.TOTAL_DIFFERS:
        text = _(
            "the lines add up to %(lines)s but the total net paid is %(stated)s (%(difference)s).",
            lines=m("lines"),
            stated=m("stated"),
            difference=m("difference"),
        )
    elif d.code == matching.NO_DEPOSIT:
        text = _("no bank deposit of %(total)s has been chosen.", total=m("total"))
    elif d.code == matching.DEPOSIT_DIFFERS:
        text = _(
            "the bank deposit %(deposit)s differs from the total net %(total)s (%(difference)s).",
            deposit=m("deposit"),
            total=m("total"),
            difference=m("difference"),
        )
    elif d.code == matching.INVOICE_SHORT:
        text = _(
            "invoice %(invoice)s bills %(billed)s for this job, but the agency paid %(received)s "
            "for it before its commission: %(difference)s stays outstanding on the invoice.",
            invoice=d.figures["invoice"],
            billed=m("billed"),
            received=m("received"),
            difference=m("difference"),
        )
    elif d.code == matching.INVOICE_UNAPPLIED:
        text = _(
            "the agency paid %(received)s for this job, %(difference)s more than invoice "
            "%(invoice)s still owed: that much is already recorded on the invoice (by hand or "
            "by a bank match) and is not recorded again. If it was other money, check the "
            "invoice's payments.",
            received=m("received"),
            difference=m("difference"),
            invoice=d.figures["invoice"],
        )
    else:  # pragma: no cover
        text = d.code
    result = line + text
    return result[:1].upper() + result[1:]


def _plain(value: Any) -> str:
    from minimin.jobs.forms import plain_decimal

    return plain_decimal(value)


def _render_detail(
    remittance: Remittance,
    error: str | None = None,
    status: int = 200,
    post_form: PostForm | None = None,
) -> ViewResult:
    analysis = services.analyse(remittance) if remittance.status != POSTED else None
    settled = services.posted_settlements(remittance) if analysis is None else []
    found = analysis.discrepancies if analysis else matching.settlement_discrepancies(settled)
    discrepancies = [(d, _discrepancy_text(d, remittance.currency)) for d in found]
    jobs_by_id = {job.id: job for job in analysis.jobs} if analysis else {}
    if remittance.status == POSTED:
        jobs_by_id = listing.jobs_of(remittance)
    deposit = listing.deposit_of(remittance)
    page = render_template(
        "remittances/detail.html",
        remittance=remittance,
        analysis=analysis,
        discrepancies=discrepancies,
        jobs_by_id=jobs_by_id,
        settled={s.line_index: s for s in settled},
        deposit=deposit,
        match_form=ConfirmForm(),
        post_form=post_form or PostForm(),
        delete_form=ConfirmForm(),
        error=error,
    )
    return (page, status) if status != 200 else page


@bp.route("/<remittance_id>")
def detail(remittance_id: str) -> ViewResult:
    return _render_detail(owned_or_404(Remittance, remittance_id))


@bp.route("/<remittance_id>/match", methods=["POST"])
def match(remittance_id: str) -> ViewResult:
    remittance = owned_or_404(Remittance, remittance_id, for_update=True)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    job_ids: dict[int, uuid.UUID | None] = {}
    for line in remittance.lines:
        raw = request.form.get(f"job-{line.position}", "")
        parsed = parse_uuid(raw) if raw else None
        if raw and parsed is None:
            return _render_detail(remittance, _("Choose one of this agency's open jobs."), 400)
        job_ids[line.position] = parsed
    raw = request.form.get("bank_transaction_id", "")
    txn_id = parse_uuid(raw) if raw else None
    if raw and txn_id is None:
        return _render_detail(
            remittance, _("Choose an incoming bank transaction from the list."), 400
        )
    try:
        services.save_match(remittance, services.MatchInput(job_ids, txn_id))
    except services.RemittanceError as exc:
        return _render_detail(remittance, str(exc), 400)
    flash(_("The match was saved. Check the differences, then post the remittance."), "success")
    return redirect(url_for("remittances.detail", remittance_id=remittance.id))


@bp.route("/<remittance_id>/post", methods=["POST"])
def post(remittance_id: str) -> ViewResult:
    remittance = owned_or_404(Remittance, remittance_id, for_update=True)
    form = PostForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = services.post_remittance(
            remittance, services.PostInput(confirmed=bool(form.confirm.data))
        )
    except services.RemittanceError as exc:
        return _render_detail(remittance, str(exc), 400, post_form=form)
    if result.already_posted:
        flash(_("This remittance was already posted."), "info")
    else:
        flash(
            _(
                "Posted: the gross fees are recorded as income (or as payments of the "
                "invoices you sent for the jobs), the commission as an expense, and the jobs "
                "are paid."
            ),
            "success",
        )
    return redirect(url_for("remittances.detail", remittance_id=remittance.id))


@bp.route("/<remittance_id>/delete", methods=["POST"])
def delete(remittance_id: str) -> ViewResult:
    remittance = owned_or_404(Remittance, remittance_id, for_update=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_remittance(remittance)
    except services.RemittanceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("remittances.detail", remittance_id=remittance.id))
    flash(_("The remittance was deleted."), "success")
    return redirect(url_for("remittances.index"))
