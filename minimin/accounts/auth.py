"""Sign-in state: Flask-Login backed by server-side session records.

The signed session cookie carries a random session token; the ``user_session`` row stores only
its hash. A user is signed in on a request only while that row exists and is not revoked, so a
session can be listed and ended from another device, and a password change ends the others.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from flask import Flask, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user

from minimin.accounts.models import User, UserSession
from minimin.core.audit import client_ip_hash
from minimin.core.crypto import hash_token, new_token
from minimin.core.db import utcnow
from minimin.extensions import db, login_manager

#: The admin area's account locks (read by table name: accounts does not import the admin area).
ACCOUNT_LOCK_TABLE = "admin_account_lock"
SESSION_TOKEN_KEY = "sid"  # noqa: S105 - a session key name, not a secret
#: last_seen_at is written at most this often, so browsing does not write on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
#: A session not used for this long has ended (the next request finds no one signed in).
SESSION_IDLE_LIMIT = timedelta(days=30)


def init_login_manager(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    # Flask-Login's own "strong" protection compares a hash of the user agent and IP; our
    # session records already end sessions server-side, so it is left off to keep phones that
    # change networks signed in.
    login_manager.session_protection = None
    login_manager.user_loader(_load_user)


def _load_user(user_id: str) -> User | None:
    token = session.get(SESSION_TOKEN_KEY)
    if not token:
        return None
    try:
        uid = uuid.UUID(user_id)
    except ValueError:
        return None
    # The session record, its user and whether the account is locked in one round trip: this
    # runs on every signed-in request.
    locks = db.metadata.tables.get(ACCOUNT_LOCK_TABLE)
    row = db.session.execute(
        _signed_in_query(locks), {"token_hash": hash_token(token), "user_id": uid}
    ).first()
    if row is None:
        session.clear()
        return None
    record, user, locked = row
    now = utcnow()
    if now - record.last_seen_at > SESSION_IDLE_LIMIT:
        record.revoked_at = now
        session.clear()
        return None
    if now - record.last_seen_at > LAST_SEEN_RESOLUTION:
        record.last_seen_at = now
    g.user_session = record
    g.account_locked = bool(locked)  # read by the admin area's guard (minimin.admin.guard)
    g.user_locale = user.locale
    g.user_theme = user.theme
    return user


@cache
def _signed_in_query(locks: sa.Table | None) -> sa.Select[UserSession, User, bool]:
    """The live session record of a token hash and user id, its user, and whether an
    administrator has locked the account (*locks*: the admin area's lock table, when that
    feature is installed). Built once: it runs on every signed-in request."""
    locked = (
        sa.exists().where(locks.c.user_id == User.id) if locks is not None else sa.literal(False)
    )
    return (
        sa.select(UserSession, User, locked)
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.token_hash == sa.bindparam("token_hash"),
            UserSession.user_id == sa.bindparam("user_id"),
            UserSession.revoked_at.is_(None),
        )
    )


def start_session(user: User, *, remember: bool = False) -> UserSession:
    """Sign *user* in on this browser with a fresh session id and a new session record."""
    # A new session at login: nothing from before sign-in (a planted session) carries over.
    session.clear()
    token = new_token()
    record = UserSession(
        user_id=user.id,
        token_hash=hash_token(token),
        user_agent=_printable(request.user_agent.string)[:200],
        ip_hash=client_ip_hash(),
    )
    db.session.add(record)
    session[SESSION_TOKEN_KEY] = token
    session.permanent = remember
    login_user(user, remember=False)
    user.last_login_at = utcnow()
    return record


def _printable(value: str) -> str:
    # PostgreSQL refuses NUL; control characters have no place in a device description.
    return "".join(ch for ch in value if ch.isprintable())


def current_session() -> UserSession | None:
    """The session record of this browser, when signed in."""
    return g.get("user_session")


def end_session() -> None:
    """Sign out this browser and revoke its session record."""
    record = g.get("user_session")
    if record is not None:
        record.revoked_at = utcnow()
    logout_user()
    session.clear()


def end_other_sessions(user: User, keep: UserSession | None = None) -> int:
    """Revoke every session of *user* except *keep*; returns how many were ended."""
    query = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(query.values(revoked_at=utcnow()))
    # A DML statement's result is a CursorResult (rowcount), typed as Result.
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
