"""Redis away (a Redis URL pointing at a closed port): the shared rate-limit counts cannot be
read, so sign-in is refused with a clear 503 rather than let through without its limits, and
nothing is changed. Pages that need no count go on working."""

from __future__ import annotations

import socket
from typing import Any

import pytest


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{closed_port()}/0"}


@pytest.fixture
def app(app_config: dict[str, Any], database_url: str, tmp_path: Any) -> Any:
    # The shared fixture resets the limiter's storage, which would itself need Redis.
    from minimin.app import create_app
    from minimin.extensions import db
    from tests.conftest import Client

    config = {"SQLALCHEMY_DATABASE_URI": database_url, "MINIMIN_ANSWER_DELAY_SCALE": 0.0}
    application = create_app(
        {**config, **app_config}, mode="testing", instance_path=tmp_path / "instance"
    )
    application.test_client_class = Client
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_sign_in_fails_closed_with_a_clear_503(client: Any, make_user: Any) -> None:
    user = make_user()
    for password in ("wrong password 1", "wrong password 2", user.plain_password):
        response = client.submit("/login", {"email": user.email, "password": password})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert "Minimin is briefly unavailable" in response.get_data(as_text=True)
    # Not signed in: the dashboard is not reachable.
    assert client.get("/invoices").status_code == 302


def test_signup_and_password_reset_fail_closed(app: Any, client: Any, make_user: Any) -> None:
    import sqlalchemy as sa

    from minimin.accounts.models import User
    from minimin.core.mail import OutboundEmail
    from minimin.extensions import db

    def counts() -> tuple[int, int]:
        with app.app_context():
            users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
            mails = db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail))
            return int(users or 0), int(mails or 0)

    user = make_user()
    before = counts()
    response = client.submit("/reset-password", {"email": user.email})
    assert response.status_code == 503
    response = client.submit(
        "/signup",
        {
            "full_name": "New Person",
            "email": "new-person@example.com",
            "password": "a long and unusual passphrase 42",
            "accept_terms": "y",
            "adult": "y",
        },
    )
    assert response.status_code == 503
    assert counts() == before


def test_public_pages_and_health_need_no_redis(client: Any) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/healthz").status_code == 200
