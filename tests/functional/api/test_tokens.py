"""Personal access tokens: made on the account page and shown once, stored hashed, scoped,
expiring and revocable; only a bearer token authenticates the API."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
import time_machine
from flask import Flask

from minimin.core.crypto import hash_token

TOKEN_RE = re.compile(r'value="(mmn_[A-Za-z0-9_-]+)"')


def _make_on_page(client: Any, **levels: str) -> Any:
    data = {"name": "Monthly spreadsheet", "expires": "30"}
    data.update({f"scope_{area}": level for area, level in levels.items()})
    return client.submit("/account/api-tokens", data)


def test_a_token_made_on_the_account_page_is_shown_once_and_stored_hashed(
    app: Flask, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.api.models import ApiToken
    from minimin.extensions import db

    user = make_user()
    login(client, user)
    assert "API access tokens" in client.get("/account").get_data(as_text=True)
    response = _make_on_page(client, invoices="write", contacts="read")
    assert response.status_code == 201
    plain = TOKEN_RE.search(response.get_data(as_text=True)).group(1)  # type: ignore[union-attr]

    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken))
        assert row.token_hash == hash_token(plain)
        assert plain not in repr([row.name, row.prefix, row.token_hash, row.scopes])
        assert row.scopes == ["contacts:read", "invoices:write"]
    # The list shows the prefix, never the token again.
    page = client.get("/account/api-tokens").get_data(as_text=True)
    assert "Monthly spreadsheet" in page
    assert plain not in page

    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/invoices", headers=headers).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken)).last_used_at is not None


def test_a_token_without_any_area_or_name_is_refused_with_a_message(
    client: Any, make_user: Any, login: Any
) -> None:
    login(client, make_user())
    response = client.submit("/account/api-tokens", {"name": "", "expires": "30"})
    assert response.status_code == 400
    assert "Give the token a name" in response.get_data(as_text=True)
    response = _make_on_page(client)
    assert response.status_code == 400
    assert "Choose at least one area" in response.get_data(as_text=True)


def test_a_revoked_token_no_longer_works(
    app: Flask, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.api.models import ApiToken
    from minimin.extensions import db

    login(client, make_user())
    plain = TOKEN_RE.search(  # type: ignore[union-attr]
        _make_on_page(client, invoices="read").get_data(as_text=True)
    ).group(1)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/invoices", headers=headers).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    response = client.submit(
        f"/account/api-tokens/{token_id}/revoke", {}, form_page="/account/api-tokens"
    )
    assert response.status_code == 302
    refused = client.get("/api/v1/invoices", headers=headers)
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "invalid_token" in refused.headers["WWW-Authenticate"]


def test_an_expired_token_and_a_locked_account_are_refused(app: Flask, api_for: Any) -> None:
    from minimin.extensions import db

    api = api_for()
    assert api.get("/api/v1/invoices").status_code == 200
    with time_machine.travel(timedelta(days=31), tick=False):
        assert api.get("/api/v1/invoices").status_code == 401

    lock = db.metadata.tables.get("admin_account_lock")
    assert lock is not None
    with app.app_context():
        columns = {"user_id": api.user.id}
        if "reason" in lock.c:
            columns["reason"] = "test"
        db.session.execute(lock.insert().values(**_fill(lock, columns)))
        db.session.commit()
    assert api.get("/api/v1/invoices").status_code == 401


def _fill(table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
    """Values for the lock row's required columns (the admin feature owns that table)."""
    import uuid

    from minimin.core.db import utcnow

    for column in table.c:
        if column.name in values or column.nullable or column.default is not None:
            continue
        if column.primary_key:
            values[column.name] = uuid.uuid4()
        elif isinstance(column.type, sa.String):
            values[column.name] = "test"
        else:
            values[column.name] = utcnow()
    return values


def test_no_token_a_malformed_header_or_a_session_cookie_is_401(
    client: Any, make_user: Any, login: Any
) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer x"}):
        response = client.get("/api/v1/invoices", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["type"].endswith("#problem-unauthenticated")
    # A signed-in browser is no API caller: its cookie is never read by the API.
    login(client, make_user())
    assert client.get("/api/v1/invoices").status_code == 401


def test_a_token_without_the_scope_gets_403_problem(api_for: Any) -> None:
    api = api_for(scopes=("contacts:read",))
    assert api.get("/api/v1/clients").status_code == 200
    refused = api.get("/api/v1/invoices")
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "invoices:read" in refused.get_json()["detail"]
    # Read does not include write.
    response = api.post("/api/v1/clients", json={"name": "Acme"})
    assert response.status_code == 403


def test_write_includes_read(api_for: Any) -> None:
    api = api_for(scopes=("invoices:write",))
    assert api.get("/api/v1/invoices").status_code == 200
