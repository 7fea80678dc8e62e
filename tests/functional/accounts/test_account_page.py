"""The account page: details, changes that need the password, sessions, preferences, log."""

from __future__ import annotations

import re

import pytest

from minimin.accounts.models import User, UserSession

NEW = "saffron ladder quietly 1848 gulls"


@pytest.fixture
def user(make_user):
    return make_user(email="ann@example.com", full_name="Ann Example")


@pytest.fixture
def signed_in(client, user, login):
    login(client, user)
    return client


def test_account_page_shows_details_sessions_history_and_log(signed_in, user):
    page = signed_in.get("/account")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    for text in (
        "Ann Example",
        "ann@example.com",
        "Verified",
        "Account created",
        "Last sign-in",
        "This device",
        "Recent sign-ins",
        "Security log",
        "Signed in",
        "Emails from Minimin",
    ):
        assert text in body, text


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/account")
    assert response.status_code == 302 and "/login?next=/account" in response.headers["Location"]


def test_change_name(signed_in, store, user):
    response = signed_in.submit(
        "/account/name", {"full_name": "Ann B. Example"}, form_page="/account"
    )
    assert response.status_code == 302
    assert store.get(User, user.id).full_name == "Ann B. Example"
    assert "name.changed" in store.actions(user.id)


def test_change_password_needs_the_old_one(signed_in, store, user):
    response = signed_in.submit(
        "/account/password",
        {"current_password": "wrong wrong wrong", "new_password": NEW},
        form_page="/account",
    )
    assert response.status_code == 400
    assert "not your current password" in response.get_data(as_text=True)
    assert store.get(User, user.id).password_hash == user.password_hash


def test_change_password_ends_other_sessions_and_emails(
    app, signed_in, store, user, login, mailbox
):
    other = app.test_client()
    login(other, user)
    response = signed_in.submit(
        "/account/password",
        {"current_password": user.plain_password, "new_password": NEW},
        form_page="/account",
    )
    assert response.status_code == 302
    assert signed_in.get("/account").status_code == 200  # this session stays
    assert other.get("/account").status_code == 302  # the other one ended
    assert "password was changed" in mailbox.to(user.email)[-1]["Subject"]
    assert "password.changed" in store.actions(user.id)


def test_change_password_refuses_weak_new_password(signed_in, store, user):
    response = signed_in.submit(
        "/account/password",
        {"current_password": user.plain_password, "new_password": "ann@example.com1"},
        form_page="/account",
    )
    assert response.status_code == 400
    assert store.get(User, user.id).password_hash == user.password_hash


def test_change_email_flow(app, signed_in, store, user, mailbox, link_path):
    response = signed_in.submit(
        "/account/email",
        {"new_email": "ann.new@example.com", "password": user.plain_password},
        form_page="/account",
    )
    assert response.status_code == 302
    assert store.get(User, user.id).email == "ann@example.com"  # not yet
    assert "change of email" in mailbox.to("ann@example.com")[-1]["Subject"].lower()
    assert "Waiting for confirmation" in signed_in.get("/account").get_data(as_text=True)
    path = link_path(mailbox.last_link("ann.new@example.com"))
    stranger = app.test_client()  # the link is the authority, no sign-in needed
    assert stranger.get(path).headers["Referrer-Policy"] == "no-referrer"
    assert stranger.submit(path).status_code == 302
    stored = store.get(User, user.id)
    assert stored.email == "ann.new@example.com" and stored.email_key == "ann.new@example.com"
    assert "was changed" in mailbox.to("ann@example.com")[-1]["Subject"]
    assert stranger.get(path).status_code == 400  # single use
    assert "email.changed" in store.actions(user.id)


def test_change_email_needs_password(signed_in, store, user, mailbox):
    response = signed_in.submit(
        "/account/email",
        {"new_email": "ann.new@example.com", "password": "not my password"},
        form_page="/account",
    )
    assert response.status_code == 400
    assert mailbox.to("ann.new@example.com") == []


def test_change_email_to_a_taken_address_reveals_nothing(signed_in, user, make_user, mailbox):
    other = make_user(email="taken@example.com")
    response = signed_in.submit(
        "/account/email",
        {"new_email": "TAKEN@example.com", "password": user.plain_password},
        form_page="/account",
    )
    assert response.status_code == 302  # the same answer as for a free address
    (message,) = mailbox.to(other.email)
    assert "another Minimin account" in message["Subject"]


def test_email_taken_between_request_and_confirmation(
    signed_in, store, user, make_user, mailbox, link_path
):
    signed_in.submit(
        "/account/email",
        {"new_email": "late@example.com", "password": user.plain_password},
        form_page="/account",
    )
    path = link_path(mailbox.last_link("late@example.com"))
    make_user(email="Late@example.com")
    assert signed_in.submit(path).status_code == 409
    assert store.get(User, user.id).email == "ann@example.com"


def _session_ids(page):
    return re.findall(r"/account/sessions/([0-9a-f-]{36})/end", page)


def test_end_one_session_takes_effect_on_next_request(app, signed_in, store, user, login):
    other = app.test_client()
    login(other, user)
    assert other.get("/account").status_code == 200
    page = signed_in.get("/account").get_data(as_text=True)
    ids = _session_ids(page)
    assert len(ids) == 2
    this_one = [s for s in store.all(UserSession) if s.revoked_at is None]
    # The other device is the one most recently signed in.
    target = max(this_one, key=lambda s: s.created_at).id
    confirm = signed_in.get(f"/account/sessions/{target}/end")
    assert confirm.status_code == 200 and "End this session?" in confirm.get_data(as_text=True)
    assert other.get("/account").status_code == 200  # GET ended nothing
    response = signed_in.submit(f"/account/sessions/{target}/end")
    assert response.status_code == 302
    assert other.get("/account").status_code == 302
    assert signed_in.get("/account").status_code == 200


def test_end_all_other_sessions(app, signed_in, user, login):
    others = [app.test_client() for _ in range(2)]
    for c in others:
        login(c, user)
    assert "End all other sessions?" in signed_in.get("/account/sessions/end-others").get_data(
        as_text=True
    )
    assert signed_in.submit("/account/sessions/end-others").status_code == 302
    assert all(c.get("/account").status_code == 302 for c in others)
    assert signed_in.get("/account").status_code == 200


def test_another_users_session_is_404(app, signed_in, make_user, login, store):
    stranger = make_user()
    their_client = app.test_client()
    login(their_client, stranger)
    (theirs,) = [s for s in store.all(UserSession) if s.user_id == stranger.id]
    assert signed_in.get(f"/account/sessions/{theirs.id}/end").status_code == 404
    token = signed_in.csrf_token("/account")
    response = signed_in.post(f"/account/sessions/{theirs.id}/end", data={"csrf_token": token})
    assert response.status_code == 404
    assert their_client.get("/account").status_code == 200
    assert signed_in.get("/account/sessions/not-a-uuid/end").status_code == 404


def test_product_news_switch_and_one_click_unsubscribe(
    app, signed_in, store, user, mailbox, link_path
):
    response = signed_in.submit("/account/communication", {"news": "y"}, form_page="/account")
    assert response.status_code == 302
    assert store.get(User, user.id).news_consent is True
    from minimin.accounts import services
    from minimin.core import db as core_db
    from minimin.extensions import db

    with app.test_request_context():
        fresh = db.session.get(User, user.id)
        assert services.queue_news_email(
            fresh, "product_news", {"subject": "New: mileage", "body": "Mileage is here."}
        )
        core_db.commit(db.session)
        db.session.remove()
    message = mailbox.to(user.email)[-1]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert url in mailbox.text(message)
    path = link_path(url)
    anonymous = app.test_client()
    page = anonymous.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert store.get(User, user.id).news_consent is True  # GET changes nothing
    # A mail program's one-click POST carries no form token.
    response = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert store.get(User, user.id).news_consent is False
    assert "news.unsubscribed" in store.actions(user.id)
    assert anonymous.post("/unsubscribe/not-a-token").status_code == 404


def test_no_news_email_without_consent(app, user, mailbox):
    from minimin.accounts import services
    from minimin.extensions import db

    with app.test_request_context():
        fresh = db.session.get(User, user.id)
        assert not services.queue_news_email(fresh, "product_news", {"subject": "x", "body": "y"})
        db.session.remove()
    assert mailbox.messages() == []


def test_theme_and_language_stored_on_account(signed_in, store, user):
    response = signed_in.submit(
        "/preferences",
        {"theme": "dark", "language": "cy", "next": "/account"},
        form_page="/account",
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    stored = store.get(User, user.id)
    assert stored.theme == "dark" and stored.locale == "cy"
