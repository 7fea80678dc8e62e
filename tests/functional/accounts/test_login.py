"""Signing in and out: limits, lockout and its expiry, history, safe redirects."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from minimin.accounts.models import User, UserSession
from minimin.core.db import utcnow

CHROME_ON_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def _fail(client, email, **kwargs):
    return client.submit("/login", {"email": email, "password": "wrong password!!"}, **kwargs)


def test_login_records_time_session_and_history(client, store, make_user):
    user = make_user()
    response = client.submit(
        "/login",
        {"email": user.email, "password": user.plain_password},
        headers={"User-Agent": CHROME_ON_ANDROID},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    stored = store.get(User, user.id)
    assert stored.last_login_at is not None
    (record,) = store.all(UserSession)
    assert record.user_id == user.id and record.revoked_at is None
    page = client.get("/account").get_data(as_text=True)
    assert "Chrome 126, Android" in page and "Phone" in page and "Not recorded" in page


def test_login_starts_a_new_session_id(client, make_user):
    user = make_user()
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    client.submit("/login", {"email": user.email, "password": user.plain_password})
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_email_is_matched_by_its_key(client, make_user):
    user = make_user(email="mixed.Case@Example.com")
    response = client.submit(
        "/login", {"email": "  MIXED.case@example.COM ", "password": user.plain_password}
    )
    assert response.status_code == 302


def test_wrong_password_is_refused_and_logged(client, store, make_user):
    user = make_user()
    response = _fail(client, user.email)
    assert response.status_code == 400
    assert "do not match an active account" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    actions = store.actions(user.id)
    assert actions == ["login.failed"]


def test_logout_ends_the_session_record(client, store, make_user, login):
    user = make_user()
    login(client, user)
    response = client.submit("/logout", form_page="/account")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    (record,) = store.all(UserSession)
    assert record.revoked_at is not None


def test_logout_needs_post(client, make_user, login):
    login(client, make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_ten_failures_lock_the_account_with_email(client, store, make_user, mailbox, login):
    user = make_user()
    for _ in range(10):
        assert _fail(client, user.email).status_code == 400
    response = client.submit("/login", {"email": user.email, "password": user.plain_password})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 300
    (message,) = mailbox.to(user.email)
    assert "locked" in message["Subject"]
    assert store.get(User, user.id).locked_until is not None
    actions = store.actions(user.id)
    assert actions.count("login.failed") == 10 and actions.count("login.locked") == 1


def test_lockout_expires_after_five_minutes(client, make_user):
    user = make_user()
    with time_machine.travel(utcnow(), tick=False) as clock:
        for _ in range(10):
            _fail(client, user.email)
        ok = {"email": user.email, "password": user.plain_password}
        assert client.submit("/login", ok).status_code == 429
        clock.shift(timedelta(minutes=4, seconds=50))
        assert client.submit("/login", ok).status_code == 429
        clock.shift(timedelta(seconds=15))
        assert client.submit("/login", ok).status_code == 302


def test_ip_limit_covers_many_accounts(client, make_user):
    for i in range(10):
        assert _fail(client, f"nobody{i}@example.com").status_code == 400
    user = make_user()
    response = client.submit("/login", {"email": user.email, "password": user.plain_password})
    assert response.status_code == 429 and "Retry-After" in response.headers


def test_forged_forwarded_for_does_not_reset_the_limit(client):
    for i in range(10):
        _fail(client, f"x{i}@example.com", headers={"X-Forwarded-For": f"10.0.0.{i}"})
    response = _fail(client, "y@example.com", headers={"X-Forwarded-For": "10.9.9.9"})
    assert response.status_code == 429


def test_a_different_ip_is_not_blocked_by_another(client, make_user):
    user = make_user()
    for i in range(10):
        _fail(client, f"x{i}@example.com", environ_base={"REMOTE_ADDR": "192.0.2.1"})
    response = client.submit(
        "/login",
        {"email": user.email, "password": user.plain_password},
        environ_base={"REMOTE_ADDR": "192.0.2.2"},
    )
    assert response.status_code == 302


def test_account_limit_holds_across_ips(client, make_user):
    user = make_user()
    for i in range(10):
        _fail(client, user.email, environ_base={"REMOTE_ADDR": f"192.0.2.{i + 1}"})
    response = client.submit(
        "/login",
        {"email": user.email, "password": user.plain_password},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 429


def test_successful_login_ends_pending_reset_links(client, make_user, mailbox, link_path):
    user = make_user()
    client.submit("/reset-password", {"email": user.email})
    path = link_path(mailbox.last_link(user.email))
    assert client.get(path).status_code == 200
    client.submit("/login", {"email": user.email, "password": user.plain_password})
    assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "/\\evil.com",
        "https:evil.com",
        "javascript:alert(1)",
        " /account",
        "%2F%2Fevil.com",
        "https://evil.com/",
        "/%2F/evil.com",
    ],
)
def test_next_never_leaves_the_site(client, make_user, target):
    user = make_user()
    response = client.submit(
        "/login", {"email": user.email, "password": user.plain_password, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_to_own_path_is_followed(client, make_user):
    user = make_user()
    page = client.get("/login?next=/account").get_data(as_text=True)
    assert 'value="/account"' in page
    response = client.submit(
        "/login", {"email": user.email, "password": user.plain_password, "next": "/account"}
    )
    assert response.headers["Location"] == "/account"
