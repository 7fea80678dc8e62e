"""The VAT periods the VAT page lists (``/reports/vat``).

Listing every quarter since registration (or two years back) told a brand-new account that ten
empty periods were "Ready to file". A period is listed when the user can act on it: the period
running today (open), a period already filed, and every period since registration from the one
holding the account's first record on. Periods between two busy ones stay listed even when
empty, since HMRC expects a return (a nil one) for each. Periods before the first record are
reached only by asking for them ("Another period" on the same page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy as sa

from minimin.business.models import BusinessProfile
from minimin.core.dates import Period
from minimin.extensions import db
from minimin.ledger.models import JournalEntry
from minimin.reports import vat_return


def first_record_day(profile: BusinessProfile, since: dt.date) -> dt.date | None:
    """The first day on or after *since* with a journal entry of the user (one indexed query:
    ``ix_journal_entry_user_id_date``); every invoice, payment and expense posts one."""
    return db.session.scalar(
        sa.select(sa.func.min(JournalEntry.date)).where(
            JournalEntry.user_id == profile.user_id, JournalEntry.date >= since
        )
    )


def offered(
    profile: BusinessProfile, today: dt.date, filed: Collection[tuple[dt.date, dt.date]] = ()
) -> list[Period]:
    """The periods to list, newest first: the open one, the filed ones, and those from the
    first record on."""
    candidates = vat_return.periods(profile, today)
    if not candidates:
        return []
    registered = profile.vat_registration_date or candidates[-1].start
    first = first_record_day(profile, max(candidates[-1].start, registered))
    result = []
    for period in candidates:
        start = max(period.start, registered)
        if (
            period.end >= today
            or (period.start, period.end) in filed
            or (start, period.end) in filed
            or (first is not None and period.end >= first)
        ):
            result.append(period)
    return result
