"""What the calendar page asks for: the typed inputs its forms build for the calendar services
(docs/decisions/0009-typed-service-inputs.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from minimin.calendar.importing import ProposedJob


@dataclass(frozen=True)
class FeedInput:
    """A new calendar feed: its name, and which jobs it shows."""

    name: str
    #: Only this agency's jobs; None for every job.
    agency_id: uuid.UUID | None = None
    confirmed_only: bool = False


@dataclass(frozen=True)
class CalendarImportInput:
    """The bookings of an .ics file the user ticked, to become draft jobs."""

    proposals: tuple[ProposedJob, ...]
