"""Passkeys through HTTP, with a software authenticator (soft-webauthn) answering every ceremony.

Each ceremony and each refusal of docs/security.md ("Authentication"): register, sign in with a
passkey alone, a passkey
after the password, a replayed challenge, a wrong origin, a wrong RP id, a sign-count regression,
another user's credential, a removed passkey, an expired challenge.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.softauthn import Authenticator, b64url

BASE_URL = "http://localhost:5000"
ORIGIN = BASE_URL
RP_ID = "localhost"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BASE_URL": BASE_URL}


# ------------------------------------------------------------------------------------ helpers


def post_json(client: Any, path: str, body: Any, token: str) -> Any:
    return client.post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )


def refusal(response: Any) -> str:
    """The message of a JSON refusal, which is an RFC 9457 problem (minimin/core/errors.py)."""
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == response.status_code
    return problem["detail"]


def register_options(client: Any, name: str = "Laptop", password: str | None = None) -> Any:
    data = {"name": name}
    if password is not None:
        data["password"] = password
    return client.submit("/account/passkeys/register/options", data, form_page="/account/passkeys")


def add_passkey(
    client: Any, device: Authenticator, name: str = "Laptop", **create_kwargs: Any
) -> Any:
    """Run the whole registration ceremony; returns the verify response."""
    response = register_options(client, name)
    assert response.status_code == 200, response.get_data(as_text=True)
    origin = create_kwargs.pop("origin", ORIGIN)
    credential = device.create_json(response.get_json(), origin, **create_kwargs)
    token = client.csrf_token("/account/passkeys")
    return post_json(client, "/account/passkeys/register/verify", credential, token)


def passkey_login(client: Any, device: Authenticator, next_url: str = "", **get_kwargs: Any) -> Any:
    """Run the sign-in-with-a-passkey ceremony; returns the verify response."""
    token = client.csrf_token("/login/passkey")
    options = client.post("/login/passkey/options", data={"csrf_token": token, "next": next_url})
    assert options.status_code == 200, options.get_data(as_text=True)
    origin = get_kwargs.pop("origin", ORIGIN)
    assertion = device.get_json(options.get_json(), origin, **get_kwargs)
    return post_json(client, "/login/passkey/verify", assertion, token)


def signed_in(client: Any) -> bool:
    return client.get("/account/passkeys").status_code == 200


class Store:
    """Short database sessions for arranging and inspecting rows.

    Each use opens its own application context and closes it, so that no context (and no
    ``flask.g``) is shared with the requests the test client makes.
    """

    def __init__(self, app: Any):
        self.app = app

    @contextmanager
    def session(self) -> Iterator[Any]:
        from minimin.extensions import db

        with self.app.app_context():
            try:
                yield db.session
                db.session.commit()
            finally:
                db.session.remove()

    def execute(self, statement: Any) -> None:
        with self.session() as session:
            session.execute(statement)


@pytest.fixture
def db(app: Any) -> Store:
    return Store(app)


def passkeys_of(db: Store, user: Any) -> list[Any]:
    from minimin.accounts.passkeys import Passkey

    with db.session() as session:
        rows = list(
            session.scalars(
                sa.select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.created_at)
            )
        )
        session.expunge_all()
    return rows


def audit_actions(db: Store, user: Any) -> list[str]:
    from minimin.core.audit import AuditEvent

    with db.session() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.user_id == user.id)
                .order_by(AuditEvent.created_at)
            )
        )


def second_factor_on(db: Store, user: Any) -> bool:
    from minimin.accounts import passkeys
    from minimin.accounts.models import User

    with db.session() as session:
        return passkeys.second_factor_required(session.get(User, user.id))


def logout(client: Any) -> None:
    token = client.csrf_token("/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


@pytest.fixture
def user(make_user: Any) -> Any:
    return make_user(email="pat@example.com", full_name="Pat Jones")


@pytest.fixture
def other(make_user: Any) -> Any:
    return make_user(email="sam@example.com", full_name="Sam Other")


@pytest.fixture
def with_passkey(client: Any, login: Any, user: Any) -> Authenticator:
    """*user* signed in on *client* with one passkey, "Laptop", on the returned device."""
    login(client, user)
    device = Authenticator()
    response = add_passkey(client, device)
    assert response.status_code == 200, response.get_data(as_text=True)
    return device


# ----------------------------------------------------------------------- adding and listing


def test_add_passkey_stores_it_lists_it_and_logs_it(
    client: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    stored = passkeys_of(db, user)
    assert len(stored) == 1
    passkey = stored[0]
    assert passkey.name == "Laptop"
    assert passkey.credential_id == b64url(with_passkey.credential_id)
    assert passkey.transports == ["internal"]
    assert passkey.sign_count == 0
    assert passkey.last_used_at is None
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert "Laptop" in page
    assert "passkeys.js" in page
    assert "passkey.added" in audit_actions(db, user)


def test_registration_options_ask_for_a_discoverable_verified_credential(
    client: Any, login: Any, user: Any
) -> None:
    login(client, user)
    options = register_options(client).get_json()
    assert options["rp"] == {"id": RP_ID, "name": "Minimin"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["user"]["name"] == "pat@example.com"
    assert options["user"]["displayName"] == "Pat Jones"
    # The user handle is the opaque account id, never the email address.
    assert "pat" not in options["user"]["id"]
    assert len(options["challenge"]) >= 43  # 32+ random bytes


def test_two_passkeys_and_the_first_is_excluded_from_the_second_ceremony(
    client: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    options = register_options(client, "Phone").get_json()
    assert [d["id"] for d in options["excludeCredentials"]] == [b64url(with_passkey.credential_id)]
    phone = Authenticator()
    credential = phone.create_json(options, ORIGIN)
    token = client.csrf_token("/account/passkeys")
    assert (
        post_json(client, "/account/passkeys/register/verify", credential, token).status_code == 200
    )
    assert sorted(p.name for p in passkeys_of(db, user)) == ["Laptop", "Phone"]


def test_adding_needs_a_signed_in_user(client: Any) -> None:
    assert client.get("/account/passkeys").status_code == 302
    token = client.csrf_token("/login/passkey")
    response = client.post(
        "/account/passkeys/register/options", data={"csrf_token": token, "name": "X"}
    )
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def _age_session(db: Store, user: Any, minutes: int = 30) -> None:
    from minimin.accounts.models import UserSession
    from minimin.core.db import utcnow

    db.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id)
        .values(created_at=utcnow() - timedelta(minutes=minutes))
    )


def test_adding_after_an_old_login_needs_the_password(
    client: Any, login: Any, user: Any, db: Store
) -> None:
    login(client, user)
    _age_session(db, user)
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert 'name="password"' in page

    missing = register_options(client)
    assert missing.status_code == 400
    assert "Enter your password" in refusal(missing)

    wrong = register_options(client, password="not my password at all")
    assert wrong.status_code == 400
    assert "password is not right" in refusal(wrong)
    assert "passkey.reauth_failed" in audit_actions(db, user)

    right = register_options(client, password=user.plain_password)
    assert right.status_code == 200
    credential = Authenticator().create_json(right.get_json(), ORIGIN)
    token = client.csrf_token("/account/passkeys")
    assert (
        post_json(client, "/account/passkeys/register/verify", credential, token).status_code == 200
    )
    assert len(passkeys_of(db, user)) == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a name"),
        ("x" * 61, "60"),
        ("Lap\x00top", "null character"),
        ("Lap\ntop", "control characters"),
    ],
)
def test_bad_passkey_names_are_refused(
    client: Any, login: Any, user: Any, db: Store, name: str, message: str
) -> None:
    login(client, user)
    response = register_options(client, name)
    assert response.status_code == 400
    assert message in refusal(response)


def test_registration_without_user_verification_is_refused(
    client: Any, login: Any, user: Any, db: Store
) -> None:
    login(client, user)
    response = add_passkey(client, Authenticator(user_verified=False))
    assert response.status_code == 400
    assert passkeys_of(db, user) == []
    assert "passkey.add_failed" in audit_actions(db, user)


def test_registration_from_a_wrong_origin_is_refused(
    client: Any, login: Any, user: Any, db: Store
) -> None:
    login(client, user)
    response = add_passkey(client, Authenticator(), origin="http://evil.example:5000")
    assert response.status_code == 400
    assert "could not be checked" in refusal(response)
    assert passkeys_of(db, user) == []


def test_registration_for_a_wrong_rp_id_is_refused(
    client: Any, login: Any, user: Any, db: Store
) -> None:
    login(client, user)
    response = add_passkey(client, Authenticator(), rp_id="evil.example")
    assert response.status_code == 400
    assert passkeys_of(db, user) == []


def test_registration_challenge_is_single_use(
    client: Any, login: Any, user: Any, db: Store
) -> None:
    login(client, user)
    options = register_options(client).get_json()
    credential = Authenticator().create_json(options, ORIGIN)
    token = client.csrf_token("/account/passkeys")
    assert (
        post_json(client, "/account/passkeys/register/verify", credential, token).status_code == 200
    )
    replay = post_json(client, "/account/passkeys/register/verify", credential, token)
    assert replay.status_code == 400
    assert "expired" in refusal(replay)
    assert len(passkeys_of(db, user)) == 1


def test_registration_challenge_is_bound_to_the_session(
    app: Any, client: Any, login: Any, user: Any, db: Store
) -> None:
    login(client, user)
    options = register_options(client).get_json()
    credential = Authenticator().create_json(options, ORIGIN)
    # The same user in another browser cannot finish this browser's ceremony.
    other_browser = app.test_client()
    login(other_browser, user)
    token = other_browser.csrf_token("/account/passkeys")
    response = post_json(other_browser, "/account/passkeys/register/verify", credential, token)
    assert response.status_code == 400
    assert passkeys_of(db, user) == []


def test_a_credential_already_registered_to_someone_else_is_refused(
    app: Any, client: Any, with_passkey: Authenticator, other: Any, login: Any, db: Store
) -> None:
    second = app.test_client()
    login(second, other)
    response = add_passkey(second, Authenticator(), credential_id=with_passkey.credential_id)
    assert response.status_code == 400
    assert "already registered" in refusal(response)
    assert passkeys_of(db, other) == []


def test_registration_verify_without_csrf_token_is_refused(
    client: Any, login: Any, user: Any, db: Store
) -> None:
    login(client, user)
    options = register_options(client).get_json()
    credential = Authenticator().create_json(options, ORIGIN)
    response = client.post(
        "/account/passkeys/register/verify",
        data=json.dumps(credential),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert passkeys_of(db, user) == []


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[]", b'{"id": 5}', b'{"id": "abc", "response": {}}', b"\xff\xfe"]
)
def test_malformed_registration_responses_get_a_clear_error(
    client: Any, login: Any, user: Any, db: Store, body: bytes
) -> None:
    login(client, user)
    register_options(client)
    token = client.csrf_token("/account/passkeys")
    response = client.post(
        "/account/passkeys/register/verify",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert refusal(response)
    assert passkeys_of(db, user) == []


def test_oversized_credential_is_refused(client: Any, login: Any, user: Any) -> None:
    login(client, user)
    register_options(client)
    token = client.csrf_token("/account/passkeys")
    response = client.post(
        "/account/passkeys/register/verify",
        data=b"{" + b" " * (1024 * 1024) + b"}",
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 413


def test_expired_registration_challenge_is_refused(
    client: Any, login: Any, user: Any, db: Store
) -> None:
    from minimin.accounts.passkeys import PasskeyChallenge
    from minimin.core.db import utcnow

    login(client, user)
    options = register_options(client).get_json()
    db.execute(sa.update(PasskeyChallenge).values(expires_at=utcnow() - timedelta(seconds=1)))
    credential = Authenticator().create_json(options, ORIGIN)
    token = client.csrf_token("/account/passkeys")
    response = post_json(client, "/account/passkeys/register/verify", credential, token)
    assert response.status_code == 400
    assert passkeys_of(db, user) == []


# ------------------------------------------------------------------- signing in with a passkey


def test_sign_in_with_a_passkey_alone(
    app: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    browser = app.test_client()
    assert not signed_in(browser)
    response = passkey_login(browser, with_passkey, next_url="/account/passkeys")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"redirect": "/account/passkeys"}
    assert signed_in(browser)
    passkey = passkeys_of(db, user)[0]
    assert passkey.sign_count == 1
    assert passkey.last_used_at is not None
    assert "login.passkey" in audit_actions(db, user)


def test_passkey_login_options_ask_for_a_discoverable_credential_and_verification(
    client: Any,
) -> None:
    token = client.csrf_token("/login/passkey")
    options = client.post("/login/passkey/options", data={"csrf_token": token}).get_json()
    assert options["rpId"] == RP_ID
    assert options["userVerification"] == "required"
    # Discoverable: the browser offers any passkey for this site; no account named in advance.
    assert options.get("allowCredentials", []) == []


def test_passkey_login_page_works_without_signing_in(client: Any) -> None:
    page = client.get("/login/passkey?next=/account/passkeys")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sign in with a passkey" in html
    assert 'value="/account/passkeys"' in html
    assert "<script>" not in html


def test_passkey_login_next_must_be_on_this_site(app: Any, with_passkey: Authenticator) -> None:
    browser = app.test_client()
    response = passkey_login(browser, with_passkey, next_url="//evil.com/")
    assert response.status_code == 200
    assert response.get_json() == {"redirect": "/"}


def test_passkey_login_without_user_verification_is_refused(
    app: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    with_passkey.user_verified = False
    browser = app.test_client()
    response = passkey_login(browser, with_passkey)
    assert response.status_code == 400
    assert not signed_in(browser)
    assert "login.passkey_failed" in audit_actions(db, user)


def test_replayed_assertion_is_refused(app: Any, with_passkey: Authenticator) -> None:
    browser = app.test_client()
    token = browser.csrf_token("/login/passkey")
    options = browser.post("/login/passkey/options", data={"csrf_token": token}).get_json()
    assertion = with_passkey.get_json(options, ORIGIN)
    assert post_json(browser, "/login/passkey/verify", assertion, token).status_code == 200

    # The same answer again, in a fresh browser that has asked for its own challenge.
    attacker = app.test_client()
    token = attacker.csrf_token("/login/passkey")
    assert attacker.post("/login/passkey/options", data={"csrf_token": token}).status_code == 200
    replay = post_json(attacker, "/login/passkey/verify", assertion, token)
    assert replay.status_code == 400
    assert not signed_in(attacker)
    # And without asking for a challenge at all: there is none to answer.
    again = post_json(attacker, "/login/passkey/verify", assertion, token)
    assert again.status_code == 400
    assert "expired" in refusal(again)


def test_a_login_challenge_answers_once_even_when_the_answer_fails(
    app: Any, with_passkey: Authenticator
) -> None:
    browser = app.test_client()
    token = browser.csrf_token("/login/passkey")
    options = browser.post("/login/passkey/options", data={"csrf_token": token}).get_json()
    bad = with_passkey.get_json(options, "http://evil.example")
    assert post_json(browser, "/login/passkey/verify", bad, token).status_code == 400
    good = with_passkey.get_json(options, ORIGIN)
    assert post_json(browser, "/login/passkey/verify", good, token).status_code == 400
    assert not signed_in(browser)


def test_passkey_login_from_a_wrong_origin_is_refused(
    app: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    browser = app.test_client()
    for origin in ("http://evil.example:5000", "https://localhost:5000", "http://localhost:5001"):
        response = passkey_login(browser, with_passkey, origin=origin)
        assert response.status_code == 400, origin
        assert not signed_in(browser)


def test_passkey_login_for_a_wrong_rp_id_is_refused(app: Any, with_passkey: Authenticator) -> None:
    browser = app.test_client()
    response = passkey_login(browser, with_passkey, rp_id="evil.example")
    assert response.status_code == 400
    assert not signed_in(browser)


def test_sign_count_regression_is_refused(
    app: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    browser = app.test_client()
    assert passkey_login(browser, with_passkey).status_code == 200  # counter now 1
    # A clone of the authenticator, still at the old counter.
    with_passkey.sign_count = 0
    clone = app.test_client()
    response = passkey_login(clone, with_passkey)
    assert response.status_code == 400
    assert not signed_in(clone)
    assert passkeys_of(db, user)[0].sign_count == 1
    assert "passkey.sign_count_regressed" in audit_actions(db, user)


def test_authenticators_that_never_count_are_accepted(
    app: Any, client: Any, login: Any, user: Any, db: Store
) -> None:
    login(client, user)
    device = Authenticator(counts=False)
    assert add_passkey(client, device).status_code == 200
    for _ in range(2):
        browser = app.test_client()
        assert passkey_login(browser, device).status_code == 200
        assert signed_in(browser)
    assert passkeys_of(db, user)[0].sign_count == 0


def test_another_users_handle_on_a_credential_is_refused(
    app: Any, with_passkey: Authenticator, other: Any
) -> None:
    # Pat's authenticator claiming to be Sam's account: the handle must match the credential.
    browser = app.test_client()
    response = passkey_login(browser, with_passkey, user_handle=other.id.bytes)
    assert response.status_code == 400
    assert not signed_in(browser)


def test_unknown_credential_is_refused(app: Any, client: Any, user: Any) -> None:
    stranger = Authenticator()
    stranger.cred_init(RP_ID, user.id.bytes)
    response = passkey_login(client, stranger)
    assert response.status_code == 400
    assert not signed_in(client)


def test_an_unverified_account_cannot_sign_in_with_a_passkey(
    app: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    from minimin.accounts.models import User

    db.execute(sa.update(User).where(User.id == user.id).values(email_verified_at=None))
    browser = app.test_client()
    assert passkey_login(browser, with_passkey).status_code == 400
    assert not signed_in(browser)


# ------------------------------------------------------------------------ rename and remove


def _passkey_id(db: Store, user: Any) -> str:
    return str(passkeys_of(db, user)[0].id)


def test_rename_a_passkey(client: Any, with_passkey: Authenticator, user: Any, db: Store) -> None:
    pid = _passkey_id(db, user)
    page = client.get(f"/account/passkeys/{pid}/rename")
    assert page.status_code == 200
    assert 'value="Laptop"' in page.get_data(as_text=True)
    response = client.submit(f"/account/passkeys/{pid}/rename", {"name": "  Work laptop  "})
    assert response.status_code == 302
    assert passkeys_of(db, user)[0].name == "Work laptop"
    assert "passkey.renamed" in audit_actions(db, user)


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 61, "a\x00b", "a\x1bb", "<script>alert(1)</script>" * 3]
)
def test_rename_refuses_bad_names_and_changes_nothing(
    client: Any, with_passkey: Authenticator, user: Any, db: Store, name: str
) -> None:
    pid = _passkey_id(db, user)
    response = client.submit(f"/account/passkeys/{pid}/rename", {"name": name})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert "<script>alert(1)" not in html
    assert passkeys_of(db, user)[0].name == "Laptop"


def test_rename_keeps_html_escaped(
    client: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    pid = _passkey_id(db, user)
    assert (
        client.submit(f"/account/passkeys/{pid}/rename", {"name": "<b>Mine</b>"}).status_code == 302
    )
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert "&lt;b&gt;Mine&lt;/b&gt;" in page
    assert "<b>Mine</b>" not in page


def test_remove_asks_first_then_removes(
    app: Any, client: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    pid = _passkey_id(db, user)
    confirm = client.get(f"/account/passkeys/{pid}/remove")
    assert confirm.status_code == 200
    assert "Remove passkey" in confirm.get_data(as_text=True)
    assert len(passkeys_of(db, user)) == 1  # asking changed nothing
    response = client.submit(f"/account/passkeys/{pid}/remove", {})
    assert response.status_code == 302
    assert passkeys_of(db, user) == []
    assert "passkey.removed" in audit_actions(db, user)

    # A removed passkey no longer signs anyone in.
    browser = app.test_client()
    assert passkey_login(browser, with_passkey).status_code == 400
    assert not signed_in(browser)


def test_remove_without_csrf_token_changes_nothing(
    client: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    pid = _passkey_id(db, user)
    assert client.post(f"/account/passkeys/{pid}/remove").status_code == 400
    assert len(passkeys_of(db, user)) == 1


def test_another_user_cannot_see_rename_or_remove_a_passkey(
    app: Any, with_passkey: Authenticator, user: Any, other: Any, login: Any, db: Store
) -> None:
    pid = _passkey_id(db, user)
    intruder = app.test_client()
    login(intruder, other)
    assert "Laptop" not in intruder.get("/account/passkeys").get_data(as_text=True)
    for path in (f"/account/passkeys/{pid}/rename", f"/account/passkeys/{pid}/remove"):
        assert intruder.get(path).status_code == 404
        token = intruder.csrf_token("/account/passkeys")
        response = intruder.post(path, data={"csrf_token": token, "name": "Mine now"})
        assert response.status_code == 404
        assert "Laptop" not in response.get_data(as_text=True)
    assert passkeys_of(db, user)[0].name == "Laptop"
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        assert intruder.get(f"/account/passkeys/{bad}/rename").status_code == 404


# ------------------------------------------------------------------ passkey after the password


def turn_on_second_factor(client: Any, user: Any) -> Any:
    return client.submit(
        "/account/passkeys/second-factor",
        {"require_after_password": "y", "password": user.plain_password},
        form_page="/account/passkeys",
    )


def password_login(client: Any, user: Any) -> Any:
    return client.submit("/login", {"email": user.email, "password": user.plain_password})


def second_factor(client: Any, device: Authenticator, **get_kwargs: Any) -> Any:
    token = client.csrf_token("/login/passkey/second-factor")
    options = client.post("/login/passkey/second-factor/options", data={"csrf_token": token})
    assert options.status_code == 200, options.get_data(as_text=True)
    assertion = device.get_json(options.get_json(), ORIGIN, **get_kwargs)
    return post_json(client, "/login/passkey/second-factor/verify", assertion, token)


def test_second_factor_needs_a_passkey_and_the_password(
    client: Any, login: Any, user: Any, db: Store
) -> None:
    login(client, user)
    response = turn_on_second_factor(client, user)
    assert response.status_code == 400  # no passkey yet
    assert "Add a passkey first" in response.get_data(as_text=True)
    assert add_passkey(client, Authenticator()).status_code == 200
    wrong = client.submit(
        "/account/passkeys/second-factor",
        {"require_after_password": "y", "password": "wrong wrong wrong"},
        form_page="/account/passkeys",
    )
    assert wrong.status_code == 400
    assert not second_factor_on(db, user)
    assert turn_on_second_factor(client, user).status_code == 302
    assert second_factor_on(db, user)
    assert "passkey.second_factor_on" in audit_actions(db, user)
    assert "asks for a passkey after your password" in client.get("/account/passkeys").get_data(
        as_text=True
    )


def test_begin_second_factor_holds_the_sign_in_until_the_passkey(
    app: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    """The login view's hook: after the password, no session until a passkey answers."""
    import flask

    from minimin.accounts import passkeys
    from minimin.accounts.models import User

    browser = app.test_client()
    browser.get("/login")
    # Drive the hook exactly as the login view does, inside the browser's own session.
    with db.session() as session, app.test_request_context("/login"):
        response = passkeys.begin_second_factor(session.get(User, user.id), "/account/passkeys")
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/login/passkey/second-factor")
        held = dict(flask.session)
    with browser.session_transaction() as stored:
        stored.update(held)
    assert not signed_in(browser)
    assert browser.get("/login/passkey/second-factor").status_code == 200
    result = second_factor(browser, with_passkey)
    assert result.status_code == 200, result.get_data(as_text=True)
    assert result.get_json() == {"redirect": "/account/passkeys"}
    assert signed_in(browser)
    assert "login.second_factor" in audit_actions(db, user)


def test_password_login_asks_for_the_passkey_when_turned_on(
    app: Any, client: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    assert turn_on_second_factor(client, user).status_code == 302
    browser = app.test_client()
    response = password_login(browser, user)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/passkey/second-factor")
    assert not signed_in(browser)
    result = second_factor(browser, with_passkey)
    assert result.status_code == 200
    assert signed_in(browser)


def test_second_factor_refuses_another_users_passkey(
    app: Any,
    client: Any,
    with_passkey: Authenticator,
    user: Any,
    other: Any,
    login: Any,
    db: Store,
) -> None:
    assert turn_on_second_factor(client, user).status_code == 302
    other_browser = app.test_client()
    login(other_browser, other)
    sams_device = Authenticator()
    assert add_passkey(other_browser, sams_device).status_code == 200

    browser = app.test_client()
    assert password_login(browser, user).status_code == 302
    token = browser.csrf_token("/login/passkey/second-factor")
    options = browser.post(
        "/login/passkey/second-factor/options", data={"csrf_token": token}
    ).get_json()
    # Only Pat's passkeys are offered; Sam's authenticator answers anyway.
    assert [d["id"] for d in options["allowCredentials"]] == [b64url(with_passkey.credential_id)]
    options["allowCredentials"] = []
    assertion = sams_device.get_json(options, ORIGIN)
    response = post_json(browser, "/login/passkey/second-factor/verify", assertion, token)
    assert response.status_code == 400
    assert not signed_in(browser)
    assert "login.second_factor_failed" in audit_actions(db, user)
    # The hold is gone with the failed attempt: Pat starts again with the password.
    assert browser.get("/login/passkey/second-factor").status_code == 302


def test_second_factor_page_without_a_password_step_sends_to_login(client: Any) -> None:
    response = client.get("/login/passkey/second-factor")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    token = client.csrf_token("/login")
    assert (
        client.post("/login/passkey/second-factor/options", data={"csrf_token": token}).status_code
        == 400
    )


def test_removing_the_last_passkey_turns_the_second_factor_off(
    client: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    assert turn_on_second_factor(client, user).status_code == 302
    pid = _passkey_id(db, user)
    assert client.submit(f"/account/passkeys/{pid}/remove", {}).status_code == 302
    assert not second_factor_on(db, user)
    assert "passkey.second_factor_off" in audit_actions(db, user)


def test_turning_the_second_factor_off(
    client: Any, with_passkey: Authenticator, user: Any, db: Store
) -> None:
    assert turn_on_second_factor(client, user).status_code == 302
    response = client.submit(
        "/account/passkeys/second-factor",
        {"password": user.plain_password},
        form_page="/account/passkeys",
    )
    assert response.status_code == 302
    assert not second_factor_on(db, user)
    assert audit_actions(db, user).count("passkey.second_factor_off") == 1
