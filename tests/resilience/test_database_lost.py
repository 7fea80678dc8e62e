"""PostgreSQL's connection lost in the middle of a request (its server process ended with
pg_terminate_backend from another connection, between two of the request's INSERTs): a clear
503, no half-written rows, and the next request works on a fresh connection."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL
from tests.functional.jobs.conftest import job_count, job_form

pytestmark = pytest.mark.postgres


def test_a_connection_lost_mid_request_is_a_503_and_nothing_half_written(
    app: Any, database_url: str, client: Any, make_user: Any, login: Any
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a server connection to end exists on PostgreSQL only")
    from minimin.contacts.models import Client
    from minimin.extensions import db
    from minimin.jobs.models import Job, JobDate

    user = make_user()
    with app.app_context():
        customer = Client(user_id=user.id, name="Acme Studios")
        db.session.add(customer)
        db.session.commit()
        form = job_form(title="Lost in transit", client_id=str(customer.id))
    login(client, user)
    page = client.get("/jobs/new")
    assert page.status_code == 200
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    ended: list[int] = []

    def end_this_connection(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # Once the job row is written, and before its dates are: the server goes away.
        if not ended and statement.lstrip().upper().startswith("INSERT INTO JOB "):
            pid = cursor.connection.info.backend_pid
            with admin.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            ended.append(pid)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "after_cursor_execute", end_this_connection)
    try:
        response = client.submit("/jobs/new", form)
    finally:
        sa.event.remove(engine, "after_cursor_execute", end_this_connection)
        admin.dispose()
    assert ended, "the request never wrote its job"
    assert response.status_code == 503
    assert "Nothing you entered was saved" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "30"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobDate)) == 0
        db.session.remove()
    assert job_count(app) == 0

    # Recovery: the pool drops the dead connection; the same form goes through.
    response = client.submit("/jobs/new", {**form, "title": "Second try"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Job.title)).all() == ["Second try"]
