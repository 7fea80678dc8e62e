"""The signed copy: the original PDF's pages unchanged, then a page of signatures and the
signing certificate (the document's SHA-256 when sent and at completion, and every event with
its UTC time and hashed IP address and user agent).

The new pages are drawn by WeasyPrint through invoices/pdf.py (which fetches nothing) and
joined to the original pages with pikepdf; the stored original file is only read.
"""

from __future__ import annotations

import io
from typing import Any

from flask import render_template

from minimin.core.storage import storage
from minimin.documents.models import SignatureRequest


def _signature_rows(req: SignatureRequest) -> list[dict[str, Any]]:
    from minimin.documents.signing.images import data_url

    return [
        {
            "name": signer.name,
            "email": signer.email,
            "typed_name": signer.typed_name,
            "kind": signer.signature_kind,
            "image": data_url(signer.signature_png) if signer.signature_png else None,
            "signed_at": signer.signed_at,
        }
        for signer in req.signers
    ]


def _event_rows(req: SignatureRequest) -> list[dict[str, Any]]:
    return [
        {
            "at": event.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "kind": event.kind,
            "who": event.signer.name if event.signer is not None else "Sender",
            "email": event.signer.email if event.signer is not None else "",
            "ip_hash": event.ip_hash or "",
            "user_agent_hash": event.user_agent_hash or "",
        }
        for event in req.events
    ]


def certificate_html(req: SignatureRequest, original: bytes) -> str:
    from minimin.invoices.pdf import sha256

    return render_template(
        "documents/certificate.html",
        req=req,
        title=req.document.title,
        signatures=_signature_rows(req),
        events=_event_rows(req),
        sha_when_sent=req.original_sha256,
        sha_at_completion=sha256(original),
    )


def join_pdfs(*parts: bytes) -> bytes:
    import pikepdf

    sources = [pikepdf.open(io.BytesIO(part)) for part in parts]
    try:
        out = pikepdf.new()
        for source in sources:
            out.pages.extend(source.pages)
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True)
        return buffer.getvalue()
    finally:
        for source in sources:
            source.close()


def signed_pdf(req: SignatureRequest) -> bytes:
    from minimin.invoices.pdf import render_pdf

    original = storage().read(req.document.pdf_key)
    return join_pdfs(original, render_pdf(certificate_html(req, original)))
