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
