"""The signed session cookie, as Flask makes it, with its signing serializer built once.

Flask builds a new serializer (and checks it by serialising an empty value) each time it opens
or saves a session: twice per request, about a twentieth of a sign-in page's time. The
serializer depends only on the secret keys and the salt, so it is kept per application and
built again only when those change.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._kept: tuple[Any, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()), self.salt)
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = (keys, super().get_signing_serializer(app))
            self._kept = kept
        return kept[1]


def register_sessions(app: Flask) -> None:
    app.session_interface = KeptSerializerSessionInterface()
