"""Figures the job pages keep between requests (minimin.core.changes): the clients and agencies
of the filter and forms, and whether the business is VAT-registered. Each is recomputed as soon
as a change to what it is made of commits, from whichever session. Both databases."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa


def _client_options(page: str) -> list[str]:
    select = re.search(r'<select id="filter-client".*?</select>', page, re.S)
    assert select, "no client filter on the page"
    return re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', select.group(0))


def test_the_filter_shows_clients_added_renamed_or_archived_since_it_was_kept(
    app: Any, signed_in: Any, owner: Any, make_client: Any
) -> None:
    from minimin.contacts.models import Client
    from minimin.core.db import utcnow
    from minimin.extensions import db

    acme = make_client(owner, "Acme Studios")
    bolt = make_client(owner, "Bolt Pictures")
    assert _client_options(signed_in.get("/jobs").get_data(as_text=True)) == [
        "Acme Studios",
        "Bolt Pictures",
    ]
    assert _client_options(signed_in.get("/jobs").get_data(as_text=True)) == [
        "Acme Studios",
        "Bolt Pictures",
    ]
    with app.app_context(), sa.orm.Session(db.engine) as elsewhere:
        elsewhere.get(Client, acme).archived_at = utcnow()
        elsewhere.get(Client, bolt).name = "Bolt Pictures Ltd"
        elsewhere.add(Client(user_id=owner.id, name="Zephyr Models"))
        elsewhere.commit()
    assert _client_options(signed_in.get("/jobs").get_data(as_text=True)) == [
        "Bolt Pictures Ltd",
        "Zephyr Models",
    ]


def test_vat_registration_is_seen_as_soon_as_the_profile_changes(app: Any, owner: Any) -> None:
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db
    from minimin.jobs.services import freelancer_vat_registered

    with app.app_context():
        assert freelancer_vat_registered(owner.id) is False
        db.session.add(BusinessProfile(user_id=owner.id, vat_registered=False))
        db.session.commit()
        assert freelancer_vat_registered(owner.id) is False
    with app.app_context(), sa.orm.Session(db.engine) as elsewhere:
        profile = elsewhere.scalars(
            sa.select(BusinessProfile).where(BusinessProfile.user_id == owner.id)
        ).one()
        profile.vat_registered = True
        elsewhere.commit()
    with app.app_context():
        assert freelancer_vat_registered(owner.id) is True


def test_a_page_reads_all_its_counters_in_one_statement(
    app: Any, owner: Any, make_client: Any
) -> None:
    from minimin.extensions import db
    from minimin.jobs import listing, services

    make_client(owner)
    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", note)
        try:
            services.contact_choices(owner.id)
            services.freelancer_vat_registered(owner.id)
            listing.list_jobs(owner.id, listing.JobFilters())
        finally:
            sa.event.remove(engine, "before_cursor_execute", note)
    assert sum("change_counter" in s for s in statements) == 1, statements


def test_a_sessions_own_changes_are_never_answered_from_what_was_kept(
    app: Any, owner: Any, make_client: Any
) -> None:
    """A change not yet committed has not raised its counter: the session that made it gets
    figures computed afresh (and they are not kept for others, who cannot see the change)."""
    from minimin.contacts.models import Client
    from minimin.extensions import db
    from minimin.jobs import services

    make_client(owner, "Acme Studios")
    with app.app_context():
        kept = services.contact_choices(owner.id)
        assert services.contact_choices(owner.id) is kept
        db.session.add(Client(user_id=owner.id, name="Added, not yet committed"))
        with_pending = services.contact_choices(owner.id)  # before the flush
        assert [name for _, name in with_pending[0]] == [
            "Acme Studios",
            "Added, not yet committed",
        ]
        db.session.flush()
        assert services.contact_choices(owner.id) == with_pending  # flushed, not committed
        db.session.rollback()
        assert services.contact_choices(owner.id) is kept
