"""Signup, email verification and resending the link."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from minimin.accounts.models import AccountToken, User
from minimin.accounts.policies import NEWS_CONSENT_VERSION, PRIVACY_VERSION, TERMS_VERSION
from minimin.core.db import utcnow

from .conftest import STRONG


def _users(store):
    return store.all(User)


def test_signup_creates_unverified_account_and_emails_link(client, store, signup, mailbox):
    response = signup()
    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/check-your-email"
    assert "Check your email" in client.get("/signup/check-your-email").get_data(as_text=True)
    (user,) = _users(store)
    assert user.full_name == "Ada Lovelace" and user.email == "ada@example.com"
    assert not user.is_verified
    assert user.password_hash.startswith("scrypt:") and STRONG not in user.password_hash
    assert user.terms_version == TERMS_VERSION and user.terms_accepted_at is not None
    assert user.privacy_version == PRIVACY_VERSION and user.privacy_accepted_at is not None
    assert user.adult_confirmed_at is not None
    assert user.news_consent is False and user.news_consent_version == NEWS_CONSENT_VERSION
    (message,) = mailbox.to("ada@example.com")
    assert "Confirm your email" in message["Subject"]
    token = store.all(AccountToken)[0]
    assert token.purpose == "verify_email"
    link = mailbox.last_link("ada@example.com")
    assert link.rsplit("/", 1)[1] not in token.token_hash  # stored hashed
    assert timedelta(hours=47) < token.expires_at - utcnow() <= timedelta(hours=48)


def test_product_news_is_recorded_only_when_chosen(store, signup):
    signup(news="y")
    (user,) = _users(store)
    assert user.news_consent is True and user.news_consent_at is not None


def test_signup_needs_adult_confirmation_and_terms(client, store, signup, mailbox):
    response = signup(adult=None)
    assert response.status_code == 400
    assert "only for people aged 18 or over" in response.get_data(as_text=True)
    response = signup(accept_terms=None)
    assert response.status_code == 400
    assert "accept the terms" in response.get_data(as_text=True)
    assert _users(store) == [] and mailbox.messages() == []


def test_weak_short_and_common_passwords_refused(store, signup):
    for password, message in (
        ("short", "at least 12 characters"),
        ("passwordpassword", "too easy to guess"),
        ("1qaz2wsx3edc", "most common passwords"),
        ("Ada Lovelace 1", "too easy to guess"),
    ):
        response = signup(password=password)
        assert response.status_code == 400, password
        assert message in response.get_data(as_text=True), password
    assert _users(store) == []


def test_email_uniqueness_uses_nfkc_casefold(store, signup, mailbox, make_user):
    make_user(email="ada@example.com", full_name="Original")
    response = signup(email="ＡＤＡ@EXAMPLE.com")
    assert response.status_code == 302
    users = _users(store)
    assert [u.full_name for u in users] == ["Original"]
    (message,) = mailbox.to("ada@example.com")  # only the stored address gets mail
    assert "tried to create" in message["Subject"]


def test_verification_link_verifies_once(client, store, signup, mailbox, link_path):
    signup()
    path = link_path(mailbox.last_link("ada@example.com"))
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my email address" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert not _users(store)[0].is_verified  # GET changes nothing
    response = client.submit(path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _users(store)[0].is_verified
    again = client.get(path)
    assert again.status_code == 400 and "does not work" in again.get_data(as_text=True)
    actions = store.actions()
    assert "email.verified" in actions


def test_expired_verification_link_refused(client, store, signup, mailbox, link_path):
    signup()
    path = link_path(mailbox.last_link("ada@example.com"))
    with time_machine.travel(utcnow() + timedelta(hours=48, minutes=1)):
        assert client.get(path).status_code == 400
    assert not _users(store)[0].is_verified


def test_foreign_and_unknown_tokens_refused(client, store, signup, mailbox, link_path, make_user):
    user = make_user()
    client.submit("/reset-password", {"email": user.email})
    reset_path = link_path(mailbox.last_link(user.email))
    reset_token = reset_path.rsplit("/", 1)[1]
    # A reset token is not a verification token, and the reverse.
    assert client.get(f"/verify-email/{reset_token}").status_code == 400
    signup()
    verify_token = link_path(mailbox.last_link("ada@example.com")).rsplit("/", 1)[1]
    assert client.get(f"/reset-password/{verify_token}").status_code == 400
    assert client.get("/verify-email/not-a-token").status_code == 400
    assert client.get("/verify-email/" + "x" * 5000).status_code == 400


def test_unverified_user_cannot_log_in_and_gets_a_new_link(client, store, make_user, mailbox):
    user = make_user(verified=False)
    response = client.submit("/login", {"email": user.email, "password": user.plain_password})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "do not match an active account" in body and "/verify-email" in body
    assert "Confirm your email" in mailbox.to(user.email)[-1]["Subject"]
    assert client.get("/account").status_code == 302


def test_resend_link_replaces_the_old_one(client, store, signup, mailbox, link_path):
    signup()
    first = link_path(mailbox.last_link("ada@example.com"))
    response = client.submit("/verify-email", {"email": "ada@example.com"})
    assert response.status_code == 200 and "new link" in response.get_data(as_text=True)
    second = link_path(mailbox.last_link("ada@example.com"))
    assert first != second
    assert client.get(first).status_code == 400
    assert client.submit(second).status_code == 302
    assert _users(store)[0].is_verified


def test_resend_to_verified_or_unknown_sends_nothing(client, make_user, mailbox):
    user = make_user()
    client.submit("/verify-email", {"email": user.email})
    client.submit("/verify-email", {"email": "nobody@example.com"})
    assert mailbox.messages() == []


def test_resend_is_rate_limited_per_address_and_ip(client, signup, mailbox):
    signup()
    for _ in range(5):
        assert client.submit("/verify-email", {"email": "ada@example.com"}).status_code == 200
    # 1 signup email + 3 resends: the per-address limit drops the rest silently.
    assert len(mailbox.to("ada@example.com")) == 4
    for _ in range(5):  # the 11th request from this IP in 15 minutes
        response = client.submit("/verify-email", {"email": "other@example.com"})
    assert response.status_code == 200
    response = client.submit("/verify-email", {"email": "other@example.com"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_signed_up_person_can_verify_then_log_in(client, store, signup, mailbox, link_path):
    signup()
    client.submit(link_path(mailbox.last_link("ada@example.com")))
    response = client.submit("/login", {"email": "ada@example.com", "password": STRONG})
    assert response.status_code == 302
    assert "Ada Lovelace" in client.get("/account").get_data(as_text=True)
