"""Forgotten passwords: a one-hour, single-use emailed link that ends every session."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from minimin.accounts.models import User, UserSession
from minimin.core.db import utcnow

NEW = "saffron ladder quietly 1848 gulls"


def _reset_link(client, mailbox, link_path, user):
    response = client.submit("/reset-password", {"email": user.email})
    assert response.status_code == 200
    return link_path(mailbox.last_link(user.email))


def test_reset_changes_password_and_ends_every_session(
    app, client, store, make_user, mailbox, link_path, login
):
    user = make_user()
    other_device = app.test_client()
    login(other_device, user)
    path = _reset_link(client, mailbox, link_path, user)
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    response = client.submit(path, {"password": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert other_device.get("/account").status_code == 302  # signed out there
    assert all(s.revoked_at is not None for s in store.all(UserSession))
    assert client.get(path).status_code == 400  # used: dead
    old = client.submit("/login", {"email": user.email, "password": user.plain_password})
    assert old.status_code == 400
    assert client.submit("/login", {"email": user.email, "password": NEW}).status_code == 302
    assert "password was changed" in mailbox.to(user.email)[-1]["Subject"]
    assert "password.reset" in store.actions(user.id)


def test_reset_link_expires_after_one_hour(client, store, make_user, mailbox, link_path):
    user = make_user()
    path = _reset_link(client, mailbox, link_path, user)
    with time_machine.travel(utcnow() + timedelta(minutes=61)):
        assert client.get(path).status_code == 400
        assert client.submit(path, {"password": NEW}, form_page="/reset-password").status_code in (
            400,
        )
    assert store.get(User, user.id).password_hash == user.password_hash


def test_reset_link_dies_when_password_changes(client, make_user, mailbox, link_path, login):
    user = make_user()
    path = _reset_link(client, mailbox, link_path, user)
    signed_in = client.application.test_client()
    login(signed_in, user)
    # Signing in already ended the link; changing the password would too.
    assert client.get(path).status_code == 400
    path = _reset_link(client, mailbox, link_path, user)
    signed_in.submit(
        "/account/password",
        {"current_password": user.plain_password, "new_password": NEW},
        form_page="/account",
    )
    assert client.get(path).status_code == 400


def test_reset_refuses_weak_password_and_keeps_link(client, store, make_user, mailbox, link_path):
    user = make_user()
    path = _reset_link(client, mailbox, link_path, user)
    response = client.submit(path, {"password": "password123"})
    assert response.status_code == 400
    assert client.get(path).status_code == 200
    assert store.get(User, user.id).password_hash == user.password_hash


def test_reset_link_ignores_a_forged_host_header(app, client, make_user, mailbox):
    user = make_user()
    evil = {"Host": "evil.example"}
    page = client.get("/reset-password", headers=evil).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/reset-password", data={"email": user.email, "csrf_token": token}, headers=evil
    )
    assert response.status_code == 200
    link = mailbox.last_link(user.email)
    assert link.startswith(app.config["BASE_URL"] + "/reset-password/")
    assert "evil" not in link


def test_reset_for_unknown_address_sends_nothing(client, mailbox):
    response = client.submit("/reset-password", {"email": "nobody@example.com"})
    assert response.status_code == 200
    assert mailbox.messages() == []


def test_reset_verifies_an_unverified_address(client, store, make_user, mailbox, link_path):
    user = make_user(verified=False)
    path = _reset_link(client, mailbox, link_path, user)
    client.submit(path, {"password": NEW})
    assert store.get(User, user.id).is_verified
