"""Hostile values that used to answer 500, each in the place it was found."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.functional.invoices.conftest import business, draft_data  # noqa: F401


def _count(app: Any, table: str) -> int:
    from minimin.extensions import db

    with app.app_context():
        count = db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
        db.session.remove()
    return int(count)


def test_a_superscript_exchange_rate_is_a_field_error(
    client: Any,
    business: Any,  # noqa: F811
    login: Any,
    app: Any,
) -> None:
    user = business()
    login(client, user)
    for rate in ("²", "1.²", "٣", "NaN", "1e5"):
        data = draft_data(
            user.client_id, [("Day", "1", "100", "standard")], currency="EUR", exchange_rate=rate
        )
        response = client.submit("/invoices/new", data)
        assert response.status_code == 400, (rate, response.status_code)
        assert "Enter the exchange rate in figures" in response.get_data(as_text=True)
    assert _count(app, "invoice") == 0


def test_deeply_nested_json_to_passkey_sign_in_is_refused(client: Any) -> None:
    token = client.csrf_token("/login/passkey")
    options = client.post("/login/passkey/options", data={"csrf_token": token, "next": ""})
    assert options.status_code == 200
    body = "[" * 20_000 + "]" * 20_000  # under the size limit, past the parser's depth
    response = client.post(
        "/login/passkey/verify",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "did not send a passkey" in response.get_json()["error"]
