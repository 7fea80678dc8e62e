"""Reports: the ledger aggregates, the tax-year report, the tax estimate, profit and loss and
income by client or agency (``/reports``)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from minimin.core.templating import add_navigation
    from minimin.reports import views, views_self_assessment  # noqa: F401 (its routes)
    from minimin.reports.register_tax import init_tax

    app.register_blueprint(views.bp)
    # VAT returns, MTD and the accountant export (their own module and blueprint).
    init_tax(app)
    add_navigation(app, "reports.index", _l("Reports"), 70)
