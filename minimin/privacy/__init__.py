"""Privacy rights: export, correction, deletion, consents and communication preferences."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from minimin.core.templating import add_navigation
    from minimin.privacy import models, tasks, views  # noqa: F401 - models and jobs register

    app.register_blueprint(views.bp)
    add_navigation(app, "privacy.index", _l("Privacy"), 90)
