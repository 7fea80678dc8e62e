"""Fixtures of the API tests: a user with a personal access token, and a client that sends it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from minimin.api.scopes import ALL_SCOPES


class ApiClient:
    """The Flask test client with ``Authorization: Bearer`` on every request."""

    def __init__(self, client: Any, token: str, user: Any) -> None:
        self.client = client
        self.token = token
        self.user = user

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.get(url, headers=self._headers(headers), **kw)

    def post(self, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.post(url, headers=self._headers(headers), **kw)

    def open(self, url: str, method: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.open(url, method=method, headers=self._headers(headers), **kw)


def make_token(app: Flask, user: Any, scopes: tuple[str, ...] = ALL_SCOPES, days: int = 30) -> str:
    from minimin.api import tokens
    from minimin.api.inputs import TokenInput
    from minimin.extensions import db

    with app.app_context():
        _token, plain = tokens.create(user.id, TokenInput("Test script", tuple(scopes), days))
        db.session.commit()
    return plain


def add_profile(app: Flask, user: Any, **values: Any) -> None:
    """A complete business profile (not VAT-registered unless *values* say so)."""
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db

    with app.app_context():
        fields = {
            "user_id": user.id,
            "business_name": "Alex Freelance Photography",
            "address_line1": "1 High Street",
            "town": "Bristol",
            "postcode": "BS1 1AA",
            "invoice_email": "alex@example.com",
            "bank_account_name": "A Freelance",
            "bank_sort_code": "12-34-56",
            "bank_account_number": "12345678",
            "onboarding_step": "done",
            "day_rate_pence": 45000,
            **values,
        }
        db.session.add(BusinessProfile(**fields))
        db.session.commit()


@pytest.fixture
def api_for(app: Flask, make_user: Any) -> Callable[..., ApiClient]:
    """``api_for(user=None, scopes=ALL_SCOPES)``: a client with a new token of *user*, who has
    a business profile."""

    def build(user: Any = None, scopes: tuple[str, ...] = ALL_SCOPES) -> ApiClient:
        if user is None:
            user = make_user()
            add_profile(app, user)
        return ApiClient(app.test_client(), make_token(app, user, scopes), user)

    return build


@pytest.fixture
def api(api_for: Callable[..., ApiClient]) -> ApiClient:
    return api_for()
