"""The signed-in pages in Chromium, for a realistic account: each loads, an axe scan finds no
serious or critical accessibility problem, and it fits a 375 px phone without scrolling sideways
(wide tables scroll inside their own ``.table-wrap``). One keyboard journey submits the job form
empty and checks the error summary takes the focus.

The account is built once for the module through the services, as the pages build it; the
browser signs in once through the real login page and the signed-in profile is reused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "quince harbour teapot 57 softly"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@dataclass
class Account:
    email: str
    agency_job_id: str
    direct_job_id: str
    usage_line_id: str
    client_id: str
    agency_id: str
    issued_invoice_id: str
    draft_invoice_id: str


@pytest.fixture(scope="module")
def account(live_server: Any) -> Account:
    """A VAT-registered sole trader with a client, an agency, jobs, invoices and an expense."""
    from minimin.accounts.models import User
    from minimin.accounts.services import email_key, hash_password
    from minimin.business import services as business
    from minimin.business.models import ONBOARDING_STEPS
    from minimin.contacts import services as contacts
    from minimin.core.dates import uk_today
    from minimin.core.db import utcnow
    from minimin.expenses.services import create_expense
    from minimin.extensions import db
    from minimin.invoices import services as invoices
    from minimin.invoices.from_jobs import create_from_jobs
    from minimin.jobs import services as jobs
    from minimin.jobs.models import CANCELLED, COMPLETED, CONFIRMED

    app = live_server.app
    email = f"signed-in-{uuid.uuid4().hex[:8]}@example.com"
    with app.test_request_context():
        user = User(
            email=email,
            email_key=email_key(email),
            full_name="Sam Sole-Trader",
            password_hash=hash_password(PASSWORD),
            email_verified_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()

        profile = business.get_or_create_profile(user.id)
        business.update_section(profile, "work_type", {"work_type": "both"})
        business.update_section(
            profile,
            "details",
            {
                "business_name": "Sam Sole-Trader Photography",
                "address_line1": "1 High Street",
                "town": "Bristol",
                "postcode": "BS1 1AA",
                "invoice_email": "sam@example.com",
            },
        )
        business.update_section(
            profile,
            "vat",
            {"vat_registered": True, "vat_number": "GB123456789", "vat_scheme": "standard"},
        )
        business.update_section(
            profile,
            "bank",
            {
                "bank_account_name": "S Sole-Trader",
                "bank_sort_code": "12-34-56",
                "bank_account_number": "12345678",
            },
        )
        for step in ONBOARDING_STEPS:
            business.advance_onboarding(profile, step)

        client = contacts.create_client(
            user.id,
            {
                "name": "Acme Studios Ltd",
                "email": "accounts@acme.example",
                "address_line1": "2 Market Road",
                "town": "Leeds",
                "postcode": "LS1 2BB",
                "vat_number": "GB987654321",
                "kind": "company",
            },
        )
        agency = contacts.create_agency(
            user.id,
            {
                "name": "Northern Faces Agency",
                "email": "accounts@northernfaces.example",
                "default_commission_percent": Decimal(20),
                "commission_vat_added": True,
            },
            rates={"editorial": Decimal(15)},
        )

        today = uk_today()
        agency_job = jobs.create_job(
            user.id,
            jobs.JobInput(
                title="Knitwear campaign",
                agency_id=agency.id,
                kind_of_work="commercial",
                location="Manchester",
                dates=[jobs.DateInput(day=today - timedelta(days=3))],
                fee_lines=[
                    jobs.FeeLineInput(
                        kind="day_rate",
                        quantity=Decimal(1),
                        unit_amount_pence=60000,
                        description="Shoot day",
                    ),
                    jobs.FeeLineInput(
                        kind="usage",
                        quantity=Decimal(1),
                        unit_amount_pence=150000,
                        description="Online and print usage",
                        media="Online, print",
                        territory="UK",
                        term="12 months",
                        usage_expires_on=today + timedelta(days=20),
                    ),
                ],
            ),
            status=CONFIRMED,
        )
        jobs.change_status(agency_job, COMPLETED)

        direct_job = jobs.create_job(
            user.id,
            jobs.JobInput(
                title="Headshots for Acme",
                client_id=client.id,
                dates=[jobs.DateInput(day=today - timedelta(days=1))],
                fee_lines=[
                    jobs.FeeLineInput(kind="half_day", quantity=Decimal(1), unit_amount_pence=35000)
                ],
            ),
            status=CONFIRMED,
        )
        jobs.change_status(direct_job, COMPLETED)

        cancelled_job = jobs.create_job(
            user.id,
            jobs.JobInput(
                title="Spring lookbook",
                client_id=client.id,
                dates=[jobs.DateInput(day=today + timedelta(days=5))],
                fee_lines=[
                    jobs.FeeLineInput(kind="day_rate", quantity=Decimal(1), unit_amount_pence=50000)
                ],
            ),
            status=CONFIRMED,
        )
        jobs.change_status(cancelled_job, CANCELLED, cancellation_fee_pence=25000)

        # The direct job is invoiced, issued and part paid; another invoice stays a draft.
        issued = create_from_jobs(user.id, [str(direct_job.id)])
        invoices.issue(issued, today=today)
        invoices.record_payment(issued, amount_pence=10000, paid_on=today, method="bank_transfer")
        draft = invoices.create_draft(
            user.id,
            client=client,
            lines=[
                invoices.LineInput(
                    description="Retouching",
                    quantity=Decimal(3),
                    unit_price_pence=4500,
                    vat_treatment="standard",
                )
            ],
        )
        create_expense(
            user.id,
            date=today - timedelta(days=2),
            supplier="Great Western Railway",
            description="Train to Manchester for the knitwear shoot",
            category="travel",
            amount_pence=8640,
            vat_pence=0,
            payment_method="card",
            job_id=agency_job.id,
        )
        db.session.commit()
        usage_line = next(line for line in agency_job.fee_lines if line.kind == "usage")
        return Account(
            email=email,
            agency_job_id=str(agency_job.id),
            direct_job_id=str(direct_job.id),
            usage_line_id=str(usage_line.id),
            client_id=str(client.id),
            agency_id=str(agency.id),
            issued_invoice_id=str(issued.id),
            draft_invoice_id=str(draft.id),
        )


@pytest.fixture(scope="module")
def signed_in_state(chromium: Any, live_server: Any, account: Account) -> dict[str, Any]:
    """Sign in once through the real login page; the cookies are reused by every context."""
    ctx = chromium.new_context(base_url=live_server.url, viewport=DESKTOP)
    ctx.set_default_timeout(15_000)
    try:
        page = ctx.new_page()
        page.goto("/login")
        page.get_by_label("Email address").fill(account.email)
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in", exact=True).click()
        assert page.get_by_role("button", name="Sign out").is_visible()
        state: dict[str, Any] = ctx.storage_state()
        return state
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def desktop(chromium: Any, live_server: Any, signed_in_state: dict[str, Any]) -> Iterator[Any]:
    ctx = chromium.new_context(
        base_url=live_server.url, viewport=DESKTOP, storage_state=signed_in_state
    )
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    yield page
    ctx.close()


@pytest.fixture(scope="module")
def phone(chromium: Any, live_server: Any, signed_in_state: dict[str, Any]) -> Iterator[Any]:
    ctx = chromium.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        storage_state=signed_in_state,
    )
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    yield page
    ctx.close()


SIGNED_IN_PAGES = [
    "/",
    "/jobs",
    "/jobs/new",
    "/jobs/{agency_job_id}",
    "/jobs/calendar",
    "/jobs/to-invoice",
    "/jobs/{agency_job_id}/usage/{usage_line_id}/renew",
    "/invoices",
    "/invoices/new",
    "/invoices/from-jobs",
    "/invoices/{issued_invoice_id}",
    "/invoices/{issued_invoice_id}/send",
    "/invoices/{draft_invoice_id}",
    "/invoices/reminders",
    "/clients",
    "/clients/{client_id}",
    "/agencies",
    "/agencies/{agency_id}",
    "/expenses/",
    "/expenses/new",
    "/banking/",
    "/reports/",
    "/ledger/",
    "/ledger/trial-balance",
    "/ledger/general-ledger",
    "/settings/business",
    "/account",
    "/privacy",
]


def _open(page: Any, template: str, account: Account) -> list[str]:
    """Open the page for *template* and return the script and console errors it caused."""
    errors: list[str] = []

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    def on_error(exc: Any) -> None:
        errors.append(str(exc))

    page.on("console", on_console)
    page.on("pageerror", on_error)
    try:
        response = page.goto(template.format(**vars(account)))
        assert response is not None
        assert response.status == 200, f"{template}: HTTP {response.status}"
        # Not sent back to the login page or the business set-up.
        assert "/login" not in page.url and "/settings/business/setup" not in page.url
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_error)
    return errors


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_page_loads_and_passes_axe(
    desktop: Any, account: Account, axe_problems: Any, path: str
) -> None:
    errors = _open(desktop, path, account)
    assert desktop.locator("h1").count() >= 1
    assert desktop.title().endswith("· Minimin")
    # No CSP violation, no failed script: the console stays clean.
    assert errors == []
    assert axe_problems(desktop) == []


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_page_fits_a_phone(
    phone: Any, account: Account, axe_problems: Any, path: str
) -> None:
    _open(phone, path, account)
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} scrolls sideways: {width}px wide"
    # On the small screen too (a wide table scrolls in its own region, which needs a keyboard).
    assert axe_problems(phone) == []
    # The menu, with every signed-in link, opens and fits too.
    phone.get_by_text("Menu", exact=True).click()
    assert phone.locator("details.nav-menu[open]").count() == 1
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} with the menu open is {width}px wide"


def test_a_wide_table_on_a_phone_scrolls_by_keyboard(
    phone: Any, desktop: Any, account: Account
) -> None:
    path = f"/invoices/{account.issued_invoice_id}"
    phone.goto(path)
    region = phone.get_by_role("region", name="Lines")
    assert region.get_attribute("tabindex") == "0"
    region.focus()
    phone.keyboard.press("ArrowRight")
    phone.wait_for_function(
        "() => document.querySelector('.table-wrap[data-scrolls]').scrollLeft > 0"
    )
    # Where the table fits, its wrap is no extra Tab stop.
    desktop.goto(path)
    assert desktop.locator(".table-wrap").first.get_attribute("tabindex") is None


def _tab_until(page: Any, test: str, what: str, limit: int = 120) -> None:
    """Press Tab until the JavaScript predicate *test* (on ``el``) holds for the focused element."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => !!el && ({test}))(document.activeElement)"):
            return
    raise AssertionError(f"{what} cannot be reached with the Tab key")


def test_job_form_by_keyboard_shows_and_focuses_the_error_summary(
    desktop: Any, account: Account
) -> None:
    page = desktop
    page.goto("/jobs/new")
    # Start from the top of the page, as a keyboard user arriving on it.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    _tab_until(page, "el.id === 'title'", "The job title field")
    _tab_until(
        page,
        "el.tagName === 'BUTTON' && el.type === 'submit' && el.textContent.trim() === 'Save job'",
        "The “Save job” button",
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    # The summary links to the field in error, and following it by keyboard lands there.
    link = summary.get_by_role("link").first
    assert link.get_attribute("href") == "#title"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#title"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "title"
    assert page.get_attribute("#title", "aria-invalid") == "true"


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_how_this_is_counted_opens_by_keyboard_and_fits(
    desktop: Any, phone: Any, account: Account, screenshots: Path, width: str
) -> None:
    """The invoice's "How this is counted" block opens from the keyboard and says, in words,
    that the part payment is no longer owed by the client; it fits a phone."""
    page = desktop if width == "desktop" else phone
    _open(page, "/invoices/{issued_invoice_id}", account)
    summary = page.get_by_text("How this is counted", exact=True)
    summary.focus()
    page.keyboard.press("Enter")
    block = page.locator("details.how-counted")
    assert block.get_attribute("open") is not None
    text = block.inner_text()
    assert "£100.00" in text  # the £100 part payment recorded on the invoice
    assert "counted as sales" in text
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    block.screenshot(path=str(screenshots / f"how-counted-{width}.png"))


def test_self_assessment_page_works_and_fits_at_both_widths(
    desktop: Any, phone: Any, account: Account, axe_problems: Any, screenshots: Path
) -> None:
    """ "Your Self Assessment": the figures entered are kept and worked out band by band; the
    page passes axe and fits a 375 px phone (screenshots in build/screenshots)."""
    desktop.goto("/reports/self-assessment?year=2025/26")
    desktop.fill("#profit_override", "60000")
    desktop.fill("#pension_paid", "8000")
    desktop.fill("#savings_interest", "2000")
    desktop.select_option("#student_loan_plan", "plan2")
    desktop.get_by_role("button", name="Save and work it out").click()
    # £60,000 with £10,000 gross pension: 47,430 x 20% + £1,500 interest x 40% = £10,086;
    # Class 4 £2,456.60; Plan 2 on £60,000 (interest of £2,000 is not over £2,000):
    # 31,530 x 9% = 2,837.70 -> £2,837.
    assert desktop.locator("#sa-total").inner_text() == "£15,379.60"
    assert axe_problems(desktop) == []
    desktop.screenshot(path=str(screenshots / "self-assessment-1280.png"), full_page=True)
    phone.goto("/reports/self-assessment?year=2025/26")
    # Kept for the year: the phone (same account) sees the figures entered on the desktop
    # (the profit override is not kept: the profit comes from the books again).
    assert phone.locator("#pension_paid").input_value() == "8000.00"
    phone.fill("#profit_override", "60000")
    phone.get_by_role("button", name="Save and work it out").click()
    assert phone.locator("#sa-total").inner_text() == "£15,379.60"
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert axe_problems(phone) == []
    phone.screenshot(path=str(screenshots / "self-assessment-375.png"), full_page=True)
