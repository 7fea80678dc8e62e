"""Mileage log pages at /expenses/mileage: routes added to the expenses blueprint
(``expenses.mileage*`` and ``expenses.journey_*`` endpoints), thin views over the journey
services and their valuation per tax year."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.core import listing_params
from minimin.core.dates import DateError, TaxYear, uk_today
from minimin.core.money import Money
from minimin.core.tenancy import owned_or_404
from minimin.core.web import ConfirmForm, ViewResult, apply_user_error
from minimin.expenses import services
from minimin.expenses.forms import JourneyForm
from minimin.expenses.models import VEHICLE_LABELS, Journey
from minimin.expenses.views import bp, job_choices


@bp.route("/mileage")
def mileage() -> ViewResult:
    years = services.mileage_by_tax_year(current_user.id)
    chosen = request.args.get("tax_year", "")
    status = 200
    selected: TaxYear | None = None
    if chosen:
        try:
            selected = TaxYear.parse(chosen)
        except DateError:
            status = 400
    params = _mileage_params()
    shown = _mileage_rows(years, selected, params)
    return render_template(
        "expenses/mileage.html",
        years=shown,
        all_years=[y.valuation.tax_year for y in years],
        selected=selected,
        params=params,
        delete_form=ConfirmForm(formdata=None),
        bad_filter=status == 400,
    ), status


def _mileage_params() -> listing_params.ListParams:
    # Date order only: a journey's value depends on the car miles before it in the tax year
    # (45p for the first 10,000, then 25p), which the running columns show.
    return listing_params.parse(request.args, ("date",), "date", listing_params.ASC)


def _mileage_rows(
    years: list[services.MileageYear], selected: TaxYear | None, params: listing_params.ListParams
) -> list[services.MileageYear]:
    """The years shown, their journeys searched (valued over the whole year all the same)."""
    needle = params.q.casefold()
    shown = []
    for year in years:
        if selected is not None and year.valuation.tax_year != selected:
            continue
        rows = [
            (journey, valued)
            for journey, valued in year.rows
            if needle in f"{journey.origin} {journey.destination} {journey.purpose}".casefold()
        ]
        if params.descending:
            rows.reverse()
        shown.append(services.MileageYear(year.valuation, rows))
    return shown


@bp.route("/mileage.csv")
def mileage_csv() -> Response:
    """The journeys as searched, every tax year, with their simplified-expenses value."""
    params = _mileage_params()
    shown = _mileage_rows(services.mileage_by_tax_year(current_user.id), None, params)
    header = [_("Tax year"), _("Date"), _("From"), _("To"), _("Purpose"), _("Vehicle")]
    header += [_("Miles"), _("Value"), _("Running total for the tax year")]
    rows = [
        [
            year.valuation.tax_year.label,
            journey.date,
            journey.origin,
            journey.destination,
            journey.purpose,
            str(VEHICLE_LABELS.get(journey.vehicle, journey.vehicle)),
            journey.miles,
            Money(valued.amount).round_half_up().amount,
            Money(valued.total_to_date).round_half_up().amount,
        ]
        for year in shown
        for journey, valued in year.rows
    ]
    return listing_params.csv_response("mileage.csv", header, rows)


def _save_journey(form: JourneyForm, journey: Journey | None) -> ViewResult:
    form.job_id.choices = job_choices()
    if form.validate_on_submit():
        try:
            if journey is None:
                services.create_journey(current_user.id, form.to_input())
            else:
                services.update_journey(journey, form.to_input())
        except services.ExpenseError as exc:
            apply_user_error(form, exc)
        else:
            flash(_("The journey was saved."), "success")
            return redirect(url_for(".mileage"))
    return render_template("expenses/journey_form.html", form=form, journey=journey), 400


@bp.route("/mileage/new", methods=["GET", "POST"])
def journey_new() -> ViewResult:
    form = JourneyForm()
    if request.method == "GET":
        form.job_id.choices = job_choices()
        form.date.data = uk_today()
        return render_template("expenses/journey_form.html", form=form, journey=None)
    return _save_journey(form, None)


@bp.route("/mileage/<journey_id>/edit", methods=["GET", "POST"])
def journey_edit(journey_id: str) -> ViewResult:
    journey = owned_or_404(Journey, journey_id)
    if request.method == "GET":
        form = JourneyForm(formdata=None)
        form.job_id.choices = job_choices()
        for name in ("date", "origin", "destination", "purpose", "vehicle"):
            form[name].data = getattr(journey, name)
        form.miles.data = f"{journey.miles:.1f}"
        form.job_id.data = str(journey.job_id) if journey.job_id else ""
        return render_template("expenses/journey_form.html", form=form, journey=journey)
    return _save_journey(JourneyForm(), journey)


@bp.route("/mileage/<journey_id>/delete", methods=["POST"])
def journey_delete(journey_id: str) -> Response:
    journey = owned_or_404(Journey, journey_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_journey(journey)
    except services.ExpenseError as exc:  # dated in a closed period
        flash(str(exc.message), "error")
        return redirect(url_for(".mileage"))
    flash(_("The journey was deleted."), "success")
    return redirect(url_for(".mileage"))
