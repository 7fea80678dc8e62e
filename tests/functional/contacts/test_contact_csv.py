"""Clients and agencies download as CSV exactly as the list is searched and sorted, every page,
with text that a spreadsheet would run as a formula made inert."""

from __future__ import annotations

import csv
import io


def _csv(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_client_csv_follows_search_and_sort_and_is_formula_safe(
    signed_in, owner, add_client, make_user, app
):
    add_client(owner, name="Zeta Films", email="z@zeta.example", payment_terms_days=14)
    add_client(owner, name="Acme Studios", email="a@acme.example", payment_terms_days=30)
    add_client(owner, name='=HYPERLINK("http://x")', email="evil@x.example")
    add_client(make_user(), name="Someone Else's Acme")

    rows = _csv(signed_in, "/clients.csv")
    assert rows[0][:3] == ["Name", "Contact", "Email"]
    names = [r[0] for r in rows[1:]]
    assert names == ['\'=HYPERLINK("http://x")', "Acme Studios", "Zeta Films"]

    rows = _csv(signed_in, "/clients.csv?q=ACME&sort=name&dir=desc")
    assert [r[0] for r in rows[1:]] == ["Acme Studios"]
    rows = _csv(signed_in, "/clients.csv?sort=terms&dir=desc")
    assert [r[0] for r in rows[1:3]] == ["Acme Studios", "Zeta Films"]
    # An unknown sort key falls back to the list's default order, never an error.
    assert _csv(signed_in, "/clients.csv?sort=password&dir=sideways")[1][0].startswith("'=")

    page = signed_in.get("/clients?q=acme&sort=terms&dir=desc").get_data(as_text=True)
    assert 'href="/clients.csv?q=acme&amp;sort=terms&amp;dir=desc"' in page


def test_agency_csv(signed_in, owner, add_agency):
    add_agency(owner, name="Models One", email="book@one.example")
    add_agency(owner, name="Top Models", email="book@top.example")
    rows = _csv(signed_in, "/agencies.csv?q=top")
    assert [r[0] for r in rows[1:]] == ["Top Models"]
    assert "Download CSV" in signed_in.get("/agencies").get_data(as_text=True)
