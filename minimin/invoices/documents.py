"""Snapshots frozen at issue, and the plain document dictionaries the PDF is rendered from.

The PDF of an invoice is built only from the invoice's snapshots and stored lines, never from
live profile or contact rows, so what was issued is exactly what the PDF says.
"""

from __future__ import annotations

import base64
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from minimin.invoices import calc as vat_rules
from minimin.invoices.models import CreditNote, Invoice

#: Logos larger than this are left off the PDF rather than bloating every document.
LOGO_MAX_BYTES = 2 * 1024 * 1024


def _clean(values: list[Any]) -> list[str]:
    return [str(v) for v in values if v]


def _attr(obj: Any, *names: str) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value:
            return value
    return None


def _logo_data_uri(profile: Any) -> str | None:
    logo = getattr(profile, "logo", None)
    key = getattr(logo, "storage_key", None)
    if not key:
        return None
    from minimin.core.storage import storage

    try:
        data = storage().read(key)
    except Exception:
        return None
    if len(data) > LOGO_MAX_BYTES:
        return None
    if data.startswith(b"\x89PNG"):
        kind = "image/png"
    elif data.startswith(b"\xff\xd8"):
        kind = "image/jpeg"
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = "image/webp"
    else:
        return None
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def _owner_name(profile: Any) -> str:
    from minimin.accounts.models import User
    from minimin.extensions import db

    user = db.session.get(User, profile.user_id)
    return user.full_name if user is not None else ""


def supplier_snapshot(profile: Any) -> dict[str, Any]:
    """The business as it stands at issue: what the invoice says about its supplier."""
    address = getattr(profile, "address_lines", None)
    if callable(address):
        address = address()
    if address is None:
        address = _clean(
            [
                _attr(profile, "address_line1"),
                _attr(profile, "address_line2"),
                _attr(profile, "town"),
                _attr(profile, "postcode"),
            ]
        )
    registered = bool(getattr(profile, "vat_registered", False))
    bank = {
        "account_name": _attr(profile, "bank_account_name"),
        "sort_code": _attr(profile, "bank_sort_code", "sort_code"),
        "account_number": _attr(profile, "bank_account_number", "account_number"),
        "iban": _attr(profile, "bank_iban", "iban"),
        "bic": _attr(profile, "bank_bic", "bic"),
    }
    return {
        "name": _attr(profile, "business_name") or _owner_name(profile),
        "trading_name": None,
        "address_lines": list(address),
        "email": _attr(profile, "invoice_email"),
        "phone": _attr(profile, "phone"),
        "website": _attr(profile, "website"),
        "vat_registered": registered,
        "vat_number": _attr(profile, "vat_number") if registered else None,
        "vat_scheme": _attr(profile, "vat_scheme") if registered else None,
        "bank": bank if any(bank.values()) else None,
        "logo_data_uri": _logo_data_uri(profile),
        # The business's own wording from its profile, printed as it stood at issue.
        "payment_notes": _attr(profile, "payment_notes"),
        "late_payment_text": _attr(profile, "late_payment_text"),
        "invoice_footer": _attr(profile, "invoice_footer"),
    }


def customer_snapshot(contact: Any, invoice: Invoice) -> dict[str, Any]:
    is_business = bool(getattr(contact, "is_business", True))
    return {
        "kind": "agency" if invoice.agency_id else "client",
        "name": contact.name,
        "contact_name": contact.contact_name,
        "email": contact.email,
        "address_lines": list(contact.address_lines),
        "country": contact.country,
        "vat_number": contact.vat_number,
        "is_business": is_business,
    }


def _fmt_date(value: Any) -> str:
    if value is None:
        return ""
    return f"{value.day} {value.strftime('%B %Y')}"


def _rate_label(treatment: str, rate: Decimal) -> str:
    return vat_rules.treatment_label(treatment, rate)


def _summary(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for line in lines:
        group = groups.setdefault(
            line["rate_label"], {"rate_label": line["rate_label"], "net_pence": 0, "vat_pence": 0}
        )
        group["net_pence"] += line["net_pence"]
        group["vat_pence"] += line["vat_pence"]
    return list(groups.values())


def _common(supplier: dict[str, Any], vat_registered: bool) -> dict[str, Any]:
    from minimin.business.models import FLAT_RATE_SCHEMES

    return {
        "supplier": supplier,
        "vat_registered": vat_registered,
        # Either Flat Rate Scheme: the sector's percentage or the limited cost trader rate.
        "flat_rate": vat_registered and supplier.get("vat_scheme") in FLAT_RATE_SCHEMES,
    }


def invoice_document(invoice: Invoice, *, payment_link: str | None = None) -> dict[str, Any]:
    supplier = invoice.supplier_snapshot or {}
    customer = invoice.customer_snapshot or {}
    registered = bool(supplier.get("vat_registered"))
    lines = [
        {
            "description": line.description,
            "quantity": line.quantity,
            "unit_price_pence": line.unit_price_pence,
            "rate_label": _rate_label(line.vat_treatment, line.vat_rate),
            "net_pence": line.net_pence,
            "vat_pence": line.vat_pence,
            "treatment": line.vat_treatment,
        }
        for line in invoice.lines
    ]
    late_note = None
    if customer.get("is_business", True):
        # Statutory interest is claimable from businesses only (DOMAIN.md), so neither the
        # business's own late-payment wording nor the default goes to a private individual.
        late_note = supplier.get("late_payment_text") or (
            "Payment is due by the date shown. On late payment we may claim interest and "
            "compensation under the Late Payment of Commercial Debts (Interest) Act 1998."
        )
    return {
        **_common(supplier, registered),
        "kind": "invoice",
        "title": "VAT invoice" if registered else "Invoice",
        "number_label": "Invoice number",
        "number": invoice.number,
        "issue_date": _fmt_date(invoice.issue_date),
        "tax_point": _fmt_date(invoice.tax_point) if registered else None,
        "due_date": _fmt_date(invoice.due_date),
        "customer": customer,
        "lines": lines,
        "vat_summary": _summary(lines) if registered else [],
        "net_pence": invoice.net_pence,
        "vat_pence": invoice.vat_pence,
        "total_pence": invoice.total_pence,
        "vat_gbp_pence": invoice.vat_gbp_pence,
        "currency": invoice.currency,
        "exchange_rate": invoice.exchange_rate,
        "reverse_charge": registered
        and any(line.vat_treatment == vat_rules.REVERSE_CHARGE for line in invoice.lines),
        "reverse_charge_abroad": registered
        and any(line.vat_treatment == vat_rules.REVERSE_ABROAD for line in invoice.lines),
        "notes": invoice.notes,
        "payment_link": payment_link,
        "late_payment_note": late_note,
    }


def credit_note_document(
    note: CreditNote, invoice: Invoice, *, refund_due_pence: int = 0
) -> dict[str, Any]:
    """The credit note as printed. *refund_due_pence* is the part of the credit that the
    customer had already paid when the note was issued: it is to be refunded, and the PDF
    says so (the rest reduces what is still to pay on the invoice)."""
    supplier = note.supplier_snapshot or {}
    registered = bool(supplier.get("vat_registered"))
    lines = [
        {
            "description": item["description"],
            "quantity": Decimal(item["quantity"]),
            "unit_price_pence": item["unit_price_pence"],
            "rate_label": _rate_label(item["treatment"], Decimal(item["rate_percent"])),
            "net_pence": item["net_pence"],
            "vat_pence": item["vat_pence"],
            "treatment": item["treatment"],
        }
        for item in note.lines_snapshot
    ]
    return {
        **_common(supplier, registered),
        "kind": "credit_note",
        "title": "Credit note",
        "number_label": "Credit note number",
        "number": note.number,
        "references_invoice": invoice.number,
        "references_invoice_date": _fmt_date(invoice.issue_date),
        "issue_date": _fmt_date(note.issue_date),
        "tax_point": None,
        "due_date": None,
        "customer": note.customer_snapshot or {},
        "lines": lines,
        "vat_summary": _summary(lines) if registered else [],
        "net_pence": note.net_pence,
        "vat_pence": note.vat_pence,
        "total_pence": note.total_pence,
        "vat_gbp_pence": note.vat_gbp_pence,
        "currency": note.currency,
        "exchange_rate": invoice.exchange_rate,
        "reverse_charge": registered
        and any(item["treatment"] == vat_rules.REVERSE_CHARGE for item in note.lines_snapshot),
        "reverse_charge_abroad": registered
        and any(item["treatment"] == vat_rules.REVERSE_ABROAD for item in note.lines_snapshot),
        "notes": note.reason,
        "payment_link": None,
        "late_payment_note": None,
        "refund_due_pence": refund_due_pence,
        "reduces_balance_pence": max(note.total_pence - refund_due_pence, 0),
    }
