"""Quotes: a job's offer sent to a client as a PDF with a link to accept it; accepted, the job
is confirmed (``/jobs/<id>/quote``, the client's page ``/quote/<token>``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.quotes import models, views  # noqa: F401 - the quote table

    app.register_blueprint(views.bp)
    app.register_blueprint(views.public_bp)
