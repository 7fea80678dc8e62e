"""Personal access tokens: made on the account page, shown once, stored hashed, revocable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.accounts.auth import ACCOUNT_LOCK_TABLE
from minimin.accounts.models import User
from minimin.api.inputs import TokenInput
from minimin.api.models import NAME_MAX, PREFIX_LENGTH, ApiToken
from minimin.api.scopes import ALL_SCOPES
from minimin.core import audit
from minimin.core.crypto import hash_token, new_token
from minimin.core.db import utcnow
from minimin.core.user_error import UserError
from minimin.extensions import db

#: Every token starts with this, so a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "mmn_"  # noqa: S105 - a fixed marker, not a secret
#: Lifetimes offered on the account page, in days.
LIFETIMES = (7, 30, 90, 365)
#: A header longer than this is not looked up.
TOKEN_MAX = 128
#: last_used_at is written at most this often, so reads through the API do not write each time.
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: At most this many live tokens per user.
MAX_LIVE = 20


@dataclass(frozen=True)
class Caller:
    """Who is calling the API: the token and its user, loaded in one statement."""

    token: ApiToken
    user: User


def create(user_id: uuid.UUID, data: TokenInput) -> tuple[ApiToken, str]:
    """Make a token; returns it with the plain token, which is never shown again."""
    scopes, days = list(data.scopes), data.days
    name = (data.name or "").strip()
    if not name:
        raise UserError(_l("Give the token a name, so you know later what uses it."), "name")
    if len(name) > NAME_MAX:
        raise UserError(_l("Use at most %(n)d characters.", n=NAME_MAX), "name")
    if not scopes or any(s not in ALL_SCOPES for s in scopes):
        raise UserError(_l("Choose at least one area the token may read."), "scopes")
    if days not in LIFETIMES:
        raise UserError(_l("Choose how long the token lasts."), "expires")
    if len(live_tokens(user_id)) >= MAX_LIVE:
        raise UserError(
            _l("You have %(n)d tokens already: revoke one you no longer use.", n=MAX_LIVE), "name"
        )
    plain = TOKEN_PREFIX + new_token()
    token = ApiToken(
        user_id=user_id,
        name=name,
        token_hash=hash_token(plain),
        prefix=plain[: len(TOKEN_PREFIX) + PREFIX_LENGTH],
        scopes=sorted(scopes),
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", user_id=user_id, detail={"scopes": token.scopes})
    return token, plain


def live_tokens(user_id: uuid.UUID) -> list[ApiToken]:
    now = utcnow()
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(
                ApiToken.user_id == user_id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > now,
            )
            .order_by(ApiToken.created_at.desc())
        )
    )


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("api_token.revoked", user_id=token.user_id)
    db.session.flush()


_LOOKUP: Any = None


def _lookup() -> Any:
    """The token of a hash, its user and whether an administrator locked the account, in one
    round trip (it runs on every API request); built once."""
    global _LOOKUP
    if _LOOKUP is None:
        locks = db.metadata.tables.get(ACCOUNT_LOCK_TABLE)
        locked = sa.exists().where(locks.c.user_id == User.id) if locks is not None else sa.false()
        _LOOKUP = (
            sa.select(ApiToken, User, locked.label("locked"))
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == sa.bindparam("token_hash"))
        )
    return _LOOKUP


def find_caller(plain: str | None, now: datetime | None = None) -> Caller | None:
    """The live token of *plain* and its user; unknown, revoked, expired, or of a locked or
    unverified account → None (the caller cannot tell which)."""
    if not plain or len(plain) > TOKEN_MAX or not plain.startswith(TOKEN_PREFIX):
        return None
    row = db.session.execute(_lookup(), {"token_hash": hash_token(plain)}).first()
    if row is None:
        return None
    token, user, locked = row
    now = now or utcnow()
    if locked or not token.is_live(now) or user.email_verified_at is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return Caller(token, user)
