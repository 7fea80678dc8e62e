"""Expenses: business costs with receipts, recurring subscriptions and the mileage log."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from minimin.core.templating import add_navigation
    from minimin.expenses import models, tasks, views  # noqa: F401 - tables and periodic tasks

    app.register_blueprint(views.bp)
    add_navigation(app, "expenses.index", _l("Expenses"), 50)
