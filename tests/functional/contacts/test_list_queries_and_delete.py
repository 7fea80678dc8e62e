"""List pages cost the same number of queries at any size; delete is refused while referenced."""

from __future__ import annotations

import html
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from minimin.contacts.models import Agency, Client
from tests.functional.contacts.conftest import count_rows


@contextmanager
def counting_queries(engine):
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_cursor_execute)


def _bulk(app, model, user_id, n, **extra):
    from minimin.extensions import db

    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "name": f"Contact {i:05d}",
            "contact_name": f"Person {i}",
            "email": f"c{i}@example.com",
            "country": "GB",
            "payment_terms_days": i % 60,
            "created_at": start + timedelta(minutes=i),
            "updated_at": start,
            **extra,
        }
        for i in range(n)
    ]
    with app.app_context():
        db.session.execute(sa.insert(model), rows)
        db.session.commit()


def _queries_for(app, client, path):
    from minimin.extensions import db

    with app.app_context():
        engine = db.engine
    client.get(path)  # warm up: first-request work is not the list's cost
    with counting_queries(engine) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("model", "path", "extra"),
    [
        (Client, "/clients", {"kind": "company"}),
        (
            Agency,
            "/agencies",
            {
                "default_commission_percent": Decimal("20"),
                "quoting": "fee_inclusive",
                "vat_registered": False,
                "commission_vat_added": False,
                "self_billing": False,
            },
        ),
    ],
)
def test_queries_per_list_page_do_not_grow_with_records(app, make_user, login, model, path, extra):
    small_user = make_user()
    large_user = make_user()
    _bulk(app, model, small_user.id, 10, **extra)
    _bulk(app, model, large_user.id, 1000, **extra)
    counts = {}
    for label, user in (("small", small_user), ("large", large_user)):
        client = app.test_client()
        login(client, user)
        for query in ("", "?sort=created&dir=desc&page=3", "?q=contact%2000&sort=terms"):
            n, body = _queries_for(app, client, path + query)
            counts.setdefault(query, {})[label] = n
            assert "Contact 0" in body
    for query, by_size in counts.items():
        assert by_size["small"] == by_size["large"], (query, by_size)
        assert by_size["large"] <= 8, (query, by_size)


# --------------------------------------------------------------------------- delete guard


@pytest.fixture
def referencing_tables(app):
    """Two tables that refer to clients and agencies, added after the contacts code was
    written (as jobs and invoices are): the delete guard must find them by itself."""
    from minimin.extensions import db

    metadata = db.Model.metadata
    job = sa.Table(
        "test_ref_job",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Uuid, sa.ForeignKey("client.id")),
        sa.Column("agency_id", sa.Uuid, sa.ForeignKey("agency.id")),
    )
    invoice = sa.Table(
        "test_ref_invoice",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Uuid, sa.ForeignKey("client.id", ondelete="SET NULL")),
    )
    with app.app_context():
        job.create(db.engine)
        invoice.create(db.engine)
    try:
        yield job, invoice
    finally:
        with app.app_context():
            db.session.remove()
            invoice.drop(db.engine)
            job.drop(db.engine)
        metadata.remove(invoice)
        metadata.remove(job)


def _insert(app, table, **values):
    from minimin.extensions import db

    with app.app_context():
        db.session.execute(table.insert().values(**values))
        db.session.commit()


def test_delete_is_refused_while_jobs_or_invoices_refer_to_a_client(
    app, signed_in, owner, add_client, referencing_tables
):
    job, invoice = referencing_tables
    client_id = add_client(owner, name="Busy Client")
    _insert(app, job, id=1, client_id=client_id)
    _insert(app, invoice, id=1, client_id=client_id)
    _insert(app, invoice, id=2, client_id=client_id)

    page = html.unescape(signed_in.get(f"/clients/{client_id}/delete").get_data(as_text=True))
    assert "Busy Client cannot be deleted because other records refer to it" in page
    assert "Archive instead" in page and "Yes, delete it" not in page

    response = signed_in.submit(f"/clients/{client_id}/delete")
    assert response.status_code == 409
    body = html.unescape(response.get_data(as_text=True))
    assert "1 test ref jobs" in body and "2 test ref invoices" in body
    assert count_rows(app, Client) == 1

    # Archive instead, from the refusal page.
    response = signed_in.submit(
        f"/clients/{client_id}/archive", form_page=f"/clients/{client_id}/delete"
    )
    assert response.status_code == 302
    from minimin.extensions import db

    with app.app_context():
        assert db.session.get(Client, client_id).archived_at is not None


def test_delete_guard_counts_per_table_and_ignores_other_records(
    app, owner, add_client, add_agency, referencing_tables
):
    from minimin.contacts import services
    from minimin.extensions import db

    job, _ = referencing_tables
    agency_id = add_agency(owner, rates={"editorial": Decimal("10")})
    other_client = add_client(owner, name="Other")
    _insert(app, job, id=1, agency_id=agency_id)
    _insert(app, job, id=2, client_id=other_client)
    with app.app_context():
        agency = db.session.get(Agency, agency_id)
        refs = services.references_to(agency)
        # The agency's own commission rates are part of it, not references.
        assert [(r.table, r.count) for r in refs] == [("test_ref_job", 1)]
        with pytest.raises(services.ContactInUse):
            services.delete(agency)
        lone = add_client(owner, name="Lone")
        assert services.references_to(db.session.get(Client, lone)) == []
