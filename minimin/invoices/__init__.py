"""Invoices: drafts, issue with a stored PDF, payments, credit notes, refunds, reminders,
recurring."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from minimin.business.services import register_issued_number_source
    from minimin.core.templating import add_navigation
    from minimin.invoices import (  # noqa: F401 - models and tasks register
        models,
        services,
        tasks,
        views,
        views_credits,
        views_pay,
        views_sending,
    )

    app.register_blueprint(views.bp)
    add_navigation(app, "invoices.index", _l("Invoices"), 35)
    # The profile's "next number" settings may not go back to a number already issued.
    register_issued_number_source(app, services.highest_issued_numbers)
