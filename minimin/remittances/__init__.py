"""Agency remittances: remittance advices and self-billed statements, matched to jobs and the
bank deposit, posted as gross income and commission expense; and what agencies still owe."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from minimin.core.templating import add_navigation
    from minimin.remittances import models, tasks, views  # noqa: F401 - tables and tasks

    app.register_blueprint(views.bp)
    add_navigation(app, "remittances.index", _l("Remittances"), 58)
