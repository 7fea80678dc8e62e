"""Background jobs: Celery with a Redis broker, or in-process in embedded mode.

Rules (DESIGN.md rule 3): jobs are enqueued **after** the commit of the change that caused them
(:func:`enqueue`), receive ids rather than objects, run in their own transaction and are safe to
run twice. In embedded mode (and in tests) Celery runs each task eagerly, in-process, right after
the commit; in production ``minimin worker`` consumes them from Redis.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import Task
from flask import Flask, has_app_context

from minimin.core import db as core_db
from minimin.extensions import celery, db

log = logging.getLogger(__name__)

#: Periodic jobs: name -> (task name, interval). Beat runs them in production; a daemon thread
#: runs them under ``minimin serve`` in embedded mode.
PERIODIC: dict[str, tuple[str, timedelta]] = {}


def periodic(name: str, every: timedelta) -> Callable[[Task], Task]:
    def register(task: Task) -> Task:
        PERIODIC[name] = (task.name, every)
        return task

    return register


def _drop_broker_connections() -> None:
    """Forget connections made under an earlier configuration of the process-wide Celery object.

    Celery caches its connection and producer pools on first use (eager mode uses them too), so
    without this a second app in the same process (tests; a CLI command that builds a production
    app) would publish its jobs to the first app's broker.
    """
    # Only references are dropped: kombu keeps the pools themselves, per broker, for reuse.
    celery._pool = None
    amqp = celery.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def init_celery(app: Flask) -> None:
    settings = app.config["MINIMIN_SETTINGS"]
    eager = settings.mode != "production" and not app.config.get("CELERY_BROKER_URL")
    _drop_broker_connections()
    celery.conf.update(
        broker_url=app.config.get("CELERY_BROKER_URL") or settings.redis_url or "memory://",
        result_backend=None,
        task_ignore_result=True,
        task_always_eager=eager,
        task_eager_propagates=False,
        task_acks_late=True,  # a worker killed mid-job leaves the job to run again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
    )

    class AppContextTask(Task):
        abstract = True

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    celery.Task = AppContextTask
    app.extensions["celery"] = celery


def schedule_periodic_jobs() -> None:
    """Give beat every periodic job. Called once all feature packages (and so their task
    modules) have been imported, so that none is missed."""
    celery.conf.beat_schedule = {
        name: {"task": task_name, "schedule": every.total_seconds()}
        for name, (task_name, every) in PERIODIC.items()
    }


def enqueue(task: Task, *args: Any) -> None:
    """Run *task* with *args* (ids, not objects) once the current transaction commits."""
    core_db.after_commit(db.session, lambda: task.delay(*args))


def start_embedded_scheduler(app: Flask, stop: threading.Event) -> threading.Thread:
    """Run the periodic jobs in a daemon thread (embedded mode has no beat process)."""

    def loop() -> None:
        elapsed: dict[str, float] = {}
        tick = 5.0
        while not stop.wait(tick):
            for name, (task_name, every) in PERIODIC.items():
                elapsed[name] = elapsed.get(name, 0.0) + tick
                if elapsed[name] < every.total_seconds():
                    continue
                elapsed[name] = 0.0
                try:
                    with app.app_context():
                        celery.tasks[task_name].apply()
                except Exception:
                    log.exception("periodic job %s failed", name)

    thread = threading.Thread(target=loop, name="minimin-scheduler", daemon=True)
    thread.start()
    return thread
