"""Deleting an account that has a passkey: after the password, a real WebAuthn assertion (from
tests/softauthn.py) must confirm. A wrong, replayed or stale assertion deletes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.factories import SKIPPED, build_full_account
from tests.softauthn import Authenticator

BASE_URL = "http://localhost:5000"
ORIGIN = BASE_URL
OPTIONS = "/privacy/delete/passkey/options"
VERIFY = "/privacy/delete/passkey/verify"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BASE_URL": BASE_URL}


def refusal(response: Any) -> str:
    """The message of a JSON refusal, which is an RFC 9457 problem (minimin/core/errors.py)."""
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == response.status_code
    return problem["detail"]


def post_json(client: Any, path: str, body: Any, token: str) -> Any:
    return client.post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )


def add_passkey(client: Any, device: Authenticator) -> None:
    """The registration ceremony of /account/passkeys (a fresh login needs no password)."""
    options = client.submit(
        "/account/passkeys/register/options", {"name": "Laptop"}, form_page="/account/passkeys"
    )
    assert options.status_code == 200, options.get_data(as_text=True)
    credential = device.create_json(options.get_json(), ORIGIN)
    token = client.csrf_token("/account/passkeys")
    verify = post_json(client, "/account/passkeys/register/verify", credential, token)
    assert verify.status_code == 200, verify.get_data(as_text=True)


def password_step(client: Any, user: Any) -> None:
    response = client.submit(
        "/privacy/delete",
        {"records": "exported", "confirm": "y", "password": user.plain_password},
    )
    assert response.status_code == 200
    assert "Confirm with your passkey" in response.get_data(as_text=True)


def ask_options(client: Any) -> tuple[dict[str, Any], str]:
    token = client.csrf_token("/privacy")
    response = client.post(OPTIONS, data={"csrf_token": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json(), token


def user_exists(app: Any, user_id: Any) -> bool:
    from minimin.accounts.models import User
    from minimin.extensions import db

    with app.app_context():
        try:
            return db.session.get(User, user_id) is not None
        finally:
            db.session.remove()


def rows_left(app: Any, user_id: Any) -> dict[str, int]:
    from minimin.extensions import db
    from minimin.privacy import discovery

    with app.app_context():
        try:
            counts = {
                t.name: len(db.session.execute(discovery.rows_of_user(t, user_id)).all())
                for t in discovery.personal_tables()
            }
        finally:
            db.session.remove()
    return {name: n for name, n in counts.items() if n}


@pytest.fixture
def account(app: Any, client: Any, make_user: Any, login: Any) -> tuple[Any, Authenticator]:
    """A signed-in user with a real passkey on the returned device and a row in every table."""
    from minimin.extensions import db

    user = make_user(email="leaver@example.com")
    login(client, user)
    device = Authenticator()
    add_passkey(client, device)
    with app.app_context():
        build_full_account(user.id)
        db.session.commit()
        db.session.remove()
    return user, device


def test_a_real_passkey_confirms_the_deletion(
    app: Any, client: Any, make_user: Any, account: tuple[Any, Authenticator]
) -> None:
    from minimin.extensions import db

    user, device = account
    other = make_user(email="stayer@example.com")
    with app.app_context():
        build_full_account(other.id)
        db.session.commit()
        db.session.remove()
    password_step(client, user)
    assert user_exists(app, user.id)  # the password alone deletes nothing

    options, token = ask_options(client)
    assert options["allowCredentials"] and options["allowCredentials"][0]["id"]
    response = post_json(client, VERIFY, device.get_json(options, ORIGIN), token)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"redirect": "/privacy/deleted"}
    assert not user_exists(app, user.id)
    assert rows_left(app, user.id) == {}
    kept = rows_left(app, other.id)
    assert set(kept) >= {"passkey", "business_profile", "invoice"} - set(SKIPPED)
    assert client.get("/privacy").status_code == 302  # signed out


def test_wrong_and_replayed_assertions_delete_nothing(
    app: Any, client: Any, account: tuple[Any, Authenticator]
) -> None:
    user, device = account
    before = rows_left(app, user.id)
    password_step(client, user)

    # Signed for another origin (a phishing site): refused.
    options, token = ask_options(client)
    refused = post_json(client, VERIFY, device.get_json(options, "https://evil.example"), token)
    assert refused.status_code == 400
    assert "could not confirm" in refusal(refused)
    # The challenge answered once: the right answer to it now is refused too.
    stale = post_json(client, VERIFY, device.get_json(options, ORIGIN), token)
    assert stale.status_code == 400 and "expired" in refusal(stale)

    # An answer to an earlier challenge, replayed after a new one was issued: refused.
    first, token = ask_options(client)
    answer_to_first = device.get_json(first, ORIGIN)
    ask_options(client)
    replay = post_json(client, VERIFY, answer_to_first, token)
    assert replay.status_code == 400
    # A different device (a passkey not registered to this account): refused.
    options, token = ask_options(client)
    stranger_device = Authenticator()
    stranger_device.cred_init("localhost", b"someone-else-123")
    unrestricted = {k: v for k, v in options.items() if k != "allowCredentials"}
    stranger = post_json(client, VERIFY, stranger_device.get_json(unrestricted, ORIGIN), token)
    assert stranger.status_code == 400

    assert user_exists(app, user.id)
    after = rows_left(app, user.id)
    assert after.pop("audit_event") > before.pop("audit_event")  # the refusals are logged
    assert after == before
    assert client.get("/privacy").status_code == 200  # still signed in


def test_passkey_step_needs_the_password_first(
    app: Any, client: Any, account: tuple[Any, Authenticator]
) -> None:
    user, _device = account
    token = client.csrf_token("/privacy")
    response = client.post(OPTIONS, data={"csrf_token": token})
    assert response.status_code == 400
    assert "password" in refusal(response)
    # Even an assertion to some other challenge cannot skip the password.
    verify = post_json(client, VERIFY, {"id": "x", "response": {}}, token)
    assert verify.status_code == 400
    assert user_exists(app, user.id)


def test_passkey_verify_without_csrf_token_is_refused(
    app: Any, client: Any, account: tuple[Any, Authenticator]
) -> None:
    user, device = account
    password_step(client, user)
    options, _token = ask_options(client)
    response = client.post(
        VERIFY, data=json.dumps(device.get_json(options, ORIGIN)), content_type="application/json"
    )
    assert response.status_code == 400
    assert user_exists(app, user.id)


def test_failed_confirmation_is_logged(
    app: Any, client: Any, account: tuple[Any, Authenticator]
) -> None:
    from minimin.core.audit import AuditEvent
    from minimin.extensions import db

    user, device = account
    password_step(client, user)
    options, token = ask_options(client)
    post_json(client, VERIFY, device.get_json(options, "https://evil.example"), token)
    with app.app_context():
        actions = list(
            db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.user_id == user.id))
        )
        db.session.remove()
    assert "privacy.delete_passkey_failed" in actions
