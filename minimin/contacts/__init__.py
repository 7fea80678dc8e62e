"""Contacts: the clients the user invoices and the agencies that book the user."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from minimin.contacts import models, tasks, views  # noqa: F401 - tables and jobs register
    from minimin.core.templating import add_navigation

    app.register_blueprint(views.bp)
    add_navigation(app, "contacts.clients", _l("Clients"), 40)
    add_navigation(app, "contacts.agencies", _l("Agencies"), 45)
