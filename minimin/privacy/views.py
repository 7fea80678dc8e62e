"""The user's privacy rights at /privacy: export, consents, communications and deletion."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from minimin.accounts import passkeys, throttle
from minimin.accounts import services as accounts_services
from minimin.core import audit
from minimin.core.db import utcnow
from minimin.core.security import USER, classify_blueprint, public
from minimin.core.storage import FileMissing, storage
from minimin.core.tenancy import owned_or_404
from minimin.core.transaction import keep_changes_on_error
from minimin.core.web import ConfirmForm, problem_response
from minimin.extensions import limiter
from minimin.privacy import consent, deletion, export
from minimin.privacy.forms import DeleteAccountForm, WithdrawAIForm
from minimin.privacy.inputs import ConsentInput
from minimin.privacy.models import AI, AI_FEATURES, COMMUNICATIONS, CONSENT_PURPOSES, ExportRequest

bp = Blueprint("privacy", __name__, template_folder="templates")
classify_blueprint(bp, USER)

#: After the password is re-entered, the passkey must follow within this time.
DELETE_CONFIRM_WINDOW = timedelta(minutes=5)
_DELETE_KEY = "privacy_delete_password_ok"


def _user_key() -> str:
    return f"user:{current_user.get_id()}"


def _page(status: int = 200, **forms: Any) -> tuple[str, int]:
    user = current_user
    context = {
        "export_form": ConfirmForm(),
        "give_form": ConfirmForm(),
        "withdraw_ai_form": WithdrawAIForm(),
        **forms,
    }
    return render_template(
        "privacy/index.html",
        exports=export.latest_exports(user.id),
        ai_consent=consent.latest(user.id, AI),
        communications=consent.has_consent(user.id, COMMUNICATIONS),
        news_at=user.news_consent_at,
        history=consent.history(user.id, limit=20),
        ai_tables=consent.ai_tables(),
        versions=consent.WORDING_VERSIONS,
        **context,
    ), status


@bp.route("/privacy")
def index() -> tuple[str, int]:
    return _page()


# --------------------------------------------------------------------------------- export


@bp.route("/privacy/export", methods=["POST"])
@limiter.limit("5 per hour", key_func=_user_key)
def request_export() -> Response | tuple[str, int]:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(400, export_form=form)
    item = export.request_export(current_user.id)
    return redirect(url_for("privacy.export_status", export_id=item.id))


@bp.route("/privacy/export/<export_id>")
def export_status(export_id: str) -> str:
    item = owned_or_404(ExportRequest, export_id)
    return render_template("privacy/export.html", item=item)


def _export_bytes(export_id: str) -> tuple[ExportRequest, bytes]:
    item = owned_or_404(ExportRequest, export_id)
    if not item.downloadable() or item.storage_key is None:
        abort(404)
    try:
        return item, storage().read(item.storage_key)
    except FileMissing:
        abort(404)


def _attachment(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/privacy/export/<export_id>/minimin-export.zip")
def download_zip(export_id: str) -> Response:
    item, data = _export_bytes(export_id)
    audit.record("privacy.export_downloaded", user_id=item.user_id, actor_id=item.user_id)
    day = item.created_at.date().isoformat()
    return _attachment(data, "application/zip", f"minimin-export-{day}.zip")


@bp.route("/privacy/export/<export_id>/minimin-export.json")
def download_json(export_id: str) -> Response:
    item, data = _export_bytes(export_id)
    audit.record("privacy.export_downloaded", user_id=item.user_id, actor_id=item.user_id)
    day = item.created_at.date().isoformat()
    return _attachment(
        export.read_json_from_zip(data), "application/json", f"minimin-export-{day}.json"
    )


# --------------------------------------------------------------------------------- consent


@bp.route("/privacy/consent/<purpose>/give", methods=["POST"])
def give_consent(purpose: str) -> Response | tuple[str, int]:
    if purpose not in CONSENT_PURPOSES:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(400, give_form=form)
    consent.set_consent(current_user.id, ConsentInput(purpose, granted=True))
    if purpose in AI_FEATURES:
        flash(_("That AI feature is on."), "success")
    else:
        flash(
            _("AI features are on.") if purpose == AI else _("You will receive product news."),
            "success",
        )
    return redirect(url_for("privacy.index"))


@bp.route("/privacy/consent/<purpose>/withdraw", methods=["POST"])
def withdraw_consent(purpose: str) -> Response | tuple[str, int]:
    if purpose not in CONSENT_PURPOSES:
        abort(404)
    form = WithdrawAIForm()
    if not form.validate_on_submit():
        return _page(400, withdraw_ai_form=form)
    delete_logs = purpose == AI and bool(form.delete_logs.data)
    consent.set_consent(
        current_user.id, ConsentInput(purpose, granted=False, delete_ai_logs=delete_logs)
    )
    if purpose in AI_FEATURES:
        message = _("That AI feature is off, and what it stored for you has been deleted.")
    elif purpose == AI:
        message = _("AI features are off.")
        if delete_logs:
            message += " " + _("Your AI conversation logs have been deleted.")
    else:
        message = _("You will no longer receive product news.")
    flash(message, "success")
    return redirect(url_for("privacy.index"))


# --------------------------------------------------------------------------------- deletion


def _has_passkeys() -> bool:
    return passkeys.has_passkeys(current_user.id)


@bp.route("/privacy/delete", methods=["GET", "POST"])
@limiter.limit("10 per hour", key_func=_user_key, methods=["POST"])
def delete_account() -> Response | tuple[str, int]:
    form = DeleteAccountForm()
    needs_passkey = _has_passkeys()
    context = {
        "form": form,
        "needs_passkey": needs_passkey,
        "retention_end": deletion.retention_end(utcnow().date()),
        "exports": export.latest_exports(current_user.id, limit=1),
        "export_form": ConfirmForm(),
    }
    if request.method == "GET":
        return render_template("privacy/delete.html", **context), 200
    if not form.validate_on_submit():
        return render_template("privacy/delete.html", **context), 400
    user = current_user._get_current_object()
    # The same count and security log as the password asked again before a change of email
    # or password: a signed-in browser left open must not be a way to guess the password.
    check = accounts_services.recheck_password(
        user,
        form.password.data or "",
        "delete_account",
        failed_action="privacy.delete_reauth_failed",
    )
    if check.retry_after:
        return throttle.too_many(check.retry_after)
    if not check.matches:
        form.password.errors = [_("That is not your password.")]
        keep_changes_on_error()  # the count and the security-log row outlive the refusal
        return render_template("privacy/delete.html", **context), 400
    if needs_passkey:
        session[_DELETE_KEY] = utcnow().isoformat()
        return render_template("privacy/delete_passkey.html", form=ConfirmForm()), 200
    return _finish_deletion()


def _password_recently_confirmed() -> bool:
    raw = session.get(_DELETE_KEY)
    if not isinstance(raw, str):
        return False
    from datetime import datetime

    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        return False
    return utcnow() - at <= DELETE_CONFIRM_WINDOW


@bp.route("/privacy/delete/passkey/options", methods=["POST"])
@limiter.limit("10 per hour", key_func=_user_key)
def delete_passkey_options() -> Response | tuple[Response, int]:
    if not _password_recently_confirmed():
        return problem_response(400, _("Enter your password again first."))
    return passkeys.begin_confirmation(current_user._get_current_object())


@bp.route("/privacy/delete/passkey/verify", methods=["POST"])
@limiter.limit("10 per hour", key_func=_user_key)
def delete_passkey_verify() -> Response | tuple[Response, int]:
    user = current_user._get_current_object()
    confirmed, reason = passkeys.verify_confirmation(user, passkeys.read_credential())
    if reason == "no_ceremony" or not _password_recently_confirmed():
        return problem_response(400, _("That request has expired. Please start again."))
    if not confirmed:
        audit.record(
            "privacy.delete_passkey_failed",
            user_id=user.id,
            actor_id=user.id,
            detail={"reason": reason[:200]},
        )
        return problem_response(400, _("That passkey could not confirm it is you."))
    _finish_deletion()
    return jsonify({"redirect": url_for("privacy.deleted")})


def _finish_deletion() -> Response:
    user_id = current_user.id
    deletion.delete_account(user_id)
    current_app.logger.info("account deleted")
    logout_user()
    session.clear()
    return redirect(url_for("privacy.deleted"))


@bp.route("/privacy/deleted")
@public
def deleted() -> str:
    return render_template("privacy/deleted.html")
