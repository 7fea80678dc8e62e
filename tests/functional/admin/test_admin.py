"""The admin area: passkey-gated, one audit row per request, and no personal data anywhere."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from tests.factories import CANARIES, build_full_account
from tests.functional.accounts.test_passkeys import add_passkey, passkey_login
from tests.softauthn import Authenticator

BASE_URL = "http://localhost:5000"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BASE_URL": BASE_URL}


@pytest.fixture
def views(app: Any) -> None:
    from minimin.admin.views_sql import ensure_views
    from minimin.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        ensure_views(connection)


def _admin_rows(app: Any) -> list[tuple[str, str | None, str | None]]:
    from minimin.extensions import db

    with app.app_context():
        rows = db.session.execute(
            sa.text(
                "SELECT action, actor_hash, subject_hash FROM audit_event "
                "WHERE action LIKE 'admin.%' ORDER BY created_at"
            )
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


@pytest.fixture
def admin_client(app: Any, client: Any, make_user: Any, login: Any, views: None) -> Any:
    admin = make_user(email="admin@example.com", is_admin=True)
    login(client, admin)
    device = Authenticator()
    assert add_passkey(client, device).status_code == 200
    fresh = app.test_client()
    assert passkey_login(fresh, device).status_code == 200
    fresh.admin = admin
    return fresh


@pytest.fixture
def victim(app: Any, make_user: Any) -> Any:
    from minimin.extensions import db

    user = make_user(email="canary-person@example.com", full_name=CANARIES["name"])
    with app.app_context():
        build_full_account(user.id)
        db.session.commit()
        db.session.remove()
    return user


def _hash(app: Any, user: Any) -> str:
    from minimin.core.crypto import hmac_id

    with app.app_context():
        return hmac_id(user.id)


def admin_get_routes(app: Any, hashed: str) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or "GET" not in rule.methods:
            continue
        paths.append(rule.rule.replace("<hashed_id>", hashed))
    return [*sorted(set(paths)), "/admin?period=week"]


def test_no_canary_reaches_any_admin_page(app: Any, admin_client: Any, victim: Any) -> None:
    hashed = _hash(app, victim)
    canaries = [
        *CANARIES.values(),
        victim.email,
        "canary-mail@example.com",
        str(victim.id),
        victim.id.hex,
        "Canary",
    ]
    for path in admin_get_routes(app, hashed):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        for canary in canaries:
            assert canary not in body, f"{canary!r} appears on {path}"
    account_page = admin_client.get(f"/admin/accounts/{hashed}").get_data(as_text=True)
    assert "invoice_line" in account_page  # counts are shown, by table


def test_each_admin_request_writes_exactly_one_row(
    app: Any, admin_client: Any, victim: Any
) -> None:
    hashed = _hash(app, victim)
    for path in admin_get_routes(app, hashed):
        before = len(_admin_rows(app))
        admin_client.get(path)
        assert len(_admin_rows(app)) == before + 1, path
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"',
        admin_client.get(f"/admin/accounts/{hashed}").get_data(as_text=True),
    ).group(1)
    for action in ("lock", "unlock", "reset-password"):
        before = len(_admin_rows(app))
        response = admin_client.post(
            f"/admin/accounts/{hashed}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 302
        rows = _admin_rows(app)
        assert len(rows) == before + 1
        assert rows[-1][2] == hashed  # the subject, hashed like the admin sees it
        assert rows[-1][1] == _hash(app, admin_client.admin)


def test_lock_ends_the_account_sessions(
    app: Any, admin_client: Any, make_user: Any, login: Any
) -> None:
    user = make_user()
    user_client = app.test_client()
    login(user_client, user)
    hashed = _hash(app, user)
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"',
        admin_client.get(f"/admin/accounts/{hashed}").get_data(as_text=True),
    ).group(1)
    admin_client.post(f"/admin/accounts/{hashed}/lock", data={"csrf_token": token})
    assert user_client.get("/account").status_code == 302
    login(user_client, user)  # the password is right, but the account stays locked
    assert user_client.get("/account").status_code == 302


def test_a_lock_stops_a_session_that_is_still_open(app: Any, make_user: Any, login: Any) -> None:
    """A lock committed while a session is open (a lock from another process, between its
    sign-in and the lock ending the sessions) is seen on that session's next request: the
    sign-in query reads the lock with the session."""
    from minimin.admin.models import AccountLock
    from minimin.core.db import utcnow
    from minimin.extensions import db

    user = make_user()
    user_client = app.test_client()
    login(user_client, user)
    assert user_client.get("/account").status_code == 200
    with app.app_context():
        db.session.add(AccountLock(user_id=user.id, admin_hash="0" * 32, locked_at=utcnow()))
        db.session.commit()
    response = user_client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = user_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This account has been locked" in page
    assert user_client.get("/account").status_code == 302  # the session has ended


def test_unknown_hashed_id_is_404_and_logged(app: Any, admin_client: Any) -> None:
    before = len(_admin_rows(app))
    assert admin_client.get("/admin/accounts/" + "0" * 32).status_code == 404
    assert admin_client.get("/admin/accounts/nothex").status_code == 404
    rows = _admin_rows(app)
    assert len(rows) == before + 2 and rows[-1][0] == "admin.not_found"


def test_non_admin_is_refused_and_logged(
    app: Any, client: Any, make_user: Any, login: Any, views: None
) -> None:
    login(client, make_user())
    assert client.get("/admin").status_code == 403
    assert _admin_rows(app)[-1][0] == "admin.denied"


def test_admin_without_passkey_sign_in_is_refused(
    app: Any, client: Any, make_user: Any, login: Any, views: None
) -> None:
    admin = make_user(is_admin=True)
    login(client, admin)
    # No passkey at all: sent to add one.
    response = client.get("/admin")
    assert response.status_code == 302 and "/account/passkeys" in response.headers["Location"]
    assert add_passkey(client, Authenticator()).status_code == 200
    # A passkey, but this session signed in with the password: refused.
    assert client.get("/admin").status_code == 403
    assert [r[0] for r in _admin_rows(app)] == ["admin.denied", "admin.denied"]


def test_admin_log_cannot_be_changed(app: Any, admin_client: Any) -> None:
    assert admin_client.post("/admin/log").status_code in (400, 405)
    assert admin_client.delete("/admin/log").status_code == 405


def test_create_admin_command(app: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "--email", "boss@example.com"],
        input="plum orbit kettle ninety river\nplum orbit kettle ninety river\n",
    )
    assert result.exit_code == 0, result.output
    from minimin.extensions import db

    with app.app_context():
        row = db.session.execute(
            sa.text("SELECT is_admin FROM \"user\" WHERE email_key = 'boss@example.com'")
        ).one()
        assert row[0] in (True, 1)
