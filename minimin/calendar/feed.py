"""The iCalendar (RFC 5545) text of a feed, built with ``icalendar`` from plain rows.

Every event has a UID that depends only on the record it comes from (a job's day, a usage
line, an invoice), so a calendar app updates an event in place rather than duplicating it.
Timed events are in Europe/London with its VTIMEZONE; days without times are all-day events.
Options and enquiries are TENTATIVE, cancelled jobs CANCELLED (so subscribed calendars remove
or strike them out), other jobs CONFIRMED. No Flask here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar

LONDON = ZoneInfo("Europe/London")
PRODID = "-//Minimin//Minimin calendar feed//EN"
UID_DOMAIN = "minimin.app"

TENTATIVE_STATUSES = frozenset({"enquiry", "option_first", "option_second"})
CANCELLED_STATUS = "cancelled"


@dataclass(frozen=True)
class JobDay:
    date_id: str
    title: str
    status: str
    status_label: str
    location: str | None
    day: dt.date
    starts_at: dt.time | None
    ends_at: dt.time | None
    updated_at: dt.datetime


@dataclass(frozen=True)
class DayMarker:
    """An all-day reminder: a usage licence ending, an invoice falling due."""

    uid: str
    summary: str
    day: dt.date
    updated_at: dt.datetime


def _status(job_status: str) -> str:
    if job_status == CANCELLED_STATUS:
        return "CANCELLED"
    if job_status in TENTATIVE_STATUSES:
        return "TENTATIVE"
    return "CONFIRMED"


def _event(uid: str, summary: str, stamp: dt.datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("summary", summary)
    # DTSTAMP and LAST-MODIFIED in UTC: when the record last changed, so an unchanged event
    # reads the same on every fetch.
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("last-modified", stamp.astimezone(dt.UTC))
    return event


def _all_day(event: icalendar.Event, day: dt.date) -> None:
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")


def job_event(row: JobDay) -> icalendar.Event:
    event = _event(f"job-day-{row.date_id}", row.title, row.updated_at)
    if row.starts_at is not None:
        start = dt.datetime.combine(row.day, row.starts_at, tzinfo=LONDON)
        end_time = row.ends_at or row.starts_at
        end = dt.datetime.combine(row.day, end_time, tzinfo=LONDON)
        if end <= start:
            end = start + dt.timedelta(hours=1)
        event.add("dtstart", start)
        event.add("dtend", end)
    else:
        _all_day(event, row.day)
    if row.location:
        event.add("location", row.location)
    event.add("status", _status(row.status))
    event.add("description", row.status_label)
    return event


def marker_event(marker: DayMarker) -> icalendar.Event:
    event = _event(marker.uid, marker.summary, marker.updated_at)
    _all_day(event, marker.day)
    return event


def build(name: str, days: Iterable[JobDay], markers: Iterable[DayMarker]) -> bytes:
    """The whole feed as bytes (CRLF line endings, folded lines, as RFC 5545 asks)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    for row in days:
        calendar.add_component(job_event(row))
    for marker in markers:
        calendar.add_component(marker_event(marker))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
