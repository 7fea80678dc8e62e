"""Public pages: home, legal pages, health check, preferences, and the embedded mailbox."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.pages import guide, help, pwa, views

    app.register_blueprint(views.bp)
    app.register_blueprint(guide.bp)
    pwa.init_pwa(app)
    help.register_help(app)
    if app.config["MINIMIN_MODE"] != "production":
        from minimin.pages import mailbox

        mailbox.init_mailbox(app)
