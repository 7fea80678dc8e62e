"""The production worker (``minimin worker``: Celery, Redis broker, PostgreSQL, SMTP) killed
with SIGKILL in the middle of its work, then left to recover by itself: nothing is run by hand.

Two ways to die, as in production: the whole worker (its process group: the main process, the
pool and beat, as a crashed machine or an OOM kill of the container), after which a new worker
is started and Redis hands the unacknowledged job out again once its visibility timeout has
passed (``MINIMIN_BROKER_VISIBILITY_TIMEOUT``, short here); or only the pool process running
the job, after which the worker's main process requeues it at once
(``task_reject_on_worker_lost``).

* A statement import killed after its first batch was committed ends done, with every row once,
  every row posted to the journal once and no error.
* Emails killed mid-delivery: the SMTP server (aiosmtpd) stalls on one message, either before it
  has been given the message (at RCPT) or after it has received it in full (before answering);
  the worker is killed while it waits. Every email reaches the server exactly once, counted by
  Message-ID (the server does not de-duplicate), by the outbox's rule (core/mail.py): a message
  the server never had in full is sent again; one it had in full is not.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import psutil
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from jinja2 import ChoiceLoader, DictLoader

from minimin.app import create_app
from tests.conftest import PG_ADMIN_URL, service_missing
from tests.mailstubs import free_port
from tests.resilience.test_worker_killed import ROWS, counts, statement
from tests.security.production import production_env

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    # One at a time: each test owns the broker's Redis database while it runs.
    pytest.mark.xdist_group("celery-worker"),
]

MINIMIN = Path(sys.executable).parent / "minimin"


def broker_db() -> int:
    """The broker's Redis database, emptied before and after each test: another test's jobs
    (the shared test database 15) must not reach these workers, nor theirs linger for the next
    test. One database per test process: two of these tests running at once in two processes
    would otherwise take each other's jobs (13 for the first process, then 12, 11, 10)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 13 - int(worker.removeprefix("gw") or 0) % 4


TEMPLATES = {
    "mail/crash_test.subject.txt": "Invoice {{ number }}",
    "mail/crash_test.txt": "Invoice {{ number }} is attached.\n",
}
EMAILS = 6
STALLED_TO = "client-3@example.com"


# --------------------------------------------------------------------------- the SMTP server


class StallingHandler:
    """An aiosmtpd handler that records every message it has received in full (as a mail server
    that has queued it) and stalls once, for the message to :data:`STALLED_TO`, until released:
    at ``rcpt`` (before it has been given the message) or at ``data`` (after it has received the
    whole message, before answering)."""

    def __init__(self, stall_at: str):
        self.stall_at = stall_at
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.stalled_peer: tuple[str, int] | None = None
        self._done = False

    async def _stall(self, session: Any, recipients: list[str]) -> None:
        with self.lock:
            if self._done or STALLED_TO not in recipients:
                return
            self._done = True
            self.stalled_peer = session.peer
        self.stalled.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        if self.stall_at == "rcpt":
            await self._stall(session, [address])
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        if self.stall_at == "data":
            await self._stall(session, list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


# --------------------------------------------------------------------------- the stack


@dataclass
class Stack:
    """A production configuration on this machine: a PostgreSQL database of its own, Redis on
    :func:`broker_db`, an SMTP server; workers started with ``minimin worker``."""

    tmp: Path
    database: str
    database_url: str
    admin: sa.Engine
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def start_worker(self) -> tuple[subprocess.Popen[bytes], Path]:
        n = len(self.workers) + 1
        log = self.tmp / f"worker-{n}.log"
        with log.open("wb") as out:
            worker = subprocess.Popen(
                [
                    str(MINIMIN),
                    "worker",
                    "--without-heartbeat",
                    "--without-mingle",
                    "--without-gossip",
                    "--hostname",
                    f"crash-{n}-{uuid.uuid4().hex[:6]}@%h",
                    "--schedule",
                    str(self.tmp / f"beat-{n}"),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=dict(os.environ),
                start_new_session=True,  # its own process group, killed as one
            )
        self.workers.append(worker)
        self.logs.append(log)
        return worker, log

    def log_text(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self.logs)

    def wait_for(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}; worker logs:\n{self.log_text()}")

    def busy_ports(self) -> set[int]:
        """Client ports of this database's connections that are running a statement or are
        inside a transaction (the pool process doing the import)."""
        with self.admin.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT client_port FROM pg_stat_activity "
                    "WHERE datname = :name AND state <> 'idle' AND client_port IS NOT NULL"
                ),
                {"name": self.database},
            )
            return {int(port) for (port,) in rows}


RECEIVED = re.compile(r"^\[(\S+ \S+): INFO/MainProcess\] Task (\S+)\[[0-9a-f-]+\] received", re.M)


def redelivery_seconds(stack: Stack, task: str) -> float:
    """Seconds between the first and the last time a worker received *task* (the worker logs)."""
    times = sorted(
        datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
        for log in stack.logs
        for stamp, name in RECEIVED.findall(log.read_text())
        if name == task
    )
    assert len(times) >= 2, f"{task} was not delivered again:\n{stack.log_text()}"
    return (times[-1] - times[0]).total_seconds()


def pool_process(worker: subprocess.Popen[bytes], ports: set[int]) -> int | None:
    """The process under *worker* whose TCP connection has one of the local *ports*."""
    for child in psutil.Process(worker.pid).children(recursive=True):
        try:
            connections = child.net_connections(kind="tcp")
        except psutil.Error:
            continue
        if any(c.laddr and c.laddr.port in ports for c in connections):
            return int(child.pid)
    return None


def kill_group(worker: subprocess.Popen[bytes]) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    assert worker.returncode == -signal.SIGKILL


@pytest.fixture
def smtp_handler(request: pytest.FixtureRequest) -> StallingHandler:
    return StallingHandler(getattr(request, "param", "data"))


@pytest.fixture
def stack(
    tmp_path: Path,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    smtp_handler: StallingHandler,
    visibility_timeout: int,
) -> Iterator[Stack]:
    import redis

    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"minimin_crash_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError:
        admin.dispose()
        service_missing("PostgreSQL at 127.0.0.1:5432")
    database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    broker_url = redis_url.rsplit("/", 1)[0] + f"/{broker_db()}"
    broker = redis.Redis.from_url(broker_url)
    broker.flushdb()

    schema_app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url}, mode="testing", instance_path=tmp_path / "s"
    )
    with schema_app.app_context():
        from minimin.extensions import db

        db.create_all()
        db.engine.dispose()

    port = free_port()
    controller = Controller(smtp_handler, hostname="127.0.0.1", port=port)
    controller.start()
    production_env(monkeypatch, database_url=database_url, redis_url=broker_url)
    for key, value in {
        "MINIMIN_INSTANCE_PATH": str(tmp_path / "instance"),
        "MINIMIN_MAIL_BACKEND": "smtp",
        "MINIMIN_SMTP_HOST": "127.0.0.1",
        "MINIMIN_SMTP_PORT": str(port),
        "MINIMIN_BROKER_VISIBILITY_TIMEOUT": str(visibility_timeout),
        "MINIMIN_LOG_LEVEL": "INFO",
    }.items():
        monkeypatch.setenv(key, value)
    built = Stack(tmp=tmp_path, database=name, database_url=database_url, admin=admin)
    try:
        yield built
    finally:
        smtp_handler.release.set()
        for worker in built.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        controller.stop()
        broker.flushdb()
        broker.close()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def web_app() -> Any:
    """The web side, in this process: the production application on the same database and
    broker (its jobs go to Redis after each commit)."""
    app = create_app(mode="production")
    assert app.config["MINIMIN_MODE"] == "production"
    app.jinja_env.loader = ChoiceLoader([DictLoader(TEMPLATES), app.jinja_env.loader])
    return app


def wait_ready(stack: Stack, log: Path) -> None:
    stack.wait_for(lambda: " ready." in log.read_text(), 60, "the worker to start")


# --------------------------------------------------------------------------- bank import


def queue_import(app: Any) -> uuid.UUID:
    from minimin.accounts.models import User
    from minimin.accounts.services import email_key
    from minimin.banking import services
    from minimin.banking.models import QUEUED
    from minimin.banking.tasks import import_statement
    from minimin.core import db as core_db
    from minimin.core.tasks import enqueue
    from minimin.extensions import db

    with app.app_context():
        address = "sole.trader@example.com"
        user = User(
            email=address, email_key=email_key(address), full_name="Sole Trader", password_hash="!"
        )
        db.session.add(user)
        db.session.flush()
        account = services.create_account(
            user.id, services.BankAccountInput(name="Business current", last_four="1234")
        )
        job, inspection = services.start_import(account, statement(ROWS), "statement.csv")
        # As the mapping page's confirmation leaves it: queued, its job sent after the commit.
        job.options = inspection.options()
        job.status = QUEUED
        enqueue(import_statement, str(job.id))
        core_db.commit(db.session)
        job_id = job.id
        db.session.remove()
    return job_id


def progress(app: Any, job_id: uuid.UUID) -> tuple[str, int]:
    """The job's status and how many of its rows are committed (read while it runs; the
    ledger is checked by ``counts`` once it is done)."""
    from minimin.banking.models import BankTransaction, ImportJob
    from minimin.extensions import db

    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        lines = db.session.scalar(
            sa.select(sa.func.count()).where(BankTransaction.import_job_id == job_id)
        )
        db.session.remove()
    return (job.status if job else "missing"), int(lines or 0)


# The import (about 5 s here) must finish well inside the timeout, or Redis would hand it to a
# second pool process while it still runs (docs/deployment.md, "Resilience").
@pytest.mark.parametrize("visibility_timeout", [20])
@pytest.mark.parametrize("kill", ["worker", "pool process"])
def test_an_import_killed_with_its_worker_completes_once(stack: Stack, kill: str) -> None:
    from minimin.banking.models import DONE, ImportJob
    from minimin.extensions import db

    worker, log = stack.start_worker()
    app = web_app()
    wait_ready(stack, log)
    job_id = queue_import(app)

    # The first batch committed, the next one under way: kill.
    def first_batch_in() -> bool:
        return 0 < progress(app, job_id)[1] < ROWS

    stack.wait_for(first_batch_in, 60, "the first batch to be committed")
    if kill == "worker":
        kill_group(worker)
        killed = time.monotonic()
        _status, lines, posted, _ = counts(app, job_id)
        assert 0 < lines < ROWS and posted == lines, "the import ended before the kill"
        stack.start_worker()
    else:
        child = stack.wait_for(
            lambda: pool_process(worker, stack.busy_ports()), 10, "the pool process"
        )
        os.kill(child, signal.SIGKILL)
        killed = time.monotonic()
        assert progress(app, job_id)[1] < ROWS, "the import ended before the kill"

    stack.wait_for(lambda: progress(app, job_id)[0] == DONE, 90, "the import to be done")
    recovered = time.monotonic() - killed
    assert counts(app, job_id) == (DONE, ROWS, ROWS, ROWS)
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job is not None
        assert not job.errors
        assert job.rows_total == ROWS and job.rows_done == ROWS
        db.session.remove()
        db.engine.dispose()
    if kill == "pool process":
        assert worker.poll() is None  # the worker itself lived on and ran the job again
        assert "SIGKILL" in log.read_text()
    again = redelivery_seconds(stack, "minimin.banking.import_statement")
    print(
        f"import killed with its {kill}: delivered again {again:.1f} s after the first delivery,"
        f" done {recovered:.1f} s after the kill"
    )


# --------------------------------------------------------------------------- emails


@pytest.mark.parametrize("visibility_timeout", [5])
@pytest.mark.parametrize(
    ("kill", "smtp_handler"),
    # Each way to die and each side of the rule once (about 40 s and 25 s); the other two
    # pairings add no path (tests/resilience/test_mail_handover.py covers the rule's branches).
    [("worker", "data"), ("pool process", "rcpt")],
    indirect=["smtp_handler"],
)
def test_emails_killed_mid_delivery_reach_the_server_once(
    stack: Stack, smtp_handler: StallingHandler, kill: str
) -> None:
    from minimin.core import db as core_db
    from minimin.core.mail import (
        CLAIMED,
        HANDED_OVER,
        HANDED_OVER_NOTE,
        SENT,
        OutboundEmail,
        queue_email,
    )
    from minimin.extensions import db

    worker, log = stack.start_worker()
    app = web_app()
    wait_ready(stack, log)
    with app.app_context():
        for n in range(1, EMAILS + 1):
            queue_email(to=f"client-{n}@example.com", template="crash_test", context={"number": n})
        core_db.commit(db.session)
        db.session.remove()

    def rows() -> list[OutboundEmail]:
        with app.app_context():
            found = list(db.session.scalars(sa.select(OutboundEmail)))
            db.session.expunge_all()
            db.session.remove()
        return found

    assert smtp_handler.stalled.wait(60), f"the stall was never reached:\n{stack.log_text()}"
    # The trace the delivery left before the kill: claimed, or handed over (the whole message
    # sent but the server's answer not read).
    (stalled,) = [row for row in rows() if row.to_address == STALLED_TO]
    handed_over = smtp_handler.stall_at == "data"
    assert stalled.sending_stage == (HANDED_OVER if handed_over else CLAIMED)
    assert stalled.status != SENT

    if kill == "worker":
        kill_group(worker)
        killed = time.monotonic()
        stack.start_worker()
    else:
        assert smtp_handler.stalled_peer is not None
        child = pool_process(worker, {smtp_handler.stalled_peer[1]})
        assert child is not None, "no pool process is talking to the SMTP server"
        os.kill(child, signal.SIGKILL)
        killed = time.monotonic()
    smtp_handler.release.set()

    stack.wait_for(lambda: all(row.status == SENT for row in rows()), 50, "every email to be sent")
    recovered = time.monotonic() - killed
    final = rows()
    received = Counter(str(message["Message-ID"]) for message in smtp_handler.messages)
    assert received == Counter(row.message_id for row in final)  # each exactly once
    assert len(smtp_handler.messages) == EMAILS
    (stalled,) = [row for row in final if row.to_address == STALLED_TO]
    if handed_over:
        # Received in full before the kill: counted delivered by the rule, not sent again.
        assert (stalled.attempts, stalled.last_error) == (1, HANDED_OVER_NOTE)
    else:
        # Never given the message: sent again, once.
        assert (stalled.attempts, stalled.last_error) == (2, None)
    for row in final:
        assert row.sending_stage is None and row.sealed is None
    if kill == "pool process":
        assert worker.poll() is None
    with app.app_context():
        db.engine.dispose()
    print(f"email stalled at {smtp_handler.stall_at}, {kill} killed: all sent {recovered:.1f} s on")
