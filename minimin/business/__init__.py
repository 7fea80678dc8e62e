"""The business profile: details, VAT, bank details (encrypted), accountant, logo, invoice
defaults, rates, and the guided setup after the first sign-in."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.core.templating import add_navigation


def init_app(app: Flask) -> None:
    from minimin.business import services, views

    app.register_blueprint(views.bp)
    add_navigation(app, "business.index", _l("Business"), 90)

    @app.before_request
    def _onboarding_redirect() -> Response | None:
        """Send a signed-in user who has not finished or skipped the guided setup from the
        dashboard to the setup. Only "/" is redirected: no other page is ever blocked."""
        if request.path != "/" or request.method != "GET":
            return None
        if not current_user.is_authenticated:
            return None
        if services.needs_onboarding(current_user.id):
            return redirect(url_for("business.setup"))
        return None
