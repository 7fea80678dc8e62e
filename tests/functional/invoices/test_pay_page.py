"""The client's page behind the payment link can be paid without cards: it shows the bank
details and the payment reference, who the invoice is from (address, VAT number) and the VAT
totals, from the snapshots taken at issue, whether or not Stripe is set up."""

from __future__ import annotations

import re
from typing import Any

from tests.functional.invoices.test_invoice_journey import _make_issued


def _public_page(client: Any, app: Any, invoice_id: str) -> str:
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    link = re.search(r'href="https?://[^/"]+(/pay/[^"]+)"', page)
    assert link, "no payment link on the invoice page"
    client.post("/logout", data={"csrf_token": client.csrf_token("/invoices")})
    response = app.test_client().get(link.group(1))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_pay_page_gives_bank_transfer_details_supplier_and_vat_totals(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business(bank_iban="GB33BUKB20201555555555", payment_notes="Thanks for your custom")
    login(client, user)
    invoice_id = _make_issued(
        client, user, [("Shoot day", "2", "450", "standard"), ("Prints", "1", "100", "standard")]
    )
    text = _public_page(client, app, invoice_id)

    assert "Pay by bank transfer" in text
    assert "Account name A Freelance" in text
    assert "Sort code 12-34-56" in text and "Account number 12345678" in text
    assert "IBAN GB33BUKB20201555555555" in text
    assert "Payment reference INV-0001" in text
    assert "Amount £1,200.00" in text
    assert "Thanks for your custom" in text
    # Who it is from: address and VAT number.
    assert "Alex Freelance Photography" in text
    assert "1 High Street" in text and "BS1 1AA" in text
    assert "VAT number: GB123456789" in text
    # VAT totals: net, VAT and gross, by rate and overall.
    assert "Total net £1,000.00" in text
    assert "Total VAT £200.00" in text
    assert re.search(r"VAT at [^£]*20[^£]* £200\.00", text), text
    # No card payments are set up: no card button, and the bank details stand in.
    assert "by card" not in text


def test_pay_page_without_bank_details_still_gives_the_reference(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    user = business(
        vat_registered=False, bank_account_name=None, bank_sort_code=None, bank_account_number=None
    )
    login(client, user)
    invoice_id = _make_issued(client, user, [("Shoot day", "1", "300", "standard")])
    text = _public_page(client, app, invoice_id)
    assert "Please quote INV-0001 as the reference when you pay." in text
    assert "Sort code" not in text
    assert "VAT" not in text
