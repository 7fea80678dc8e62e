"""Jobs (bookings): what the user is offered, does, invoices and is paid for."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from minimin.core.templating import add_navigation
    from minimin.jobs import models, tasks, views, views_renewal  # noqa: F401 - tables, tasks, routes

    app.register_blueprint(views.bp)
    add_navigation(app, "jobs.index", _l("Jobs"), 30)
