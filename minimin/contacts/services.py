"""Contact services: listing, saving, archiving and deleting clients and agencies."""

from __future__ import annotations

from datetime import date, datetime

from minimin.core.templating import LONDON


def today_london() -> date:
    """Today's date in the UK (business dates are Europe/London dates)."""
    return datetime.now(LONDON).date()
