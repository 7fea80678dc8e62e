"""Calendar links die with the credentials (SECURITY.md): when a user's password or email
address changes, every feed of theirs is revoked, so a link an intruder copied stops working.

Watched on the session rather than called from the accounts package, which knows nothing of
feeds: any flush that changes ``user.password_changed_at`` or ``user.email`` revokes them in
the same transaction.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from minimin.calendar.models import CalendarFeed
from minimin.core.db import utcnow

WATCHED = ("password_changed_at", "email")


def _credentials_changed(user: Any) -> bool:
    state = sa.inspect(user)
    if state.pending or not state.persistent:
        return False
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


@event.listens_for(Session, "before_flush")
def _revoke_feeds(session: Session, flush_context: Any, instances: Any) -> None:
    from minimin.accounts.models import User

    changed = [
        obj.id for obj in session.dirty if isinstance(obj, User) and _credentials_changed(obj)
    ]
    if not changed:
        return
    session.execute(
        sa.update(CalendarFeed)
        .where(CalendarFeed.user_id.in_(changed), CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
