"""Export and deletion requests are rate-limited per account: beyond the limit, 429 with
Retry-After, and nothing is created or deleted."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

EXPORTS_PER_HOUR = 5
DELETIONS_PER_HOUR = 10


def _count(app: Any, model: Any, user_id: Any) -> int:
    from minimin.extensions import db

    with app.app_context():
        try:
            return int(
                db.session.scalar(
                    sa.select(sa.func.count()).select_from(model).where(model.user_id == user_id)
                )
                or 0
            )
        finally:
            db.session.remove()


def _assert_limited(response: Any) -> None:
    assert response.status_code == 429, response.status_code
    retry_after = response.headers.get("Retry-After")
    assert retry_after is not None and int(retry_after) > 0


def test_export_requests_are_limited(app: Any, client: Any, make_user: Any, login: Any) -> None:
    from minimin.privacy.models import ExportRequest

    user = make_user()
    login(client, user)
    token = client.csrf_token("/privacy")
    for _ in range(EXPORTS_PER_HOUR):
        assert client.post("/privacy/export", data={"csrf_token": token}).status_code == 302
    made = _count(app, ExportRequest, user.id)
    assert made == EXPORTS_PER_HOUR  # each built at once in testing, so each is a new one
    response = client.post("/privacy/export", data={"csrf_token": token})
    _assert_limited(response)
    assert _count(app, ExportRequest, user.id) == made
    # The limit is per account: another person is not affected.
    other = make_user()
    second = app.test_client()
    login(second, other)
    assert second.submit("/privacy/export", {}, form_page="/privacy").status_code == 302


def test_deletion_requests_are_limited_and_the_limit_deletes_nothing(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.accounts.models import User
    from minimin.extensions import db

    user = make_user()
    login(client, user)
    token = client.csrf_token("/privacy/delete")
    wrong = {
        "records": "exported",
        "confirm": "y",
        "password": "a wrong guess",
        "csrf_token": token,
    }
    for _ in range(DELETIONS_PER_HOUR):
        assert client.post("/privacy/delete", data=wrong).status_code == 400
    # Past the limit even the right password deletes nothing.
    right = {**wrong, "password": user.plain_password}
    _assert_limited(client.post("/privacy/delete", data=right))
    with app.app_context():
        assert db.session.get(User, user.id) is not None
        db.session.remove()
    assert client.get("/privacy").status_code == 200  # still signed in
    # Reading the page is not limited.
    assert client.get("/privacy/delete").status_code == 200


def test_deletion_passkey_steps_are_limited(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.accounts.passkeys import PasskeyChallenge

    user = make_user()
    login(client, user)
    token = client.csrf_token("/privacy")
    for _ in range(DELETIONS_PER_HOUR):
        # No password step yet: refused, but counted.
        assert (
            client.post("/privacy/delete/passkey/options", data={"csrf_token": token}).status_code
            == 400
        )
    _assert_limited(client.post("/privacy/delete/passkey/options", data={"csrf_token": token}))
    assert _count(app, PasskeyChallenge, user.id) == 0
