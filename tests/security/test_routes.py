"""Deny by default (docs/design-rules.md, rule 8): every route in ``app.url_map`` carries an
access class.

This walks the routes of the application as built for tests and as built for production, so a
route added by any feature later is checked without anyone editing this file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from minimin.app import create_app
from minimin.core.security import ACCESS_CLASSES, access_class
from tests.security.production import production_env


def _unclassified(app: Flask) -> list[str]:
    return sorted(
        f"{rule.rule} -> {rule.endpoint}"
        for rule in app.url_map.iter_rules()
        if access_class(app, rule.endpoint) not in ACCESS_CLASSES
    )


def test_every_route_has_an_access_class(tmp_path: Path) -> None:
    app = create_app(mode="testing", instance_path=tmp_path)
    assert len(list(app.url_map.iter_rules())) > 5
    missing = _unclassified(app)
    hint = "routes without an access class (use classify_blueprint or @public/...)"
    assert not missing, hint + ":\n" + "\n".join(missing)


def test_every_route_has_an_access_class_in_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    production_env(monkeypatch)
    app = create_app(mode="production", instance_path=tmp_path)
    assert not _unclassified(app)
    # The debug mailbox exists only in embedded mode.
    assert not [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/_mailbox")]


def test_an_unclassified_route_is_refused(tmp_path: Path) -> None:
    app = create_app(mode="testing", instance_path=tmp_path)

    @app.get("/_forgotten")
    def forgotten() -> str:
        return "secret"

    assert access_class(app, "forgotten") is None
    response = app.test_client().get("/_forgotten")
    assert response.status_code == 404
    assert "secret" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
