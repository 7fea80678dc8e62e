"""The job list does a fixed number of SQL queries, whatever the number of jobs."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from tests.statements import statements_of


def insert_jobs(app, user_id, count, client_id, agency_id):
    """Bulk-insert *count* jobs, each with a date and two fee lines."""
    from minimin.extensions import db
    from minimin.jobs.models import FeeLine, Job, JobDate

    now = datetime.now(UTC)
    jobs, dates, lines = [], [], []
    for n in range(count):
        job_id = uuid.uuid4()
        day = date(2026, 1, 1) + timedelta(days=n % 365)
        agency_job = n % 2 == 0
        jobs.append(
            {
                "id": job_id,
                "user_id": user_id,
                "title": f"Job {n}",
                "status": "confirmed",
                "currency": "GBP",
                "client_id": client_id,
                "agency_id": agency_id if agency_job else None,
                "starts_on": day,
                "ends_on": day,
                "commission_percent": Decimal("15") if agency_job else None,
                "commission_vat": agency_job,
                "quoting": "fee_inclusive",
                "created_at": now,
                "updated_at": now,
            }
        )
        dates.append(
            {"id": uuid.uuid4(), "user_id": user_id, "job_id": job_id, "position": 0, "day": day}
        )
        for position, (kind, pence) in enumerate((("day_rate", 100000), ("expenses", 2500))):
            lines.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": user_id,
                    "job_id": job_id,
                    "position": position,
                    "kind": kind,
                    "quantity": Decimal(1),
                    "unit_amount_pence": pence,
                    "amount_pence": pence,
                    "commissionable": kind == "day_rate",
                    "vat_applies": kind == "day_rate",
                }
            )
    with app.app_context():
        db.session.execute(sa.insert(Job), jobs)
        db.session.execute(sa.insert(JobDate), dates)
        db.session.execute(sa.insert(FeeLine), lines)
        db.session.commit()


count_queries = statements_of


def test_job_list_query_count_does_not_grow(app, signed_in, owner, make_client, make_agency):
    client_id = make_client(owner)
    agency_id = make_agency(owner, default_commission_percent=Decimal("15"))
    insert_jobs(app, owner.id, 10, client_id, agency_id)
    # Warm up: first-request work, and the figures kept across job changes (the filter's
    # clients and agencies, the VAT registration), are not counted; this filter's count is.
    signed_in.get("/jobs?status=confirmed")
    small, small_queries = count_queries(app, lambda: signed_in.get("/jobs"))
    assert small.status_code == 200
    assert "10 jobs" in small.get_data(as_text=True)
    _, small_again = count_queries(app, lambda: signed_in.get("/jobs"))

    insert_jobs(app, owner.id, 990, client_id, agency_id)
    large, large_queries = count_queries(app, lambda: signed_in.get("/jobs"))
    body = large.get_data(as_text=True)
    assert "1,000 jobs" in body or "1000 jobs" in body
    # 500 agency jobs at £1,000 + £25 expenses, 500 direct: gross £1,025,000.
    assert "gross £1,025,000.00" in body
    # The page shows 50 jobs, each with its expected net (15% + VAT: £1,000 → £820 + £25).
    assert "£845.00" in body
    assert len(large_queries) == len(small_queries), "\n".join(large_queries)
    assert len(large_queries) <= 12
    # Seen again with no job changed, the page kept from the last read is served: the only
    # statements are the session's and the change counters' (core/pagecache.py).
    _, large_again = count_queries(app, lambda: signed_in.get("/jobs"))
    assert len(large_again) == len(small_again) == 2, "\n".join(large_again)
    assert any("change_counter" in q for q in large_again)
    # Another page of the same list is rendered afresh, without computing the count and gross.
    second, second_queries = count_queries(app, lambda: signed_in.get("/jobs?page=2"))
    assert second.status_code == 200 and "Page 2 of 20" in second.get_data(as_text=True)
    assert len(second_queries) == len(large_queries) - 1, "\n".join(second_queries)
    assert not any("sum(" in q.lower() for q in second_queries)

    filtered, filtered_queries = count_queries(
        app, lambda: signed_in.get(f"/jobs?agency={agency_id}&sort=title&page=3")
    )
    assert filtered.status_code == 200 and "500 jobs" in filtered.get_data(as_text=True)
    assert len(filtered_queries) == len(small_queries)


def test_to_invoice_and_calendar_query_counts_are_fixed(
    app, signed_in, owner, make_client, make_agency
):
    client_id = make_client(owner)
    agency_id = make_agency(owner)
    insert_jobs(app, owner.id, 5, client_id, agency_id)
    signed_in.get("/jobs/calendar?month=2026-01")
    signed_in.get("/jobs")  # keeps the VAT registration, which no job change touches
    _, few = count_queries(app, lambda: signed_in.get("/jobs/calendar?month=2026-01"))
    _, few_invoice = count_queries(app, lambda: signed_in.get("/jobs/to-invoice"))
    insert_jobs(app, owner.id, 300, client_id, agency_id)
    _, many = count_queries(app, lambda: signed_in.get("/jobs/calendar?month=2026-01"))
    _, many_invoice = count_queries(app, lambda: signed_in.get("/jobs/to-invoice"))
    assert len(many) == len(few)
    assert len(many_invoice) == len(few_invoice)


def test_list_rows_use_stored_totals_and_recompute_only_stale_ones(
    app, signed_in, owner, make_client, make_agency
):
    """Rows show the totals stored when each job was saved; a job whose totals were stored
    under another VAT registration (or never) is recomputed from its lines, which are then read
    in one extra statement for the whole page."""
    from minimin.extensions import db
    from minimin.jobs.models import Job

    # What rendering the rows reads is measured here, so every read renders them.
    app.config["MINIMIN_KEEP_PAGES"] = False
    client_id = make_client(owner)
    agency_id = make_agency(owner, default_commission_percent=Decimal("15"))
    insert_jobs(app, owner.id, 4, client_id, agency_id)
    with app.app_context():
        jobs = db.session.scalars(sa.select(Job).order_by(Job.title)).all()
        for job in jobs:  # stored figures unlike anything the lines give, to see them used
            job.gross_pence, job.net_pence, job.totals_vat_registered = 77_700, 66_600, False
        db.session.commit()
    signed_in.get("/jobs")
    fresh, fresh_queries = count_queries(app, lambda: signed_in.get("/jobs"))
    body = fresh.get_data(as_text=True)
    assert body.count("£666.00") == 4 and "£845.00" not in body

    with app.app_context():
        job = db.session.scalars(sa.select(Job).where(Job.title == "Job 0")).one()
        job.totals_vat_registered = True  # stored under another registration: stale
        db.session.commit()
    signed_in.get("/jobs")  # a job changed: the list's count and gross are computed again
    mixed, mixed_queries = count_queries(app, lambda: signed_in.get("/jobs"))
    body = mixed.get_data(as_text=True)
    # Job 0 is an agency job: £1,000 at 15% + VAT on commission → £820, plus £25 expenses.
    assert body.count("£666.00") == 3 and "£845.00" in body
    assert len(mixed_queries) == len(fresh_queries) + 1
