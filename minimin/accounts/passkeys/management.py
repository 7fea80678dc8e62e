"""Managing passkeys on the account: the passkeys page, renaming and removing a passkey, and
the setting that asks for a passkey after the password.

Removing the last passkey switches the second factor off (and says so), since it could never
be given again.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.accounts import throttle
from minimin.accounts.models import User
from minimin.accounts.passkeys import services
from minimin.accounts.passkeys.authentication import second_factor_required
from minimin.accounts.passkeys.blueprint import bp
from minimin.accounts.passkeys.forms import (
    AddPasskeyForm,
    RenamePasskeyForm,
    SecondFactorForm,
)
from minimin.accounts.passkeys.models import (
    Passkey,
    _passkey_count,
    _preference,
    _user_passkeys,
)
from minimin.accounts.passkeys.registration import _recent_login
from minimin.core.tenancy import owned_or_404
from minimin.core.transaction import keep_changes_on_error
from minimin.core.web import ConfirmForm


@bp.app_template_global()
def user_passkeys() -> list[Passkey]:
    """The signed-in user's passkeys, for the account page's passkey section."""
    if not current_user.is_authenticated:
        return []
    return _user_passkeys(current_user.id)


@bp.app_template_global()
def passkey_after_password() -> bool:
    if not current_user.is_authenticated:
        return False
    return second_factor_required(current_user)


@bp.route("/account/passkeys")
def index() -> str:
    passkeys = _user_passkeys(current_user.id)
    pref = _preference(current_user.id)
    return render_template(
        "accounts/passkeys.html",
        passkeys=passkeys,
        add_form=AddPasskeyForm(),
        second_factor_form=SecondFactorForm(
            require_after_password=bool(pref and pref.require_after_password)
        ),
        needs_password=not _recent_login(),
        second_factor_on=bool(pref and pref.require_after_password) and bool(passkeys),
    )


@bp.route("/account/passkeys/<passkey_id>/rename", methods=["GET", "POST"])
def rename(passkey_id: str) -> Response | str | tuple[str, int]:
    passkey = owned_or_404(Passkey, passkey_id)
    form = RenamePasskeyForm(obj=passkey if request.method == "GET" else None)
    if form.validate_on_submit():
        services.rename_passkey(passkey, form.to_input())
        flash(_("Passkey renamed."), "success")
        return redirect(url_for("passkeys.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/passkeys_rename.html", form=form, passkey=passkey), status


@bp.route("/account/passkeys/<passkey_id>/remove", methods=["GET", "POST"])
def remove(passkey_id: str) -> Response | str | tuple[str, int]:
    passkey = owned_or_404(Passkey, passkey_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = passkey.name
        if services.remove_passkey(passkey):
            # Without a passkey the second factor could never be given: it is off, loudly.
            flash(
                _("You have no passkeys left, so signing in needs only your password now."),
                "warning",
            )
        flash(_("Passkey “%(name)s” removed.", name=name), "success")
        return redirect(url_for("passkeys.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/passkeys_remove.html", form=form, passkey=passkey), status


@bp.route("/account/passkeys/second-factor", methods=["POST"])
def set_second_factor() -> Response | str | tuple[str, int]:
    form = SecondFactorForm()
    user: User = current_user._get_current_object()
    if form.validate_on_submit():
        # Imported here: accounts.services builds on this package.
        from minimin.accounts.services import recheck_password

        check = recheck_password(
            user, form.password.data or "", "second_factor", failed_action="passkey.reauth_failed"
        )
        if check.retry_after:
            return throttle.too_many(check.retry_after)
        if not check.matches:
            form.password.errors.append(_("That password is not right."))
            keep_changes_on_error()
        elif form.require_after_password.data and not _passkey_count(user.id):
            form.require_after_password.errors.append(
                _("Add a passkey first: without one you could not sign in.")
            )
        else:
            data = form.to_input()
            services.set_second_factor(user.id, data)
            wanted = data.require_after_password
            flash(
                _("Signing in now asks for a passkey after your password.")
                if wanted
                else _("Signing in now needs only your password (or a passkey alone)."),
                "success",
            )
            return redirect(url_for("passkeys.index"))
    passkeys = _user_passkeys(user.id)
    pref = _preference(user.id)
    return render_template(
        "accounts/passkeys.html",
        passkeys=passkeys,
        add_form=AddPasskeyForm(),
        second_factor_form=form,
        needs_password=not _recent_login(),
        second_factor_on=bool(pref and pref.require_after_password) and bool(passkeys),
    ), 400
