"""Minimin installed on a phone, in Chromium at 375 px: the manifest is linked and parses without
errors, the service worker registers and controls the page, offline the last dashboard shows
with its "offline" banner and any other page shows the offline page, and after sign-out the
worker's cache holds no dashboard.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "lantern meadow cobalt 82 gently"
PHONE = {"width": 375, "height": 812}

# True once the worker's cache holds the dashboard (it is written just after the page arrives).
DASHBOARD_KEPT = """async () => {
  for (let i = 0; i < 100; i++) {
    const cache = await caches.open("minimin-dashboard");
    if (await cache.match("/")) { return true; }
    await new Promise((done) => setTimeout(done, 50));
  }
  return false;
}"""
DASHBOARD_IN_CACHE = """async () => {
  if (!(await caches.has("minimin-dashboard"))) { return false; }
  return Boolean(await (await caches.open("minimin-dashboard")).match("/"));
}"""


@pytest.fixture
def trader(live_server: Any) -> str:
    """A signed-up user past the guided setup, so that "/" is their dashboard."""
    from minimin.accounts.models import User
    from minimin.accounts.services import email_key, hash_password
    from minimin.business.models import BusinessProfile
    from minimin.core.db import utcnow
    from minimin.extensions import db

    email = f"phone-{uuid.uuid4().hex[:8]}@example.com"
    with live_server.app.test_request_context():
        user = User(
            email=email,
            email_key=email_key(email),
            full_name="Pat Phone",
            password_hash=hash_password(PASSWORD),
            email_verified_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(
            BusinessProfile(user_id=user.id, business_name="Pat Phone", onboarding_step="done")
        )
        db.session.commit()
    return email


@pytest.fixture
def phone(chromium: Any, live_server: Any) -> Iterator[Any]:
    ctx = chromium.new_context(base_url=live_server.url, viewport=PHONE)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def test_installable_offline_dashboard_forgotten_on_sign_out(
    phone: Any, trader: str, screenshots: Path
) -> None:
    page = phone.new_page()
    page.goto("/login")
    page.get_by_label("Email address").fill(trader)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.get_by_role("heading", name="Tax year").first.is_visible()

    # The manifest: linked, and parsed by Chromium itself without errors.
    cdp = phone.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == []
    assert '"Snap a receipt"' in manifest["data"]

    # The worker installs, takes control, and keeps the dashboard when it is next opened.
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()
    assert page.evaluate(DASHBOARD_KEPT) is True

    # "Snap a receipt" on the expenses list opens the form with the camera-ready field focused.
    page.goto("/expenses/")
    page.screenshot(path=str(screenshots / "pwa-expenses-snap-375.png"))
    with page.expect_navigation():
        page.get_by_role("link", name="Snap a receipt").click()
    receipt = page.get_by_label("Receipt (photo or PDF, optional)")
    assert receipt.get_attribute("capture") == "environment"
    assert receipt.evaluate("(input) => input === document.activeElement") is True

    phone.set_offline(True)
    page.goto("/")
    banner = page.locator(".offline-banner")
    assert banner.is_visible()
    assert banner.inner_text().startswith("Offline: figures as of ")
    assert page.get_by_role("heading", name="Tax year").first.is_visible()
    page.screenshot(path=str(screenshots / "pwa-offline-dashboard-375.png"), full_page=True)

    page.goto("/expenses/")
    assert page.get_by_role("heading", name="You are offline").is_visible()
    page.screenshot(path=str(screenshots / "pwa-offline-page-375.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("link", name="Open the dashboard").click()
    assert page.locator(".offline-banner").is_visible()

    # Back online, the dashboard has no banner; signing out forgets the kept copy.
    phone.set_offline(False)
    page.goto("/")
    assert page.locator(".offline-banner").count() == 0
    page.locator(".nav-menu summary").click()
    with page.expect_navigation():
        page.locator(".nav-menu").get_by_role("button", name="Sign out").click()
    assert page.get_by_text("You have signed out.").is_visible()
    assert page.evaluate(DASHBOARD_IN_CACHE) is False

    # Offline again, "/" now shows the offline page, not the last user's figures.
    phone.set_offline(True)
    page.goto("/")
    assert page.get_by_role("heading", name="You are offline").is_visible()
    assert page.locator(".offline-banner").count() == 0
