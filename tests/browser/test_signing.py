"""E-signature end to end in Chromium, with two browser profiles: the account holder makes a
model release for a job and sends it for signature; the signer opens the emailed link in a
profile with no account, agrees and draws a signature on the canvas; the account holder signs
with a typed name. The signed copy's certificate lists every event with both fingerprints of
the original, and a changed copy no longer matches the recorded SHA-256."""

from __future__ import annotations

import hashlib
import io
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pdfplumber

from tests.browser.test_signed_in_pages import (  # noqa: F401 - fixtures
    Account,
    account,
    desktop,
    signed_in_state,
)

SIGNER = "signer-canvas@example.com"


def _link_for(instance: Path, address: str) -> str:
    for path in sorted((instance / "mail").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = BytesParser(policy=policy.default).parse(path.open("rb"))
        if message["To"] == address:
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            found = re.search(r"https?://\S+/sign/[A-Za-z0-9_\-]{20,}", body.get_content())
            if found:
                return found.group(0)
    raise AssertionError(f"no signing link sent to {address}")


def test_signer_draws_and_owner_types_to_a_certified_copy(
    desktop: Any,  # noqa: F811 - the fixtures imported above
    account: Account,  # noqa: F811
    context: Any,
    live_server: Any,
) -> None:
    owner = desktop
    owner.goto("/documents/templates")
    item = owner.locator("li", has_text="Model release")
    with owner.expect_navigation():
        item.get_by_role("button", name="Copy to my templates").click()
    template_url = owner.url
    owner.goto(
        f"/documents/new?job={account.direct_job_id}&template={template_url.rsplit('/', 1)[-1]}"
    )
    owner.get_by_label("Title").fill("Model release for the shoot")
    with owner.expect_navigation():
        owner.get_by_role("button", name="Make the PDF").click()
    assert owner.get_by_role("heading", name="Model release for the shoot").is_visible()
    original_sha = owner.locator("#pdf-sha256").inner_text().strip()

    owner.fill("#signer-name-0", "Casey Client")
    owner.fill("#signer-email-0", SIGNER)
    with owner.expect_navigation():
        owner.get_by_role("button", name="Send for signature").click()
    status_url = owner.url

    # The signer: a fresh profile, no account, only the emailed link.
    signer = context.new_page()
    signer.goto(_link_for(live_server.instance_path, SIGNER))
    assert signer.get_by_role("heading", name="Model release for the shoot").is_visible()
    signer.get_by_label("I agree to sign this document electronically").check()
    canvas = signer.locator("canvas.signature-canvas")
    assert canvas.is_visible()  # the script showed the pad
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    signer.mouse.move(box["x"] + 20, box["y"] + 60)
    signer.mouse.down()
    for step in range(1, 12):
        signer.mouse.move(box["x"] + 20 + step * 25, box["y"] + 60 + (step % 3) * 20)
    signer.mouse.up()
    with signer.expect_navigation():
        signer.get_by_role("button", name="Sign", exact=True).click()
    assert signer.locator("#signed-notice").is_visible(), signer.locator("main").inner_text()[:1500]

    # The account holder signs last, with a typed name.
    owner.goto(status_url)
    owner.get_by_label("I agree to sign this document electronically").check()
    owner.get_by_label("Type your full name").fill("Sam Sole-Trader")
    with owner.expect_navigation():
        owner.get_by_role("button", name="Sign", exact=True).click()
    assert owner.locator("#request-status").inner_text() == "Signed by everyone"
    recorded = owner.locator("#signed-sha256").inner_text().strip()

    response = owner.request.get(status_url + "/signed.pdf")
    assert response.ok
    final = response.body()
    assert hashlib.sha256(final).hexdigest() == recorded
    with pdfplumber.open(io.BytesIO(final)) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
        signature_page = next(
            p for p, t in zip(pdf.pages, texts, strict=True) if "Signatures:" in t
        )
        signatures_text = next(t for t in texts if "Signatures:" in t)
        assert signature_page.images, "the drawn signature is on the signatures page"
    certificate = texts[-1]
    assert "Signing certificate" in certificate
    assert certificate.count(original_sha) == 2
    for kind in ("sent", "viewed", "agreed", "signed", "completed"):
        assert re.search(rf"\b{kind}\b", certificate), kind
    # The signer and the owner each signed: the owner's typed signature is on the signatures
    # page, and the certificate records both signings (the owner under their account name).
    assert "Casey Client" in certificate
    assert "Sam Sole-Trader" in signatures_text
    assert len(re.findall(r"\d{4}-\d{2}-\d{2} signed\b", certificate)) == 2
    # One changed byte and the copy no longer matches what was recorded.
    middle = len(final) // 2
    changed = final[:middle] + bytes([final[middle] ^ 1]) + final[middle + 1 :]
    assert hashlib.sha256(changed).hexdigest() != recorded
