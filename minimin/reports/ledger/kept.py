"""Figures read from the journal, kept in the process until the user's journal changes
(decision 0003's change counters: every entry posted raises the user's ``ledger`` counter).

A page read again without a posting in between (a dashboard opened twice, a report sorted or
printed) reuses the figures of the first read instead of summing the lines again. The
documents this transaction has touched are posted first (:func:`minimin.ledger.queries.fresh`),
so a change of its own is counted (and, its counter not raised yet, computed afresh). A figure
that also shows other records (client and agency names, the VAT scheme) names their kinds in
*also*: their counters are part of the key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from flask_babel import get_locale

from minimin.business.models import PROFILE_CHANGED
from minimin.contacts.models import CONTACTS_CHANGED
from minimin.core import changes
from minimin.extensions import db
from minimin.invoices.models import INVOICES_CHANGED
from minimin.ledger import queries
from minimin.ledger.models import LEDGER_CHANGED

T = TypeVar("T")

#: The change-counter kinds of the names a figure shows and of the business's VAT settings.
CONTACTS = CONTACTS_CHANGED
PROFILE = PROFILE_CHANGED
#: Invoices: the customer name of turnover that names no client.
INVOICES = INVOICES_CHANGED


def kept(
    user_id: uuid.UUID,
    key: Hashable,
    compute: Callable[[], T],
    *,
    also: Iterable[str] = (),
) -> T:
    """*compute()*, or the value it gave for *key* while neither the user's journal nor their
    records of the kinds *also* have changed. The value is shared: callers must not modify
    it."""
    session = queries.fresh(db.session())
    also = tuple(also)
    if any(changes.changing(session, user_id, kind) for kind in also):
        return compute()
    versions = tuple(changes.counter(session, user_id, kind) for kind in also)
    # Per language too: a figure may hold words (an agency not recorded).
    language = str(get_locale() or "")
    return changes.cached(session, user_id, LEDGER_CHANGED, (key, versions, language), compute)
