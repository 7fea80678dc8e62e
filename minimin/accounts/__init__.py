"""Accounts: signup, verification, login, sessions, passkeys, preferences."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.accounts import auth, passkeys, views

    auth.init_login_manager(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(passkeys.bp)
