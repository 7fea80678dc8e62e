"""With request rate limits switched off (RATELIMIT_ENABLED=False), the account protections
still work: ten failed sign-ins lock the account, and nothing answers 500."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": False}


def test_failed_sign_ins_still_lock_the_account(app: Any, client: Any, make_user: Any) -> None:
    user = make_user()
    for _ in range(10):
        response = client.submit("/login", {"email": user.email, "password": "wrong password!!"})
        assert response.status_code == 400
    response = client.submit("/login", {"email": user.email, "password": user.plain_password})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 300
    # Counted in the process's own storage: Flask-Limiter has none when it is switched off.
    assert "minimin_throttle_storage" in app.extensions


def test_signing_in_works(client: Any, make_user: Any) -> None:
    user = make_user()
    response = client.submit("/login", {"email": user.email, "password": user.plain_password})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
