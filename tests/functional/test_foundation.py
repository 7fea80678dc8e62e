"""The skeleton every feature stands on: health, errors, headers, CSRF and the transaction."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from minimin.core.security import CSP


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_database_unreachable(app: Flask, client):
    from minimin.extensions import db

    with app.app_context():
        # Point the engine at a database that cannot be opened.
        db.engines[None] = sa.create_engine("sqlite:////nonexistent-dir/x.sqlite3")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_security_headers_on_every_page(client):
    response = client.get("/legal/privacy")
    assert response.headers["Content-Security-Policy"] == CSP
    assert "frame-ancestors 'none'" in CSP and "default-src 'self'" in CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_unknown_route_is_a_friendly_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Page not found" in body and "Traceback" not in body


def test_unknown_api_route_answers_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    # The one JSON error shape: RFC 9457 problem details (minimin/core/errors.py).
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404
    assert response.json["type"].endswith("#problem-not-found")
    assert response.json["instance"] == "/api/v1/nothing-here"


def test_wrong_method_is_405_with_allow_header(client):
    response = client.delete("/legal/terms")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_oversize_body_is_413(app: Flask, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/preferences", data={"x": "y" * 5000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client):
    response = client.post("/preferences", data={"theme": "dark"})
    assert response.status_code == 400
    assert "theme" not in response.headers.get("Set-Cookie", "")


def test_post_with_another_sessions_token_is_refused(app: Flask, client):
    other = app.test_client()
    token = other.csrf_token()
    response = client.post("/preferences", data={"theme": "dark", "csrf_token": token})
    assert response.status_code == 400


def test_theme_preference_is_an_essential_cookie(client):
    response = client.submit("/preferences", {"theme": "dark", "next": "/legal/terms"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/legal/terms"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("theme=dark") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert 'data-theme="dark"' in client.get("/").get_data(as_text=True)


def test_preference_with_unknown_value_changes_nothing(client):
    response = client.submit("/preferences", {"theme": "<script>"})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers or "theme=" not in response.headers["Set-Cookie"]


def test_language_preference_switches_to_welsh(client):
    client.submit("/preferences", {"language": "cy"})
    page = client.get("/").get_data(as_text=True)
    assert 'lang="cy"' in page


def test_error_status_rolls_back_the_request(app: Flask, make_user):
    """A view that writes and then answers 4xx leaves nothing behind (one transaction)."""
    from flask import abort

    from minimin.accounts.models import User
    from minimin.core.security import public
    from minimin.extensions import db

    user = make_user()

    @app.route("/_test/write-then-fail")
    @public
    def write_then_fail():
        found = db.session.get(User, user.id)
        found.full_name = "Changed"
        db.session.flush()
        abort(422)

    response = app.test_client().get("/_test/write-then-fail")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, user.id).full_name == "Test Person"


def test_unexpected_exception_is_a_plain_500_page_and_rolls_back(app: Flask, make_user):
    from minimin.accounts.models import User
    from minimin.core.security import public
    from minimin.extensions import db

    user = make_user()

    @app.route("/_test/explode")
    @public
    def explode():
        db.session.get(User, user.id).full_name = "Changed"
        db.session.flush()
        raise RuntimeError("boom")

    response = app.test_client().get("/_test/explode")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "boom" not in body and "Traceback" not in body
    with app.app_context():
        assert db.session.get(User, user.id).full_name == "Test Person"


def test_unclassified_route_is_denied(app: Flask):
    @app.route("/_test/unclassified")
    def unclassified():
        return "secret"

    response = app.test_client().get("/_test/unclassified")
    assert response.status_code == 404
    assert "secret" not in response.get_data(as_text=True)


def test_user_route_redirects_anonymous_to_login_with_next(app: Flask):
    from minimin.core.security import user_only

    @app.route("/_test/private")
    @user_only
    def private():
        return "private"

    response = app.test_client().get("/_test/private?x=1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert response.headers.get("Cache-Control") == "no-store"
