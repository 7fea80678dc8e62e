"""Calendar feeds and import: private iCalendar subscription links per calendar app
(``/calendar/feeds``, the feed itself at ``/calendar/<token>.ics``) and bookings read from an
.ics file into draft jobs after a review. The month view of jobs stays in the jobs package
(``/jobs/calendar``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.calendar import models, revocation, views  # noqa: F401 - table, listener

    app.register_blueprint(views.bp)
    app.register_blueprint(views.feed_bp)
