"""The privacy-separated admin area: statistics and account management by hashed id."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.admin import cli, guard, models, views  # noqa: F401 - the model registers

    app.register_blueprint(views.bp)
    guard.register_hooks(app)
    cli.register(app)
