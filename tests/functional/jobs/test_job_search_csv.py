"""The jobs list: search (any case, by job, location, client or agency), sorting by column
headers that say their order (aria-sort), and the CSV download of the same selection."""

from __future__ import annotations

import csv
import io
import re

from tests.functional.jobs.conftest import job_form
from tests.functional.jobs.test_job_list_queries import count_queries, insert_jobs


def _titles(page):
    return re.findall(r'<a href="/jobs/[0-9a-f-]{36}">([^<]+)</a>', page)


def test_search_sort_headers_and_csv(app, signed_in, owner, make_client, make_agency):
    acme = str(make_client(owner, "Acme Studios"))
    zenith = str(make_client(owner, "Zenith Films"))
    for title, client_id, day in (
        ("Spring lookbook", acme, "2026-03-01"),
        ("=SUM(A1:A9) campaign", zenith, "2026-04-01"),
        ("Winter catalogue", zenith, "2026-01-15"),
    ):
        data = job_form(title=title, client_id=client_id, **{"dates-0-day": day})
        assert signed_in.submit("/jobs/new", data).status_code == 302

    page = signed_in.get("/jobs?q=ZENITH").get_data(as_text=True)
    assert sorted(_titles(page)) == ["=SUM(A1:A9) campaign", "Winter catalogue"]
    assert _titles(signed_in.get("/jobs?q=lookBOOK").get_data(as_text=True)) == ["Spring lookbook"]
    # A literal % or _ matches itself, not "anything".
    assert _titles(signed_in.get("/jobs?q=%25").get_data(as_text=True)) == []
    assert "No jobs match “%”" in signed_in.get("/jobs?q=%25").get_data(as_text=True)

    page = signed_in.get("/jobs?sort=title&dir=asc&q=i").get_data(as_text=True)
    assert _titles(page) == ["=SUM(A1:A9) campaign", "Spring lookbook", "Winter catalogue"]
    assert 'aria-sort="ascending"' in page and 'aria-sort="none"' in page
    # The sorted column's header link flips the direction and keeps the search.
    assert 'href="/jobs?q=i&amp;sort=title&amp;dir=desc"' in page
    page = signed_in.get("/jobs?sort=title&dir=desc").get_data(as_text=True)
    assert _titles(page) == ["Winter catalogue", "Spring lookbook", "=SUM(A1:A9) campaign"]
    assert 'aria-sort="descending"' in page

    csv_link = re.search(r'href="(/jobs/export\.csv[^"]*)"', page)
    assert csv_link
    response = signed_in.get(csv_link.group(1).replace("&amp;", "&"))
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["First day", "Last day", "Job"]
    assert [r[2] for r in rows[1:]] == [
        "Winter catalogue",
        "Spring lookbook",
        "'=SUM(A1:A9) campaign",
    ]
    assert rows[1][3] == "Zenith Films" and rows[1][8] == "1000.00"
    rows = list(
        csv.reader(io.StringIO(signed_in.get(f"/jobs/export.csv?client={acme}").get_data(True)))
    )
    assert [r[2] for r in rows[1:]] == ["Spring lookbook"]


def test_search_costs_the_same_statements_at_any_size(
    app, signed_in, owner, make_client, make_agency
):
    client_id = make_client(owner)
    agency_id = make_agency(owner)
    insert_jobs(app, owner.id, 10, client_id, agency_id)
    signed_in.get("/jobs?q=job")
    _, small = count_queries(app, lambda: signed_in.get("/jobs?q=job&sort=title"))
    insert_jobs(app, owner.id, 200, client_id, agency_id)
    signed_in.get("/jobs?q=job")
    response, large = count_queries(app, lambda: signed_in.get("/jobs?q=job&sort=title"))
    assert "210 jobs" in response.get_data(as_text=True)
    assert len(large) == len(small)
    _, csv_small = count_queries(app, lambda: signed_in.get("/jobs/export.csv?q=job"))
    assert len(csv_small) <= len(small)
