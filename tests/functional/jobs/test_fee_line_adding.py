"""Adding fee lines without JavaScript: each "Add a fee line" adds one (blank lines already
added stay), the page opens at the new line with its first field focused, and blank lines are
dropped only when the job is saved."""

from __future__ import annotations

import re

from tests.functional.jobs.conftest import job_count, job_form


def _lines(page: str) -> list[str]:
    return re.findall(r'<fieldset class="job-row" id="(fee-line-\d+)" data-fee-line>', page)


def test_two_blank_lines_added_give_two_and_the_page_opens_at_the_new_one(
    app, signed_in, owner, make_client
):
    data = job_form(client_id=str(make_client(owner)), action="add_line")
    page = signed_in.submit("/jobs/new", data).get_data(as_text=True)
    assert _lines(page) == ["fee-line-1", "fee-line-2"]
    # The button posts to this page at the next line's anchor; the new line's kind is focused.
    assert 'formaction="/jobs/new#fee-line-3"' in page
    tags = {
        m.group(1): m.group(0)
        for m in re.finditer(r'<(?:select|input)[^>]*id="([^"]+)"[^>]*>', page)
    }
    assert "autofocus" in tags["fee_lines-1-kind"]
    assert "autofocus" not in tags["title"]

    # Add again with the second line still blank: three lines, not two.
    data.update({"fee_lines-1-kind": "day_rate", "fee_lines-1-quantity": ""})
    data["fee_lines-1-unit_amount"] = ""
    page = signed_in.submit("/jobs/new", data).get_data(as_text=True)
    assert _lines(page) == ["fee-line-1", "fee-line-2", "fee-line-3"]

    # Saving drops the blank lines: the job has its one real line.
    data["action"] = "save"
    response = signed_in.submit("/jobs/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert job_count(app) == 1
    job_page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "£1,000.00" in job_page


def test_the_form_carries_a_blank_line_template_and_the_agencies_terms(
    signed_in, owner, make_agency
):
    from decimal import Decimal

    agency_id = make_agency(owner, default_commission_percent=Decimal("20"))
    page = signed_in.get("/jobs/new").get_data(as_text=True)
    template = re.search(r'<template id="fee-line-template">(.*?)</template>', page, re.S)
    assert template and 'name="fee_lines-__n__-unit_amount"' in template.group(1)
    assert f"&#34;{agency_id}&#34;" in page or f'"{agency_id}"' in page
    assert "/static/js/fee_lines.js" in page
