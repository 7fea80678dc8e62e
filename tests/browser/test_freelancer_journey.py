"""The everyday journey's pages in Chromium: the reports index, the lists' sortable headers
(by keyboard, aria-sort), invoicing from "Jobs to invoice", a client's account and the client's
pay page, at 1280 px and on a 375 px phone (screenshots in build/screenshots)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_signed_in_pages import (  # noqa: F401 - fixtures
    LONG_AGENCY,
    Account,
    account,
    desktop,
    phone,
    signed_in_state,
)

PAGES = {
    "reports": "/reports/",
    "jobs-to-invoice": "/jobs/to-invoice",
    "invoices": "/invoices?sort=total&dir=desc",
    "client-account": "/clients/{client_id}",
    "agency-account": "/agencies/{agency_id}",
    "settings-bank": "/settings/business/bank",
    "guide": "/guide",
}


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_journey_pages_fit_and_sort_by_keyboard(
    desktop: Any,  # noqa: F811 - the fixtures imported above
    phone: Any,  # noqa: F811
    account: Account,  # noqa: F811
    screenshots: Path,
    width: str,
) -> None:
    page = desktop if width == "desktop" else phone
    for name, template in PAGES.items():
        response = page.goto(template.format(**vars(account)))
        assert response is not None and response.status == 200, name
        assert _fits(page), f"{name} scrolls sideways at {width}"
        page.screenshot(path=str(screenshots / f"journey-{name}-{width}.png"), full_page=True)

    # Sorting by keyboard: the header link is focusable and Enter re-sorts; aria-sort follows.
    page.goto("/invoices")
    header = page.locator("th", has=page.get_by_role("link", name="Total"))
    assert header.get_attribute("aria-sort") == "none"
    page.get_by_role("link", name="Total").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    header = page.locator("th", has=page.get_by_role("link", name=re.compile("^Total")))
    assert header.get_attribute("aria-sort") == "ascending"

    # The client's pay page: bank details and the reference, whether or not cards are on.
    page.goto(f"/invoices/{account.issued_invoice_id}")
    link = page.locator("a[href*='/pay/']").first.get_attribute("href")
    assert link
    page.goto(link)
    assert page.get_by_role("heading", name="Pay by bank transfer").is_visible()
    assert page.get_by_text("12-34-56").is_visible()
    assert _fits(page)
    page.screenshot(path=str(screenshots / f"journey-pay-page-{width}.png"), full_page=True)


def test_fee_lines_are_added_in_place_with_running_totals(
    desktop: Any,  # noqa: F811 - the fixture imported above
    account: Account,  # noqa: F811
    screenshots: Path,
) -> None:
    page = desktop
    page.goto("/jobs/new")
    page.get_by_label("Title").fill("Lookbook")
    page.select_option("#agency_id", label=LONG_AGENCY)
    page.fill("#fee_lines-0-quantity", "2")
    page.fill("#fee_lines-0-unit_amount", "500")
    totals = page.locator("#running-totals")
    assert totals.is_visible()
    # 2 × £500 = £1,000 gross; the agency's 20% commission with VAT added on it.
    assert "£1,000.00" in totals.inner_text() and "£200.00" in totals.inner_text()
    assert "£760.00" in totals.inner_text()

    url = page.url
    add = page.get_by_role("button", name="Add a fee line")
    add.click()
    add.click()
    assert page.url == url  # no reload
    assert page.locator("[data-fee-line]").count() == 3
    focused = page.evaluate("document.activeElement.id")
    assert focused == "fee_lines-2-kind"
    page.fill("#fee_lines-2-quantity", "1")
    page.fill("#fee_lines-2-unit_amount", "100")
    page.select_option("#fee_lines-2-kind", "expenses")
    assert "£1,100.00" in totals.inner_text()  # expenses carry no commission: still £200
    assert "£200.00" in totals.inner_text()
    totals.screenshot(path=str(screenshots / "journey-fee-lines-running-totals.png"))


def test_help_panel_opens_by_keyboard_and_links_to_the_guide(
    phone: Any,  # noqa: F811 - the fixture imported above
    account: Account,  # noqa: F811
    screenshots: Path,
) -> None:
    page = phone
    page.goto("/invoices")
    summary = page.get_by_text("About this page")
    summary.focus()
    page.keyboard.press("Enter")
    link = page.get_by_role("link", name="Read more in the user guide")
    assert link.is_visible()
    assert _fits(page)
    page.screenshot(path=str(screenshots / "journey-help-panel-phone.png"))
    with page.expect_navigation():
        link.click()
    assert "/guide#invoices" in page.url
    assert page.locator("#invoices").is_visible()
    assert _fits(page)
