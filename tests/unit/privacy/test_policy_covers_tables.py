"""Every table holding a user's data is named by exactly one line of the privacy policy.

The policy's "Everything held about you" list (privacy/policy.py ``ITEMS``) must describe every
table the export reads and the deletion removes. The tables are found here by walking the
models' metadata, so a table added later fails these tests until it is put under a line (or,
holding no personal data at all, listed below with the reason).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.app import create_app
from minimin.privacy import discovery, export, policy

#: Tables with no personal data in them, and why. Only such tables belong here.
NOT_PERSONAL: dict[str, str] = {
    "pending_file_deletion": (
        "a random storage key of a file whose rows are already deleted: no user_id, it outlives "
        "the account and names no one"
    ),
}
#: Personal data kept outside the export, so on no line of what the export holds (the policy
#: list shows only exported tables). Each entry is a known gap, not a classification.
NOT_EXPORTED: dict[str, str] = {
    "ai_pricing_contribution": (
        "accepted fees pooled for AI pricing under a keyed HMAC of the user id (pseudonymous, "
        "so still personal data); deleted when the consent is withdrawn or the account deleted, "
        "but not in the export"
    ),
}


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(mode="testing")


@pytest.fixture(scope="module")
def tables(app: Any) -> dict[str, sa.Table]:
    with app.app_context():
        return dict(discovery.metadata().tables)


def _holding_user_data(tables: dict[str, sa.Table]) -> set[str]:
    """The account, every table with a ``user_id`` column, and every table the export reaches
    through a parent row (an email's attachments)."""
    owned = {name for name, table in tables.items() if "user_id" in table.c}
    children = {link.table.name for link in discovery.child_tables()}
    return {discovery.USER_TABLE} | owned | children


def _misplaced(names: Iterable[str], items: Iterable[policy.Item]) -> dict[str, int]:
    """Each of *names* not named by exactly one of *items*, with how many name it."""
    counts = Counter(table for item in items for table in item.tables)
    return {name: counts[name] for name in sorted(names) if counts[name] != 1}


def test_every_table_holding_user_data_is_named_by_exactly_one_policy_line(
    tables: dict[str, sa.Table],
) -> None:
    misplaced = _misplaced(_holding_user_data(tables), policy.ITEMS)
    assert not misplaced, (
        "tables holding a user's data that are on no line (0) or on several lines of "
        f"privacy/policy.py ITEMS: {misplaced}"
    )


def test_the_export_reads_exactly_the_tables_the_policy_names(
    app: Any, tables: dict[str, sa.Table]
) -> None:
    """The policy's lines show only when the export holds their tables: a line naming a table
    the export does not read would never show, or would promise what the export lacks."""
    named = {table for item in policy.ITEMS for table in item.tables}
    with app.app_context():
        exported = set(export.exported_table_names())
    assert named == exported, {
        "named but not exported": sorted(named - exported),
        "exported but not named": sorted(exported - named),
    }
    assert named <= set(tables)


def test_every_other_table_is_listed_with_a_reason(tables: dict[str, sa.Table]) -> None:
    """A table outside the policy's lines must be listed here, and listing it must not hide
    a table that holds a user's rows."""
    named = {table for item in policy.ITEMS for table in item.tables}
    excluded = {**NOT_PERSONAL, **NOT_EXPORTED}
    assert not set(NOT_PERSONAL) & set(NOT_EXPORTED)
    unplaced = sorted(set(tables) - named - set(excluded))
    assert not unplaced, f"tables on no policy line and on no list here: {unplaced}"
    assert set(excluded) <= set(tables), "a listed table no longer exists: remove it"
    holding = _holding_user_data(tables)
    for name, reason in excluded.items():
        assert name not in holding, f"{name} holds a user's rows: put it on a policy line"
        assert name not in named and reason.strip()


def test_a_new_table_fails_until_it_is_placed_once() -> None:
    """The check itself: an unnamed table and a table on two lines are both reported."""
    items = (
        policy.Item(policy.ITEMS[0].label, ("user", "twice")),
        policy.Item(policy.ITEMS[1].label, ("twice",)),
    )
    assert _misplaced(["user", "twice", "new_feature"], items) == {"twice": 2, "new_feature": 0}
    assert _misplaced(["user"], items) == {}


def test_every_line_has_its_own_words(app: Any) -> None:
    with app.test_request_context():
        labels = [str(item.label) for item in policy.ITEMS]
    assert len(labels) == len(set(labels))
    assert all(item.tables for item in policy.ITEMS)
