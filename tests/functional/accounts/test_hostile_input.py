"""Hostile input on every account form field: a clear error or a faithful, escaped round trip;
never a 500, nothing stored on refusal."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from minimin.accounts.models import User

from .conftest import STRONG

MEGABYTE = "x" * 1_000_000
#: A subset of the Big List of Naughty Strings.
NAUGHTY = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "{{7*7}}",
    "${7*7}",
    "%s%s%s%n",
    "‮reversed",
    "Ω≈ç√∫˜µ≤≥÷",
    "田中さんにあげて下さい",
    "👩🏽‍💻🇬🇧",
    "﷽",
    "Z̮̞̠͙͔ͅḀ̗̞͈̻̗Ḷ͙͎̯̹̞͓G̻O̭̗̮",
    "null",
    "undefined",
    "\u200b",
]
#: (value, what the error says)
REFUSED = [
    ("a\x00b", "null character"),
    ("line\r\nbreak", "control characters"),
    ("tab\there", "control characters"),
]


def _post_raw(client, path, fields, form_page=None):
    """POST form fields percent-encoded by hand, so that a lone surrogate can be sent the
    way a broken client would send it."""
    token = client.csrf_token(form_page or path)
    body = "&".join(
        f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}"
        for k, v in {**fields, "csrf_token": token}.items()
    )
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


def _signup_fields(**overrides):
    return {
        "full_name": "Sam Example",
        "email": "sam@example.com",
        "password": STRONG,
        "adult": "y",
        "accept_terms": "y",
        **overrides,
    }


@pytest.mark.parametrize("field", ["full_name", "email", "password"])
@pytest.mark.parametrize(("value", "message"), REFUSED)
def test_signup_refuses_unstorable_text(client, store, mailbox, field, value, message):
    value = value if field != "email" else value + "@example.com"
    response = client.submit("/signup", _signup_fields(**{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert store.all(User) == [] and mailbox.messages() == []


@pytest.mark.parametrize("field", ["full_name", "email", "password"])
def test_signup_refuses_a_megabyte(client, store, field):
    response = client.submit("/signup", _signup_fields(**{field: MEGABYTE}))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "at most" in body or "characters" in body
    assert MEGABYTE[:5000] not in body  # not reflected back
    assert store.all(User) == []


@pytest.mark.parametrize("field", ["full_name", "email", "password"])
def test_signup_lone_surrogate_is_never_a_500(client, store, field):
    value = "\ud800" if field != "email" else "\ud800@example.com"
    response = _post_raw(client, "/signup", _signup_fields(**{field: value}))
    assert response.status_code in (302, 400)
    for user in store.all(User):
        assert "\ud800" not in user.full_name + user.email


@pytest.mark.parametrize(
    "email",
    [
        "a" * 250 + "@example.com",
        "not-an-email",
        "@example.com",
        "sam@",
        "sam@@example.com",
        "sam@exa mple.com",
        "sam@example.com\nBcc: victim@example.com",
        "<sam@example.com>",
    ],
)
def test_signup_refuses_malformed_email(client, store, mailbox, email):
    response = client.submit("/signup", _signup_fields(email=email))
    assert response.status_code == 400
    assert store.all(User) == [] and mailbox.messages() == []


@pytest.mark.parametrize("name", NAUGHTY)
def test_names_round_trip_escaped(client, store, signup, name, make_user, login):
    user = make_user()
    login(client, user)
    response = client.submit("/account/name", {"full_name": name}, form_page="/account")
    if response.status_code == 400:  # only refusals with a reason are allowed
        assert "error-summary" in response.get_data(as_text=True)
        return
    assert response.status_code == 302
    assert store.get(User, user.id).full_name == name.strip()
    page = client.get("/account").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page


ACCOUNT_FORMS = [
    ("/account/name", {"full_name": "Ann"}),
    ("/account/email", {"new_email": "new@example.com", "password": "x"}),
    ("/account/password", {"current_password": "x", "new_password": STRONG}),
]


@pytest.mark.parametrize(("path", "fields"), ACCOUNT_FORMS)
@pytest.mark.parametrize("value", ["a\x00b", "a\r\nb", MEGABYTE, "\ud800"])
def test_account_forms_refuse_hostile_values(client, store, make_user, login, path, fields, value):
    user = make_user(full_name="Before")
    login(client, user)
    for name in fields:
        response = _post_raw(client, path, {**fields, name: value}, form_page="/account")
        assert response.status_code in (302, 400), (name, response.status_code)
        if value != "\ud800":
            assert response.status_code == 400
    stored = store.get(User, user.id)
    # A lone surrogate cannot arrive as such: the form parser keeps the undecodable bytes as
    # their literal percent-escapes, which round-trip faithfully.
    assert "\ud800" not in stored.full_name
    if value != "\ud800":
        assert stored.full_name in ("Before", "Ann")
    assert stored.password_hash == user.password_hash


@pytest.mark.parametrize("path", ["/login", "/reset-password", "/verify-email"])
@pytest.mark.parametrize("value", ["a\x00b@example.com", "a\r\n@example.com", MEGABYTE, "\ud800"])
def test_email_forms_refuse_hostile_values(client, mailbox, path, value):
    fields = {"email": value}
    if path == "/login":
        fields["password"] = "whatever password"
    response = _post_raw(client, path, fields)
    assert response.status_code in (200, 400)
    assert response.status_code == 400 or value == "\ud800"
    assert mailbox.messages() == []


@pytest.mark.parametrize("value", ["a\x00b", MEGABYTE, "\ud800"])
def test_login_password_hostile_values(client, make_user, value):
    user = make_user()
    response = _post_raw(client, "/login", {"email": user.email, "password": value})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_long_passwords_up_to_the_limit_work(client, store, signup, mailbox, link_path):
    password = "river kettle orbit plum " * 42  # 1008 characters: beyond zxcvbn's own limit
    response = signup(password=password)
    assert response.status_code == 302
    client.submit(link_path(mailbox.last_link("ada@example.com")))
    ok = client.submit("/login", {"email": "ada@example.com", "password": password})
    assert ok.status_code == 302


def test_reset_password_form_hostile_values(client, make_user, mailbox, link_path, store):
    user = make_user()
    client.submit("/reset-password", {"email": user.email})
    path = link_path(mailbox.last_link(user.email))
    for value in ("a\x00bcdefghijklmnop", MEGABYTE, "\r\n" * 10):
        assert _post_raw(client, path, {"password": value}).status_code == 400
    assert store.get(User, user.id).password_hash == user.password_hash
