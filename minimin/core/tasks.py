"""Background jobs: Celery with a Redis broker, or in-process in embedded mode.

Rules (docs/design-rules.md, rule 3): jobs are enqueued **after** the commit of the change
that caused them
(:func:`enqueue`), receive ids rather than objects, run in their own transaction and are safe to
run twice. In embedded mode (and in tests) Celery runs each task eagerly, in-process, right after
the commit; in production ``minimin worker`` consumes them from Redis.

Every task has a soft and a hard time limit (:data:`SOFT_TIME_LIMIT`, :data:`TIME_LIMIT`; a task
may set lower or higher ones of its own): at the soft limit the worker raises
``SoftTimeLimitExceeded`` inside the task, so its transaction rolls back and the job can run
again later; at the hard limit the worker process running it is replaced. A stuck job thus
frees its worker slot instead of holding it for good. The embedded scheduler cannot kill a
thread, so it runs each periodic job in a thread of its own: a stuck job never delays the
others (the outbox sweep above all), and is not started again while it is still running.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import Task
from flask import Flask, has_app_context

from minimin.core import db as core_db
from minimin.extensions import celery, db

log = logging.getLogger(__name__)

#: Seconds after which a task is asked to stop (``SoftTimeLimitExceeded``), then killed.
SOFT_TIME_LIMIT = 240
TIME_LIMIT = 300
#: Seconds before Redis hands out again a job whose worker died
#: (MINIMIN_BROKER_VISIBILITY_TIMEOUT overrides it).
VISIBILITY_TIMEOUT = 3 * TIME_LIMIT

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


def broker_transport_options(visibility_timeout: int | None) -> dict[str, int]:
    """Redis's redelivery of a job whose worker vanished without acknowledging it.

    Redis hands such a job out again once it has been held ``visibility_timeout`` seconds
    (Celery's default: an hour). Ours is three hard limits, past any job still running (a
    shorter one would hand a job that is still running to a second worker), and no job is
    queued with a countdown or ETA that a short timeout would deliver twice. Workers look for
    such jobs when they start and then every ``unacked_restore_interval`` seconds (kombu's
    default sweep, 10 s times a throttle of 10, would add up to 100 s)."""
    timeout = visibility_timeout or VISIBILITY_TIMEOUT
    return {
        "visibility_timeout": timeout,
        "unacked_restore_interval": max(1, min(10, timeout // 5)),
        "unacked_restore_throttle": 1,
    }


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
        broker_transport_options=broker_transport_options(settings.broker_visibility_timeout),
        task_soft_time_limit=SOFT_TIME_LIMIT,
        task_time_limit=TIME_LIMIT,
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


def time_limits(task: Task) -> tuple[float, float]:
    """The (soft, hard) time limits *task* runs under: its own, or the defaults."""
    soft = task.soft_time_limit or celery.conf.task_soft_time_limit
    hard = task.time_limit or celery.conf.task_time_limit
    return float(soft), float(hard)


class _EmbeddedJobs:
    """The periodic jobs of embedded mode, each run in a thread of its own."""

    def __init__(self, app: Flask, jobs: dict[str, tuple[str, timedelta]]):
        self.app = app
        self.jobs = jobs
        self.elapsed: dict[str, float] = {}
        self.running: dict[str, tuple[threading.Thread, float]] = {}

    def tick(self, seconds: float, now: float) -> None:
        for name, (task_name, every) in self.jobs.items():
            self.elapsed[name] = self.elapsed.get(name, 0.0) + seconds
            if self.elapsed[name] < every.total_seconds() or self._still_running(name, now):
                continue
            self.elapsed[name] = 0.0
            thread = threading.Thread(
                target=self._run, args=(name, task_name), name=f"minimin-job-{name}", daemon=True
            )
            self.running[name] = (thread, now)
            thread.start()

    def _still_running(self, name: str, now: float) -> bool:
        thread, started = self.running.get(name, (None, 0.0))
        if thread is None or not thread.is_alive():
            return False
        _soft, hard = time_limits(celery.tasks[self.jobs[name][0]])
        if now - started > hard:
            log.error(
                "periodic job %s has run for %.0f s, past its %.0f s limit",
                name,
                now - started,
                hard,
            )
        return True

    def _run(self, name: str, task_name: str) -> None:
        try:
            with self.app.app_context():
                result = celery.tasks[task_name].apply()
            if result.failed():  # apply() keeps the task's exception instead of raising it
                log.error("periodic job %s failed: %r", name, result.result)
        except Exception:
            log.exception("periodic job %s failed", name)


def start_embedded_scheduler(
    app: Flask,
    stop: threading.Event,
    *,
    tick: float = 5.0,
    jobs: dict[str, tuple[str, timedelta]] | None = None,
) -> threading.Thread:
    """Run the periodic jobs (*jobs*, default every registered one) from a daemon thread, as
    embedded mode has no beat process."""
    scheduler = _EmbeddedJobs(app, PERIODIC if jobs is None else jobs)

    def loop() -> None:
        while not stop.wait(tick):
            scheduler.tick(tick, time.monotonic())

    thread = threading.Thread(target=loop, name="minimin-scheduler", daemon=True)
    thread.start()
    return thread
