"""Expenses: business costs with receipts, recurring subscriptions and the mileage log."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from minimin.core.templating import add_navigation
    from minimin.expenses import (  # noqa: F401 - tables, periodic tasks and routes register
        models,
        tasks,
        views,
        views_mileage,
        views_recurring,
    )

    app.register_blueprint(views.bp)
    add_navigation(app, "expenses.index", _l("Expenses"), 50)
