"""Environment for building the application in production mode inside tests."""

from __future__ import annotations

import pytest

from minimin.config import new_data_key_spec

REQUIRED = ("SECRET_KEY", "DATA_KEYS", "HMAC_KEY", "DATABASE_URL", "REDIS_URL", "BASE_URL")


def production_env(
    monkeypatch: pytest.MonkeyPatch,
    *,
    database_url: str = "postgresql://minimin@127.0.0.1:5432/minimin",
    redis_url: str = "redis://127.0.0.1:6379/15",
) -> dict[str, str]:
    """Set every variable production needs (and clear any other MINIMIN_* setting)."""
    import os

    for name in list(os.environ):
        if name.startswith("MINIMIN_"):
            monkeypatch.delenv(name)
    values = {
        "MINIMIN_SECRET_KEY": "s" * 48,
        "MINIMIN_DATA_KEYS": new_data_key_spec("k1"),
        "MINIMIN_HMAC_KEY": "h" * 48,
        "MINIMIN_DATABASE_URL": database_url,
        "MINIMIN_REDIS_URL": redis_url,
        "MINIMIN_BASE_URL": "https://minimin.example",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values
