"""What every WebAuthn ceremony shares: the relying party, the challenge rows bound to this
browser's session (started, looked up, used once), and reading the credential JSON the
browser posts.

A challenge is stored server-side; the session cookie carries only a random token whose hash
names the row, and finishing a ceremony deletes the row whatever the outcome.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, request, session
from webauthn.helpers.structs import AuthenticatorTransport, PublicKeyCredentialDescriptor

from minimin.accounts.passkeys.models import CREDENTIAL_ID_MAX, Passkey, PasskeyChallenge
from minimin.core.crypto import hash_token, new_token
from minimin.core.db import utcnow
from minimin.core.transaction import keep_changes_on_error
from minimin.extensions import db

CHALLENGE_TTL = timedelta(minutes=5)
#: A ceremony's JSON is a few kilobytes; anything much larger is not a credential.
MAX_CREDENTIAL_BODY = 64 * 1024
CEREMONY_TIMEOUT_MS = 120_000

REGISTER = "register"
LOGIN = "login"
SECOND_FACTOR = "second_factor"
CONFIRM = "confirm"
_SESSION_KEYS = {
    REGISTER: "pk_register",
    LOGIN: "pk_login",
    SECOND_FACTOR: "pk_second_factor",
    CONFIRM: "pk_confirm",
}
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


def relying_party() -> tuple[str, str]:
    """The RP id (host of the base URL) and the one accepted origin (scheme://host[:port])."""
    parts = urlsplit(current_app.config["BASE_URL"])
    if not parts.hostname or parts.scheme not in ("http", "https"):
        raise RuntimeError("MINIMIN_BASE_URL has no http(s) host: passkeys need one")
    # Browsers serialise the origin with a lower-case host and without a default port.
    default_port = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return parts.hostname, f"{parts.scheme}://{parts.hostname}{port}"


def _user_handle(user_id: uuid.UUID) -> bytes:
    # The WebAuthn user handle: the account's opaque UUID, never the email address.
    return user_id.bytes


def _sweep_expired() -> None:
    db.session.execute(sa.delete(PasskeyChallenge).where(PasskeyChallenge.expires_at < utcnow()))


def _new_ceremony(purpose: str, **fields: Any) -> PasskeyChallenge:
    """Start a ceremony bound to this session, replacing any earlier one of the same purpose."""
    _sweep_expired()
    earlier = session.pop(_SESSION_KEYS[purpose], None)
    if earlier:
        db.session.execute(
            sa.delete(PasskeyChallenge).where(PasskeyChallenge.token_hash == hash_token(earlier))
        )
    token = new_token()
    now = utcnow()
    row = PasskeyChallenge(
        token_hash=hash_token(token),
        purpose=purpose,
        created_at=now,
        expires_at=now + CHALLENGE_TTL,
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    session[_SESSION_KEYS[purpose]] = token
    return row


def _current_ceremony(purpose: str) -> PasskeyChallenge | None:
    """The live ceremony of this session for *purpose*, without consuming it."""
    token = session.get(_SESSION_KEYS[purpose])
    if not token or not isinstance(token, str):
        return None
    row = db.session.scalar(
        sa.select(PasskeyChallenge).where(
            PasskeyChallenge.token_hash == hash_token(token), PasskeyChallenge.purpose == purpose
        )
    )
    if row is None or row.expires_at < utcnow():
        return None
    return row


def _consume_ceremony(purpose: str) -> PasskeyChallenge | None:
    """Take this session's ceremony for *purpose* and delete it: a challenge answers once.

    The deletion is kept even when the request then answers with an error.
    """
    row = _current_ceremony(purpose)
    session.pop(_SESSION_KEYS[purpose], None)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        keep_changes_on_error()
    return row


def _read_credential() -> dict[str, Any] | None:
    """The credential JSON posted by passkeys.js, or None when it is not a JSON object."""
    if request.content_length is not None and request.content_length > MAX_CREDENTIAL_BODY:
        abort(413)
    raw = request.get_data(cache=True)
    if len(raw) > MAX_CREDENTIAL_BODY:
        abort(413)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        # ValueError: not JSON or not UTF-8; RecursionError: nested deeper than Python parses.
        return None
    return data if isinstance(data, dict) else None


def _credential_id_of(credential: dict[str, Any]) -> str | None:
    raw = credential.get("rawId") or credential.get("id")
    if not isinstance(raw, str) or not raw or len(raw) > CREDENTIAL_ID_MAX:
        return None
    return raw.rstrip("=")


def _transports_of(credential: dict[str, Any]) -> list[str]:
    response = credential.get("response")
    raw = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(raw, list):
        return []
    return sorted({t for t in raw if isinstance(t, str) and t in _TRANSPORTS})


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    from webauthn.helpers import base64url_to_bytes

    transports = [AuthenticatorTransport(t) for t in passkey.transports or [] if t in _TRANSPORTS]
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.credential_id), transports=transports or None
    )
