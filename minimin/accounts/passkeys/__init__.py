"""Passkeys (WebAuthn): add, list, rename and remove them; sign in with one alone or after a
password as a second factor.

Ceremonies follow py_webauthn. Every challenge is random, stored server-side in a
``passkey_challenge`` row and bound to this browser's session: the session cookie carries only a
random token whose hash names the row. Finishing a ceremony deletes the row whatever the outcome,
so a challenge answers once; rows older than five minutes are refused and swept away.

The relying party id is the host of ``MINIMIN_BASE_URL`` and the only accepted origin is that
URL's scheme, host and port. A credential's signature counter must grow (unless the
authenticator never counts, both counters zero), else the credential may have been cloned.

The package is split by sub-feature: :mod:`.registration` (adding a passkey),
:mod:`.authentication` (signing in with one, the second factor, confirming an action) and
:mod:`.management` (the passkeys page, renaming, removing, the second-factor setting), on top
of :mod:`.models`, :mod:`.forms`, :mod:`.ceremony` (the relying party, challenge rows,
credential parsing) and :mod:`.blueprint`. It imports all three route modules, so that the
blueprint is complete, and re-exports what other features and the login flow use.
"""

from __future__ import annotations

from minimin.accounts.passkeys import management, registration
from minimin.accounts.passkeys.authentication import (
    begin_confirmation,
    begin_second_factor,
    has_passkeys,
    read_credential,
    second_factor_required,
    verify_confirmation,
)
from minimin.accounts.passkeys.blueprint import bp
from minimin.accounts.passkeys.ceremony import (
    CEREMONY_TIMEOUT_MS,
    CHALLENGE_TTL,
    CONFIRM,
    LOGIN,
    MAX_CREDENTIAL_BODY,
    REGISTER,
    SECOND_FACTOR,
    relying_party,
)
from minimin.accounts.passkeys.models import (
    CREDENTIAL_ID_MAX,
    NAME_MAX,
    Passkey,
    PasskeyChallenge,
    PasskeyPreference,
)
from minimin.accounts.passkeys.registration import RECENT_LOGIN

__all__ = [
    "CEREMONY_TIMEOUT_MS",
    "CHALLENGE_TTL",
    "CONFIRM",
    "CREDENTIAL_ID_MAX",
    "LOGIN",
    "MAX_CREDENTIAL_BODY",
    "NAME_MAX",
    "RECENT_LOGIN",
    "REGISTER",
    "SECOND_FACTOR",
    "Passkey",
    "PasskeyChallenge",
    "PasskeyPreference",
    "begin_confirmation",
    "begin_second_factor",
    "bp",
    "has_passkeys",
    "management",
    "read_credential",
    "registration",
    "relying_party",
    "second_factor_required",
    "verify_confirmation",
]
