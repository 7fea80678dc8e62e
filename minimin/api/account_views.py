"""Personal access tokens on the account page: make one (shown once), list, revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from minimin.api import scopes, tokens
from minimin.api.forms import TokenForm
from minimin.api.models import ApiToken
from minimin.core.security import USER, classify_blueprint
from minimin.core.tenancy import owned_or_404
from minimin.core.user_error import UserError
from minimin.core.web import ConfirmForm, apply_user_error

bp = Blueprint("api_tokens", __name__, template_folder="templates")
classify_blueprint(bp, USER)


def _page(form: TokenForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "api/tokens.html",
        form=form,
        tokens=tokens.live_tokens(current_user.id),
        confirm=ConfirmForm(),
        areas=scopes.AREAS,
    ), status


@bp.route("/account/api-tokens", methods=["GET"])
def index() -> tuple[str, int]:
    return _page(TokenForm(formdata=None))


@bp.route("/account/api-tokens", methods=["POST"])
def create() -> tuple[str, int]:
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        token, plain = tokens.create(current_user.id, form.to_input())
    except UserError as exc:
        # The scopes are one select per area: their refusal goes on the first.
        apply_user_error(form, exc, fields={"scopes": form.scope_fields()[0].name}, default="name")
        return _page(form, 400)
    # Answered directly, never through a redirect: the token is in this page only.
    return render_template("api/token_created.html", token=token, plain=plain), 201


@bp.route("/account/api-tokens/<token_id>/revoke", methods=["POST"])
def revoke(token_id: str) -> WerkzeugResponse:
    token = owned_or_404(ApiToken, token_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    tokens.revoke(token)
    flash(_("The token %(name)s was revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
