"""Beat must know every periodic job, including those of feature packages imported after core."""

from __future__ import annotations

from flask import Flask

from minimin.core.tasks import PERIODIC
from minimin.extensions import celery


def test_beat_schedule_lists_every_periodic_job(app: Flask) -> None:
    schedule = celery.conf.beat_schedule
    assert "flush-outbox" in schedule
    # Feature packages register theirs when the app imports them.
    assert "self-billing-review-reminders" in schedule
    assert set(schedule) == set(PERIODIC)
    for name, (task_name, every) in PERIODIC.items():
        assert schedule[name]["task"] == task_name
        assert schedule[name]["schedule"] == every.total_seconds()
        assert task_name in celery.tasks
