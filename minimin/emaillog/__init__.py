"""The email log (``/emails``): every email sent on the user's behalf, as the outbox keeps it
(links stripped of their tokens), with its status, and where to send it again."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.emaillog import views

    app.register_blueprint(views.bp)
