"""Minimin on a phone: the web app manifest, the service worker and its offline page.

They are served from the site root because a service worker only controls the pages under its
own path, and the manifest's scope is "/". The worker keeps the app shell and the last
dashboard seen while signed in (decision 0007); this module marks that dashboard for it and
tells the browser to drop its caches on sign-out.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from minimin.core.i18n import html_lang
from minimin.core.security import PUBLIC, classify_blueprint

bp = Blueprint("pwa", __name__, template_folder="templates")
classify_blueprint(bp, PUBLIC)

STATIC = Path(__file__).resolve().parents[1] / "static"
#: The app's accent and page colours (static/css/minimin.css, light theme).
THEME_COLOUR = "#1d5fd1"
BACKGROUND_COLOUR = "#ffffff"
#: Static files the worker keeps so the offline page looks like the app.
SHELL_FILES = (
    "css/minimin.css",
    "js/minimin.js",
    "js/pwa.js",
    "img/favicon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/maskable-512.png",
    "icons/apple-touch-icon.png",
)
#: (file, size, purpose) of the manifest's icons.
ICONS = (
    ("icons/icon-192.png", 192, "any"),
    ("icons/icon-512.png", 512, "any"),
    ("icons/maskable-512.png", 512, "maskable"),
)
#: Endpoints whose answer ends a session: the browser drops its HTTP cache there and the worker
#: forgets the kept dashboard when it sees a POST to their paths.
SIGN_OUT_ENDPOINTS = ("accounts.logout", "privacy.delete_account", "privacy.delete_passkey_verify")
#: The header by which the worker recognises a signed-in dashboard worth keeping.
DASHBOARD_MARK = "X-Minimin-Offline"


def _sign_out_paths() -> list[str]:
    rules = current_app.url_map.iter_rules
    return sorted({rule.rule for endpoint in SIGN_OUT_ENDPOINTS for rule in rules(endpoint)})


@bp.route("/manifest.webmanifest")
def manifest() -> Response:
    snap = url_for("expenses.new", snap=1) if "expenses.new" in current_app.view_functions else None
    body: dict[str, Any] = {
        "id": "/",
        "name": "Minimin",
        "short_name": "Minimin",
        "description": _("Bookkeeping for UK sole traders."),
        "lang": html_lang(),
        "start_url": url_for("pages.home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {
                "src": url_for("static", filename=path),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": purpose,
            }
            for path, size, purpose in ICONS
        ],
        "shortcuts": [],
    }
    if snap:
        body["shortcuts"].append(
            {
                "name": _("Snap a receipt"),
                "short_name": _("Receipt"),
                "description": _("Add an expense with a photo of its receipt."),
                "url": snap,
                "icons": [{"src": url_for("static", filename=ICONS[0][0]), "sizes": "192x192"}],
            }
        )
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@cache
def _worker_source(shell: tuple[str, ...], offline: str, sign_out: tuple[str, ...]) -> str:
    """The worker script with its shell list filled in. Its version is a digest of the shell's
    contents, so a changed stylesheet or script makes browsers install the new worker."""
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update((STATIC / name).read_bytes())
    source = (STATIC / "js" / "service-worker.js").read_text(encoding="utf-8")
    digest.update(source.encode())
    values = {
        "__SHELL__": json.dumps([*shell, offline]),
        "__VERSION__": json.dumps(digest.hexdigest()[:16]),
        "__OFFLINE_URL__": json.dumps(offline),
        "__SIGN_OUT_PATHS__": json.dumps(list(sign_out)),
    }
    for placeholder, value in values.items():
        source = source.replace(placeholder, value)
    return source


@bp.route("/service-worker.js")
def service_worker() -> Response:
    shell = tuple(url_for("static", filename=name) for name in SHELL_FILES)
    source = _worker_source(shell, url_for("pwa.offline"), tuple(_sign_out_paths()))
    response = current_app.response_class(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker on each visit; no copy may hide an update.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
def offline() -> str:
    """Shown by the worker when a page cannot be reached. It holds nobody's data (it is kept
    for everyone), so it does not extend base.html with its signed-in navigation."""
    return render_template("pwa/offline.html")


def _session_ended(endpoint: str | None, status: int) -> bool:
    """A sign-out that went through (it redirects), or the page after an account deletion."""
    if endpoint == "privacy.deleted":
        return True
    return endpoint in SIGN_OUT_ENDPOINTS and status in (302, 303)


def _mark_responses(response: Response) -> Response:
    endpoint = request.endpoint
    if endpoint == "pages.home" and response.status_code == 200 and current_user.is_authenticated:
        response.headers[DASHBOARD_MARK] = "dashboard"
    elif _session_ended(endpoint, response.status_code):
        # The browser's HTTP cache; the worker empties its own cache itself (Cache Storage is
        # the "storage" type, which would also remove the worker and the shell).
        response.headers["Clear-Site-Data"] = '"cache"'
    return response


def init_pwa(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["pwa_sign_out_paths"] = _sign_out_paths
    app.after_request(_mark_responses)
