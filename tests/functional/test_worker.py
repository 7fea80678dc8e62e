"""A real Celery worker (``minimin worker`` in production mode, Redis broker, PostgreSQL) runs the
email job that a committed change enqueued; running the job again sends nothing more."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from jinja2 import ChoiceLoader, DictLoader

from minimin.app import create_app
from tests.conftest import PG_ADMIN_URL, service_missing
from tests.mailstubs import SMTPServer
from tests.security.production import production_env

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

SUCCEEDED = re.compile(r"Task minimin\.mail\.send_email\[[0-9a-f-]+\] succeeded")
MINIMIN = Path(sys.executable).parent / "minimin"
TEMPLATES = {
    "mail/worker_test.subject.txt": "Your invoice {{ number }}",
    "mail/worker_test.txt": "Invoice {{ number }} is attached.\n",
}


@pytest.fixture
def worker_database(tmp_path: Path) -> Iterator[tuple[str, object]]:
    """A fresh PostgreSQL database URL and a function that builds its schema (called while the
    worker boots, to keep the test short)."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"minimin_worker_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError:
        admin.dispose()
        service_missing("PostgreSQL at 127.0.0.1:5432")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def build_schema() -> None:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url}, mode="testing", instance_path=tmp_path / "s"
        )
        with app.app_context():
            from minimin.extensions import db

            db.create_all()
            db.engine.dispose()

    yield url, build_schema
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _wait_for(predicate, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def test_worker_sends_the_queued_email_once(
    worker_database: tuple[str, Any],
    redis_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import redis

    from minimin.core import db as core_db
    from minimin.core.mail import SENT, OutboundEmail, queue_email, send_email
    from minimin.extensions import db

    database_url, build_schema = worker_database
    smtp = SMTPServer()
    smtp.start()
    production_env(monkeypatch, database_url=database_url, redis_url=redis_url)
    monkeypatch.setenv("MINIMIN_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("MINIMIN_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("MINIMIN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MINIMIN_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("MINIMIN_WORKER_CONCURRENCY", "1")
    monkeypatch.setenv("MINIMIN_LOG_LEVEL", "INFO")
    # Stale jobs from an earlier run must not be mistaken for ours.
    redis.Redis.from_url(redis_url).delete("celery")

    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [
                str(MINIMIN),
                "worker",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--hostname",
                f"test-{uuid.uuid4().hex[:6]}@%h",
                "--schedule",
                str(tmp_path / "beat-schedule"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
            start_new_session=True,
        )
    try:
        build_schema()
        # The web side: a change and its email committed together; the job goes to Redis.
        app = create_app(mode="production")
        assert app.config["MINIMIN_MODE"] == "production"
        app.jinja_env.loader = ChoiceLoader([DictLoader(TEMPLATES), app.jinja_env.loader])
        with app.app_context():
            email = queue_email(
                to="client@example.com", template="worker_test", context={"number": "INV-7"}
            )
            email_id = email.id
            core_db.commit(db.session)
            db.session.remove()

        def status() -> str | None:
            with app.app_context():
                row = db.session.get(OutboundEmail, email_id)
                result = row.status if row else None
                db.session.remove()
                return result

        _wait_for(lambda: status() == SENT, 20, "the worker to send the email", log)
        assert len(smtp.messages) == 1
        assert smtp.messages[0]["Subject"] == "Your invoice INV-7"
        _wait_for(lambda: len(SUCCEEDED.findall(log.read_text())) == 1, 5, "the job log", log)

        # The same job again (a redelivery after a lost acknowledgement): a no-op.
        with app.app_context():
            send_email.delay(str(email_id))
        _wait_for(
            lambda: len(SUCCEEDED.findall(log.read_text())) >= 2, 15, "the second job to run", log
        )
        assert len(smtp.messages) == 1
        with app.app_context():
            row = db.session.get(OutboundEmail, email_id)
            assert row is not None and row.attempts == 1 and row.status == SENT
            db.session.remove()
            db.engine.dispose()
    finally:
        # Every job has finished: a cold shutdown is enough and quicker than a warm one.
        os.killpg(worker.pid, signal.SIGQUIT)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        smtp.stop()
