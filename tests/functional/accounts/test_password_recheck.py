"""The password asked again before a change of email or password, of the passkey setting and
before deleting the account: one limit for all of them, throttled like sign-in and in the
security log; an email change signs out the other browsers; a password change revokes
the accountant's download links."""

from __future__ import annotations

from typing import Any

import pytest

from minimin.accounts.models import User

NEW = "saffron ladder quietly 1848 gulls"
FORMS = {
    "/account/password": lambda password: {"current_password": password, "new_password": NEW},
    "/account/email": lambda password: {"new_email": "ann.new@example.com", "password": password},
}


@pytest.fixture
def user(make_user: Any) -> Any:
    return make_user(email="ann@example.com", full_name="Ann Example")


@pytest.fixture
def signed_in(client: Any, user: Any, login: Any) -> Any:
    login(client, user)
    return client


@pytest.mark.parametrize("path", sorted(FORMS))
def test_wrong_passwords_are_throttled_and_logged(
    signed_in: Any, store: Any, user: Any, path: str
) -> None:
    token = signed_in.csrf_token("/account")
    statuses = []
    for n in range(15):
        data = {**FORMS[path](f"guess number {n:02d} wrong"), "csrf_token": token}
        statuses.append(signed_in.post(path, data=data).status_code)
    assert statuses == [400] * 10 + [429] * 5
    # While throttled, even the right password is not tried.
    response = signed_in.post(path, data={**FORMS[path](user.plain_password), "csrf_token": token})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    stored = store.get(User, user.id)
    assert stored.password_hash == user.password_hash and stored.email == "ann@example.com"
    actions = store.actions(user.id)
    assert actions.count("password.recheck_failed") == 10
    assert actions.count("password.recheck_locked") == 1
    log = signed_in.get("/account").get_data(as_text=True)
    assert "Wrong password given to change your email or password" in log


def test_the_limit_is_per_account_not_per_form(signed_in: Any, user: Any) -> None:
    token = signed_in.csrf_token("/account")
    for n in range(10):
        path = sorted(FORMS)[n % 2]
        data = {**FORMS[path](f"guess number {n:02d} wrong"), "csrf_token": token}
        assert signed_in.post(path, data=data).status_code == 400
    data = {**FORMS["/account/email"](user.plain_password), "csrf_token": token}
    assert signed_in.post("/account/email", data=data).status_code == 429


def test_an_email_change_ends_the_other_sessions(
    app: Any, signed_in: Any, user: Any, login: Any, mailbox: Any, link_path: Any, store: Any
) -> None:
    other = app.test_client()
    login(other, user)
    response = signed_in.submit(
        "/account/email",
        {"new_email": "ann.new@example.com", "password": user.plain_password},
        form_page="/account",
    )
    assert response.status_code == 302
    assert other.get("/account").status_code == 200  # asking changes nothing yet
    path = link_path(mailbox.last_link("ann.new@example.com"))
    assert signed_in.submit(path).status_code == 302
    assert signed_in.get("/account").status_code == 200  # the confirming browser stays
    assert other.get("/account").status_code == 302  # the other one was signed out
    assert store.get(User, user.id).email == "ann.new@example.com"


def test_the_second_factor_setting_shares_the_limit(signed_in: Any, store: Any, user: Any) -> None:
    token = signed_in.csrf_token("/account/passkeys")
    statuses = []
    for n in range(12):
        data = {"password": f"guess number {n:02d} wrong", "csrf_token": token}
        statuses.append(signed_in.post("/account/passkeys/second-factor", data=data).status_code)
    assert statuses == [400] * 10 + [429] * 2
    assert store.actions(user.id).count("passkey.reauth_failed") == 10
    data = {**FORMS["/account/password"](user.plain_password), "csrf_token": token}
    assert signed_in.post("/account/password", data=data).status_code == 429


def test_adding_a_passkey_shares_the_limit(signed_in: Any, store: Any, user: Any) -> None:
    """Long after signing in, adding a passkey asks for the password: its guesses count
    towards the one limit, so this form cannot be used to guess the password either."""
    from datetime import timedelta

    import sqlalchemy as sa

    from minimin.accounts.models import UserSession
    from minimin.core.db import utcnow

    older = sa.update(UserSession).where(UserSession.user_id == user.id)
    store._run(
        lambda s: (s.execute(older.values(created_at=utcnow() - timedelta(minutes=30))), s.commit())
    )
    token = signed_in.csrf_token("/account/passkeys")
    path = "/account/passkeys/register/options"
    statuses = []
    for n in range(12):
        data = {"name": "Laptop", "password": f"guess number {n:02d} wrong", "csrf_token": token}
        statuses.append(signed_in.post(path, data=data).status_code)
    assert statuses == [400] * 10 + [429] * 2
    assert store.actions(user.id).count("passkey.reauth_failed") == 10
    right = {"name": "Laptop", "password": user.plain_password, "csrf_token": token}
    refused = signed_in.post(path, data=right)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    data = {**FORMS["/account/password"](user.plain_password), "csrf_token": token}
    assert signed_in.post("/account/password", data=data).status_code == 429


DELETE = "/privacy/delete"


def _delete_form(password: str, token: str) -> dict[str, str]:
    return {"records": "exported", "confirm": "y", "password": password, "csrf_token": token}


def test_account_deletion_wrong_passwords_are_throttled_and_logged(
    signed_in: Any, store: Any, user: Any
) -> None:
    token = signed_in.csrf_token(DELETE)
    statuses = [
        signed_in.post(DELETE, data=_delete_form(f"guess number {n:02d} wrong", token)).status_code
        for n in range(15)
    ]
    assert statuses == [400] * 10 + [429] * 5
    actions = store.actions(user.id)
    assert actions.count("privacy.delete_reauth_failed") == 10
    assert actions.count("password.recheck_locked") == 1
    # The guesses count towards the one limit on asking the password again: a change of
    # password is refused now, even with the right password.
    data = {**FORMS["/account/password"](user.plain_password), "csrf_token": token}
    response = signed_in.post("/account/password", data=data)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert store.get(User, user.id).password_hash == user.password_hash
    log = signed_in.get("/account").get_data(as_text=True)
    assert "Wrong password given to delete your account" in log
    assert "paused for a while after too many wrong passwords" in log


def test_guesses_at_another_form_stop_account_deletion(
    signed_in: Any, store: Any, user: Any
) -> None:
    token = signed_in.csrf_token("/account")
    for n in range(10):
        data = {**FORMS["/account/email"](f"guess number {n:02d} wrong"), "csrf_token": token}
        assert signed_in.post("/account/email", data=data).status_code == 400
    # Past the limit, not even the right password deletes the account.
    response = signed_in.post(DELETE, data=_delete_form(user.plain_password, token))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert store.get(User, user.id) is not None
    assert signed_in.get("/privacy").status_code == 200  # still signed in


def test_a_wrong_second_factor_password_is_in_the_security_log(signed_in: Any, user: Any) -> None:
    token = signed_in.csrf_token("/account/passkeys")
    data = {"password": "not the password", "csrf_token": token}
    assert signed_in.post("/account/passkeys/second-factor", data=data).status_code == 400
    log = signed_in.get("/account").get_data(as_text=True)
    assert "Wrong password given to change the passkey sign-in setting" in log
