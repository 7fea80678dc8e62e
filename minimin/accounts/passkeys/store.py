"""The passkeys' records, read and written for the passkey pages (which reach no database
session themselves): passkeys by owner or by credential, the second-factor preference, and
the account a ceremony or a passkey belongs to."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from minimin.accounts.models import User
from minimin.accounts.passkeys.models import Passkey, PasskeyPreference
from minimin.extensions import db


def second_factor_wanted(user_id: uuid.UUID) -> bool:
    """Whether the user asked for a passkey after the password (whether or not they still
    have one)."""
    wanted = db.session.scalar(
        sa.select(PasskeyPreference.require_after_password).where(
            PasskeyPreference.user_id == user_id
        )
    )
    return bool(wanted)


def passkey_for_update(credential_id: str) -> Passkey | None:
    """The passkey of this credential id, locked until the request's transaction ends (its
    signature counter is checked and moved once)."""
    return db.session.scalar(
        sa.select(Passkey).where(Passkey.credential_id == credential_id).with_for_update()
    )


def credential_registered(credential_id: str) -> bool:
    """Whether any account already has a passkey of this credential id."""
    found = db.session.scalar(sa.select(Passkey.id).where(Passkey.credential_id == credential_id))
    return found is not None


def add_passkey(passkey: Passkey) -> None:
    db.session.add(passkey)
    db.session.flush()


def remove_passkey(passkey: Passkey) -> None:
    db.session.delete(passkey)
    db.session.flush()


def preference_of(user_id: uuid.UUID, existing: PasskeyPreference | None) -> PasskeyPreference:
    """The user's preference: *existing*, or a new one (second factor off) added now."""
    if existing is not None:
        return existing
    pref = PasskeyPreference(user_id=user_id, require_after_password=False)
    db.session.add(pref)
    return pref


def account(user_id: uuid.UUID) -> User | None:
    """The account a passkey or a ceremony belongs to (None once it is deleted)."""
    return db.session.get(User, user_id)
