"""Installing Minimin on a phone: the manifest, its icons, the service worker as the browser
fetches it, the offline page, the dashboard mark, and the cache clearing on sign-out."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from PIL import Image

from minimin.core.security import CSP

STATIC = Path(__file__).resolve().parents[2] / "minimin" / "static"


def _trader(app: Any, make_user: Any, **fields: Any) -> Any:
    """A user past the guided setup, so that "/" is their dashboard."""
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db

    user = make_user(**fields)
    with app.app_context():
        db.session.add(
            BusinessProfile(user_id=user.id, business_name="Sam Trader", onboarding_step="done")
        )
        db.session.commit()
    return user


def _manifest(client: Any) -> dict[str, Any]:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return manifest


def test_manifest_is_complete_and_its_icons_are_the_sizes_it_states(client: Any) -> None:
    manifest = _manifest(client)
    assert manifest["name"] == manifest["short_name"] == "Minimin"
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    css = (STATIC / "css" / "minimin.css").read_text()
    light = css.split("}", 1)[0]
    assert f"--accent: {manifest['theme_color']}" in light
    assert f"--bg: {manifest['background_color']}" in light
    purposes = set()
    for icon in manifest["icons"]:
        width, height = (int(n) for n in icon["sizes"].split("x"))
        served = client.get(icon["src"])
        assert served.status_code == 200
        image = Image.open(io.BytesIO(served.data))
        assert image.format == "PNG" and icon["type"] == "image/png"
        assert image.size == (width, height)
        purposes.add(icon["purpose"])
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert purposes == {"any", "maskable"}
    # A maskable icon is full-bleed: its corners are painted, not transparent.
    maskable = next(i for i in manifest["icons"] if i["purpose"] == "maskable")
    painted = Image.open(io.BytesIO(client.get(maskable["src"]).data)).convert("RGBA")
    assert painted.getpixel((0, 0)) == (0x1D, 0x5F, 0xD1, 255)


def test_snap_a_receipt_shortcut_opens_the_expense_form_on_the_camera(
    client: Any, make_user: Any, login: Any
) -> None:
    shortcut = next(s for s in _manifest(client)["shortcuts"] if s["name"] == "Snap a receipt")
    assert shortcut["url"] == "/expenses/new?snap=1"
    login(client, make_user())
    page = client.get(shortcut["url"]).get_data(as_text=True)
    receipt = re.search(r"<input[^>]*\bid=\"receipt\"[^>]*>", page)
    assert receipt is not None
    assert 'capture="environment"' in receipt.group(0)
    assert "image/jpeg" in receipt.group(0) and "application/pdf" in receipt.group(0)
    assert "autofocus" in receipt.group(0)
    # Without the shortcut's ?snap=1 the form opens at its first field, as before.
    plain = client.get("/expenses/new").get_data(as_text=True)
    field = re.search(r"<input[^>]*\bid=\"receipt\"[^>]*>", plain)
    assert field is not None and "autofocus" not in field.group(0)


def test_service_worker_is_served_from_the_root_uncached_with_its_shell(client: Any) -> None:
    response = client.get("/service-worker.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    assert "__SHELL__" not in source and "__VERSION__" not in source
    shell = json.loads(re.search(r"var SHELL = (\[.*?\]);", source).group(1))  # type: ignore[union-attr]
    assert "/offline" in shell and "/static/css/minimin.css" in shell
    for url in shell:
        assert client.get(url).status_code == 200, url
    sign_out = json.loads(re.search(r"var SIGN_OUT_PATHS = (\[.*?\]);", source).group(1))  # type: ignore[union-attr]
    assert "/logout" in sign_out
    # No outside script: the worker and the page script load from this site only (CSP).
    assert "script-src 'self'" in CSP and not re.search(r"https?:|importScripts", source)


def test_offline_page_holds_no_signed_in_navigation(
    client: Any, make_user: Any, login: Any
) -> None:
    login(client, make_user(full_name="Priya Offline"))
    response = client.get("/offline")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "You are offline" in page
    assert "Sign out" not in page and "csrf_token" not in page and "Priya" not in page


def test_signed_in_dashboard_is_marked_for_keeping_and_the_public_home_is_not(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    public = client.get("/")
    assert "X-Minimin-Offline" not in public.headers
    assert 'rel="manifest" href="/manifest.webmanifest"' in public.get_data(as_text=True)
    login(client, _trader(app, make_user))
    dashboard = client.get("/")
    assert dashboard.headers["X-Minimin-Offline"] == "dashboard"
    assert dashboard.headers["Cache-Control"] == "no-store"
    assert client.get("/expenses/").headers.get("X-Minimin-Offline") is None


def test_sign_out_clears_the_browser_cache(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    login(client, _trader(app, make_user))
    response = client.submit("/logout", {}, form_page="/")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'
    # Only sign-out asks for it: an ordinary page keeps the browser's cache.
    assert "Clear-Site-Data" not in client.get("/").headers
    # The page after an account deletion asks for it too.
    assert client.get("/privacy/deleted").headers["Clear-Site-Data"] == '"cache"'
