"""Invoice numbers stay unique and contiguous when 8 processes issue at the same moment."""

from __future__ import annotations

import multiprocessing
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

PROCESSES = 8
PER_PROCESS = 25


def _issue_many(url: str, instance: str, user_id: str, invoice_ids: list[str], start: Any) -> None:
    from minimin.app import create_app
    from minimin.core import db as core_db
    from minimin.core.tenancy import owned_by_or_404
    from minimin.extensions import db
    from minimin.invoices import services
    from minimin.invoices.models import Invoice

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="testing", instance_path=instance)
    start.wait()
    for invoice_id in invoice_ids:
        with app.test_request_context():
            invoice = owned_by_or_404(Invoice, invoice_id, uuid.UUID(user_id), for_update=True)
            services.issue(invoice)
            core_db.commit(db.session)
            db.session.remove()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.slow
def test_concurrent_issues_get_contiguous_numbers(
    app: Any, database_url: str, business: Any, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the concurrency guarantee is proven on PostgreSQL")
    from minimin.extensions import db
    from minimin.invoices import services
    from minimin.invoices.models import Invoice

    user = business()
    ids: list[str] = []
    with app.test_request_context():
        from minimin.contacts.models import Client

        client = db.session.get(Client, user.client_id)
        for i in range(PROCESSES * PER_PROCESS):
            invoice = services.create_draft(
                user.id,
                services.DraftInput(
                    client_id=client.id,
                    lines=[services.LineInput(f"Day {i}", Decimal(1), 1000, "standard")],
                ),
            )
            ids.append(str(invoice.id))
        db.session.commit()

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    workers = [
        ctx.Process(
            target=_issue_many,
            args=(
                database_url,
                app.instance_path,
                str(user.id),
                ids[n * PER_PROCESS : (n + 1) * PER_PROCESS],
                start,
            ),
        )
        for n in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(timeout=300)
    assert [w.exitcode for w in workers] == [0] * PROCESSES

    with app.app_context():
        rows = db.session.execute(
            sa.select(Invoice.sequence, Invoice.number).where(Invoice.user_id == user.id)
        ).all()
    sequences = sorted(r.sequence for r in rows)
    assert sequences == list(range(1, PROCESSES * PER_PROCESS + 1))
    assert len({r.number for r in rows}) == PROCESSES * PER_PROCESS
