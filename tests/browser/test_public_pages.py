"""The public pages in Chromium: they load, the footer preferences work by keyboard, they fit a
375 px phone, and an axe scan finds no serious or critical accessibility problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

PUBLIC_PAGES = [
    "/",
    "/login",
    "/signup",
    "/login/passkey",
    "/legal/privacy",
    "/legal/cookies",
    "/legal/terms",
]
PHONE = {"width": 375, "height": 812}


def tab_to(page: Any, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element with *element_id* has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_loads_and_passes_axe(page: Any, axe_problems: Any, path: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    response = page.goto(path)
    assert response is not None and response.status == 200
    assert page.locator("h1").count() >= 1
    assert page.title().endswith("· Minimin")
    assert page.get_attribute("html", "lang") == "en-GB"
    # No CSP violation, no failed script: the console stays clean.
    assert errors == []
    assert axe_problems(page) == []


def test_dark_theme_by_keyboard_and_axe_in_dark(page: Any, axe_problems: Any) -> None:
    page.goto("/")
    assert page.get_attribute("html", "data-theme") == "system"
    page.locator("body").focus()
    tab_to(page, "pref-theme")
    page.keyboard.type("Dark")  # type-ahead selects the option, as on a real keyboard
    assert page.eval_on_selector("#pref-theme", "el => el.value") == "dark"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_attribute("html", "data-theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 22, 28)"
    # The choice is remembered on every page.
    page.goto("/legal/terms")
    assert page.get_attribute("html", "data-theme") == "dark"
    assert axe_problems(page) == []


def test_welsh_by_keyboard(page: Any, axe_problems: Any) -> None:
    page.goto("/legal/privacy")
    page.locator("body").focus()
    tab_to(page, "pref-language")
    page.keyboard.type("Cymraeg")
    assert page.eval_on_selector("#pref-language", "el => el.value") == "cy"
    tab_to(page, "pref-theme")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Back on the same page, now in Welsh.
    assert page.url.endswith("/legal/privacy")
    assert page.get_attribute("html", "lang") == "cy"
    assert page.eval_on_selector("#pref-language", "el => el.value") == "cy"
    page.goto("/")
    assert page.get_attribute("html", "lang") == "cy"
    assert axe_problems(page) == []


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_fits_a_phone(chromium: Any, live_server: Any, path: str) -> None:
    ctx = chromium.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    try:
        page = ctx.new_page()
        page.goto(path)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways: {width}px wide"
        # The menu opens and its links fit too.
        page.get_by_text("Menu", exact=True).click()
        assert page.locator("details.nav-menu[open]").count() == 1
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    finally:
        ctx.close()


def test_phone_screenshots(chromium: Any, live_server: Any, screenshots: Path) -> None:
    """Full-page pictures at 375 px, kept in build/screenshots for a person to look at."""
    ctx = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, device_scale_factor=1
    )
    try:
        page = ctx.new_page()
        for path, name in (
            ("/", "home"),
            ("/signup", "signup"),
            ("/login", "login"),
            ("/login/passkey", "passkey-login"),
        ):
            page.goto(path)
            target = screenshots / f"phone-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 1000
    finally:
        ctx.close()
