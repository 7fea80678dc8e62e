"""A draft invoice line names only the user's own jobs (the job id is a hidden form field)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from tests.functional.invoices.conftest import draft_data, invoice_id_from

MESSAGE = "A line refers to a job that is not one of yours."


def _job(app: Any, user: Any) -> uuid.UUID:
    from minimin.extensions import db
    from minimin.jobs.models import Job

    with app.app_context():
        job = Job(user_id=user.id, title="Shoot", client_id=user.client_id)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


def _lines(app: Any) -> list[tuple[Any, ...]]:
    from minimin.extensions import db
    from minimin.invoices.models import InvoiceLine

    with app.app_context():
        rows = db.session.execute(
            sa.select(InvoiceLine.invoice_id, InvoiceLine.description, InvoiceLine.job_id)
        ).all()
        db.session.remove()
    return sorted(tuple(r) for r in rows)


def _with_job(user: Any, job_id: uuid.UUID, description: str = "Day") -> dict[str, Any]:
    data = draft_data(user.client_id, [(description, "1", "100", "standard")])
    data["lines-0-job_id"] = str(job_id)
    return data


def test_a_line_with_another_users_job_is_refused(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    owner = business()
    foreign_job = _job(app, owner)
    user = business()
    login(client, user)

    response = client.submit("/invoices/new", _with_job(user, foreign_job))
    assert response.status_code == 400
    assert MESSAGE in response.get_data(as_text=True)
    assert _lines(app) == []

    invoice_id = invoice_id_from(client.submit("/invoices/new", _with_job(user, _job(app, user))))
    before = _lines(app)
    response = client.submit(
        f"/invoices/{invoice_id}/edit", _with_job(user, foreign_job, "Changed")
    )
    assert response.status_code == 400
    assert MESSAGE in response.get_data(as_text=True)
    assert _lines(app) == before
