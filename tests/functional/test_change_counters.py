"""Change counters (minimin.core.changes): raised with every committed change to a user's
tracked records, never by a rollback, and the figures kept under them are recomputed as soon as
a change commits, whichever session or process made it. Both databases."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

TODAY = date(2026, 3, 2)


def _counter(app: Any, user_id: uuid.UUID, kind: str) -> int:
    from minimin.core import changes
    from minimin.extensions import db

    with app.app_context():
        return changes.counter(db.session, user_id, kind)


def _invoice(app: Any, user_id: uuid.UUID, **values: Any) -> uuid.UUID:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        defaults = {
            "customer_name": "Acme Studios Ltd",
            "currency": "GBP",
            "status": "draft",
            "net_pence": 10000,
            "vat_pence": 0,
            "total_pence": 10000,
        }
        invoice = Invoice(user_id=user_id, **{**defaults, **values})
        db.session.add(invoice)
        db.session.commit()
        return invoice.id


def test_a_committed_change_raises_its_owners_counter_only(app: Any, make_user: Any) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    owner, other = make_user(), make_user()
    assert _counter(app, owner.id, "invoices") == 0
    invoice_id = _invoice(app, owner.id)
    assert _counter(app, owner.id, "invoices") == 1
    with app.app_context():
        db.session.get(Invoice, invoice_id).customer_name = "Acme Studios (UK) Ltd"
        db.session.commit()
    assert _counter(app, owner.id, "invoices") == 2
    with app.app_context():
        db.session.delete(db.session.get(Invoice, invoice_id))
        db.session.commit()
    assert _counter(app, owner.id, "invoices") == 3
    assert _counter(app, other.id, "invoices") == 0
    assert _counter(app, owner.id, "jobs") == 0


def test_loading_or_rolling_back_raises_nothing(app: Any, make_user: Any) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    owner = make_user()
    invoice_id = _invoice(app, owner.id)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        invoice.customer_name = invoice.customer_name  # set, not changed
        db.session.commit()
        db.session.get(Invoice, invoice_id).total_pence = 1
        db.session.flush()  # written, then undone
        db.session.rollback()
        db.session.commit()
    assert _counter(app, owner.id, "invoices") == 1


def test_a_rolled_back_savepoint_keeps_the_outer_change(app: Any, make_user: Any) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    owner = make_user()
    invoice_id = _invoice(app, owner.id)
    with app.app_context():
        db.session.get(Invoice, invoice_id).customer_name = "Changed outside the savepoint"
        with db.session.begin_nested() as savepoint:
            db.session.get(Invoice, invoice_id).total_pence = 1
            db.session.flush()
            savepoint.rollback()
        db.session.commit()
    assert _counter(app, owner.id, "invoices") == 2


def test_bulk_statements_raise_the_counters_of_the_users_they_touch(
    app: Any, make_user: Any
) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    first, second, untouched = make_user(), make_user(), make_user()
    with app.app_context():
        rows = [
            {
                "user_id": user.id,
                "customer_name": "Bulk",
                "status": "draft",
                "currency": "GBP",
                "net_pence": 1,
                "vat_pence": 0,
                "total_pence": 1,
            }
            for user in (first, second)
        ]
        db.session.execute(sa.insert(Invoice), rows)
        db.session.commit()
    assert [_counter(app, u.id, "invoices") for u in (first, second, untouched)] == [1, 1, 0]
    with app.app_context():
        db.session.execute(
            sa.update(Invoice).where(Invoice.user_id == second.id).values(customer_name="B")
        )
        db.session.commit()
    assert [_counter(app, u.id, "invoices") for u in (first, second, untouched)] == [1, 2, 0]
    with app.app_context():
        db.session.execute(sa.delete(Invoice).where(Invoice.customer_name == "Bulk"))
        db.session.commit()
    assert [_counter(app, u.id, "invoices") for u in (first, second, untouched)] == [2, 2, 0]


def test_a_bulk_insert_without_owners_is_refused(app: Any, make_user: Any) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    make_user()
    with app.app_context(), pytest.raises(ValueError, match="user_id"):
        db.session.execute(sa.insert(Invoice), [{"customer_name": "Nobody's"}])


def test_a_kept_summary_is_recomputed_when_another_session_changes_an_invoice(
    app: Any, make_user: Any
) -> None:
    """The counter is read from the database on every page, so a change committed by any
    session (another worker process, a background job) is seen on the next page."""
    from minimin.extensions import db
    from minimin.invoices import listing
    from minimin.invoices.models import Invoice

    owner = make_user()
    invoice_id = _invoice(app, owner.id, status="issued", number="INV-1", sequence=1)
    with app.app_context():
        before = listing.summary(owner.id, TODAY)
        assert listing.summary(owner.id, TODAY) is before  # kept
        assert before.counts["issued"] == 1
    with app.app_context(), sa.orm.Session(db.engine) as other_worker:
        other_worker.get(Invoice, invoice_id).status = "paid"
        other_worker.commit()
    with app.app_context():
        after = listing.summary(owner.id, TODAY)
    assert after is not before
    assert after.counts["issued"] == 0 and after.counts["paid"] == 1
    with app.app_context():
        tomorrow = listing.summary(owner.id, date(2026, 3, 3))
    assert tomorrow is not after  # the ageing is by day: a new day computes afresh


def test_concurrent_changes_each_raise_the_counter(app: Any, make_user: Any) -> None:
    """Eight sessions changing the same user's invoices at once: every change counts, and
    none waits forever on another (the counters are raised last, in a fixed order)."""
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    owner = make_user()
    ids = [_invoice(app, owner.id) for _ in range(8)]
    start = _counter(app, owner.id, "invoices")
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def change(invoice_id: uuid.UUID) -> None:
        try:
            with sa.orm.Session(engine) as session:
                session.get(Invoice, invoice_id).customer_name = "Changed at once"
                if engine.dialect.name == "postgresql":
                    session.flush()  # each holds its invoice's row lock before committing
                # (SQLite has one writer at a time: there they start at once and queue.)
                barrier.wait(timeout=30)
                session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=change, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert _counter(app, owner.id, "invoices") == start + len(ids)


def test_an_account_deleted_with_its_changes_commits_without_a_counter(
    app: Any, make_user: Any
) -> None:
    from minimin.core.changes import ChangeCounter
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    leaver = make_user()
    invoice_id = _invoice(app, leaver.id)
    with app.app_context():
        db.session.get(Invoice, invoice_id).customer_name = "Changed, then the account goes"
        users = db.metadata.tables["user"]
        db.session.execute(sa.delete(users).where(users.c.id == leaver.id))
        db.session.commit()
        assert db.session.get(Invoice, invoice_id) is None
        remaining = db.session.scalars(
            sa.select(ChangeCounter).where(ChangeCounter.user_id == leaver.id)
        ).all()
    assert remaining == []
