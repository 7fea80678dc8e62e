"""The VAT return pages (``/reports/vat``).

One blueprint, ``tax``, carries the VAT, MTD and accountant export pages (views_mtd.py and
views_export.py add their routes to it) and their static files.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from minimin.business.models import BusinessProfile
from minimin.business.services import get_profile
from minimin.core.dates import DateError, parse_uk_date, uk_today
from minimin.core.security import USER, classify_blueprint
from minimin.reports import vat_periods, vat_return
from minimin.reports.inputs import VatFilingInput

bp = Blueprint(
    "tax",
    __name__,
    url_prefix="/reports",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/tax",
)
classify_blueprint(bp, USER)


def _profile() -> BusinessProfile | None:
    return get_profile(current_user.id)


def _error(message: Any, status: int = 400) -> tuple[str, int]:
    return render_template("reports/vat_error.html", message=message), status


def _dates(start: str, end: str) -> tuple[dt.date, dt.date]:
    try:
        return parse_uk_date(start), parse_uk_date(end)
    except DateError as exc:
        raise vat_return.VATPeriodError(exc.message) from exc


@bp.get("/vat")
def vat_index() -> Any:
    profile = _profile()
    if request.args.get("start") or request.args.get("end"):
        try:
            start, end = _dates(request.args.get("start", ""), request.args.get("end", ""))
            vat_return.check_period(profile, start, end)
        except vat_return.VATPeriodError as exc:
            return _error(exc.message)
        return redirect(url_for("tax.vat_return", start=start.isoformat(), end=end.isoformat()))
    today = uk_today()
    registered = bool(profile and profile.vat_registered)
    filed = {}
    if registered:
        filed = vat_return.filed_returns(current_user.id)
    periods = vat_periods.offered(profile, today, filed) if profile and registered else []
    threshold = vat_return.threshold_position(current_user.id, today)
    return render_template(
        "reports/vat_index.html",
        profile=profile,
        periods=periods,
        filed=filed,
        threshold=threshold,
        today=today,
    )


def _load(start: str, end: str) -> tuple[BusinessProfile, dt.date, dt.date]:
    profile = _profile()
    s, e = _dates(start, end)
    vat_return.check_period(profile, s, e)
    assert profile is not None
    return profile, s, e


@bp.get("/vat/<start>/<end>", endpoint="vat_return")
def vat_return_page(start: str, end: str) -> Any:
    try:
        profile, s, e = _load(start, end)
        live = vat_return.compute(profile, s, e)
    except vat_return.VATPeriodError as exc:
        return _error(exc.message)
    record = vat_return.filed_return(current_user.id, s, e)
    shown = vat_return.stored_figures(record) if record else live
    # A filed period is closed: changes to it are posted on the first open day, so they are
    # corrections in the next return and never alter the figures filed.
    corrections = vat_return.corrections(profile, s, e) if record else None
    changed = bool(record and (corrections is not None or record.boxes() != live.boxes))
    body = vat_return.hmrc_body(shown.boxes, record.period_key if record else None)
    return render_template(
        "reports/vat_return.html",
        figures=shown,
        live=live,
        record=record,
        changed=changed,
        corrections=corrections,
        overlapping=None if record else vat_return.overlapping_filed(current_user.id, s, e),
        body_json=vat_return.hmrc_json(body),
        boxes=vat_return.BOXES,
        drillable=(1, 4, 6, 7),
        today=uk_today(),
    )


@bp.get("/vat/<start>/<end>/box/<int:box>")
def vat_box(start: str, end: str, box: int) -> Any:
    if box not in vat_return.BOXES:
        abort(404)
    try:
        profile, s, e = _load(start, end)
        figures = vat_return.compute(profile, s, e)
    except vat_return.VATPeriodError as exc:
        return _error(exc.message)
    rows = list(vat_return.box_rows(figures, current_user.id, box))
    return render_template(
        "reports/vat_box.html",
        figures=figures,
        box=box,
        rows=rows,
        limit=vat_return.DRILL_LIMIT,
        total_net=sum(r.net_pence for r in rows),
        total_vat=sum(r.vat_pence for r in rows),
    )


@bp.get("/vat/<start>/<end>/hmrc.json")
def vat_json(start: str, end: str) -> Any:
    try:
        profile, s, e = _load(start, end)
    except vat_return.VATPeriodError as exc:
        return _error(exc.message)
    record = vat_return.filed_return(current_user.id, s, e)
    figures = vat_return.stored_figures(record) if record else vat_return.compute(profile, s, e)
    body = vat_return.hmrc_body(figures.boxes, record.period_key if record else None)
    response = Response(vat_return.hmrc_json(body), mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="vat-return-{s.isoformat()}-{e.isoformat()}.json"'
    )
    return response


@bp.post("/vat/<start>/<end>/file")
def vat_file(start: str, end: str) -> Any:
    try:
        s, e = _load(start, end)[1:]
    except vat_return.VATPeriodError as exc:
        return _error(exc.message)
    if request.form.get("confirm") != "yes":
        return _error(
            _("Tick the box to confirm you have submitted this return to HMRC."), status=422
        )
    key = (request.form.get("period_key") or "").strip().upper()
    try:
        vat_return.file_return(current_user.id, VatFilingInput(s, e, key or None))
    except vat_return.AlreadyFiled as exc:
        return _error(exc.message, status=409)
    except vat_return.VATPeriodError as exc:
        return _error(exc.message, status=422)
    flash(_("The return is marked as filed; its figures are now locked."), "success")
    return redirect(url_for("tax.vat_return", start=s.isoformat(), end=e.isoformat()))
