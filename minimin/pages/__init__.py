"""Public pages: home, legal pages, health check, preferences, and the embedded mailbox."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.pages import views

    app.register_blueprint(views.bp)
    if app.config["MINIMIN_MODE"] != "production":
        from minimin.pages import mailbox

        mailbox.init_mailbox(app)
