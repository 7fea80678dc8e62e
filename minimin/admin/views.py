"""The admin area at /admin: statistics and account management by hashed id only.

Every request writes exactly one audit row (admin hashed, action, hashed subject, time), also
when it is refused. Nothing here reads data except through :mod:`minimin.admin.statistics`.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from minimin.admin import actions, guard, statistics
from minimin.core import audit
from minimin.core.errors import error_response
from minimin.core.security import ADMIN, classify_blueprint
from minimin.core.transaction import keep_changes_on_error
from minimin.core.web import ConfirmForm, page_number, page_offset

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")
classify_blueprint(bp, ADMIN)

SERIES_LABELS = {
    "signups": "Signups",
    "active": "Active accounts (signed in)",
    "invoices": "Invoices issued",
    "imports": "Statement imports",
    "ai": "AI requests",
    "emails_sent": "Emails sent",
    "emails_failed": "Emails failed",
    "events": "Security events",
    "errors": "Failures and refusals",
    "storage_bytes": "Storage added (bytes)",
}


def _log(action: str, subject: Any = None, detail: dict[str, Any] | None = None) -> None:
    """Write this request's one audit row."""
    if g.get("admin_logged"):
        return
    g.admin_logged = True
    actor = current_user.id if current_user.is_authenticated else None
    audit.record(f"admin.{action}", actor_id=actor, subject=subject, detail=detail)


@bp.before_request
def _guard() -> Response | None:
    if statistics.passkey_count(current_user.id) == 0:
        _log("denied", detail={"reason": "no passkey", "path": request.path[:200]})
        flash(_("The admin area needs a passkey. Add one, then sign in with it."), "warning")
        return redirect(url_for("passkeys.index"))
    if not guard.recent_passkey_sign_in():
        _log("denied", detail={"reason": "no recent passkey sign-in", "path": request.path[:200]})
        keep_changes_on_error()
        return error_response(
            403,
            _(
                "The admin area needs a sign-in with your passkey within the last 12 hours. "
                "Sign out, then sign in with your passkey."
            ),
        )
    return None


@bp.errorhandler(403)
def _forbidden(exc: HTTPException) -> Response:
    # A signed-in user who is not an admin (refused before any admin view runs).
    _log("denied", detail={"reason": "not an admin", "path": request.path[:200]})
    keep_changes_on_error()
    return error_response(403)


@bp.after_request
def _one_row_per_request(response: Response) -> Response:
    if not g.get("admin_logged") and current_user.is_authenticated:
        action = g.get("admin_action") or f"view.{(request.endpoint or '').split('.')[-1]}"
        if response.status_code == 404:
            action = "not_found"
        _log(action, g.get("admin_subject"))
        if response.status_code >= 400:
            keep_changes_on_error()
    return response


def _subject_or_404(hashed_id: str) -> Any:
    user_id = statistics.resolve(hashed_id)
    if user_id is None:
        abort(404)
    g.admin_subject = user_id
    return user_id


@bp.route("")
@bp.route("/")
def dashboard() -> str:
    period = request.args.get("period", statistics.DAY)
    if period not in (statistics.DAY, statistics.WEEK):
        period = statistics.DAY
    return render_template(
        "admin/dashboard.html",
        stats=statistics.dashboard(period),
        period=period,
        labels=SERIES_LABELS,
    )


@bp.route("/accounts")
def accounts() -> str:
    number = page_number(request.args)
    per_page = 100
    return render_template(
        "admin/accounts.html",
        accounts=statistics.accounts(limit=per_page, offset=page_offset(number, per_page)),
        page=number,
        per_page=per_page,
    )


@bp.route("/accounts/<hashed_id>")
def account(hashed_id: str) -> str:
    user_id = _subject_or_404(hashed_id)
    return render_template(
        "admin/account.html",
        account=statistics.account(hashed_id),
        counts=statistics.row_counts(user_id),
        locked=actions.is_locked(user_id),
        form=ConfirmForm(),
    )


def _act(hashed_id: str, action: str) -> Response:
    user_id = _subject_or_404(hashed_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    g.admin_action = action
    if action == "lock":
        done = actions.lock(user_id, current_user.id)
        flash(_("Account locked.") if done else _("The account was already locked."), "success")
    elif action == "unlock":
        done = actions.unlock(user_id)
        flash(_("Account unlocked.") if done else _("The account was not locked."), "success")
    else:
        actions.force_password_reset(user_id)
        flash(
            _("The account's sessions have ended and its owner was sent a reset link."), "success"
        )
    return redirect(url_for("admin.account", hashed_id=hashed_id))


@bp.route("/accounts/<hashed_id>/lock", methods=["POST"])
def lock(hashed_id: str) -> Response:
    return _act(hashed_id, "lock")


@bp.route("/accounts/<hashed_id>/unlock", methods=["POST"])
def unlock(hashed_id: str) -> Response:
    return _act(hashed_id, "unlock")


@bp.route("/accounts/<hashed_id>/reset-password", methods=["POST"])
def reset_password(hashed_id: str) -> Response:
    return _act(hashed_id, "force_password_reset")


@bp.route("/log")
def log() -> str:
    number = page_number(request.args)
    return render_template(
        "admin/log.html",
        entries=statistics.admin_log(limit=200, offset=page_offset(number, 200)),
        page=number,
    )
