"""Banking: bank accounts, statement import (CSV, OFX/QFX), categorisation rules and
suggestions, and reconciliation of bank transactions with invoices, agency payments and
expenses."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from minimin.banking import models, tasks, views  # noqa: F401 - tables and tasks
    from minimin.core.templating import add_navigation

    app.register_blueprint(views.bp)
    add_navigation(app, "banking.index", _l("Banking"), 55)
