"""Making Tax Digital for Income Tax: scope, quarters and quarterly figures (``/reports/mtd``)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_login import current_user

from minimin.core.dates import DateError, TaxYear, uk_today
from minimin.reports import mtd
from minimin.reports.views_vat import bp


@bp.get("/mtd", endpoint="mtd")
def mtd_page() -> Any:
    today = uk_today()
    current = TaxYear.containing(today)
    error = None
    year = current
    if request.args.get("year"):
        try:
            year = TaxYear.parse(request.args["year"])
        except DateError as exc:
            error = exc.message
        else:
            if year > current:
                error = mtd_future_message()
                year = current
    calendar_quarters = request.args.get("calendar") == "1"
    updates = mtd.quarterly_updates(
        current_user.id, year, today, calendar_quarters=calendar_quarters
    )
    scope = mtd.scope(current_user.id, today)
    years = [current - n for n in range(4)]
    return render_template(
        "reports/mtd.html",
        scope=scope,
        year=year,
        years=years,
        updates=updates,
        calendar_quarters=calendar_quarters,
        error=error,
        json_text=mtd.json_text,
        consolidated_limit=mtd.CONSOLIDATED_LIMIT_PENCE,
    ), (400 if error else 200)


def mtd_future_message() -> Any:
    from flask_babel import lazy_gettext as _l

    return _l("That tax year has not started yet.")
