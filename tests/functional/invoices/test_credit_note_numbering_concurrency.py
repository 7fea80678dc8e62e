"""Credit-note numbers stay unique and contiguous when several processes credit at the same
moment (PostgreSQL, where the production concurrency is)."""

from __future__ import annotations

import multiprocessing
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

PROCESSES = 4
PER_PROCESS = 10


def _credit_many(url: str, instance: str, user_id: str, invoice_id: str, start: Any) -> None:
    """One worker: PER_PROCESS credit notes of one unit each on its own invoice, each in its own
    transaction, as the credit-note page does (invoice locked, then the number taken)."""
    from minimin.app import create_app
    from minimin.core import db as core_db
    from minimin.core.tenancy import owned_by_or_404
    from minimin.extensions import db
    from minimin.invoices import credit_notes
    from minimin.invoices.models import Invoice

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="testing", instance_path=instance)
    start.wait()
    for n in range(PER_PROCESS):
        with app.test_request_context():
            invoice = owned_by_or_404(Invoice, invoice_id, uuid.UUID(user_id), for_update=True)
            line = invoice.lines[0]
            credit_notes.create_credit_note(
                invoice,
                credit_notes.CreditNoteInput(
                    full=False,
                    lines=[credit_notes.CreditLineInput(line_id=line.id, quantity=Decimal(1))],
                    reason=f"Unit {n}",
                ),
            )
            core_db.commit(db.session)
            db.session.remove()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.slow
def test_concurrent_credit_notes_get_contiguous_numbers(
    app: Any, database_url: str, business: Any, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the concurrency guarantee is proven on PostgreSQL")
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db
    from minimin.invoices import services
    from minimin.invoices.models import CreditNote, Invoice

    user = business(invoice_padding=3)
    ids: list[str] = []
    with app.test_request_context():
        from minimin.contacts.models import Client

        client = db.session.get(Client, user.client_id)
        for i in range(PROCESSES):
            invoice = services.create_draft(
                user.id,
                services.DraftInput(
                    client_id=client.id,
                    lines=[
                        services.LineInput(f"Units {i}", Decimal(PER_PROCESS), 1000, "standard")
                    ],
                ),
            )
            services.issue(invoice)
            ids.append(str(invoice.id))
        db.session.commit()

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    workers = [
        ctx.Process(
            target=_credit_many,
            args=(database_url, app.instance_path, str(user.id), ids[n], start),
        )
        for n in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(timeout=300)
    assert [w.exitcode for w in workers] == [0] * PROCESSES

    total = PROCESSES * PER_PROCESS
    with app.app_context():
        rows = db.session.execute(
            sa.select(CreditNote.sequence, CreditNote.number, CreditNote.invoice_id).where(
                CreditNote.user_id == user.id
            )
        ).all()
        profile = db.session.scalar(
            sa.select(BusinessProfile).where(BusinessProfile.user_id == user.id)
        )
        invoices = db.session.scalars(sa.select(Invoice).where(Invoice.user_id == user.id)).all()
        assert profile.next_credit_note_number == total + 1
        assert profile.next_invoice_number == PROCESSES + 1  # credit notes use their own series
        # Every invoice was credited unit by unit down to nothing, and is now void.
        assert {(i.credited_pence, i.status) for i in invoices} == {(12000, "void")}
    assert sorted(r.sequence for r in rows) == list(range(1, total + 1))
    assert sorted(r.number for r in rows) == [f"CN-{n:03d}" for n in range(1, total + 1)]
    assert {str(r.invoice_id) for r in rows} == set(ids)
