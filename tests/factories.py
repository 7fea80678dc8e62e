"""An account that touches every user-owned table, for the privacy and admin tests.

``FACTORIES`` has one entry per user-owned (or child) table, in an order where parents come
first. :func:`build_full_account` fails loudly when the metadata holds a personal table with
no entry, so a new feature table forces an update here (and so its export and deletion are
tested). Canary values (in every free-text field: names, addresses, bank details, VAT number,
descriptions, file names, email addresses) are planted so tests can prove they never reach the
admin area or another user (tests/security/test_tenancy_matrix.py).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from minimin.core.db import utcnow

CANARIES = {
    "name": "Canaryname Zqxv",
    "address": "17 Canary Wharfzq Road",
    "sort_code": "40-47-84",
    "account_number": "98761234",
    "vat_number": "GB987654321",
    "client": "Canaryclient Plc Zq",
    "agency": "Canaryagency Zq",
    "line": "Canaryline photoshoot Zq",
    "supplier": "Canarysupplier Zq Ltd",
    "note": "Canarynote Zq pens",
    "place": "Canaryplace Zq",
    "device": "Canarydevice Zq laptop",
    "bank": "Canarybank Zq current",
    "reference": "Canaryref Zq",
    "filename": "canaryfile-zq",
    "mail_to": "canary-mail@example.com",
    "recipient": "canary-accountant@example.com",
}


def _model(table: str) -> type:
    from minimin.extensions import db

    for mapper in db.Model.registry.mappers:
        if mapper.local_table.name == table:
            return mapper.class_  # type: ignore[no-any-return]
    raise LookupError(table)


def _fp() -> str:
    return hashlib.sha256(uuid.uuid4().bytes).hexdigest()


Builder = Callable[[dict[str, Any], uuid.UUID], dict[str, Any]]

#: table -> (fields for one row, given the ids made so far). Parents first.
FACTORIES: dict[str, Builder] = {
    "stored_file": lambda ids, u: {
        "storage_key": ids["_file_key"],
        "content_type": "image/png",
        "size": 4,
        "sha256": "0" * 64,
        "filename": CANARIES["filename"] + ".png",
        "purpose": "logo",
    },
    "account_token": lambda ids, u: {
        "purpose": "unsubscribe",
        "token_hash": _fp(),
        "expires_at": utcnow() + timedelta(days=1),
    },
    "user_session": lambda ids, u: {"token_hash": _fp(), "user_agent": CANARIES["device"]},
    "audit_event": lambda ids, u: {"action": "test.event"},
    "change_counter": lambda ids, u: {"kind": "invoices", "value": 3},
    "passkey": lambda ids, u: {
        "credential_id": uuid.uuid4().hex,
        "public_key": b"\x01\x02",
        "name": CANARIES["device"],
    },
    "passkey_preference": lambda ids, u: {"require_after_password": False},
    "passkey_challenge": lambda ids, u: {
        "token_hash": _fp(),
        "purpose": "login",
        "expires_at": utcnow() + timedelta(minutes=5),
    },
    "business_profile": lambda ids, u: {
        "business_name": CANARIES["name"] + " Studio",
        "address_line1": CANARIES["address"],
        "vat_registered": True,
        "vat_number": CANARIES["vat_number"],
        "bank_sort_code": CANARIES["sort_code"],
        "bank_account_number": CANARIES["account_number"],
        "logo_file_id": ids["stored_file"],
        "utr": "1234567890",
    },
    "client": lambda ids, u: {
        "name": CANARIES["client"],
        "address_line1": CANARIES["address"],
        "vat_number": CANARIES["vat_number"],
    },
    "agency": lambda ids, u: {"name": CANARIES["agency"]},
    "agency_commission_rate": lambda ids, u: {
        "agency_id": ids["agency"],
        "kind_of_work": "photo",
        "percent": Decimal("20"),
    },
    "job": lambda ids, u: {"title": CANARIES["line"], "client_id": ids["client"]},
    "job_date": lambda ids, u: {"job_id": ids["job"], "day": date(2025, 5, 1)},
    "job_fee_line": lambda ids, u: {
        "job_id": ids["job"],
        "kind": "fixed",
        "unit_amount_pence": 10000,
        "amount_pence": 10000,
    },
    "job_status_change": lambda ids, u: {
        "job_id": ids["job"],
        "to_status": "confirmed",
        "at": utcnow(),
    },
    "job_attachment": lambda ids, u: {"job_id": ids["job"], "file_id": ids["stored_file"]},
    "invoice": lambda ids, u: {
        "client_id": ids["client"],
        "customer_name": CANARIES["client"],
        "pdf_key": ids["_pdf_key"],
    },
    "invoice_line": lambda ids, u: {
        "invoice_id": ids["invoice"],
        "description": CANARIES["line"],
        "unit_price_pence": 10000,
        "vat_treatment": "standard",
    },
    "invoice_payment": lambda ids, u: {
        "invoice_id": ids["invoice"],
        "paid_on": date(2025, 6, 1),
        "amount_pence": 5000,
    },
    "invoice_reminder_rule": lambda ids, u: {
        "offset_days": 7,
        "subject": CANARIES["note"],
        "body": CANARIES["note"],
    },
    "invoice_reminder_sent": lambda ids, u: {
        "invoice_id": ids["invoice"],
        "offset_days": 7,
        "sent_at": utcnow(),
    },
    "outbound_email": lambda ids, u: {
        "kind": "test",
        "message_id": f"<{uuid.uuid4()}@x>",
        "to_address": CANARIES["mail_to"],
        "subject": CANARIES["note"],
        "text_body": CANARIES["line"],
        "category": "transactional",
        "status": "sent",
    },
    "outbound_attachment": lambda ids, u: {
        "email_id": ids["outbound_email"],
        "filename": CANARIES["filename"] + ".pdf",
        "content_type": "application/pdf",
        "content": b"%PDF",
    },
    "invoice_email": lambda ids, u: {
        "invoice_id": ids["invoice"],
        "email_id": ids["outbound_email"],
        "kind": "send",
    },
    "credit_note": lambda ids, u: {
        "invoice_id": ids["invoice"],
        "number": f"CN-{uuid.uuid4().hex[:6]}",
        "sequence": 1,
        "issue_date": date(2025, 6, 2),
        "lines_snapshot": [],
    },
    "invoice_refund": lambda ids, u: {
        "invoice_id": ids["invoice"],
        "credit_note_id": ids["credit_note"],
        "refunded_on": date(2025, 6, 3),
        "amount_pence": 1000,
        "method": "bank_transfer",
        "note": CANARIES["note"],
    },
    "stripe_account": lambda ids, u: {
        "secret_key": "rk_live_canary51HxyzAbCd1234",
        "webhook_secret": "whsec_canaryQwErTy98765",
        "key_hint": "nary",
    },
    "stripe_event": lambda ids, u: {
        "event_id": f"evt_{uuid.uuid4().hex}",
        "type": "x",
        "invoice_id": ids["invoice"],
    },
    "recurring_expense": lambda ids, u: {
        "supplier": CANARIES["supplier"],
        "category": "office",
        "amount_pence": 1000,
        "frequency": "monthly",
        "start_date": date(2025, 1, 1),
    },
    "expense": lambda ids, u: {
        "date": date(2025, 5, 2),
        "amount_pence": 1200,
        "supplier": CANARIES["supplier"],
        "description": CANARIES["note"],
        "category": "office",
    },
    "expense_receipt": lambda ids, u: {"expense_id": ids["expense"], "file_id": ids["stored_file"]},
    "journey": lambda ids, u: {
        "date": date(2025, 5, 3),
        "origin": CANARIES["place"],
        "destination": CANARIES["place"],
        "purpose": CANARIES["note"],
        "miles": Decimal("12.5"),
    },
    "bank_account": lambda ids, u: {"name": CANARIES["bank"], "last_four": "1234"},
    "bank_import_job": lambda ids, u: {
        "bank_account_id": ids["bank_account"],
        "kind": "csv",
        "filename": CANARIES["filename"] + ".csv",
    },
    "bank_transaction": lambda ids, u: {
        "bank_account_id": ids["bank_account"],
        "posted_on": date(2025, 6, 1),
        "amount_pence": 5000,
        "fingerprint": _fp(),
        "description": CANARIES["client"],
        "counterparty": CANARIES["client"],
        "reference": CANARIES["reference"],
        "payee_key": "canary",
    },
    "bank_match": lambda ids, u: {
        "transaction_id": ids["bank_transaction"],
        "kind": "invoice",
        "target_id": ids["invoice"],
        "amount_pence": 5000,
    },
    "bank_rejected_suggestion": lambda ids, u: {
        "transaction_id": ids["bank_transaction"],
        "kind": "invoice",
        "target_id": ids["invoice"],
    },
    "bank_category_rule": lambda ids, u: {"pattern": "canary", "match_kind": "contains"},
    "quote": lambda ids, u: {
        "job_id": ids["job"],
        "token_hash": _fp(),
        "sent_to": "client@example.com",
        "expires_on": date(2025, 7, 1),
        "lines_snapshot": [{"description": CANARIES["line"], "amount_pence": 100}],
    },
    "document_template": lambda ids, u: {"name": CANARIES["note"], "current_version": 1},
    "document_template_version": lambda ids, u: {
        "template_id": ids["document_template"],
        "version": 1,
        "body_html": "<p>" + CANARIES["line"] + "</p>",
        "created_at": utcnow(),
    },
    "generated_document": lambda ids, u: {
        "title": CANARIES["note"],
        "template_id": ids["document_template"],
        "template_version": 1,
        "job_id": ids["job"],
        "body_html": "<p>" + CANARIES["line"] + "</p>",
        "pdf_key": ids["_pdf_key"],
        "pdf_sha256": "0" * 64,
    },
    "signature_request": lambda ids, u: {
        "document_id": ids["generated_document"],
        "original_sha256": "0" * 64,
        "message": CANARIES["note"],
        "status": "completed",
        "signed_file_key": ids["_pdf_key"],
        "signed_sha256": "1" * 64,
    },
    "signature_signer": lambda ids, u: {
        "request_id": ids["signature_request"],
        "name": CANARIES["name"],
        "email": CANARIES["mail_to"],
        "token_hash": _fp(),
        "typed_name": CANARIES["name"],
    },
    "signing_event": lambda ids, u: {
        "request_id": ids["signature_request"],
        "signer_id": ids["signature_signer"],
        "kind": "signed",
        "at": utcnow(),
        "ip_hash": _fp()[:32],
        "detail": CANARIES["name"],
    },
    "calendar_feed": lambda ids, u: {
        "name": CANARIES["device"],
        "token_hash": _fp(),
        "agency_id": ids["agency"],
    },
    "remittance": lambda ids, u: {
        "agency_id": ids["agency"],
        "date": date(2025, 6, 3),
        "source_file_id": ids["stored_file"],
    },
    "remittance_line": lambda ids, u: {
        "remittance_id": ids["remittance"],
        "description": CANARIES["line"],
    },
    "remittance_import": lambda ids, u: {
        "agency_id": ids["agency"],
        "status": "read",
        "file_id": ids["stored_file"],
        "result": {"lines": [{"description": CANARIES["line"]}]},
    },
    "agency_income": lambda ids, u: {
        "remittance_id": ids["remittance"],
        "remittance_line_id": ids["remittance_line"],
        "received_on": date(2025, 6, 3),
        "income_pence": 100,
        "gross_fee_pence": 100,
        "net_pence": 100,
    },
    "privacy_export": lambda ids, u: {"status": "failed"},
    "consent_record": lambda ids, u: {
        "purpose": "ai",
        "granted": True,
        "wording_version": "ai-2025-08",
    },
    "ai_request": lambda ids, u: {
        "feature": "ai_documents",
        "provider": "anthropic",
        "model": "claude-sonnet-4-6",
        "sent": CANARIES["line"],
        "received": "{}",
    },
    "ai_message": lambda ids, u: {"role": "user", "content": CANARIES["line"]},
    "vat_return": lambda ids, u: {
        "period_start": date(2025, 4, 1),
        "period_end": date(2025, 6, 30),
        "scheme": "standard",
        "box1_pence": 2000,
        "filed_at": utcnow(),
    },
    "export_job": lambda ids, u: {
        "tax_year": 2025,
        "status": "done",
        "file_key": ids["_zip_key"],
    },
    "export_share": lambda ids, u: {
        "export_job_id": ids["export_job"],
        "token_hash": _fp(),
        "recipient": CANARIES["recipient"],
        "expires_at": utcnow() + timedelta(days=7),
    },
    "ledger_account": lambda ids, u: {"code": "asset:undeposited", "name": CANARIES["bank"]},
    "journal_entry": lambda ids, u: {
        # An entry of its own (its document is one the account never had), so the postings
        # that the commit makes for the documents above come on top of it, never collide.
        "source_kind": "expense",
        "source_id": uuid.uuid4(),
        "version": 1,
        "date": date(2025, 6, 3),
        "description": CANARIES["note"],
    },
    "journal_line": lambda ids, u: {
        "entry_id": ids["journal_entry"],
        "date": date(2025, 6, 3),
        "account": "asset:undeposited",
        "amount_pence": 0,
        "memo": CANARIES["line"],
    },
    "journal_total": lambda ids, u: {  # (the line above also adds its own total)
        "account": "expense:box:30",
        "period_start": date(2025, 6, 1),
        "basis": "B",
        "currency": "GBP",
        "source_kind": "expense",
        "vat_code": "",
        "job_key": uuid.UUID(int=0),
        "amount_pence": 0,
        "documents": 0,
    },
    "ledger_period_lock": lambda ids, u: {"locked_through": date(2020, 4, 5), "reason": "year"},
    "api_token": lambda ids, u: {
        "name": CANARIES["device"],
        "token_hash": _fp(),
        "prefix": "mmn_abcdefgh",
        "scopes": ["invoices:read"],
        "expires_at": utcnow() + timedelta(days=30),
    },
    "api_idempotent_request": lambda ids, u: {
        "token_id": ids["api_token"],
        "key_digest": _fp(),
        "request_digest": _fp(),
        "status": 201,
        "content_type": "application/json",
        "body": '{"note": "' + CANARIES["note"] + '"}',
    },
    "pending_receipt": lambda ids, u: {
        "file_id": ids["stored_file"],
        "expires_at": utcnow() + timedelta(hours=24),
    },
    "other_income": lambda ids, u: {
        "tax_year": 2025,
        "salary_pence": 1_200_000,
        "pension_paid_pence": 80_000,
        "student_loan_plans": "plan2",
        "transition_profit_pence": 1_000_000,
        "loss_relief": "current",
    },
    "capital_asset": lambda ids, u: {
        "description": CANARIES["device"],
        "kind": "car",
        "cost_pence": 2_000_000,
        "co2_g_km": 40,
        "new": False,
        "business_percent": 60,
        "bought_tax_year": 2024,
    },
    "admin_account_lock": None,  # type: ignore[dict-item] - would lock the account: see below
}
#: Tables deliberately left empty by the full account, with the reason.
SKIPPED = {
    "admin_account_lock": "a locked account cannot sign in; tested in tests/functional/admin"
}


def personal_table_names() -> set[str]:
    from minimin.privacy import discovery

    return {t.name for t in discovery.personal_tables()}


def check_coverage() -> None:
    missing = personal_table_names() - set(FACTORIES)
    if missing:
        raise AssertionError(
            "tests/factories.py has no factory for the user-owned table(s) "
            f"{sorted(missing)}: add one so export and deletion are tested for it"
        )


def build_full_account(user_id: uuid.UUID, file_bytes: bytes = b"\x89PNG") -> dict[str, Any]:
    """Add one row to every personal table for *user_id* (in the current session, flushed,
    not committed) and store two files; returns the ids made, by table."""
    from minimin.core.storage import storage
    from minimin.extensions import db

    check_coverage()
    ids: dict[str, Any] = {
        "_file_key": storage().save(file_bytes, "image/png"),
        "_pdf_key": storage().save(b"%PDF-1.7 canary", "application/pdf"),
        "_zip_key": storage().save(b"PK\x05\x06" + b"\0" * 18, "application/zip"),
    }
    for table, builder in FACTORIES.items():
        if builder is None or table not in personal_table_names():
            continue
        model = _model(table)
        fields = builder(ids, user_id)
        if "user_id" in model.__table__.c:
            fields["user_id"] = user_id
        row = model(**fields)
        db.session.add(row)
        db.session.flush()
        ids[table] = row.id
    return ids
