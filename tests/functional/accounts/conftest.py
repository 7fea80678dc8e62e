"""Helpers for the account journeys."""

from __future__ import annotations

import re
from typing import Any

import pytest

STRONG = "plum orbit kettle ninety river"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')


def strip_csrf(body: str) -> str:
    return CSRF_INPUT.sub("", body)


@pytest.fixture
def signup(client: Any) -> Any:
    def do_signup(**overrides: Any) -> Any:
        data = {
            "full_name": "Ada Lovelace",
            "email": "ada@example.com",
            "password": STRONG,
            "adult": "y",
            "accept_terms": "y",
        }
        data.update(overrides)
        data = {k: v for k, v in data.items() if v is not None}
        return client.submit("/signup", data)

    return do_signup


@pytest.fixture
def link_path() -> Any:
    def path_of(url: str) -> str:
        return "/" + url.split("://", 1)[1].split("/", 1)[1]

    return path_of


class Store:
    """Reads rows in a fresh application context per call, so that the test's reads never
    share ``g`` (and with it the signed-in user and the CSRF token) with the client's
    requests, as the ``db`` fixture's long-lived context would."""

    def __init__(self, app: Any):
        self.app = app

    def _run(self, fn: Any) -> Any:
        from minimin.extensions import db

        with self.app.app_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()

    def scalars(self, statement: Any) -> list[Any]:
        return self._run(lambda s: list(s.scalars(statement).all()))

    def all(self, model: Any) -> list[Any]:
        import sqlalchemy as sa

        return self.scalars(sa.select(model))

    def get(self, model: Any, ident: Any) -> Any:
        return self._run(lambda s: s.get(model, ident))

    def actions(self, user_id: Any = None) -> list[str]:
        import sqlalchemy as sa

        from minimin.core.audit import AuditEvent

        query = sa.select(AuditEvent.action).order_by(AuditEvent.created_at)
        if user_id is not None:
            query = query.where(AuditEvent.user_id == user_id)
        return self.scalars(query)


@pytest.fixture
def store(app: Any) -> Store:
    return Store(app)
