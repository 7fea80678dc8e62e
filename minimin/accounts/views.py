"""Account pages: thin views over accounts.services."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.accounts import auth, services
from minimin.accounts.forms import LoginForm
from minimin.core.security import USER, classify_blueprint, public, safe_next

bp = Blueprint("accounts", __name__, template_folder="templates")
classify_blueprint(bp, USER)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is not None and user.is_verified:
            auth.start_session(user)
            return redirect(safe_next(form.next.data))
        form.form_errors.append(_("That email and password do not match an active account."))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status  # type: ignore[return-value]


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    auth.end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("pages.home"))
