"""The signed-in pages in Chromium, for a realistic account: each loads, an axe scan finds no
serious or critical accessibility problem, and it fits a 375 px phone without scrolling sideways
(wide tables scroll inside their own ``.table-wrap``), in English and again in Welsh. One
keyboard journey submits the job form empty and checks the error summary takes the focus.

Every signed-in GET endpoint of the url map is in SIGNED_IN_PAGES or in NOT_PAGES with its reason
(downloads, JSON, static files), so a page added later is checked or excused on purpose.

The account is built once for the module through the services, as the pages build it, with long
names and LIST_ROWS jobs, invoices and expenses; the browser signs in once through the real login
page and the signed-in profile is reused by the desktop, phone and Welsh phone pages.
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
import sqlalchemy as sa

from tests.browser.conftest import SCREENSHOTS

PASSWORD = "quince harbour teapot 57 softly"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


LONG_CLIENT = "Hon. Wilhelmina Fairweather-Montgomery-Smythe Photography & Creative Productions Ltd"
LONG_AGENCY = "Northern Faces International Model & Talent Management Agency (Manchester Office)"
LONG_TITLE = (
    "Autumn/Winter knitwear campaign for the Fairweather-Montgomery-Smythe heritage collection"
)
LONG_DESCRIPTION = (
    "Full-day studio and location shoot covering the heritage knitwear range, including "
    "hair-and-make-up, two wardrobe changes, behind-the-scenes stills and retouching of "
    "twenty selects for the online lookbook and in-store point-of-sale displays"
)
LIST_ROWS = 50


@dataclass
class Account:
    email: str
    agency_job_id: str
    direct_job_id: str
    enquiry_job_id: str
    usage_line_id: str
    client_id: str
    agency_id: str
    issued_invoice_id: str
    draft_invoice_id: str
    expense_id: str
    recurring_id: str
    journey_id: str
    bank_account_id: str
    txn_id: str
    rule_id: str
    import_id: str
    remittance_id: str
    template_id: str
    document_id: str
    signing_id: str
    email_id: str
    tax_export_id: str
    privacy_export_id: str
    vat_start: str
    vat_end: str
    tax_year: str
    session_id: str = ""


def _profile(user_id: Any) -> Any:
    from minimin.business import services as business
    from minimin.business.models import ONBOARDING_STEPS

    profile = business.get_or_create_profile(user_id)
    business.update_section(profile, "work_type", {"work_type": "both"})
    business.update_section(
        profile,
        "details",
        {
            "business_name": "Sam Sole-Trader Photography & Moving Image Production Services",
            "address_line1": "Flat 14b, The Old Hat Factory, 1 Long Harbourside Warehouse Lane",
            "town": "Bristol",
            "postcode": "BS1 1AA",
            "invoice_email": "sam.sole-trader.photography.accounts@example.com",
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
    return profile


def _many_rows(user_id: Any, client: Any, agency: Any, today: Any) -> None:
    """LIST_ROWS jobs, invoices and expenses with long names, so the list pages page and wrap."""
    from minimin.expenses.services import ExpenseInput, create_expense
    from minimin.invoices import services as invoices
    from minimin.jobs import services as jobs

    for n in range(LIST_ROWS):
        jobs.create_job(
            user_id,
            jobs.JobInput(
                title=f"{LONG_TITLE} – day {n + 1}",
                client_id=client.id if n % 2 else None,
                agency_id=None if n % 2 else agency.id,
                dates=[jobs.DateInput(day=today - timedelta(days=n % 40))],
                fee_lines=[
                    jobs.FeeLineInput(
                        kind="day_rate",
                        quantity=Decimal(1),
                        unit_amount_pence=45000 + n,
                        description=LONG_DESCRIPTION,
                    )
                ],
            ),
        )
        invoices.create_draft(
            user_id,
            invoices.DraftInput(
                client_id=client.id,
                lines=[
                    invoices.LineInput(
                        description=LONG_DESCRIPTION,
                        quantity=Decimal(1),
                        unit_price_pence=12000 + n,
                        vat_treatment="standard",
                    )
                ],
            ),
        )
        create_expense(
            user_id,
            ExpenseInput(
                date=today - timedelta(days=n % 60),
                supplier=(
                    "Fairweather-Montgomery-Smythe Professional Lighting Hire & Studio Supplies"
                ),
                description=LONG_DESCRIPTION,
                category="office",
                amount_pence=2500 + n,
                vat_pence=0,
                payment_method="card",
            ),
        )


@pytest.fixture(scope="module")
def account(live_server: Any) -> Account:
    """A VAT-registered sole trader with long names, a client, an agency, LIST_ROWS jobs,
    invoices and expenses, and one of each other record a signed-in page shows."""
    from minimin.accounts.models import User
    from minimin.accounts.services import email_key, hash_password
    from minimin.api import tokens as api_tokens
    from minimin.api.inputs import TokenInput
    from minimin.banking.inputs import BankAccountInput, RuleInput
    from minimin.banking.models import BankTransaction
    from minimin.banking.services import accounts as bank_accounts
    from minimin.banking.services import categories as bank_rules
    from minimin.banking.services import imports as bank_imports
    from minimin.calendar import services as calendar
    from minimin.calendar.inputs import FeedInput
    from minimin.contacts import services as contacts
    from minimin.contacts.inputs import AgencyInput, ClientInput
    from minimin.core.dates import TaxYear, uk_today
    from minimin.core.db import utcnow
    from minimin.core.mail import OutboundEmail
    from minimin.documents import services as documents
    from minimin.documents.inputs import DocumentInput, StarterInput
    from minimin.documents.signing import services as signing
    from minimin.expenses import services as expenses
    from minimin.extensions import db
    from minimin.invoices import services as invoices
    from minimin.invoices.credit_notes import CreditNoteInput, create_credit_note
    from minimin.invoices.from_jobs import FromJobsInput, create_from_jobs
    from minimin.jobs import services as jobs
    from minimin.jobs.models import CANCELLED, COMPLETED, CONFIRMED
    from minimin.privacy.export import request_export
    from minimin.quotes import services as quotes
    from minimin.remittances.services import drafts as remittances
    from minimin.reports import vat_periods
    from minimin.reports.export import start_export
    from minimin.reports.inputs import ExportInput

    app = live_server.app
    email = f"signed-in-{uuid.uuid4().hex[:8]}@example.com"
    with app.test_request_context():
        user = User(
            email=email,
            email_key=email_key(email),
            full_name="Wilhelmina Fairweather-Montgomery-Smythe",
            password_hash=hash_password(PASSWORD),
            email_verified_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        profile = _profile(user.id)

        client = contacts.create_client(
            user.id,
            ClientInput(
                name=LONG_CLIENT,
                email="accounts.payable.department@fairweather-montgomery-smythe.example",
                address_line1="Unit 27, Fairweather-Montgomery-Smythe Creative Industries Park",
                town="Leeds",
                postcode="LS1 2BB",
                vat_number="GB987654321",
                kind="company",
            ),
        )
        agency = contacts.create_agency(
            user.id,
            AgencyInput(
                name=LONG_AGENCY,
                email="accounts@northernfaces.example",
                default_commission_percent=Decimal(20),
                vat_registered=True,
                vat_number="GB980780684",
                commission_vat_added=True,
                commission_rates={"editorial": Decimal(15)},
            ),
        )

        today = uk_today()
        agency_job = jobs.create_job(
            user.id,
            jobs.JobInput(
                title=LONG_TITLE,
                agency_id=agency.id,
                kind_of_work="commercial",
                location="Manchester",
                dates=[jobs.DateInput(day=today - timedelta(days=3))],
                fee_lines=[
                    jobs.FeeLineInput(
                        kind="day_rate",
                        quantity=Decimal(1),
                        unit_amount_pence=60000,
                        description=LONG_DESCRIPTION,
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
        jobs.change_status(agency_job, jobs.StatusInput(COMPLETED))

        direct_job = jobs.create_job(
            user.id,
            jobs.JobInput(
                title=f"Headshots for {LONG_CLIENT}",
                client_id=client.id,
                dates=[jobs.DateInput(day=today - timedelta(days=1))],
                fee_lines=[
                    jobs.FeeLineInput(kind="half_day", quantity=Decimal(1), unit_amount_pence=35000)
                ],
            ),
            status=CONFIRMED,
        )
        jobs.change_status(direct_job, jobs.StatusInput(COMPLETED))

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
        jobs.change_status(cancelled_job, jobs.StatusInput(CANCELLED, cancellation_fee_pence=25000))

        # An enquiry, quoted (the quote's email is in the email log).
        enquiry = jobs.create_job(
            user.id,
            jobs.JobInput(
                title=f"Enquiry: {LONG_TITLE}",
                client_id=client.id,
                dates=[jobs.DateInput(day=today + timedelta(days=30))],
                fee_lines=[
                    jobs.FeeLineInput(
                        kind="day_rate",
                        quantity=Decimal(1),
                        unit_amount_pence=70000,
                        description=LONG_DESCRIPTION,
                    )
                ],
            ),
        )
        quotes.create_quote(enquiry, quotes.QuoteInput(to=client.email or "", days=14))

        # The direct job is invoiced, issued, part paid and part credited; another stays a draft.
        issued = create_from_jobs(user.id, FromJobsInput([direct_job.id]))
        invoices.issue(issued, today=today)
        invoices.record_payment(
            issued,
            invoices.PaymentInput(amount_pence=10000, paid_on=today, method="bank_transfer"),
        )
        draft = invoices.create_draft(
            user.id,
            invoices.DraftInput(
                client_id=client.id,
                lines=[
                    invoices.LineInput(
                        description="Retouching",
                        quantity=Decimal(3),
                        unit_price_pence=4500,
                        vat_treatment="standard",
                    )
                ],
            ),
        )
        credited = create_from_jobs(user.id, FromJobsInput([agency_job.id]))
        invoices.issue(credited, today=today)
        create_credit_note(
            credited,
            CreditNoteInput(full=True, reason="Booked through the agency instead"),
        )

        expense = expenses.create_expense(
            user.id,
            expenses.ExpenseInput(
                date=today - timedelta(days=2),
                supplier="Great Western Railway",
                description="Train to Manchester for the knitwear shoot",
                category="travel",
                amount_pence=8640,
                vat_pence=0,
                payment_method="card",
                job_id=agency_job.id,
            ),
        )
        recurring = expenses.create_recurring(
            user.id,
            expenses.RecurringInput(
                supplier="Fairweather-Montgomery-Smythe Cloud Storage & Backup Services",
                description=LONG_DESCRIPTION,
                category="office",
                amount_pence=999,
                frequency="monthly",
                start_date=today + timedelta(days=3),
            ),
        )
        journey = expenses.create_journey(
            user.id,
            expenses.JourneyInput(
                date=today - timedelta(days=3),
                origin="Bristol Temple Meads Station Long-Stay Car Park",
                destination="Fairweather-Montgomery-Smythe Studios, Manchester",
                purpose=LONG_DESCRIPTION[:120],
                miles=Decimal("171.4"),
                job_id=agency_job.id,
            ),
        )
        _many_rows(user.id, client, agency, today)

        bank = bank_accounts.create_account(
            user.id, BankAccountInput(name="Business Current Account (Main)", last_four="1234")
        )
        txn = None
        for n in range(5):
            txn = BankTransaction(
                user_id=user.id,
                bank_account_id=bank.id,
                posted_on=today - timedelta(days=n),
                amount_pence=10000 * (n + 1) * (-1 if n % 2 else 1),
                currency="GBP",
                description=f"FASTER PAYMENT {LONG_CLIENT.upper()} REF INV-{n:04d}",
                fingerprint=uuid.uuid4().hex * 2,
            )
            db.session.add(txn)
        rule = bank_rules.create_rule(
            user.id,
            RuleInput(pattern="GREAT WESTERN RAILWAY", match_kind="contains", category="travel"),
        )
        statement = b"Date,Description,Amount\n01/11/2026,CARD PAYMENT GWR,-86.40\n"
        bank_import, _ = bank_imports.start_import(bank, statement, "statement.csv")

        remittance = remittances.create_remittance(
            user.id,
            remittances.RemittanceInput(
                agency_id=agency.id,
                date=today,
                reference="NFA-REMITTANCE-2026-000123456",
                lines=[
                    remittances.LineInput(
                        reference="NFA-000123",
                        description=LONG_TITLE,
                        work_date=today - timedelta(days=3),
                        gross_pence=60000,
                        commission_pence=12000,
                        commission_vat_pence=2400,
                        net_pence=45600,
                        job_id=agency_job.id,
                    )
                ],
            ),
        )

        template = documents.copy_starter(user.id, StarterInput("model_release"))
        document = documents.generate(
            user.id,
            DocumentInput(
                template_id=template.id,
                title=f"Model release – {LONG_TITLE}",
                job_id=agency_job.id,
                client_id=client.id,
            ),
        )
        signature = signing.send_for_signature(
            document,
            signing.SignatureRequestInput(
                signers=(
                    signing.SignerInput(
                        name="Wilhelmina Fairweather-Montgomery-Smythe", email="w@example.com"
                    ),
                )
            ),
        )
        calendar.create_feed(user.id, FeedInput(name="Phone calendar"))
        api_tokens.create(user.id, TokenInput("Spreadsheet sync", ("jobs:read",), 30))
        tax_export = start_export(user.id, ExportInput(TaxYear.current(today)))
        privacy_export = request_export(user.id)
        db.session.flush()
        sent = db.session.scalars(
            sa.select(OutboundEmail).where(OutboundEmail.user_id == user.id)
        ).first()
        assert sent is not None
        period = vat_periods.offered(profile, today)[0]
        vat_start = max(period.start, profile.vat_registration_date or period.start)
        db.session.commit()
        usage_line = next(line for line in agency_job.fee_lines if line.kind == "usage")
        return Account(
            email=email,
            agency_job_id=str(agency_job.id),
            direct_job_id=str(direct_job.id),
            enquiry_job_id=str(enquiry.id),
            usage_line_id=str(usage_line.id),
            client_id=str(client.id),
            agency_id=str(agency.id),
            issued_invoice_id=str(issued.id),
            draft_invoice_id=str(draft.id),
            expense_id=str(expense.id),
            recurring_id=str(recurring.id),
            journey_id=str(journey.id),
            bank_account_id=str(bank.id),
            txn_id=str(txn.id) if txn else "",
            rule_id=str(rule.id),
            import_id=str(bank_import.id),
            remittance_id=str(remittance.id),
            template_id=str(template.id),
            document_id=str(document.id),
            signing_id=str(signature.id),
            email_id=str(sent.id),
            tax_export_id=str(tax_export.id),
            privacy_export_id=str(privacy_export.id),
            vat_start=vat_start.isoformat(),
            vat_end=period.end.isoformat(),
            tax_year=TaxYear.current(today).label,
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
        account.session_id = _session_id(live_server, account)
        return state
    finally:
        ctx.close()


def _session_id(live_server: Any, account: Account) -> str:
    """The signed-in session's row, for its "End this session" page."""
    from minimin.accounts.models import User, UserSession
    from minimin.extensions import db

    with live_server.app.app_context():
        user = db.session.scalars(sa.select(User).where(User.email == account.email)).one()
        row = db.session.scalars(
            sa.select(UserSession).where(UserSession.user_id == user.id)
        ).first()
        assert row is not None
        return str(row.id)


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


@pytest.fixture(scope="module")
def welsh_phone(chromium: Any, live_server: Any, signed_in_state: dict[str, Any]) -> Iterator[Any]:
    """The same account on a phone in Welsh: the language chosen with the switcher (its
    cookie), which the app prefers over the account's stored language."""
    from minimin.core.i18n import LANG_COOKIE

    ctx = chromium.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        storage_state=signed_in_state,
    )
    ctx.add_cookies([{"name": LANG_COOKIE, "value": "cy", "url": live_server.url}])
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    yield page
    ctx.close()


SIGNED_IN_PAGES = [
    "/",
    "/jobs",
    "/jobs/new",
    "/jobs/{agency_job_id}",
    "/jobs/{agency_job_id}/edit",
    "/jobs/{enquiry_job_id}/quote",
    "/jobs/calendar",
    "/jobs/to-invoice",
    "/jobs/{agency_job_id}/usage/{usage_line_id}/renew",
    "/invoices",
    "/invoices/new",
    "/invoices/from-jobs",
    "/invoices/{issued_invoice_id}",
    "/invoices/{issued_invoice_id}/send",
    "/invoices/{issued_invoice_id}/recurring",
    "/invoices/{issued_invoice_id}/credit-notes/new",
    "/invoices/{draft_invoice_id}",
    "/invoices/{draft_invoice_id}/edit",
    "/invoices/credit-notes",
    "/invoices/reminders",
    "/clients",
    "/clients/new",
    "/clients/{client_id}",
    "/clients/{client_id}/edit",
    "/clients/{client_id}/delete",
    "/agencies",
    "/agencies/new",
    "/agencies/{agency_id}",
    "/agencies/{agency_id}/edit",
    "/agencies/{agency_id}/delete",
    "/expenses/",
    "/expenses/new",
    "/expenses/{expense_id}",
    "/expenses/{expense_id}/edit",
    "/expenses/recurring",
    "/expenses/recurring/new",
    "/expenses/recurring/{recurring_id}/edit",
    "/expenses/mileage",
    "/expenses/mileage/new",
    "/expenses/mileage/{journey_id}/edit",
    "/remittances",
    "/remittances/new",
    "/remittances/import",
    "/remittances/owed",
    "/remittances/{remittance_id}",
    "/remittances/{remittance_id}/edit",
    "/banking/",
    "/banking/accounts/new",
    "/banking/accounts/{bank_account_id}",
    "/banking/accounts/{bank_account_id}/edit",
    "/banking/accounts/{bank_account_id}/import",
    "/banking/imports/{import_id}",
    "/banking/imports/{import_id}/columns",
    "/banking/transactions/{txn_id}",
    "/banking/unreconciled",
    "/banking/rules",
    "/banking/rules/{rule_id}/edit",
    "/documents",
    "/documents/new",
    "/documents/{document_id}",
    "/documents/templates",
    "/documents/templates/new",
    "/documents/templates/{template_id}",
    "/documents/signing/{signing_id}",
    "/emails",
    "/emails/{email_id}",
    "/calendar/feeds",
    "/ai",
    "/ai/assistant",
    "/ai/documents",
    "/ai/log",
    "/ai/pricing",
    "/reports/",
    "/reports/profit-and-loss",
    "/reports/income-by-client",
    "/reports/tax-year",
    "/reports/self-assessment",
    "/reports/vat",
    "/reports/vat/{vat_start}/{vat_end}",
    "/reports/vat/{vat_start}/{vat_end}/box/1",
    "/reports/mtd",
    "/reports/export",
    "/reports/export/{tax_export_id}",
    "/ledger/",
    "/ledger/trial-balance",
    "/ledger/general-ledger",
    "/settings/business",
    "/settings/business/details",
    "/settings/business/vat",
    "/settings/business/invoicing",
    "/settings/business/bank",
    "/settings/business/fees",
    "/settings/business/accountant",
    "/settings/business/branding",
    "/settings/business/setup",
    "/settings/business/setup/getting-paid",
    "/settings/payments",
    "/account",
    "/account/api-tokens",
    "/account/passkeys",
    "/account/sessions/{session_id}/end",
    "/account/sessions/end-others",
    "/privacy",
    "/privacy/delete",
    "/privacy/export/{privacy_export_id}",
]

#: Pages with the long names, saved at 375 px to build/screenshots to be looked at.
LOOKED_AT = {"/jobs", "/jobs/{agency_job_id}", "/clients/{client_id}", "/documents/{document_id}"}

#: Signed-in GET endpoints that are no page to check, and why.
NOT_PAGES = {
    "reports.estimate": "moved for good to /reports/self-assessment (a 301 redirect)",
    "contacts.agencies_csv": "CSV download",
    "contacts.clients_csv": "CSV download",
    "contacts.agency_statement": "PDF download",
    "contacts.client_statement": "PDF download",
    "banking.account_csv": "CSV download",
    "banking.import_status_json": "JSON polled by the import page",
    "banking.static": "static file",
    "documents.pdf": "PDF download",
    "signing.signed_pdf": "PDF download (once everyone has signed)",
    "expenses.index_csv": "CSV download",
    "expenses.mileage_csv": "CSV download",
    "files.download": "file download",
    "invoices.index_csv": "CSV download",
    "invoices.pdf": "PDF download",
    "invoices.credit_note_csv": "CSV download",
    "invoices.credit_note_pdf": "PDF download",
    "jobs.index_csv": "CSV download",
    "jobs.static": "static file",
    "jobs.remove_attachment": "confirmation for an uploaded attachment: tests/functional/jobs",
    "ledger.general_ledger_csv": "CSV download",
    "ledger.journal_csv": "CSV download",
    "ledger.beancount": "Beancount download",
    "ledger.trial_balance_csv": "CSV download",
    "passkeys.remove": "needs a registered passkey: test_passkey_journey.py covers it",
    "passkeys.rename": "needs a registered passkey: test_passkey_journey.py covers it",
    "privacy.download_json": "JSON download",
    "privacy.download_zip": "ZIP download",
    "remittances.index_csv": "CSV download",
    "remittances.reading": "needs an uploaded PDF being read: tests/functional/remittances",
    "reports.income_by_client_csv": "CSV download",
    "reports.profit_and_loss_csv": "CSV download",
    "reports.self_assessment_pdf": "PDF download",
    "reports.tax_year_csv": "CSV download",
    "reports.tax_year_pdf": "PDF download",
    "tax.export_download": "ZIP download",
    "tax.export_status_json": "JSON polled by the export page",
    "tax.static": "static file",
    "tax.vat_json": "JSON download",
}


def _user_get_pages(app: Any) -> set[tuple[str, tuple[str, ...]]]:
    """Every signed-in GET endpoint, one entry per value of an ``any(...)`` part."""
    from werkzeug.routing import AnyConverter

    from minimin.core.security import USER, access_class

    found: set[tuple[str, tuple[str, ...]]] = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or access_class(app, rule.endpoint) != USER:
            continue
        choices = [
            sorted(c.items) for c in rule._converters.values() if isinstance(c, AnyConverter)
        ]
        for choice in choices[0] if choices else [None]:
            found.add((rule.endpoint, (choice,) if choice else ()))
    return found


def test_every_signed_in_page_is_checked(
    live_server: Any, account: Account, signed_in_state: Any
) -> None:
    """A signed-in page added later is checked here, or listed in NOT_PAGES with its reason."""
    from werkzeug.routing import AnyConverter

    app = live_server.app
    adapter = app.url_map.bind("localhost")
    covered = set()
    for template in SIGNED_IN_PAGES:
        rule, values = adapter.match(
            template.format(**vars(account)), method="GET", return_rule=True
        )
        anys = tuple(
            str(values[name])
            for name, conv in rule._converters.items()
            if isinstance(conv, AnyConverter)
        )
        covered.add((rule.endpoint, anys))
    missing = {
        page for page in _user_get_pages(app) if page not in covered and page[0] not in NOT_PAGES
    }
    assert missing == set(), "add these pages to SIGNED_IN_PAGES or to NOT_PAGES with a reason"
    listed_but_checked = {endpoint for endpoint, _ in covered} & NOT_PAGES.keys()
    assert listed_but_checked == set()


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
        assert "/login" not in page.url
        if "/settings/business/setup" not in template:
            assert "/settings/business/setup" not in page.url
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


WIDEST_JS = """() => [...document.querySelectorAll('main *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
    && !el.closest('.table-wrap'))
  .slice(-4)
  .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
    + ' ' + Math.round(el.getBoundingClientRect().right) + 'px')"""


def _assert_fits(page: Any, path: str, label: str) -> None:
    """No sideways scroll; when there is, a screenshot and the elements that stick out."""
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = label + path.replace("/", "_").replace("{", "").replace("}", "") + ".png"
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
        widest = page.evaluate(WIDEST_JS)
        raise AssertionError(f"{path} ({label}) scrolls sideways: {width}px wide; {widest}")


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_page_fits_a_phone(
    phone: Any, account: Account, axe_problems: Any, screenshots: Path, path: str
) -> None:
    _open(phone, path, account)
    _assert_fits(phone, path, "phone")
    if path in LOOKED_AT:
        name = "signed-in-375" + path.replace("/", "_").replace("{", "").replace("}", "")
        phone.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    # On the small screen too (a wide table scrolls in its own region, which needs a keyboard).
    assert axe_problems(phone) == []
    # The menu, with every signed-in link, opens and fits too.
    phone.get_by_text("Menu", exact=True).click()
    assert phone.locator("details.nav-menu[open]").count() == 1
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} with the menu open is {width}px wide"


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_page_in_welsh_passes_axe_and_fits_a_phone(
    welsh_phone: Any, account: Account, axe_problems: Any, path: str
) -> None:
    page = welsh_phone
    _open(page, path, account)
    assert page.locator("html").get_attribute("lang") == "cy"
    _assert_fits(page, path, "phone-cy")
    assert axe_problems(page) == []


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
