"""Reading bookings from an .ics file (an export from another calendar or booking tool).

Each VEVENT becomes a proposed draft job: its summary, location and days (a timed event keeps
its times in UK local time; an event over several days gives one date per day, up to the jobs'
limit). Nothing is saved here: the user reviews the list and picks what to import. No Flask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

LONDON = ZoneInfo("Europe/London")
#: The largest file read, and the most events offered from it.
MAX_BYTES = 1024 * 1024
MAX_EVENTS = 200
MAX_DAYS = 60
TITLE_MAX = 200
LOCATION_MAX = 200


class CalendarFileError(ValueError):
    """The file cannot be read as a calendar."""


@dataclass(frozen=True)
class ProposedJob:
    title: str
    location: str
    days: tuple[dt.date, ...]
    starts_at: dt.time | None
    ends_at: dt.time | None
    cancelled: bool


def _local(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value  # a floating time: as written
        return value.astimezone(LONDON)
    return value


def _days(start: dt.date, end_exclusive: dt.date) -> tuple[dt.date, ...]:
    count = max(1, min((end_exclusive - start).days, MAX_DAYS))
    return tuple(start + dt.timedelta(days=i) for i in range(count))


def _proposal(event: Any) -> ProposedJob | None:
    start_prop = event.get("dtstart")
    if start_prop is None:
        return None
    start = _local(start_prop.dt)
    end_prop = event.get("dtend")
    end = _local(end_prop.dt) if end_prop is not None else None
    title = " ".join(str(event.get("summary", "")).split())[:TITLE_MAX] or "Imported booking"
    location = " ".join(str(event.get("location", "")).split())[:LOCATION_MAX]
    cancelled = str(event.get("status", "")).upper() == "CANCELLED"
    if isinstance(start, dt.datetime):
        end_dt = end if isinstance(end, dt.datetime) else start
        days = _days(start.date(), end_dt.date() + dt.timedelta(days=1))
        # A job's day ends after it starts; an event past midnight keeps only its start time.
        end_time = end_dt.time() if end_dt.time() > start.time() else None
        return ProposedJob(title, location, days, start.time(), end_time, cancelled)
    end_day = end if isinstance(end, dt.date) and not isinstance(end, dt.datetime) else None
    days = _days(start, end_day or start + dt.timedelta(days=1))
    return ProposedJob(title, location, days, None, None, cancelled)


def read(data: bytes) -> list[ProposedJob]:
    """The bookings in *data*, earliest first; CalendarFileError when it is not a calendar."""
    if len(data) > MAX_BYTES:
        raise CalendarFileError("too large")
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise CalendarFileError(str(exc)) from exc
    if not isinstance(calendar, icalendar.Calendar):
        raise CalendarFileError("not a calendar")
    found = []
    for event in calendar.walk("VEVENT")[:MAX_EVENTS]:
        try:
            proposal = _proposal(event)
        except (ValueError, TypeError, AttributeError, OverflowError):
            continue  # one unreadable event does not spoil the rest
        if proposal is not None:
            found.append(proposal)
    return sorted(found, key=lambda p: p.days[0])


def to_dict(proposal: ProposedJob) -> dict[str, object]:
    """A proposal as JSON-ready data, carried by the review form."""
    return {
        "title": proposal.title,
        "location": proposal.location,
        "days": [day.isoformat() for day in proposal.days],
        "starts_at": proposal.starts_at.strftime("%H:%M") if proposal.starts_at else None,
        "ends_at": proposal.ends_at.strftime("%H:%M") if proposal.ends_at else None,
        "cancelled": proposal.cancelled,
    }


def _time(value: object) -> dt.time | None:
    if value in (None, ""):
        return None
    return dt.time.fromisoformat(str(value))


def from_dict(data: object) -> ProposedJob:
    """A proposal back from the review form; ValueError when it was tampered into nonsense."""
    if not isinstance(data, dict):
        raise ValueError("not a proposal")
    days = data.get("days")
    if not isinstance(days, list) or not 1 <= len(days) <= MAX_DAYS:
        raise ValueError("bad days")
    return ProposedJob(
        title=(" ".join(str(data.get("title", "")).split())[:TITLE_MAX] or "Imported booking"),
        location=" ".join(str(data.get("location", "")).split())[:LOCATION_MAX],
        days=tuple(dt.date.fromisoformat(str(day)) for day in days),
        starts_at=_time(data.get("starts_at")),
        ends_at=_time(data.get("ends_at")),
        cancelled=bool(data.get("cancelled")),
    )
