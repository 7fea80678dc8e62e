"""Security headers and production settings (docs/security.md, "Headers";
docs/design-rules.md, "Stack and modes")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from minimin.app import create_app
from minimin.config import ConfigurationError
from minimin.core.security import CSP, TOKEN, USER, access_class
from tests.security.production import REQUIRED, production_env
from tests.security.routes import placeholder_url

ROOT = Path(__file__).resolve().parents[2]


def test_public_page_headers(client) -> None:
    response = client.get("/legal/privacy")
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert "default-src 'self'" in CSP and "frame-ancestors 'none'" in CSP
    assert "unsafe-inline" not in CSP.split("style-src")[0]  # no inline script
    assert "script-src 'self'" in CSP and "object-src 'none'" in CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # embedded/testing runs on plain http


def test_error_pages_carry_the_headers_too(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _user_get_routes(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and not rule.arguments
        and access_class(app, rule.endpoint) == USER
    )


def test_authenticated_pages_are_not_stored(app: Flask, client, make_user, login) -> None:
    login(client, make_user())
    pages = _user_get_routes(app)
    assert "/account" in pages
    for path in pages:
        response = client.get(path)
        assert response.status_code < 500, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["Content-Security-Policy"] == CSP, path
    # A public page seen by a signed-in user shows their name in the navigation: not stored.
    assert client.get("/legal/terms").headers.get("Cache-Control") == "no-store"


def test_token_pages_send_no_referrer(app: Flask, client) -> None:
    rules = [
        r
        for r in app.url_map.iter_rules()
        if access_class(app, r.endpoint) == TOKEN and "GET" in (r.methods or ())
    ]
    for rule in rules:
        url = placeholder_url(app, rule, "GET")
        response = client.get(url)
        assert response.status_code < 500, url
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert response.headers["Cache-Control"] == "no-store", url


def test_templates_have_no_inline_script_or_style() -> None:
    """CSP forbids inline code; a template that relies on it is broken in the browser."""
    offenders = []
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
    style_attr = re.compile(r"<[^>]+\sstyle\s*=", re.I)
    for path in sorted((ROOT / "minimin").rglob("templates/**/*.html")):
        if "/mail/" in path.as_posix():
            continue  # emails are not served under our CSP
        text = path.read_text()
        for pattern, what in (
            (inline_script, "inline <script>"),
            (handler, "on* handler"),
            (style_attr, "style attribute"),
        ):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(ROOT)}: {what}")
    assert not offenders, "\n".join(offenders)


# --------------------------------------------------------------------------- production


@pytest.mark.redis
@pytest.mark.postgres
def test_production_sets_hsts_and_host_cookies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    production_env(monkeypatch, database_url=postgres_url, redis_url=redis_url)
    app = create_app(mode="production", instance_path=tmp_path)
    assert app.config["MINIMIN_MODE"] == "production"
    client = app.test_client()
    response = client.get("/login", base_url="https://minimin.example")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("__Host-session="))
    attributes = {part.strip().split("=")[0].lower() for part in session_cookie.split(";")[1:]}
    assert {"secure", "httponly", "path"} <= attributes
    assert "samesite=lax" in session_cookie.lower()
    assert "domain" not in attributes  # __Host- cookies must not name a domain
    assert app.config["REMEMBER_COOKIE_NAME"].startswith("__Host-")
    assert app.config["WTF_CSRF_SSL_STRICT"] is True
    assert app.config["RATELIMIT_STORAGE_URI"] == redis_url


def test_production_refuses_to_start_naming_every_missing_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    production_env(monkeypatch)
    for name in REQUIRED:
        monkeypatch.delenv(f"MINIMIN_{name}")
    with pytest.raises(ConfigurationError) as caught:
        create_app(mode="production", instance_path=tmp_path)
    for name in REQUIRED:
        assert f"MINIMIN_{name}" in str(caught.value)


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_names_the_one_missing_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, missing: str
) -> None:
    production_env(monkeypatch)
    monkeypatch.delenv(f"MINIMIN_{missing}")
    with pytest.raises(ConfigurationError) as caught:
        create_app(mode="production", instance_path=tmp_path)
    message = str(caught.value)
    assert f"MINIMIN_{missing}" in message
    assert all(f"MINIMIN_{other}" not in message for other in REQUIRED if other != missing)
    # Nothing was generated in the instance folder as a fallback.
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "data_keys").exists()


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("MINIMIN_DATABASE_URL", "sqlite:///x.sqlite3", "PostgreSQL"),
        ("MINIMIN_SECRET_KEY", "short", "at least 32"),
        ("MINIMIN_MAIL_BACKEND", "file", "embedded mode only"),
        ("MINIMIN_DATA_KEYS", "k1:bm90IDMyIGJ5dGVz", "32 bytes"),
    ],
)
def test_production_refuses_unsafe_values(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    production_env(monkeypatch)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=expected):
        create_app(mode="production", instance_path=tmp_path)
