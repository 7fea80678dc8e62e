"""The status dropdown starts at the job's own status and offers the moves forward before the
moves back: submitting it unchanged moves nothing."""

from __future__ import annotations

import re

from tests.functional.jobs.conftest import job_form, only_job_id


def _options(page: str) -> list[tuple[str, bool]]:
    select = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', page, re.S)
    assert select, "no status dropdown"
    return [
        (value, "selected" in attrs)
        for attrs, value in re.findall(r'<option([^>]*?)value="([^"]*)"', select.group(1))
    ]


def test_completed_job_offers_its_own_status_first_and_moving_back_last(
    app, signed_in, owner, make_client
):
    signed_in.submit("/jobs/new", job_form(client_id=str(make_client(owner))))
    job_id = only_job_id(app)
    page_url = f"/jobs/{job_id}"

    def move(status):
        return signed_in.submit(f"{page_url}/status", {"status": status}, form_page=page_url)

    assert _options(signed_in.get(page_url).get_data(as_text=True)) == [
        ("enquiry", True),
        ("option_first", False),
        ("option_second", False),
        ("confirmed", False),
        ("cancelled", False),
    ]
    assert move("confirmed").status_code == 302
    assert move("completed").status_code == 302
    assert _options(signed_in.get(page_url).get_data(as_text=True)) == [
        ("completed", True),
        ("cancelled", False),
        ("confirmed", False),
    ]
    # Submitted as shown, the form changes nothing and says so.
    response = move("completed")
    assert response.status_code == 302
    assert "The job is still Completed." in signed_in.get(page_url).get_data(as_text=True)
    assert _moves(app, job_id) == [
        (None, "enquiry"),
        ("enquiry", "confirmed"),
        ("confirmed", "completed"),
    ]


def _moves(app, job_id):
    import sqlalchemy as sa

    from minimin.extensions import db
    from minimin.jobs.models import JobStatusChange

    with app.app_context():
        rows = db.session.execute(
            sa.select(JobStatusChange.from_status, JobStatusChange.to_status)
            .where(JobStatusChange.job_id == job_id)
            .order_by(JobStatusChange.at)
        )
        return [tuple(row) for row in rows]
