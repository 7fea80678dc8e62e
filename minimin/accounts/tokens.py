"""Emailed single-use links: random tokens of which only the SHA-256 is stored."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from minimin.accounts.models import AccountToken, User
from minimin.core.crypto import hash_token, new_token
from minimin.core.db import utcnow
from minimin.extensions import db

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose name, not a password
CHANGE_EMAIL = "change_email"
UNSUBSCRIBE = "unsubscribe"

LIFETIMES = {
    VERIFY_EMAIL: timedelta(hours=48),
    RESET_PASSWORD: timedelta(hours=1),
    CHANGE_EMAIL: timedelta(hours=24),
    UNSUBSCRIBE: timedelta(days=365),
}
#: Tokens that act on the account; they die when the password or the email address changes.
ACTING = (VERIFY_EMAIL, RESET_PASSWORD, CHANGE_EMAIL)
#: A token in a URL is never longer than this; anything longer is not looked up.
TOKEN_MAX = 128


def issue(user: User, purpose: str, *, new_email: str | None = None) -> str:
    """Create a token for *user*; returns the plain token, which only the email will carry."""
    token = new_token()
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            new_email=new_email,
            expires_at=utcnow() + LIFETIMES[purpose],
        )
    )
    db.session.flush()
    return token


def find(purpose: str, token: str | None) -> AccountToken | None:
    """The live token of *purpose*: unknown, foreign (another purpose), used or expired → None."""
    if not token or len(token) > TOKEN_MAX:
        return None
    record = db.session.scalar(
        sa.select(AccountToken).where(
            AccountToken.token_hash == hash_token(token), AccountToken.purpose == purpose
        )
    )
    if record is None or record.used_at is not None or record.expires_at <= utcnow():
        return None
    return record


def holder(record: AccountToken) -> User | None:
    """The account a token was issued to (None once it is deleted)."""
    return db.session.get(User, record.user_id)


def use(record: AccountToken) -> None:
    record.used_at = utcnow()


def revoke(user: User, *purposes: str) -> None:
    """Delete *user*'s outstanding tokens of *purposes* (all acting tokens if none given)."""
    db.session.execute(
        sa.delete(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose.in_(purposes or ACTING),
        )
    )
