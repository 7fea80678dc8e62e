"""Test fixtures: a real application on a real database (SQLite and PostgreSQL), real email files.

Every test that takes ``app`` (or ``client``) runs once per database backend in
``MINIMIN_TEST_BACKENDS`` (default ``sqlite,postgresql``). The schema is built from the models
once per test session and backend (a separate test proves the migrations build the same); each
test gets an empty database (a copy of the SQLite template file, or emptied PostgreSQL tables).

With ``CI=true`` a missing PostgreSQL or Redis fails the run; on a laptop without them the tests
that need them are skipped with a visible reason.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from minimin.app import create_app
from tests import compile_once

compile_once.install()

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get(
    "MINIMIN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("MINIMIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BACKENDS = [
    b.strip()
    for b in os.environ.get("MINIMIN_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if b.strip()
]
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def service_missing(what: str) -> None:
    """Fail in CI, skip elsewhere: CI must prove the PostgreSQL and Redis paths."""
    if IN_CI:
        pytest.fail(f"{what} is required when CI=true", pytrace=False)
    pytest.skip(f"{what} is not available on this machine")


# --------------------------------------------------------------------------- database backends


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _migrate(url: str, instance: Path) -> None:
    """Build the schema from the models (tests/unit/core/test_migrations.py proves that the
    Alembic migrations build exactly the same schema)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, mode="testing", instance_path=instance)
    with app.app_context():
        from minimin.extensions import db

        db.create_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("sqlite-template")
    path = base / "template.sqlite3"
    _migrate(f"sqlite:///{path}", base / "instance")
    # Fold the WAL into the main file so that a plain copy is a complete database.
    engine = sa.create_engine(f"sqlite:///{path}")
    # Outside a transaction: SQLite refuses to leave WAL mode inside one.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"minimin_test_{_worker_suffix()}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            # A test database need not survive a crash: commits need not wait for the disk.
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    except sa.exc.OperationalError:
        admin.dispose()
        service_missing("PostgreSQL at 127.0.0.1:5432")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _migrate(url, tmp_path_factory.mktemp("pg-instance"))
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _empty_postgres(url: str) -> None:
    """Delete every row, children before parents.

    DELETE on the few rows a test leaves is far cheaper than TRUNCATE, which replaces every
    table's files and waits for the disk each time.
    """
    from minimin.extensions import db

    order = [t.name for t in reversed(db.Model.metadata.sorted_tables)]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        present = set(
            conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            ).scalars()
        )
        # Tables a test created for itself (not in the models) go first. One round trip for
        # all of them: most are empty, and a hundred separate statements cost more in waiting
        # than in deleting.
        tables = sorted(present - set(order)) + [t for t in order if t in present]
        script = "".join(f'DELETE FROM "{table}";' for table in tables)  # noqa: S608 - pg_tables
        conn.connection.driver_connection.execute(script)  # type: ignore[union-attr]
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    backend = request.param
    if backend == "sqlite":
        path = tmp_path / "minimin.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    elif backend == "postgresql":
        url = request.getfixturevalue("postgres_url")
        yield url
        _empty_postgres(url)
    else:
        raise ValueError(f"unknown backend {backend}")


# --------------------------------------------------------------------------- the application


class Client(FlaskClient):
    """A test client that fills in the CSRF token the way a browser's form would.

    Each request runs in a fresh context, as a real one does: a test holding an app context open
    (the ``db`` fixture) must not share ``flask.g`` (and the CSRF token cached there) or the
    database session with the requests it makes.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self, path: str = "/") -> str:
        # As a browser would: a page that moved (a redirect) gives the token of where it went.
        page = self.get(path, follow_redirects=True).get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, f"no CSRF token on {path}"
        return match.group(1) or match.group(2)

    def submit(
        self,
        path: str,
        data: dict[str, Any] | None = None,
        *,
        form_page: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """POST *data* to *path* with a valid CSRF token taken from *form_page* (or *path*)."""
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token(form_page or path))
        return self.post(path, data=payload, **kwargs)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change Flask settings for its app."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    # The deliberate answer delay of refused sign-ins and signups is off, except in the tests
    # that measure it (they set MINIMIN_ANSWER_DELAY_SCALE back to 1 through app_config).
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MINIMIN_ANSWER_DELAY_SCALE": 0.0,
        **app_config,
    }
    application = create_app(config, mode="testing", instance_path=tmp_path / "instance")
    application.test_client_class = Client
    application.jinja_env.bytecode_cache = compile_once.templates
    from minimin.extensions import db, limiter

    with application.app_context():
        limiter.reset()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> Client:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """The SQLAlchemy extension inside an app context, for arranging and inspecting rows."""
    from minimin.extensions import db as database

    with app.app_context():
        yield database
        database.session.rollback()


# --------------------------------------------------------------------------- people and mail


class Mailbox:
    """The emails the file mailer wrote for this test, oldest first."""

    def __init__(self, directory: Path):
        self.directory = directory

    def messages(self) -> list[EmailMessage]:
        if not self.directory.exists():
            return []
        files = sorted(self.directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        result = []
        for path in files:
            with path.open("rb") as fh:
                msg = BytesParser(policy=policy.default).parse(fh)
            assert isinstance(msg, EmailMessage)
            result.append(msg)
        return result

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages() if m["To"] == address]

    @staticmethod
    def text(message: EmailMessage) -> str:
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())

    def last_link(self, address: str, pattern: str = r"https?://\S+") -> str:
        messages = self.to(address)
        assert messages, f"no email to {address}"
        links = re.findall(pattern, self.text(messages[-1]))
        assert links, "no link in the email"
        return str(links[-1])


@pytest.fixture
def mailbox(app: Flask) -> Mailbox:
    return Mailbox(Path(app.instance_path) / "mail")


@pytest.fixture
def make_user(app: Flask) -> Any:
    """Create a verified user directly (tests of signup itself go through the form)."""
    from minimin.accounts.models import User
    from minimin.accounts.services import email_key, hash_password
    from minimin.core.db import utcnow
    from minimin.extensions import db as database

    def make(
        email: str | None = None,
        password: str = "correct horse battery staple",
        full_name: str = "Test Person",
        verified: bool = True,
        **fields: Any,
    ) -> User:
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        with app.app_context():
            user = User(
                email=email,
                email_key=email_key(email),
                full_name=full_name,
                password_hash=hash_password(password),
                email_verified_at=utcnow() if verified else None,
                **fields,
            )
            database.session.add(user)
            database.session.commit()
            database.session.expunge(user)
        user.plain_password = password  # type: ignore[attr-defined]
        return user

    return make


@pytest.fixture
def login(app: Flask) -> Any:
    """Sign *user* in on *client* through the real login form."""

    def do_login(client: Client, user: Any, password: str | None = None) -> Any:
        response = client.submit(
            "/login",
            {"email": user.email, "password": password or user.plain_password},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do_login


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        service_missing("Redis at 127.0.0.1:6379")
    return REDIS_URL
