"""Who may enter /admin: an admin, with a passkey, signed in with it in the last 12 hours.

The time of the last passkey sign-in is kept in this browser's session: set right after the
passkey sign-in views (accounts.passkeys) answer with success, and cleared by every new
sign-in (``auth.start_session`` clears the session), so a password sign-in never inherits it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, Response, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from minimin.core.db import utcnow

#: An admin needs a passkey sign-in this recent.
PASSKEY_RECENCY = timedelta(hours=12)
PASSKEY_AT = "minimin_passkey_at"
#: The views that sign someone in with a passkey (alone or after the password).
PASSKEY_SIGN_IN_ENDPOINTS = ("passkeys.login_verify", "passkeys.second_factor_verify")


def passkey_signed_in_at() -> datetime | None:
    raw = session.get(PASSKEY_AT)
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def recent_passkey_sign_in() -> bool:
    at = passkey_signed_in_at()
    return at is not None and utcnow() - at <= PASSKEY_RECENCY


def register_hooks(app: Flask) -> None:
    @app.after_request
    def _remember_passkey_sign_in(response: Response) -> Response:
        if (
            request.endpoint in PASSKEY_SIGN_IN_ENDPOINTS
            and response.status_code == 200
            and current_user.is_authenticated
        ):
            session[PASSKEY_AT] = utcnow().isoformat()
        return response

    @app.before_request
    def _refuse_locked_accounts() -> BaseResponse | None:
        if not current_user.is_authenticated:
            return None
        from minimin.accounts import auth
        from minimin.admin import actions

        # The sign-in query already read the lock (accounts.auth); a user signed in during
        # this very request was not loaded by it.
        locked = g.get("account_locked")
        if locked is None:
            locked = actions.is_locked(current_user.id)
        if not locked:
            return None
        auth.end_session()
        flash(_("This account has been locked. Please contact support."), "error")
        return redirect(url_for("accounts.login"))
