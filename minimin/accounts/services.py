"""Account rules: email keys, password checks, authentication."""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from minimin.accounts.models import User
from minimin.extensions import db

# Checked against when the email is unknown, so that an unknown address costs the same time as
# a wrong password and the response cannot tell the two apart.
_DUMMY_HASH = generate_password_hash("minimin-dummy-password", method="scrypt")


def email_key(email: str) -> str:
    """The uniqueness key of an address: NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email_key == email_key(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password these are, or None (in constant-ish time)."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user
