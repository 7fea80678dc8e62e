"""What an administrator can do to an account, by its id only: lock, unlock, force a reset.

The account is acted on through the accounts service; nothing read here is returned.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from minimin.admin.models import AccountLock
from minimin.core.crypto import hmac_id
from minimin.core.db import Base, utcnow
from minimin.extensions import db


def _user(user_id: uuid.UUID) -> Any:
    # The account object is handed to the accounts service only. It is found through the
    # mapper registry by table name, so the admin package imports no feature model.
    user_table = db.metadata.tables.get("user")
    for mapper in Base.registry.mappers:
        if user_table is not None and mapper.local_table is user_table:
            return db.session.get(mapper.class_, user_id)
    raise LookupError("no user table")


def is_locked(user_id: uuid.UUID) -> bool:
    return (
        db.session.scalar(sa.select(AccountLock.id).where(AccountLock.user_id == user_id))
        is not None
    )


def lock(user_id: uuid.UUID, admin_id: uuid.UUID) -> bool:
    """Lock the account and end its sessions; False when it was already locked."""
    from minimin.accounts import auth

    if is_locked(user_id):
        return False
    db.session.add(AccountLock(user_id=user_id, admin_hash=hmac_id(admin_id), locked_at=utcnow()))
    user = _user(user_id)
    if user is not None:
        auth.end_other_sessions(user)
    return True


def unlock(user_id: uuid.UUID) -> bool:
    result = db.session.execute(sa.delete(AccountLock).where(AccountLock.user_id == user_id))
    # A DML statement's result is a CursorResult (rowcount), typed as Result.
    return bool(result.rowcount)  # type: ignore[attr-defined]


def force_password_reset(user_id: uuid.UUID) -> bool:
    """End every session of the account and email its owner a reset link (accounts service)."""
    from minimin.accounts import auth
    from minimin.accounts import services as accounts_services
    from minimin.accounts.inputs import EmailRequestInput

    user = _user(user_id)
    if user is None:
        return False
    auth.end_other_sessions(user)
    accounts_services.request_password_reset(EmailRequestInput(user.email))
    return True
