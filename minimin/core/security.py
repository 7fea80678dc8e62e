"""Security mechanisms shared by every route: access classes, headers and safe redirects.

**Deny by default** (docs/design-rules.md, rule 8). Every endpoint carries one access class:

``public``   anyone (legal pages, login form, health check);
``user``     a signed-in, verified user;
``admin``    a signed-in admin (the admin package adds its passkey and recency checks);
``webhook``  a machine caller that proves itself by a signature; CSRF-exempt;
``token``    anyone holding an unguessable link; no-referrer.
``api``      a caller with a personal access token in ``Authorization: Bearer`` (the JSON API);
             cookies are never read, so it is CSRF-exempt; the API package registers the check
             with :func:`register_api_authenticator`, and without one every such route is 404.

A blueprint gives its views a default class with :func:`classify_blueprint`; a view may
override it with the decorators below. An endpoint with no class answers 404 and is reported by
the route-matrix test, so a forgotten classification can never expose a page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

PUBLIC = "public"
USER = "user"
ADMIN = "admin"
WEBHOOK = "webhook"
TOKEN = "token"  # noqa: S105 - an access class, not a password
API = "api"
ACCESS_CLASSES = (PUBLIC, USER, ADMIN, WEBHOOK, TOKEN, API)
#: ``app.extensions`` key of the API's bearer-token check (see :func:`register_api_authenticator`).
API_AUTHENTICATOR = "minimin_api_authenticator"

F = TypeVar("F", bound=Callable[..., Any])

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
#: Served user files: nothing in them may run, even if a browser sniffed them as HTML.
SANDBOX_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def access(kind: str, *, csrf_exempt: bool = False) -> Callable[[F], F]:
    """Give one view its access class (overrides its blueprint's default)."""
    if kind not in ACCESS_CLASSES:
        raise ValueError(f"unknown access class {kind!r}")

    def decorate(view: F) -> F:
        # The access class travels on the view function.
        view._minimin_access = kind  # type: ignore[attr-defined]
        if csrf_exempt or kind == WEBHOOK:
            from minimin.extensions import csrf

            csrf.exempt(view)
        return view

    return decorate


public = access(PUBLIC)
user_only = access(USER)
admin_only = access(ADMIN)
webhook = access(WEBHOOK, csrf_exempt=True)
token_access = access(TOKEN)


def classify_blueprint(blueprint: Blueprint, kind: str) -> None:
    """Give every view of *blueprint* a default access class."""
    if kind not in ACCESS_CLASSES:
        raise ValueError(f"unknown access class {kind!r}")
    # The access class travels on the blueprint.
    blueprint.minimin_access = kind  # type: ignore[attr-defined]


def access_class(app: Flask, endpoint: str | None) -> str | None:
    """The access class of *endpoint*, or None when it was never classified."""
    if endpoint is None:
        return None
    if endpoint == "static":
        return PUBLIC
    view = app.view_functions.get(endpoint)
    kind = getattr(view, "_minimin_access", None)
    if kind:
        return str(kind)
    blueprint_name = endpoint.rsplit(".", 1)[0] if "." in endpoint else None
    if blueprint_name:
        # Nested blueprints are named "parent.child"; the innermost classification wins.
        parts = blueprint_name.split(".")
        for i in range(len(parts), 0, -1):
            blueprint = app.blueprints.get(".".join(parts[:i]))
            kind = getattr(blueprint, "minimin_access", None)
            if kind:
                return str(kind)
    return None


def _enforce_access() -> ResponseReturnValue | None:
    if request.endpoint is None:
        return None  # routing failed: Flask answers 404/405 itself
    kind = access_class(current_app, request.endpoint)
    g.minimin_access = kind
    if kind is None:
        current_app.logger.error("unclassified endpoint %s refused", request.endpoint)
        abort(404)
    if kind == API:
        return _authenticate_api()
    if kind in (PUBLIC, WEBHOOK, TOKEN):
        return None
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        # Flask-Login sets app.login_manager.
        login_view = current_app.login_manager.login_view  # type: ignore[attr-defined]
        return redirect(url_for(login_view, next=request.full_path.rstrip("?")))
    if kind == ADMIN and not getattr(current_user, "is_admin", False):
        abort(403)
    return None


def register_api_authenticator(app: Flask, check: Callable[[], ResponseReturnValue | None]) -> None:
    """Install the bearer-token check of ``api`` routes: it answers the refusal itself, or
    returns None once it has set the request's user."""
    app.extensions[API_AUTHENTICATOR] = check


def _authenticate_api() -> ResponseReturnValue | None:
    check = current_app.extensions.get(API_AUTHENTICATOR)
    if check is None:
        abort(404)  # deny by default: no authenticator, no API
    return check()


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    kind = g.get("minimin_access")
    referrer = "no-referrer" if kind == TOKEN or g.get("minimin_no_referrer") else "same-origin"
    headers.setdefault("Referrer-Policy", referrer)
    if current_app.config.get("MINIMIN_MODE") == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    # A public page rendered for a signed-in user (the dashboard at "/", the navigation of any
    # page) carries their data too. Flask-Login keeps the user it loaded for this request in
    # g._login_user; reading that never queries the database from here.
    loaded = g.get("_login_user")
    signed_in = loaded is not None and loaded.is_authenticated and request.endpoint != "static"
    authenticated = (
        kind in (USER, ADMIN, TOKEN, API)
        or signed_in
        or (kind != PUBLIC and current_user and current_user.is_authenticated)
    )
    if authenticated or kind is None:
        headers["Cache-Control"] = "no-store"
    return response


def register_security(app: Flask) -> None:
    app.before_request(_enforce_access)
    app.after_request(_security_headers)


_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def safe_next(target: str | None, default: str = "/") -> str:
    """Return *target* if it is a path on this site, else *default*.

    Refuses absolute and scheme-relative URLs, backslashes (browsers read ``/\\`` as ``//``),
    any scheme (``javascript:``, ``https:evil.com``), control characters and leading white
    space, also after percent-decoding (``%2F%2Fevil.com``).
    """
    if not target or len(target) > 2000:
        return default
    for candidate in (target, unquote(target)):
        if candidate != candidate.strip() or not candidate.startswith("/"):
            return default
        if candidate.startswith("//") or "\\" in candidate:
            return default
        if any(unicodedata.category(ch)[0] in ("C", "Z") and ch != " " for ch in candidate):
            return default
        if _SCHEME_RE.match(candidate):
            return default
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return default
    return target
