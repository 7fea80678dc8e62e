"""What the privacy policy at /legal/privacy says, computed from what this installation does.

- The version and effective date are :data:`minimin.accounts.policies.PRIVACY_EFFECTIVE` /
  ``PRIVACY_VERSION``: the same constant is recorded on the account at signup and on the
  consent records of the AI features. Every earlier version is listed with what changed
  (``PRIVACY_HISTORY``), so an older version on a record still names a text.
- The controller is read from configuration (``MINIMIN_CONTROLLER_*``, docs/deployment.md).
- The processors are the services the configuration actually uses (:func:`processors`).
- What an export holds (and a deletion removes) is listed from the export's own table list
  (:func:`exported_items`), so the page names no feature this installation does not have.
- The retention schedule is :data:`minimin.privacy.retention.SCHEDULE`, the one the purge runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from minimin.accounts.policies import PRIVACY_EFFECTIVE, PRIVACY_HISTORY, PRIVACY_VERSION
from minimin.privacy import export, retention

ICO_ADDRESS = (
    "Information Commissioner's Office, Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF"
)
ICO_URL = "https://ico.org.uk"
#: The time the UK GDPR gives to answer a request (Article 12(3)).
ANSWER_WITHIN = _l("one month")

_US_TRANSFER = _l(
    "Processed in the United States: transferred under the UK Extension to the EU-US Data "
    "Privacy Framework (the UK-US data bridge) or the ICO's International Data Transfer "
    "Addendum to the standard contractual clauses."
)


@dataclass(frozen=True)
class Processor:
    name: str
    purpose: LazyString
    data: LazyString
    transfer: LazyString | str


@dataclass(frozen=True)
class Item:
    label: LazyString
    tables: tuple[str, ...]


#: What an export holds, by the tables behind each line; a line shows only when the export
#: holds at least one of its tables. Every table holding a user's data is named by exactly one
#: line (tests/unit/privacy/test_policy_covers_tables.py fails until a new table is placed).
ITEMS: tuple[Item, ...] = (
    Item(_l("Your account: name, email address, preferences, passkeys and sessions"),
         ("user", "passkey", "passkey_preference", "user_session")),
    # Both purged by retention.purge_tokens, 30 days after use or expiry (the "tokens" rule).
    Item(_l("Links emailed to you (to confirm your address, reset your password, change your "
            "email or unsubscribe), their secret part stored only as a hash, and passkey "
            "challenges in progress"),
         ("account_token", "passkey_challenge")),
    # Removed when the administrator unlocks the account.
    Item(_l("A lock an administrator has placed on your account: when, and a hashed identifier "
            "of the administrator"),
         ("admin_account_lock",)),
    Item(_l("Business profile, VAT details, bank details and accountant"), ("business_profile",)),
    Item(_l("Clients, agencies and commission rates"),
         ("client", "agency", "agency_commission_rate")),
    Item(_l("Jobs, their dates, fees and attachments"),
         ("job", "job_date", "job_fee_line", "job_attachment", "job_status_change")),
    Item(_l("Calendar feeds of your jobs (their names, filters and dates, never the link's "
            "secret)"),
         ("calendar_feed",)),
    Item(_l("Quotes"), ("quote",)),
    # stripe_event: each event Stripe sent about a payment (type, invoice, amount, outcome).
    Item(_l("Invoices, credit notes, payments and refunds"),
         ("invoice", "invoice_line", "credit_note", "invoice_payment", "invoice_refund",
          "stripe_event")),
    Item(_l("Payment reminders: your reminder schedule and which reminders were sent"),
         ("invoice_reminder_rule", "invoice_reminder_sent")),
    Item(_l("Expenses, receipts, mileage and recurring expenses"),
         ("expense", "expense_receipt", "journey", "recurring_expense", "pending_receipt")),
    Item(_l("Bank accounts, statement imports and transactions"),
         ("bank_account", "bank_import_job", "bank_transaction", "bank_match",
          "bank_rejected_suggestion")),
    Item(_l("Your rules for categorising bank transactions"), ("bank_category_rule",)),
    Item(_l("Agency remittances and income"),
         ("remittance", "remittance_line", "remittance_import", "agency_income")),
    # journal_total: sums of the lines, kept by the database with them; ledger_period_lock:
    # the date up to which the books are closed.
    Item(_l("Your bookkeeping ledger"),
         ("ledger_account", "journal_entry", "journal_line", "journal_total",
          "ledger_period_lock")),
    Item(_l("Tax figures, VAT returns, other income and accountant exports"),
         ("vat_return", "other_income", "capital_asset", "export_job", "export_share")),
    Item(_l("Document templates and generated documents"),
         ("document_template", "document_template_version", "generated_document")),
    Item(_l("Signature requests and signing records"),
         ("signature_request", "signature_signer", "signing_event")),
    Item(_l("The log of emails sent for you, with their attachments"),
         ("outbound_email", "outbound_attachment", "invoice_email")),
    Item(_l("Your Stripe connection"), ("stripe_account",)),
    Item(_l("API tokens (their names and dates, never the secret)"), ("api_token",)),
    # Not purged after the day they can be replayed (api/idempotency.py): each stays until the
    # same token sends another request with a key, or the account is deleted (tokens are only
    # ever revoked), so the line promises no period.
    Item(_l("Answers to API requests sent with an Idempotency-Key, so that a retry is not done "
            "twice"),
         ("api_idempotent_request",)),
    Item(_l("AI requests and conversations"), ("ai_request", "ai_message")),
    Item(_l("Your privacy choices and earlier exports"), ("consent_record", "privacy_export")),
    Item(_l("Uploaded files: logo, receipts, statements and invoice PDFs"), ("stored_file",)),
    Item(_l("Your security log (sign-ins and changes)"), ("audit_event",)),
    Item(_l("A technical count of the changes to each kind of your records, which keeps pages "
            "fast"),
         ("change_counter",)),
)  # fmt: skip


def exported_items(tables: Iterable[str] | None = None) -> list[Item]:
    """The lines of :data:`ITEMS` backed by a table the export holds (*tables*, by default
    the export's own list)."""
    present = set(export.exported_table_names() if tables is None else tables)
    return [item for item in ITEMS if present.intersection(item.tables)]


def _email_processor(settings: Any) -> Processor | None:
    backend = settings.mail_backend
    what = _l("Delivering the emails Minimin sends")
    data = _l("The recipient's address and the email's content")
    if backend == "resend":
        return Processor("Resend", what, data, _US_TRANSFER)
    if backend == "sendgrid":
        return Processor("Twilio SendGrid", what, data, _US_TRANSFER)
    if backend == "smtp":
        host = str(settings.smtp.get("host") or "")
        if host in ("127.0.0.1", "localhost", "::1"):
            return None  # the server's own mail relay: no one else is involved
        return Processor(
            _l("The email relay %(host)s", host=host),
            what,
            data,
            _l("Where the relay's operator keeps it; named by the operator on request."),
        )
    return None  # "file": emails are written to the server's own disk


def _storage_processor(settings: Any) -> Processor | None:
    if settings.storage_backend != "s3":
        return None
    s3 = settings.s3
    endpoint = urlsplit(str(s3.get("endpoint_url") or "")).hostname
    name = endpoint or "Amazon Web Services S3"
    region = str(s3.get("region") or "")
    return Processor(
        name,
        _l("Keeping the files you upload and the PDFs and exports Minimin makes"),
        _l("Your files, encrypted in transit"),
        _l("Stored in the region %(region)s.", region=region) if region else _US_TRANSFER,
    )


def _payments_processor(has_payments: bool) -> Processor | None:
    if not has_payments:
        return None
    return Processor(
        "Stripe",
        _l("Online card payments, only when you connect your own Stripe account"),
        _l(
            "The amount owed, the currency, the invoice number and reference, the address to "
            "return to, and what your client enters on Stripe's payment page"
        ),
        _l(
            "Stripe Payments Europe (Ireland), with transfers to Stripe, Inc. in the United "
            "States under the UK-US data bridge and standard contractual clauses."
        ),
    )


def _ai_processor(settings: Any) -> Processor | None:
    if not settings.anthropic_api_key:
        return None
    return Processor(
        "Anthropic",
        _l("The AI features, only those you switch on at Privacy"),
        _l("The text you choose to send to a feature, and its answer"),
        _US_TRANSFER,
    )


def processors(settings: Any, *, has_payments: bool) -> list[Processor]:
    """The outside services this installation's configuration actually sends data to."""
    found = [
        _email_processor(settings),
        _storage_processor(settings),
        _payments_processor(has_payments),
        _ai_processor(settings),
    ]
    return [p for p in found if p is not None]


def context(settings: Any, *, has_payments: bool) -> dict[str, Any]:
    """Everything the policy template needs."""
    return {
        "policy_version": PRIVACY_VERSION,
        "policy_effective": PRIVACY_EFFECTIVE,
        "policy_history": PRIVACY_HISTORY,
        "controller": {
            "name": settings.controller_name,
            "address": settings.controller_address,
            "email": settings.controller_email,
            "ico_registration": settings.ico_registration,
        },
        "processors": processors(settings, has_payments=has_payments),
        "exported_items": exported_items(),
        "retention": retention.SCHEDULE,
        "ico_address": ICO_ADDRESS,
        "ico_url": ICO_URL,
        "answer_within": ANSWER_WITHIN,
        "ai_available": bool(settings.anthropic_api_key),
        "files_local": settings.storage_backend != "s3",
    }
