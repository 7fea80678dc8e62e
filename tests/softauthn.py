"""A software authenticator for passkey tests, built on soft-webauthn's ``SoftWebauthnDevice``.

soft-webauthn speaks the browser API with raw bytes; Minimin's server speaks the JSON that
passkeys.js posts. This wrapper translates, and adds what soft-webauthn lacks: the user-verified
flag (a platform authenticator after Face ID or a PIN), a counter that can be frozen at zero, and
the means to answer for another origin or RP id, as a phishing site would.
"""

from __future__ import annotations

import json
import struct
from base64 import urlsafe_b64decode, urlsafe_b64encode
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.utils import sha256
from soft_webauthn import SoftWebauthnDevice

FLAG_UP = 0x01
FLAG_UV = 0x04


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64url(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator(SoftWebauthnDevice):
    """One credential on one simulated device."""

    def __init__(self, *, user_verified: bool = True, counts: bool = True):
        super().__init__()
        self.user_verified = user_verified
        self.counts = counts
        self.forced_credential_id: bytes | None = None

    # ----------------------------------------------------------------------- registration

    def create_json(
        self,
        options: dict[str, Any],
        origin: str,
        *,
        rp_id: str | None = None,
        credential_id: bytes | None = None,
    ) -> dict[str, Any]:
        """Answer ``navigator.credentials.create`` for the server's JSON *options*."""
        public_key = dict(options)
        public_key["challenge"] = unb64url(options["challenge"])
        public_key["user"] = {**options["user"], "id": unb64url(options["user"]["id"])}
        public_key["rp"] = {**options["rp"], "id": rp_id or options["rp"]["id"]}
        excluded = {d["id"] for d in options.get("excludeCredentials", [])}
        self.forced_credential_id = credential_id
        result = self.create({"publicKey": public_key}, origin)
        if b64url(self.credential_id) in excluded:
            raise ValueError("InvalidStateError: this authenticator is already registered")
        attestation = cbor.decode(result["response"]["attestationObject"])
        if self.user_verified:
            auth_data = bytearray(attestation["authData"])
            auth_data[32] |= FLAG_UV
            attestation["authData"] = bytes(auth_data)
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(result["response"]["clientDataJSON"]),
                "attestationObject": b64url(cbor.encode(attestation)),
                "transports": ["internal"],
            },
        }

    def cred_init(self, rp_id: str, user_handle: bytes) -> None:
        super().cred_init(rp_id, user_handle)
        if self.forced_credential_id is not None:
            self.credential_id = self.forced_credential_id

    # --------------------------------------------------------------------- authentication

    def get_json(
        self,
        options: dict[str, Any],
        origin: str,
        *,
        rp_id: str | None = None,
        user_handle: bytes | None = None,
    ) -> dict[str, Any]:
        """Answer ``navigator.credentials.get`` for the server's JSON *options*."""
        allowed = {d["id"] for d in options.get("allowCredentials") or []}
        if allowed and b64url(self.credential_id) not in allowed:
            raise ValueError("NotAllowedError: no credential on this device is allowed")
        if self.counts:
            self.sign_count += 1
        client_data = json.dumps(
            {"type": "webauthn.get", "challenge": options["challenge"], "origin": origin}
        ).encode("utf-8")
        flags = FLAG_UP | (FLAG_UV if self.user_verified else 0)
        auth_data = (
            sha256((rp_id or options["rpId"]).encode("ascii"))
            + bytes([flags])
            + struct.pack(">I", self.sign_count)
        )
        signature = self.private_key.sign(
            auth_data + sha256(client_data), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "authenticatorData": b64url(auth_data),
                "clientDataJSON": b64url(client_data),
                "signature": b64url(signature),
                "userHandle": b64url(user_handle or self.user_handle),
            },
        }
