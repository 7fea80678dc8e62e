"""From "Jobs to invoice" and from a completed job's page the user makes the draft invoice in
one step: the pages post to the invoice-from-jobs service, so the jobs leave the list."""

from __future__ import annotations

import re

from tests.functional.jobs.conftest import job_form


def _complete(client, job_id):
    for status in ("confirmed", "completed"):
        response = client.submit(
            f"/jobs/{job_id}/status", {"status": status}, form_page=f"/jobs/{job_id}"
        )
        assert response.status_code == 302


def _new_job(client, title, client_id):
    response = client.submit("/jobs/new", job_form(title=title, client_id=str(client_id)))
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[-1]


def _forms(page):
    """(action, [(name, value)...]) for each POST form of *page*."""
    found = []
    for attrs, body in re.findall(r'<form method="post"([^>]*)>(.*?)</form>', page, re.S):
        action = re.search(r'action="([^"]+)"', attrs)
        fields = re.findall(r'name="([^"]+)" value="([^"]+)"', body)
        found.append((action.group(1) if action else "", attrs, fields))
    return found


def test_invoice_these_and_invoice_one_from_the_to_invoice_list(app, signed_in, owner, make_client):
    acme = make_client(owner)
    first = _new_job(signed_in, "Catalogue day", acme)
    second = _new_job(signed_in, "Lookbook day", acme)
    third = _new_job(signed_in, "Campaign day", acme)
    for job_id in (first, second, third):
        _complete(signed_in, job_id)

    page = signed_in.get("/jobs/to-invoice").get_data(as_text=True)
    assert "Invoice these" in page
    forms = _forms(page)
    # The list's own form carries a checkbox per job; each job also has its own one-job form.
    assert any('id="invoice-these"' in attrs for _, attrs, _ in forms)
    one_job = [f for f in forms if f[0] == "/invoices/from-jobs" and "invoice-one-" in f[1]]
    assert sorted(v for _, _, fields in one_job for n, v in fields if n == "job") == sorted(
        [first, second, third]
    )
    for job_id in (first, second, third):
        assert f'form="invoice-one-{job_id}"' in page

    # "Invoice these" with two ticked: one draft for both; the third stays on the list.
    response = signed_in.submit(
        "/invoices/from-jobs", {"job": [first, second]}, form_page="/jobs/to-invoice"
    )
    assert response.status_code == 302 and "/invoices/" in response.headers["Location"]
    page = signed_in.get("/jobs/to-invoice").get_data(as_text=True)
    assert "Campaign day" in page
    assert "Catalogue day" not in page and "Lookbook day" not in page

    # Nothing ticked: a clear message and nothing made.
    response = signed_in.submit("/invoices/from-jobs", {}, form_page="/jobs/to-invoice")
    assert response.status_code == 400
    assert "Choose at least one job." in response.get_data(as_text=True)


def test_a_completed_job_page_has_invoice_this_job(app, signed_in, owner, make_client):
    job_id = _new_job(signed_in, "Catalogue day", make_client(owner))
    assert "Invoice this job" not in signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    _complete(signed_in, job_id)
    page = signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Invoice this job" in page
    action, _, fields = next(f for f in _forms(page) if f[0] == "/invoices/from-jobs")
    assert ("job", job_id) in fields

    response = signed_in.submit(action, {"job": job_id}, form_page=f"/jobs/{job_id}")
    assert response.status_code == 302
    invoice_url = response.headers["Location"]
    page = signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Invoice this job" not in page
    assert f'href="{invoice_url.split("localhost", 1)[-1]}"' in page
