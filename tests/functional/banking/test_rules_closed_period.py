"""Applying the rules leaves lines dated in a closed period alone, as setting a category by
hand does: only the open period's lines are categorised, nothing is posted as a correction on
the first open day, the books stay whole, and the page says how many were left and why."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.functional.banking.test_rule_editing import add_rule

CLOSED_THROUGH = date(2025, 5, 31)
STATEMENT = (
    b"Date,Description,Amount\n"
    b"12/05/2025,TFL TRAVEL,-4.20\n"  # closed, the rule matches
    b"20/05/2025,TFL TRAVEL,-6.80\n"  # closed, the rule matches
    b"28/05/2025,COFFEE,-3.00\n"  # closed, no rule matches: not counted as skipped
    b"03/06/2025,TFL TRAVEL,-5.10\n"  # open
    b"04/06/2025,COFFEE,-2.50\n"  # open, no rule matches
)


def close_books(app: Flask, owner: Any, through: date) -> None:
    from minimin.extensions import db
    from minimin.ledger.models import PeriodLock

    with app.app_context():
        db.session.add(PeriodLock(user_id=owner.id, locked_through=through, reason="year closed"))
        db.session.commit()


def journal(app: Flask, owner: Any) -> dict[str, Any]:
    """The owner's line entries by date, the entries moved out of a closed period, and what
    ``minimin.ledger.check`` finds wrong."""
    from minimin.extensions import db
    from minimin.ledger.check import check
    from minimin.ledger.models import JournalEntry
    from minimin.ledger.sources.banking import BANK_LINE

    with app.app_context():
        entries = db.session.scalars(
            sa.select(JournalEntry).where(JournalEntry.user_id == owner.id)
        ).all()
        found = {
            "line_entries": sorted(e.date for e in entries if e.source_kind == BANK_LINE),
            "moved": [e.moved_from for e in entries if e.moved_from is not None],
            "problems": list(check(db.session, [owner.id]).problems),
        }
        db.session.rollback()
        return found


def test_rules_skip_closed_period_lines_and_say_how_many(
    app: Flask, signed_in: Any, owner: Any, account: Any, import_csv: Any, rows: Any
) -> None:
    imported = import_csv(signed_in, account, STATEMENT)
    assert imported.status_code == 302, imported.text
    assert len(rows()) == 5
    close_books(app, owner, CLOSED_THROUGH)
    before = journal(app, owner)
    assert before["problems"] == []
    add_rule(signed_in, pattern="tfl", category="travel", direction="out")

    response = signed_in.submit("/banking/rules/apply", form_page="/banking/rules")
    assert response.status_code == 302, response.text
    page = html.unescape(signed_in.get(response.headers["Location"]).text)

    categorised = {(r.posted_on, r.category, r.category_source) for r in rows()}
    assert categorised == {
        (date(2025, 5, 12), None, None),
        (date(2025, 5, 20), None, None),
        (date(2025, 5, 28), None, None),
        (date(2025, 6, 3), "travel", "rule"),
        (date(2025, 6, 4), None, None),
    }
    assert "1 transactions categorised." in page
    assert (
        "2 matching transactions were left without a category because they are dated in a "
        "closed period: the books are closed up to 31 May 2025"
    ) in page
    after = journal(app, owner)
    # Only the open line's category was posted, on its own date; nothing corrects the closed
    # period on the first open day.
    assert after["line_entries"] == [*before["line_entries"], date(2025, 6, 3)]
    assert after["moved"] == []
    assert after["problems"] == []


def test_the_service_counts_the_skipped_lines_and_one_is_named_singly(
    app: Flask, signed_in: Any, owner: Any, account: Any, make_txn: Any, rows: Any
) -> None:
    from minimin.banking import services
    from minimin.extensions import db

    make_txn(-420, day=date(2025, 5, 12), description="TFL TRAVEL")
    make_txn(-510, day=date(2025, 6, 3), description="TFL TRAVEL")
    add_rule(signed_in, pattern="tfl", category="travel", direction="out")
    close_books(app, owner, CLOSED_THROUGH)

    with app.app_context():
        outcome = services.apply_rules(owner.id)
        db.session.rollback()
    assert (outcome.categorised, outcome.skipped_closed, outcome.locked_through) == (
        1,
        1,
        CLOSED_THROUGH,
    )
    assert [r.category for r in rows()] == [None, None]  # rolled back

    response = signed_in.submit("/banking/rules/apply", form_page="/banking/rules")
    page = html.unescape(signed_in.get(response.headers["Location"]).text)
    assert "1 matching transaction was left without a category because it is dated" in page
    assert [r.category for r in rows()] == [None, "travel"]
    # Nothing left to do: the closed line is still counted, the open one is not again.
    with app.app_context():
        again = services.apply_rules(owner.id)
        db.session.commit()
    assert (again.categorised, again.skipped_closed) == (0, 1)


def test_without_a_closed_period_nothing_is_skipped_and_no_warning_shows(
    signed_in: Any, owner: Any, account: Any, make_txn: Any, rows: Any
) -> None:
    make_txn(-420, day=date(2025, 5, 12), description="TFL TRAVEL")
    add_rule(signed_in, pattern="tfl", category="travel", direction="out")
    response = signed_in.submit("/banking/rules/apply", form_page="/banking/rules")
    page = html.unescape(signed_in.get(response.headers["Location"]).text)
    assert "1 transactions categorised." in page
    assert "closed period" not in page
    assert [r.category for r in rows()] == ["travel"]
