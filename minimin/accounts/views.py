"""Account pages: thin views over accounts.services.

Pages that answer for an email address (login, signup, reset, resend) answer the same for a
known and an unknown address: same status, same body, and (for those without a password hash to
check) a minimum answer time, so that neither words nor timing tell whether an account exists.
"""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.accounts import auth, passkeys, services, throttle, tokens, useragent
from minimin.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    EmailOnlyForm,
    LoginForm,
    NameForm,
    NewPasswordForm,
    NewsForm,
    SignupForm,
)
from minimin.accounts.models import UserSession
from minimin.core.pagecache import kept_page
from minimin.core.security import (
    TOKEN,
    USER,
    access,
    classify_blueprint,
    public,
    safe_next,
    token_access,
)
from minimin.core.tenancy import owned_or_404
from minimin.core.transaction import keep_changes_on_error
from minimin.core.web import ConfirmForm

bp = Blueprint("accounts", __name__, template_folder="templates")
classify_blueprint(bp, USER)

#: A refused sign-in, and every answer of the pages that may email an address, comes no
#: sooner than this after the request began, whether or not the address has an account: the
#: differing work (sending an email, a lockout) is hidden, and guessing is slowed.
FAILED_LOGIN_SECONDS = 0.5
EMAIL_ANSWER_SECONDS = 0.5
SIGNUP_SECONDS = 1.0


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def _form_status() -> int:
    return 400 if request.method == "POST" else 200


def _answer_not_before(seconds: float) -> None:
    # MINIMIN_ANSWER_DELAY_SCALE (default 1) scales the floor: the test suite turns it off except
    # in the tests that measure it, so that hundreds of refused forms do not each wait a second.
    scale = float(current_app.config.get("MINIMIN_ANSWER_DELAY_SCALE", 1.0))
    g.accounts_answer_not_before = time.monotonic() + seconds * scale


@bp.teardown_request
def _hold_answer(exc: BaseException | None) -> None:
    # Runs after the commit and the emails it sends, before the answer leaves the server.
    not_before = g.pop("accounts_answer_not_before", None)
    if not_before is not None:
        delay = not_before - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def _ip_limit(rule: throttle.Rule) -> Response | None:
    ip = throttle.client_ip()
    if not throttle.hit(rule, ip):
        return throttle.too_many(throttle.retry_after(rule, ip))
    return None


# --------------------------------------------------------------------------- sign in and out


@bp.route("/login", methods=["GET", "POST"])
@public
@kept_page
def login() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "POST":
        _answer_not_before(FAILED_LOGIN_SECONDS)
    if form.validate_on_submit():
        outcome = services.login(form.to_input())
        if outcome.passkey_pending and outcome.user is not None:
            g.pop("accounts_answer_not_before", None)
            return passkeys.begin_second_factor(outcome.user, form.next.data)
        if outcome.succeeded:
            g.pop("accounts_answer_not_before", None)
            return redirect(safe_next(form.next.data))
        # The failure (counters, security log, lockout email) must outlive the refusal.
        keep_changes_on_error()
        if outcome.throttled:
            return throttle.too_many(outcome.retry_after)
        form.form_errors.append(
            _(
                "That email and password do not match an active account. If you have just "
                "signed up, follow the link in the email we sent you first."
            )
        )
    return _render("accounts/login.html", _form_status(), form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    services.logout(current_user)
    flash(_("You have signed out."), "info")
    return redirect(url_for("pages.home"))


# --------------------------------------------------------------------------- signup


@bp.route("/signup", methods=["GET", "POST"])
@public
def signup() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = SignupForm()
    if request.method == "POST":
        _answer_not_before(SIGNUP_SECONDS)
    if form.validate_on_submit():
        limited = _ip_limit(throttle.SIGNUPS_PER_IP)
        if limited:
            return limited
        services.signup(form.to_input())
        return redirect(url_for("accounts.signup_sent"))
    return _render("accounts/signup.html", _form_status(), form=form)


@bp.route("/signup/check-your-email")
@public
def signup_sent() -> tuple[str, int]:
    return _render("accounts/signup_sent.html")


# --------------------------------------------------------------------------- verification


@bp.route("/verify-email", methods=["GET", "POST"])
@public
def verify_email() -> Response | tuple[str, int]:
    """Ask for a new verification link."""
    form = EmailOnlyForm()
    if request.method == "POST":
        _answer_not_before(EMAIL_ANSWER_SECONDS)
    if form.validate_on_submit():
        limited = _ip_limit(throttle.EMAIL_REQUESTS_PER_IP)
        if limited:
            return limited
        services.request_verification(form.to_input())
        return _render("accounts/verify_sent.html")
    return _render("accounts/verify_request.html", _form_status(), form=form)


def _bad_link(status: int = 400) -> tuple[str, int]:
    return _render("accounts/bad_link.html", status)


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
@token_access
def verify_email_confirm(token: str) -> Response | tuple[str, int]:
    # Opening the link shows a button; only pressing it acts (mail scanners open links too).
    if tokens.find(tokens.VERIFY_EMAIL, token) is None:
        return _bad_link()
    form = ConfirmForm()
    if form.validate_on_submit():
        services.verify_email(token)
        flash(_("Thank you: your email address is verified. You can sign in now."), "success")
        return redirect(
            url_for("accounts.account" if current_user.is_authenticated else "accounts.login")
        )
    return _render("accounts/verify_confirm.html", _form_status(), form=form)


# --------------------------------------------------------------------------- password reset


@bp.route("/reset-password", methods=["GET", "POST"])
@public
def reset_request() -> Response | tuple[str, int]:
    form = EmailOnlyForm()
    if request.method == "POST":
        _answer_not_before(EMAIL_ANSWER_SECONDS)
    if form.validate_on_submit():
        limited = _ip_limit(throttle.EMAIL_REQUESTS_PER_IP)
        if limited:
            return limited
        services.request_password_reset(form.to_input())
        return _render("accounts/reset_sent.html")
    return _render("accounts/reset_request.html", _form_status(), form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@token_access
def reset_confirm(token: str) -> Response | tuple[str, int]:
    record = tokens.find(tokens.RESET_PASSWORD, token)
    if record is None:
        return _bad_link()
    form = NewPasswordForm()
    user = tokens.holder(record)
    if user is None:
        return _bad_link()
    form.extra_user_inputs = [user.email, user.full_name]
    if form.validate_on_submit():
        services.reset_password(record, form.to_input())
        if current_user.is_authenticated:
            auth.end_session()
        flash(_("Your password has been changed. Sign in with your new password."), "success")
        return redirect(url_for("accounts.login"))
    return _render("accounts/reset_confirm.html", _form_status(), form=form)


# --------------------------------------------------------------------------- the account page


def _account_page(status: int = 200, **forms: Any) -> tuple[str, int]:
    user = current_user
    context = {
        "name_form": NameForm(full_name=user.full_name),
        "email_form": ChangeEmailForm(),
        "password_form": ChangePasswordForm(),
        "news_form": NewsForm(news=user.news_consent),
        **forms,
    }
    current = auth.current_session()
    sessions = [
        (s, useragent.describe(s.user_agent), current is not None and s.id == current.id)
        for s in services.active_sessions(user)
    ]
    history = [(e, useragent.describe(e.user_agent)) for e in services.login_history(user)]
    return _render(
        "accounts/account.html",
        status,
        user=user,
        sessions=sessions,
        history=history,
        log=services.security_log(user),
        actions=services.SECURITY_ACTIONS,
        pending_email=services.pending_email_change(user),
        **context,
    )


@bp.route("/account")
def account() -> tuple[str, int]:
    return _account_page()


@bp.route("/account/name", methods=["POST"])
def change_name() -> Response | tuple[str, int]:
    form = NameForm()
    if not form.validate_on_submit():
        return _account_page(400, name_form=form)
    services.change_name(current_user, form.to_input())
    flash(_("Your name has been saved."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/email", methods=["POST"])
def change_email() -> Response | tuple[str, int]:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        new_email = form.new_email.data or ""
        check = services.recheck_password(current_user, form.password.data or "", "email")
        if check.retry_after:
            return throttle.too_many(check.retry_after)
        if not check.matches:
            keep_changes_on_error()  # the count and the security-log row outlive the refusal
            form.password.errors = [_("That is not your current password.")]
        elif services.email_key(new_email) == current_user.email_key:
            form.new_email.errors = [_("That is already your email address.")]
        else:
            services.request_email_change(current_user, form.to_input())
            flash(
                _(
                    "We have sent a link to %(email)s. Follow it to confirm the change; until "
                    "then your address stays the same.",
                    email=new_email,
                ),
                "success",
            )
            return redirect(url_for("accounts.account"))
    return _account_page(400, email_form=form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@token_access
def email_change_confirm(token: str) -> Response | tuple[str, int]:
    record = tokens.find(tokens.CHANGE_EMAIL, token)
    if record is None:
        return _bad_link()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.confirm_email_change(record)
        except services.EmailTaken:
            return _render("accounts/email_taken.html", 409)
        flash(_("Your email address has been changed."), "success")
        return redirect(
            url_for("accounts.account" if current_user.is_authenticated else "accounts.login")
        )
    return _render(
        "accounts/email_change_confirm.html", _form_status(), form=form, new_email=record.new_email
    )


@bp.route("/account/password", methods=["POST"])
def change_password() -> Response | tuple[str, int]:
    form = ChangePasswordForm()
    form.extra_user_inputs = [current_user.email, current_user.full_name]
    if form.validate_on_submit():
        check = services.recheck_password(
            current_user, form.current_password.data or "", "password"
        )
        if check.retry_after:
            return throttle.too_many(check.retry_after)
        if not check.matches:
            keep_changes_on_error()  # the count and the security-log row outlive the refusal
            form.current_password.errors = [_("That is not your current password.")]
        else:
            services.change_password(current_user, form.to_input())
            flash(
                _("Your password has been changed and your other sessions have ended."), "success"
            )
            return redirect(url_for("accounts.account"))
    return _account_page(400, password_form=form)


@bp.route("/account/communication", methods=["POST"])
def communication() -> Response | tuple[str, int]:
    form = NewsForm()
    if not form.validate_on_submit():
        return _account_page(400, news_form=form)
    services.set_news_consent(current_user, form.to_input())
    flash(_("Your communication preferences have been saved."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/sessions/<session_id>/end", methods=["GET", "POST"])
def end_session(session_id: str) -> Response | tuple[str, int]:
    record = owned_or_404(UserSession, session_id)
    if record.revoked_at is not None:
        abort(404)
    current = auth.current_session()
    is_current = current is not None and current.id == record.id
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_session_record(current_user, record)
        if is_current:
            auth.end_session()
            flash(_("You have signed out."), "info")
            return redirect(url_for("pages.home"))
        flash(_("That session has ended."), "success")
        return redirect(url_for("accounts.account"))
    return _render(
        "accounts/end_session.html",
        _form_status(),
        form=form,
        record=record,
        agent=useragent.describe(record.user_agent),
        is_current=is_current,
    )


@bp.route("/account/sessions/end-others", methods=["GET", "POST"])
def end_other_sessions() -> Response | tuple[str, int]:
    form = ConfirmForm()
    if form.validate_on_submit():
        ended = services.end_other_sessions(current_user)
        flash(_("Other sessions ended: %(n)d.", n=ended), "success")
        return redirect(url_for("accounts.account"))
    return _render("accounts/end_other_sessions.html", _form_status(), form=form)


# --------------------------------------------------------------------------- unsubscribe


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@access(TOKEN, csrf_exempt=True)
def unsubscribe(token: str) -> Response | tuple[str, int]:
    """One-click unsubscribe (RFC 8058): mail programs POST here without a form token, and
    the unguessable token in the URL is the authority. GET only shows the button."""
    record = tokens.find(tokens.UNSUBSCRIBE, token)
    if record is None:
        return _bad_link(404)
    if request.method == "POST":
        services.unsubscribe(record)
        return _render("accounts/unsubscribed.html")
    return _render("accounts/unsubscribe.html")
