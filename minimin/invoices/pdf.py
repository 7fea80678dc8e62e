"""PDF rendering of invoices and credit notes with WeasyPrint.

A document is rendered from a plain dictionary built from the invoice's frozen snapshots, so the
PDF depends on nothing that can change after issue. It is rendered **once**, at issue, and the
bytes are stored with their SHA-256; later downloads serve those bytes.

Documents never fetch anything: the only URLs WeasyPrint may resolve are ``data:`` URIs (the logo
is embedded as one). Any other URL, including ``file:`` and ``http:``, is refused.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask import render_template

from minimin.core.money import format_pence

_FONT_CONFIG: Any = None


def _font_config() -> Any:
    # Building the font configuration is the slow part of a first render; one per process.
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Serves ``data:`` URIs only: a document can never reach the network or the disk."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.lower().startswith("data:"):
                raise ValueError(f"refused to fetch {url[:80]!r}: documents are self-contained")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols=("data",), fail_on_errors=False)


def render_pdf(html: str) -> bytes:
    """PDF bytes for *html* (no base URL: relative links resolve to nothing)."""
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=_fetcher(), base_url=None)
    pdf: bytes = document.write_pdf(font_config=_font_config())
    return pdf


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def money(pence: int | None, currency: str = "GBP") -> str:
    """``£1,234.50`` — the one money format used on documents (minor units of *currency*)."""
    if pence is None:
        return ""
    return format_pence(int(pence), currency, "en_GB")


def quantity(value: Any) -> str:
    return str(format_decimal(Decimal(str(value)).normalize(), locale="en_GB"))


def sort_code(value: str | None) -> str:
    """``20-00-00``, as banks print a sort code (it is stored as six digits)."""
    digits = "".join(c for c in value or "" if c.isdigit())
    if len(digits) != 6:
        return value or ""
    return f"{digits[:2]}-{digits[2:4]}-{digits[4:]}"


def phone(value: str | None) -> str:
    """A stored E.164 number as people write it (``0117 496 0000`` in the UK)."""
    from minimin.business.rules import display_phone

    return display_phone(value)


def website(value: str | None) -> str:
    """A website without its scheme and trailing slash: ``alexfreelance.example``."""
    text = (value or "").strip()
    for scheme in ("https://", "http://"):
        if text.lower().startswith(scheme):
            text = text[len(scheme) :]
    return text.rstrip("/")


def render_document_html(document: dict[str, Any]) -> str:
    """The HTML of an invoice or credit note *document* (see ``documents.py``)."""
    return render_template(
        "invoices/pdf.html",
        doc=document,
        money=money,
        quantity=quantity,
        sort_code=sort_code,
        phone=phone,
        website=website,
    )


def render_document(document: dict[str, Any]) -> bytes:
    return render_pdf(render_document_html(document))
