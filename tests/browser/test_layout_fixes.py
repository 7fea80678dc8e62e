"""Layout in Chromium where a functional test cannot see it, in English and Welsh, with
screenshots in build/screenshots: on a phone the brand stays level with the open menu, invoice
totals and chart text stay on screen and legible; on a desktop the outstanding-invoices table
fits its card and the account-deletion choices are radio rows, not a bulleted list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import test_signed_in_pages as signed_in_pages
from tests.browser.test_signed_in_pages import DESKTOP, PHONE, Account

# The signed-in account and its browser sign-in, shared with that module's fixtures.
account = signed_in_pages.account
signed_in_state = signed_in_pages.signed_in_state

LANGUAGES = ("en_GB", "cy")


def _context(chromium: Any, live_server: Any, state: dict[str, Any], viewport: dict, lang: str):
    phone = viewport == PHONE
    ctx = chromium.new_context(
        base_url=live_server.url,
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
        storage_state=state,
    )
    ctx.add_cookies([{"name": "lang", "value": lang, "url": live_server.url}])
    ctx.set_default_timeout(15_000)
    return ctx


@pytest.fixture(params=LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def phone_page(
    chromium: Any, live_server: Any, signed_in_state: dict[str, Any], lang: str
) -> Iterator[Any]:
    ctx = _context(chromium, live_server, signed_in_state, PHONE, lang)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def desktop_page(
    chromium: Any, live_server: Any, signed_in_state: dict[str, Any], lang: str
) -> Iterator[Any]:
    ctx = _context(chromium, live_server, signed_in_state, DESKTOP, lang)
    yield ctx.new_page()
    ctx.close()


def _smallest_chart_text_px(page: Any) -> float:
    """The smallest rendered height of a visible chart label, in CSS pixels."""
    return float(
        page.evaluate(
            """() => Math.min(...[...document.querySelectorAll('svg.chart')]
                .filter(svg => svg.getBoundingClientRect().width > 0)
                .flatMap(svg => {
                    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                    return [...svg.querySelectorAll('text')].map(
                        t => parseFloat(getComputedStyle(t).fontSize) * scale);
                }))"""
        )
    )


def test_phone_menu_invoice_totals_and_chart(
    phone_page: Any, account: Account, screenshots: Path, lang: str
) -> None:
    page = phone_page
    page.goto("/")
    page.locator("#chart-months").scroll_into_view_if_needed()
    page.screenshot(
        path=str(screenshots / f"layout-dashboard-chart-phone-{lang}.png"), full_page=True
    )
    assert _smallest_chart_text_px(page) >= 12

    # The open menu does not drag the brand down to its middle.
    page.locator("details.nav-menu > summary").click()
    brand = page.locator("a.brand").bounding_box()
    summary = page.locator("details.nav-menu > summary").bounding_box()
    assert abs((brand["y"] + brand["height"] / 2) - (summary["y"] + summary["height"] / 2)) < 4
    page.screenshot(path=str(screenshots / f"layout-menu-open-phone-{lang}.png"))

    # The invoice's totals are on screen, not in columns scrolled off to the right.
    page.goto(f"/invoices/{account.issued_invoice_id}")
    cells = page.locator(".table-wrap tfoot td")
    assert cells.count() >= 1
    cells.first.scroll_into_view_if_needed()
    for cell in cells.all():
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(
        path=str(screenshots / f"layout-invoice-totals-phone-{lang}.png"), full_page=True
    )


def test_desktop_outstanding_table_and_deletion_choices(
    desktop_page: Any, account: Account, screenshots: Path, lang: str
) -> None:
    page = desktop_page
    page.goto("/")
    assert _smallest_chart_text_px(page) >= 12
    wrap = page.locator("#outstanding ~ .table-wrap")
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")
    page.screenshot(path=str(screenshots / f"layout-dashboard-desktop-{lang}.png"), full_page=True)

    page.goto("/privacy/delete")
    radios = page.locator("fieldset.radios input[type=radio]")
    assert radios.count() == 2
    assert page.locator("form li input[type=radio]").count() == 0
    page.locator("fieldset.radios").screenshot(
        path=str(screenshots / f"layout-delete-choices-desktop-{lang}.png")
    )
