"""Stored files: uploads and generated documents, served only to their owner."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.files import views

    app.register_blueprint(views.bp)
