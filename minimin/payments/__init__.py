"""Online card payments through the user's own Stripe account (Checkout + signed webhooks)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.payments import models, views  # noqa: F401 - models register with the metadata

    app.register_blueprint(views.bp)
