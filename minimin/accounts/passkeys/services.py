"""Passkey writes a user asks for: add one (after its attestation is checked), rename one,
remove one, and the setting that asks for a passkey after the password. Each is in the
security log. The ceremonies (challenges, attestation, assertions) stay in their modules."""

from __future__ import annotations

import uuid

from minimin.accounts.inputs import PasskeyInput, PasskeyNameInput, SecondFactorInput
from minimin.accounts.passkeys import store
from minimin.accounts.passkeys.models import Passkey, _passkey_count, _preference
from minimin.core import audit


def add_passkey(user_id: uuid.UUID, data: PasskeyInput) -> Passkey:
    passkey = Passkey(
        user_id=user_id,
        credential_id=data.credential_id,
        public_key=data.public_key,
        sign_count=data.sign_count,
        transports=list(data.transports) or None,
        name=data.name,
        backed_up=data.backed_up,
    )
    store.add_passkey(passkey)
    audit.record(
        "passkey.added",
        user_id=user_id,
        actor_id=user_id,
        subject=passkey.id,
        detail={"name": passkey.name},
    )
    return passkey


def rename_passkey(passkey: Passkey, data: PasskeyNameInput) -> None:
    old = passkey.name
    passkey.name = data.name or passkey.name
    audit.record(
        "passkey.renamed",
        user_id=passkey.user_id,
        actor_id=passkey.user_id,
        subject=passkey.id,
        detail={"from": old, "to": passkey.name},
    )


def remove_passkey(passkey: Passkey) -> bool:
    """Remove *passkey*; returns whether that switched the second factor off (it was the last
    passkey, so the second factor could never be given again)."""
    user_id, name = passkey.user_id, passkey.name
    store.remove_passkey(passkey)
    audit.record(
        "passkey.removed",
        user_id=user_id,
        actor_id=user_id,
        subject=passkey.id,
        detail={"name": name},
    )
    pref = _preference(user_id)
    if pref is None or not pref.require_after_password or _passkey_count(user_id):
        return False
    pref.require_after_password = False
    audit.record(
        "passkey.second_factor_off",
        user_id=user_id,
        actor_id=user_id,
        detail={"reason": "last passkey removed"},
    )
    return True


def set_second_factor(user_id: uuid.UUID, data: SecondFactorInput) -> None:
    wanted = data.require_after_password
    preference = store.preference_of(user_id, _preference(user_id))
    if preference.require_after_password != wanted:
        preference.require_after_password = wanted
        audit.record(
            "passkey.second_factor_on" if wanted else "passkey.second_factor_off",
            user_id=user_id,
            actor_id=user_id,
        )
