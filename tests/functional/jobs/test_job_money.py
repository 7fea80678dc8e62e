"""The job page shows gross, commission, VAT on commission and expected net (DOMAIN.md)."""

from __future__ import annotations

import re

from tests.functional.jobs.conftest import job_count, job_form, only_job_id


def _figure(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">(?:<strong>)?([^<]*)<', page)
    assert match, f"no #{element_id} on the page"
    return " ".join(match.group(1).split())


def test_worked_example_on_the_job_page(app, signed_in, owner, make_agency):
    agency = make_agency(
        owner,
        default_commission_percent=__import__("decimal").Decimal("15"),
        vat_registered=True,
        commission_vat_added=True,
    )
    response = signed_in.submit("/jobs/new", job_form(agency_id=str(agency)))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert _figure(page, "total-gross") == "£1,000.00"
    assert _figure(page, "total-commission") == "− £150.00"
    assert _figure(page, "total-vat-on-commission") == "− £30.00"
    assert _figure(page, "total-net") == "£820.00"
    assert "Commission (15%)" in page
    assert job_count(app) == 1
    assert only_job_id(app)
