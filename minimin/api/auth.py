"""The bearer-token check of every ``api`` route (installed into :mod:`minimin.core.security`).

Only ``Authorization: Bearer <token>`` is read: a session cookie never authenticates an API
request, which is why the API needs no CSRF token and a page's cookie can never drive it.
"""

from __future__ import annotations

from flask import Response, g, request

from minimin.api import tokens
from minimin.api.problems import problem

CHALLENGE = 'Bearer realm="minimin"'


def authenticate() -> Response | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return problem(
            401,
            "Send a personal access token as Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": CHALLENGE},
        )
    caller = tokens.find_caller(value.strip())
    if caller is None:
        return problem(
            401,
            "The token is unknown, revoked or expired.",
            headers={"WWW-Authenticate": CHALLENGE + ', error="invalid_token"'},
        )
    # Flask-Login reads the request's user from here: it never looks at the session, and
    # every service and owner check sees the token's user.
    g._login_user = caller.user
    g.account_locked = False  # find_caller refused locked accounts
    g.api_caller = caller
    return None
