"""The Reports page lists every report, so none of them is a dead end reached only by URL."""

from __future__ import annotations

import re


def test_reports_page_links_to_every_report_and_each_opens(client, signed_in):
    page = client.get("/reports/")
    assert page.status_code == 200
    hrefs = set(re.findall(r'href="(/(?:reports|ledger)[^"?#]*)"', page.get_data(as_text=True)))
    for path in (
        "/reports/tax-year",
        "/reports/self-assessment",
        "/reports/profit-and-loss",
        "/reports/income-by-client",
        "/reports/vat",
        "/reports/mtd",
        "/reports/export",
        "/ledger/",
    ):
        assert path in hrefs, path
    for path in sorted(hrefs):
        assert client.get(path).status_code == 200, path


def test_vat_mtd_and_export_pages_lead_back_to_the_other_reports(client, signed_in):
    for path, current in (
        ("/reports/vat", "/reports/vat"),
        ("/reports/mtd", "/reports/mtd"),
        ("/reports/export", "/reports/export"),
    ):
        text = client.get(path).get_data(as_text=True)
        assert 'href="/reports/tax-year"' in text
        assert f'href="{current}" aria-current="page"' in text
