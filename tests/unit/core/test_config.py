"""Settings: embedded mode generates and keeps its secrets; bad values get a clear message."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from minimin.app import create_app
from minimin.config import ConfigurationError, load_settings, parse_data_keys

KEY = base64.b64encode(b"k" * 32).decode()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("MINIMIN_"):
            monkeypatch.delenv(name)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_embedded_mode_generates_private_keys_and_reuses_them(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    first = load_settings(mode="embedded", instance_path=instance)
    assert _mode(instance) == 0o700
    for name in ("secret_key", "data_keys", "hmac_key"):
        path = instance / name
        assert path.exists(), name
        assert _mode(path) == 0o600, name
    assert len(first.secret_key) >= 32 and len(first.hmac_key) >= 32
    assert first.secret_key != first.hmac_key
    [key] = first.data_keys
    assert key.key_id == "k1" and len(key.key) == 32
    assert first.database_url == f"sqlite:///{instance / 'minimin.sqlite3'}"
    assert first.mail_backend == "file"

    again = load_settings(mode="embedded", instance_path=instance)
    assert again.secret_key == first.secret_key
    assert again.hmac_key == first.hmac_key
    assert again.data_keys == first.data_keys

    other = load_settings(mode="embedded", instance_path=tmp_path / "other")
    assert other.secret_key != first.secret_key and other.data_keys != first.data_keys


def test_instance_path_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = tmp_path / "elsewhere" / "minimin"
    monkeypatch.setenv("MINIMIN_INSTANCE_PATH", str(moved))
    monkeypatch.chdir(tmp_path)
    settings = load_settings(mode="embedded")
    assert settings.instance_path == moved.resolve()
    assert (moved / "secret_key").exists()
    assert str(moved) in settings.database_url
    assert not (tmp_path / "instance").exists()
    app = create_app(mode="embedded")
    assert Path(app.instance_path) == moved.resolve()


def test_environment_overrides_generated_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINIMIN_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("MINIMIN_DATA_KEYS", f"k7:{KEY}")
    settings = load_settings(mode="embedded", instance_path=tmp_path)
    assert settings.secret_key == "x" * 40
    assert [k.key_id for k in settings.data_keys] == ["k7"]
    assert not (tmp_path / "secret_key").exists()
    assert not (tmp_path / "data_keys").exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("k1", "must look like 'k1:<base64 of 32 bytes>"),
        (f"k-1:{KEY}", "must look like"),
        ("k1:not base64!", "'k1' is not valid base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "'k1' must be 32 bytes"),
        (f"k1:{KEY},k1:{KEY}", "the same key id twice"),
    ],
)
def test_bad_data_keys_are_explained(raw: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_data_keys(raw)
    assert message in str(caught.value)
    assert KEY not in str(caught.value)  # never echo key material


def test_bad_data_keys_in_the_environment_stop_startup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINIMIN_DATA_KEYS", "k1:tooshort")
    with pytest.raises(ConfigurationError, match="Data key 'k1'"):
        load_settings(mode="embedded", instance_path=tmp_path)


def test_several_keys_first_one_encrypts() -> None:
    other = base64.b64encode(b"o" * 32).decode()
    keys = parse_data_keys(f" k2:{KEY} , k1:{other} ,")
    assert [k.key_id for k in keys] == ["k2", "k1"]


def test_bad_numbers_and_modes_are_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINIMIN_SMTP_PORT", "twenty-five")
    with pytest.raises(ConfigurationError, match="MINIMIN_SMTP_PORT must be a whole number"):
        load_settings(mode="embedded", instance_path=tmp_path)
    monkeypatch.delenv("MINIMIN_SMTP_PORT")
    monkeypatch.setenv("MINIMIN_ENV", "staging")
    with pytest.raises(ConfigurationError, match="MINIMIN_ENV must be one of"):
        load_settings(instance_path=tmp_path)


def test_mail_settings_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINIMIN_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("MINIMIN_SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("MINIMIN_SMTP_PORT", "587")
    monkeypatch.setenv("MINIMIN_SMTP_STARTTLS", "true")
    monkeypatch.setenv("MINIMIN_RESEND_API_URL", "http://127.0.0.1:9/")
    settings = load_settings(mode="embedded", instance_path=tmp_path)
    assert settings.mail_backend == "smtp"
    assert settings.smtp["host"] == "smtp.example.com" and settings.smtp["port"] == 587
    assert settings.smtp["starttls"] is True and settings.smtp["ssl"] is False
    assert settings.resend_api_url == "http://127.0.0.1:9/"


@pytest.mark.parametrize(
    ("backend", "missing"),
    [("resend", "MINIMIN_RESEND_API_KEY"), ("sendgrid", "MINIMIN_SENDGRID_API_KEY")],
)
def test_production_names_a_missing_mail_provider_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str, missing: str
) -> None:
    from tests.security.production import production_env

    production_env(monkeypatch)
    monkeypatch.setenv("MINIMIN_ENV", "production")
    monkeypatch.setenv("MINIMIN_MAIL_BACKEND", backend)
    with pytest.raises(ConfigurationError, match=missing):
        load_settings(instance_path=tmp_path)
    monkeypatch.setenv(missing, "key-123")
    assert load_settings(instance_path=tmp_path).mail_backend == backend


def test_production_refuses_an_unknown_mail_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.security.production import production_env

    production_env(monkeypatch)
    monkeypatch.setenv("MINIMIN_ENV", "production")
    monkeypatch.setenv("MINIMIN_MAIL_BACKEND", "pigeon")
    with pytest.raises(ConfigurationError, match="smtp, resend or sendgrid"):
        load_settings(instance_path=tmp_path)


def test_passwords_are_hashed_with_full_scrypt_work_outside_the_test_suite(tmp_path: Path) -> None:
    from minimin.accounts.services import hash_password
    from minimin.config import SCRYPT_METHOD

    assert SCRYPT_METHOD == "scrypt:32768:8:1"
    # A script hashing before any application is up (benchmarks, an admin tool) works fully.
    assert hash_password("correct horse battery staple").startswith("scrypt:32768:8:1$")
    embedded = create_app(mode="embedded", instance_path=tmp_path / "instance")
    with embedded.app_context():
        stored = hash_password("correct horse battery staple")
    assert stored.startswith("scrypt:32768:8:1$")
    # Only the test suite's own mode works less.
    testing = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.sqlite3'}"},
        mode="testing",
        instance_path=tmp_path / "testing",
    )
    with testing.app_context():
        assert hash_password("x" * 12).startswith("scrypt:4096:8:1$")
