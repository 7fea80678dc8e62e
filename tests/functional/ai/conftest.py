"""Fixtures of the AI tests: a signed-in user, consents given through /privacy, and the
Anthropic Messages API stub (tests/anthropicstub.py) that the real SDK talks to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.anthropicstub import AnthropicStub


@pytest.fixture
def no_remote(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINIMIN_ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("MINIMIN_ANTHROPIC_BASE_URL", raising=False)


@pytest.fixture
def anthropic(monkeypatch: pytest.MonkeyPatch) -> Iterator[AnthropicStub]:
    stub = AnthropicStub()
    stub.start()
    monkeypatch.setenv("MINIMIN_ANTHROPIC_API_KEY", stub.api_key)
    monkeypatch.setenv("MINIMIN_ANTHROPIC_BASE_URL", stub.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    yield stub
    stub.stop()


@pytest.fixture
def user_client(client: Any, make_user: Any, login: Any) -> Any:
    user = make_user()
    login(client, user)
    client.user = user
    return client


def give(client: Any, purpose: str) -> None:
    response = client.submit(f"/privacy/consent/{purpose}/give", form_page="/privacy")
    assert response.status_code == 302


def withdraw(client: Any, purpose: str) -> None:
    response = client.submit(f"/privacy/consent/{purpose}/withdraw", form_page="/privacy")
    assert response.status_code == 302
