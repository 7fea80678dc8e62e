"""Privacy rights: export, correction, deletion, consents and communication preferences."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from minimin.core.templating import add_navigation
    from minimin.privacy import access_log, models, tasks, views  # noqa: F401 - they register

    app.register_blueprint(views.bp)
    access_log.install(app)
    add_navigation(app, "privacy.index", _l("Privacy"), 90)
