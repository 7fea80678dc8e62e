"""Percentages in the business settings read as written, in English and Welsh pages."""

from __future__ import annotations


def test_flat_rate_hint_and_scheme_show_the_percentage(signed_in):
    page = signed_in.get("/settings/business/vat").get_data(as_text=True)
    assert "A limited cost trader uses 16.5% automatically." in page
    assert "limited cost trader (16.5%)" in page
    assert "{}" not in page
