"""Account rules: email keys, passwords, signup, verification, sign-in limits, resets, email
and password changes, communication preferences and the security log.

Services add and flush; the request's transaction commits (or rolls back) once. Emails are
written to the outbox in the same transaction (core.mail.queue_email).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from minimin.accounts import auth, passkeys, throttle, tokens
from minimin.accounts.inputs import (
    EmailChangeInput,
    EmailRequestInput,
    LoginInput,
    NameInput,
    NewsConsentInput,
    PasswordChangeInput,
    PasswordResetInput,
    SignupInput,
)
from minimin.accounts.models import AccountToken, User, UserSession
from minimin.accounts.policies import NEWS_CONSENT_VERSION, PRIVACY_VERSION, TERMS_VERSION
from minimin.config import SCRYPT_METHOD
from minimin.core import audit
from minimin.core.audit import AuditEvent
from minimin.core.db import utcnow
from minimin.core.mail import NEWS, queue_email
from minimin.extensions import db
from minimin.privacy.models import COMMUNICATIONS, ConsentRecord


@functools.cache
def _dummy_hash(method: str) -> str:
    """Checked against when the email is unknown, so that an unknown address costs the same
    time as a wrong password and the response cannot tell the two apart."""
    return generate_password_hash("minimin-dummy-password", method=method)


#: Audit actions shown in the security log, with how they read there.
SECURITY_ACTIONS: dict[str, Any] = {
    "signup": _l("Account created"),
    "signup.existing_address": _l("Someone tried to create a new account with your address"),
    "email.verified": _l("Email address verified"),
    "login.succeeded": _l("Signed in"),
    "login.passkey": _l("Signed in with a passkey"),
    "login.failed": _l("Failed sign-in attempt"),
    "login.locked": _l("Sign-in locked for a while after too many failed attempts"),
    "logout": _l("Signed out"),
    "password.changed": _l("Password changed"),
    "password.reset_requested": _l("Password reset link sent"),
    "password.reset": _l("Password reset by emailed link"),
    "password.recheck_failed": _l("Wrong password given to change your email or password"),
    "passkey.reauth_failed": _l("Wrong password given to change the passkey sign-in setting"),
    "privacy.delete_reauth_failed": _l("Wrong password given to delete your account"),
    "password.recheck_locked": _l(
        "Changes that ask for your password again (email, password, passkey setting, account "
        "deletion) paused for a while after too many wrong passwords"
    ),
    "email.change_requested": _l("Change of email address requested"),
    "email.changed": _l("Email address changed"),
    "name.changed": _l("Name changed"),
    "session.ended": _l("A session was ended"),
    "sessions.ended_others": _l("All other sessions were ended"),
    "news.subscribed": _l("Product news switched on"),
    "news.unsubscribed": _l("Product news switched off"),
    "passkey.added": _l("Passkey added"),
    "passkey.renamed": _l("Passkey renamed"),
    "passkey.removed": _l("Passkey removed"),
}
LOGIN_ACTIONS = ("login.succeeded", "login.passkey")


# --------------------------------------------------------------------------- basics


def email_key(email: str) -> str:
    """The uniqueness key of an address: NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def _hash_method() -> str:
    # scrypt with werkzeug's work factor (N=2**15, r=8, p=1); only the test suite, which signs
    # in thousands of times, sets a smaller N (config.py, TEST_SCRYPT_METHOD).
    if not has_app_context():  # a script hashing before any application is up
        return SCRYPT_METHOD
    return str(current_app.config.get("MINIMIN_PASSWORD_HASH", SCRYPT_METHOD))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_hash_method())


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email_key == email_key(email)))


def _password_matches(user: User | None, password: str) -> bool:
    if user is None:
        check_password_hash(_dummy_hash(_hash_method()), password)
        return False
    return check_password_hash(user.password_hash, password)


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password these are, or None (in constant-ish time)."""
    user = find_user_by_email(email)
    return user if _password_matches(user, password) else None


def check_password(user: User, password: str) -> bool:
    return _password_matches(user, password)


@dataclass(frozen=True)
class Recheck:
    """The answer to a password asked again: right, wrong, or not tried (``retry_after``)."""

    matches: bool = False
    retry_after: int = 0


def recheck_password(
    user: User, password: str, purpose: str, *, failed_action: str = "password.recheck_failed"
) -> Recheck:
    """Check the password of a signed-in *user* before a change (*purpose*: "email",
    "password", "second_factor", "delete_account"), counted and logged like sign-ins.

    The limits are checked first, so no password is tried while either is reached; every wrong
    password counts towards both (per account and per IP) and is in the security log. The
    caller keeps these rows when it refuses the change (``keep_changes_on_error``).
    """
    account, ip = str(user.id), throttle.client_ip()
    wait = max(
        throttle.retry_after(throttle.RECHECK_FAILURES_PER_ACCOUNT, account),
        throttle.retry_after(throttle.RECHECK_FAILURES_PER_IP, ip),
    )
    if wait:
        return Recheck(retry_after=wait)
    if _password_matches(user, password):
        return Recheck(matches=True)
    throttle.hit(throttle.RECHECK_FAILURES_PER_ACCOUNT, account)
    throttle.hit(throttle.RECHECK_FAILURES_PER_IP, ip)
    audit.record(failed_action, user_id=user.id, actor_id=user.id, detail={"purpose": purpose})
    if not throttle.allowed(throttle.RECHECK_FAILURES_PER_ACCOUNT, account):
        wait = throttle.retry_after(throttle.RECHECK_FAILURES_PER_ACCOUNT, account)
        audit.record("password.recheck_locked", user_id=user.id, detail={"seconds": wait})
    return Recheck()


def _url(endpoint: str, **values: Any) -> str:
    # Links in emails start from the configured BASE_URL, never from the request's Host
    # header, which a client chooses (a reset link must not point at an attacker's host).
    base: str = current_app.config["BASE_URL"]
    return base + url_for(endpoint, **values)


def _may_email(user: User) -> bool:
    """Whether another requested email (verification, reset) may go to *user*'s address now."""
    return throttle.hit(throttle.EMAILS_PER_ADDRESS, user.email_key)


# --------------------------------------------------------------------------- signup


def signup(data: SignupInput) -> User | None:
    """Create an unverified account and email its verification link.

    For an address that already has an account, nothing is created: that address is told that
    someone tried to sign up with it, and the caller answers exactly as for a new account.
    """
    email, password, news = data.email, data.password, data.news
    existing = find_user_by_email(email)
    if existing is not None:
        hash_password(password)  # the same work as a new account, so the timing matches
        audit.record("signup.existing_address", user_id=existing.id)
        queue_email(
            to=existing.email,
            template="signup_existing",
            context={
                "user": existing,
                "login_url": _url("accounts.login"),
                "reset_url": _url("accounts.reset_request"),
            },
            user_id=existing.id,
        )
        return None
    now = utcnow()
    user = User(
        email=email,
        email_key=email_key(email),
        full_name=data.full_name,
        password_hash=hash_password(password),
        password_changed_at=now,
        adult_confirmed_at=now,
        terms_version=TERMS_VERSION,
        terms_accepted_at=now,
        privacy_version=PRIVACY_VERSION,
        privacy_accepted_at=now,
        news_consent=news,
        news_consent_at=now,
        news_consent_version=NEWS_CONSENT_VERSION,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("signup", user_id=user.id, detail={"news": news})
    if news:
        _record_news_choice(user, True)
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    """Email a fresh verification link; earlier links stop working."""
    tokens.revoke(user, tokens.VERIFY_EMAIL)
    token = tokens.issue(user, tokens.VERIFY_EMAIL)
    queue_email(
        to=user.email,
        template="verify_email",
        context={"user": user, "url": _url("accounts.verify_email_confirm", token=token)},
        user_id=user.id,
    )


def request_verification(data: EmailRequestInput) -> None:
    """Resend the link to an unverified account; for anything else, silently nothing."""
    user = find_user_by_email(data.email)
    if user is not None and not user.is_verified and _may_email(user):
        send_verification(user)


def verify_email(token: str) -> User | None:
    record = tokens.find(tokens.VERIFY_EMAIL, token)
    if record is None:
        return None
    user = db.session.get(User, record.user_id)
    if user is None:
        return None
    tokens.use(record)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record("email.verified", user_id=user.id)
    return user


# --------------------------------------------------------------------------- signing in


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None = None
    retry_after: int = 0
    #: The password was right, and the account asks for a passkey before the session starts.
    passkey_pending: bool = False

    @property
    def succeeded(self) -> bool:
        return self.user is not None

    @property
    def throttled(self) -> bool:
        return self.retry_after > 0


def login(data: LoginInput) -> LoginOutcome:
    """Check a sign-in attempt against the limits, then the password; start the session.

    Every failure counts towards both limits (per account, known or not, and per IP), and the
    check comes first so that no password is tried while either limit is reached.
    """
    email, password = data.email, data.password
    key = email_key(email)
    ip = throttle.client_ip()
    wait = max(
        throttle.retry_after(throttle.LOGIN_FAILURES_PER_ACCOUNT, key),
        throttle.retry_after(throttle.LOGIN_FAILURES_PER_IP, ip),
    )
    if wait:
        return LoginOutcome(retry_after=wait)
    user = find_user_by_email(email)
    matches = _password_matches(user, password)
    if matches and user is not None and user.is_verified:
        tokens.revoke(user, tokens.RESET_PASSWORD)  # a later sign-in ends a pending reset
        user.locked_until = None
        if passkeys.second_factor_required(user):
            return LoginOutcome(user=user, passkey_pending=True)
        auth.start_session(user)
        audit.record("login.succeeded", user_id=user.id)
        return LoginOutcome(user=user)
    _record_failure(user, key, ip)
    if matches and user is not None and not user.is_verified and _may_email(user):
        # The owner of an unverified account (they know its password) gets a new link.
        send_verification(user)
    return LoginOutcome()


def _record_failure(user: User | None, key: str, ip: str) -> None:
    throttle.hit(throttle.LOGIN_FAILURES_PER_ACCOUNT, key)
    throttle.hit(throttle.LOGIN_FAILURES_PER_IP, ip)
    audit.record("login.failed", user_id=user.id if user else None, subject=key)
    if user is None or throttle.allowed(throttle.LOGIN_FAILURES_PER_ACCOUNT, key):
        return
    # This failure reached the limit: the account is locked until the oldest failure ages out.
    wait = throttle.retry_after(throttle.LOGIN_FAILURES_PER_ACCOUNT, key)
    user.locked_until = utcnow() + timedelta(seconds=wait)
    audit.record("login.locked", user_id=user.id, detail={"seconds": wait})
    queue_email(
        to=user.email,
        template="account_locked",
        context={
            "user": user,
            "minutes": max(1, (wait + 59) // 60),
            "reset_url": _url("accounts.reset_request"),
        },
        user_id=user.id,
    )


def logout(user: User) -> None:
    audit.record("logout", user_id=user.id)
    auth.end_session()


# --------------------------------------------------------------------------- password reset


def request_password_reset(data: EmailRequestInput) -> None:
    """Email a reset link (valid 1 hour) if the address has an account; else nothing."""
    user = find_user_by_email(data.email)
    if user is None or not _may_email(user):
        return
    token = tokens.issue(user, tokens.RESET_PASSWORD)
    audit.record("password.reset_requested", user_id=user.id)
    queue_email(
        to=user.email,
        template="reset_password",
        context={"user": user, "url": _url("accounts.reset_confirm", token=token)},
        user_id=user.id,
    )


def reset_password(record: AccountToken, data: PasswordResetInput) -> User | None:
    user = db.session.get(User, record.user_id)
    if user is None:
        return None
    tokens.use(record)
    _set_password(user, data.password)
    # Following the emailed link proves the address is theirs.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    auth.end_other_sessions(user)  # every session: the person resetting is not signed in
    audit.record("password.reset", user_id=user.id)
    queue_email(
        to=user.email,
        template="password_changed",
        context={"user": user, "reset_url": _url("accounts.reset_request"), "by_reset": True},
        user_id=user.id,
    )
    return user


def _set_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.locked_until = None
    tokens.revoke(user)  # reset, verification and email-change links die with the old password
    # So do the accountant's download links: a password changed after a compromise must cut
    # off whatever the intruder shared. Imported here: reports builds on accounts.
    from minimin.reports.export import revoke_all_shares

    revoke_all_shares(user.id)


# --------------------------------------------------------------------------- account changes


def change_password(user: User, data: PasswordChangeInput) -> int:
    """Set a new password, end every other session and tell the owner; returns sessions ended."""
    _set_password(user, data.new_password)
    ended = auth.end_other_sessions(user, keep=auth.current_session())
    audit.record("password.changed", user_id=user.id, detail={"sessions_ended": ended})
    queue_email(
        to=user.email,
        template="password_changed",
        context={"user": user, "reset_url": _url("accounts.reset_request"), "by_reset": False},
        user_id=user.id,
    )
    return ended


def change_name(user: User, data: NameInput) -> None:
    if data.full_name != user.full_name:
        user.full_name = data.full_name
        audit.record("name.changed", user_id=user.id)


def request_email_change(user: User, data: EmailChangeInput) -> None:
    """Email a confirmation link to the new address and tell the current address.

    If another account already uses the new address, that address is told instead and nothing
    else happens: the person asking learns nothing about other accounts.
    """
    new_email = data.new_email
    other = find_user_by_email(new_email)
    audit.record("email.change_requested", user_id=user.id)
    if other is not None:
        queue_email(
            to=other.email,
            template="email_in_use",
            context={"user": other, "reset_url": _url("accounts.reset_request")},
            user_id=other.id,
        )
        return
    tokens.revoke(user, tokens.CHANGE_EMAIL)
    token = tokens.issue(user, tokens.CHANGE_EMAIL, new_email=new_email)
    queue_email(
        to=new_email,
        template="email_change_confirm",
        context={"user": user, "url": _url("accounts.email_change_confirm", token=token)},
        user_id=user.id,
    )
    queue_email(
        to=user.email,
        template="email_change_requested",
        context={"user": user, "new_email": new_email, "reset_url": _url("accounts.reset_request")},
        user_id=user.id,
    )


class EmailTaken(Exception):
    """The new address was taken by another account after the change was asked for."""


def confirm_email_change(record: AccountToken) -> User | None:
    user = db.session.get(User, record.user_id)
    if user is None or not record.new_email:
        return None
    other = find_user_by_email(record.new_email)
    if other is not None and other.id != user.id:
        raise EmailTaken
    old_email = user.email
    tokens.use(record)
    user.email = record.new_email
    user.email_key = email_key(record.new_email)
    user.email_verified_at = utcnow()
    tokens.revoke(user)
    # Every other browser signed in to the account is signed out: whoever changed the address
    # is the one who should stay in (the confirming browser, when it is signed in as the user).
    current = auth.current_session()
    keep = current if current is not None and current.user_id == user.id else None
    ended = auth.end_other_sessions(user, keep=keep)
    audit.record("email.changed", user_id=user.id, detail={"sessions_ended": ended})
    queue_email(
        to=old_email,
        template="email_changed",
        context={"user": user, "old_email": old_email, "reset_url": _url("accounts.reset_request")},
        user_id=user.id,
    )
    return user


# --------------------------------------------------------------------------- communication


def set_news_consent(user: User, data: NewsConsentInput) -> ConsentRecord | None:
    """Switch product news on or off (account page, /privacy or the one-click unsubscribe
    link) and add the choice to the consent history; returns the new history row."""
    wanted = data.news
    if wanted == user.news_consent:
        return None
    user.news_consent = wanted
    user.news_consent_at = utcnow()
    user.news_consent_version = NEWS_CONSENT_VERSION
    audit.record("news.subscribed" if wanted else "news.unsubscribed", user_id=user.id)
    return _record_news_choice(user, wanted)


def _record_news_choice(user: User, wanted: bool) -> ConsentRecord:
    record = ConsentRecord(
        user_id=user.id,
        purpose=COMMUNICATIONS,
        granted=wanted,
        wording_version=NEWS_CONSENT_VERSION,
    )
    db.session.add(record)
    db.session.flush()
    return record


def queue_news_email(user: User, template: str, context: dict[str, Any] | None = None) -> bool:
    """Queue a product-news email with its one-click unsubscribe link (RFC 8058), only if the
    person chose to receive product news. Returns whether an email was queued."""
    if not user.news_consent:
        return False
    token = tokens.issue(user, tokens.UNSUBSCRIBE)
    unsubscribe_url = _url("accounts.unsubscribe", token=token)
    queue_email(
        to=user.email,
        template=template,
        context={"user": user, "unsubscribe_url": unsubscribe_url, **(context or {})},
        user_id=user.id,
        category=NEWS,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    return True


def unsubscribe(record: AccountToken) -> User | None:
    user = db.session.get(User, record.user_id)
    if user is not None:
        set_news_consent(user, NewsConsentInput(news=False))
    return user


# --------------------------------------------------------------------------- sessions and logs


def active_sessions(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.revoked_at.is_(None),
                UserSession.last_seen_at > utcnow() - auth.SESSION_IDLE_LIMIT,
            )
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def end_session_record(user: User, record: UserSession) -> None:
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        audit.record("session.ended", user_id=user.id)


def end_other_sessions(user: User) -> int:
    ended = auth.end_other_sessions(user, keep=auth.current_session())
    audit.record("sessions.ended_others", user_id=user.id, detail={"ended": ended})
    return ended


def login_history(user: User, limit: int = 10) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.user_id == user.id, AuditEvent.action.in_(LOGIN_ACTIONS))
            .order_by(AuditEvent.created_at.desc())
            .limit(limit)
        )
    )


def security_log(user: User, limit: int = 50) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.user_id == user.id, AuditEvent.action.in_(SECURITY_ACTIONS))
            .order_by(AuditEvent.created_at.desc())
            .limit(limit)
        )
    )


def pending_email_change(user: User) -> str | None:
    record = db.session.scalar(
        sa.select(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == tokens.CHANGE_EMAIL,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > utcnow(),
        )
        .order_by(AccountToken.created_at.desc())
    )
    return record.new_email if record else None
