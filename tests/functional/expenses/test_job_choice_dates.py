"""The job dropdown on the expense form shows each job's date as the rest of the app does."""

from __future__ import annotations

from datetime import date
from typing import Any


def test_job_dropdown_dates_are_uk_dates(app: Any, owner: Any, signed_in: Any) -> None:
    from minimin.extensions import db
    from minimin.jobs.models import Job

    with app.app_context():
        db.session.add(Job(user_id=owner.id, title="Spring campaign", starts_on=date(2026, 3, 4)))
        db.session.commit()
    page = signed_in.get("/expenses/new").get_data(as_text=True)
    assert "Spring campaign (4 Mar 2026)" in page
    assert "2026-03-04" not in page
