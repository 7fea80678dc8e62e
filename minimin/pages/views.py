"""Home, legal pages, preferences and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.core.dates import uk_today
from minimin.core.i18n import LANG_COOKIE, LOCALES, PREFERENCE_MAX_AGE, THEME_COOKIE, THEMES
from minimin.core.security import PUBLIC, classify_blueprint, safe_next
from minimin.extensions import limiter
from minimin.pages.schema import database_health

bp = Blueprint("pages", __name__, template_folder="templates")
classify_blueprint(bp, PUBLIC)


@bp.route("/")
def home() -> str:
    if current_user.is_authenticated:
        from minimin.reports import dashboard

        board = dashboard.build(current_user.id, uk_today())
        return render_template("pages/dashboard.html", board=board)
    return render_template("pages/home.html")


@bp.route("/legal/privacy")
def privacy_policy() -> str:
    from minimin.privacy import policy

    return render_template(
        "pages/privacy.html",
        **policy.context(
            current_app.config["MINIMIN_SETTINGS"],
            has_payments="payments" in current_app.blueprints,
        ),
    )


@bp.route("/legal/cookies")
def cookies() -> str:
    return render_template("pages/cookies.html")


@bp.route("/legal/terms")
def terms() -> str:
    return render_template("pages/terms.html")


@bp.route("/healthz")
@limiter.exempt
def healthz() -> Response:
    problem = database_health(current_app)
    if problem is not None:
        return _unavailable(problem)
    return jsonify({"status": "ok", "database": "ok"})


def _unavailable(database: str) -> Response:
    response = jsonify({"status": "unavailable", "database": database})
    response.status_code = 503
    return response


@bp.route("/preferences", methods=["POST"])
def set_preferences() -> Response:
    """Set the language and/or theme cookies (essential: they only remember a choice)."""
    back = safe_next(request.form.get("next"), "/")
    response = make_response(redirect(back))
    lang = request.form.get("language")
    theme = request.form.get("theme")
    if (lang is not None and lang not in LOCALES) or (theme is not None and theme not in THEMES):
        response = make_response(
            render_template(
                "errors/error.html",
                status=400,
                title=_("That preference is not available"),
                message=_("Please choose one of the options offered."),
            ),
            400,
        )
        return response
    for name, value in ((LANG_COOKIE, lang), (THEME_COOKIE, theme)):
        if value is not None:
            response.set_cookie(
                name,
                value,
                max_age=PREFERENCE_MAX_AGE,
                samesite="Lax",
                httponly=True,
                secure=request.is_secure,
            )
            if current_user.is_authenticated:
                setattr(current_user, "locale" if name == LANG_COOKIE else "theme", value)
    return response
