"""The base form (minimin/core/forms.py, ``AppForm``): WTForms' own messages in the reader's
language from a catalogue read once per process, and every form of the application built on it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField
from wtforms.validators import InputRequired

import minimin
from minimin.app import create_app
from minimin.core.forms import AppForm, wtforms_translations

PACKAGE = Path(minimin.__file__).parent


@pytest.fixture(scope="module")
def forms_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The real app (its translations and locale selection); no database is touched."""
    instance = tmp_path_factory.mktemp("forms")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'unused.sqlite3'}"},
        mode="testing",
        instance_path=Path(instance),
    )
    app.config["WTF_CSRF_ENABLED"] = False
    return app


class _AgeForm(AppForm):
    age = IntegerField("Age", [InputRequired()])


def _errors(app: Flask, headers: dict[str, str]) -> list[str]:
    with app.test_request_context("/", method="POST", headers=headers):
        form = _AgeForm(formdata=MultiDict({"age": "lots"}))
        assert not form.validate()
        return [str(message) for message in form.age.errors]


def test_wtforms_messages_are_welsh_for_a_welsh_reader(forms_app: Flask) -> None:
    # IntegerField's own "Not a valid integer value." comes from WTForms' catalogue.
    assert _errors(forms_app, {"Accept-Language": "en-GB"}) == ["Not a valid integer value."]
    welsh = _errors(forms_app, {"Accept-Language": "cy"})
    assert welsh == ["Gwerth integer annilys"]
    # The language is chosen per request, from the one cached catalogue per locale.
    assert _errors(forms_app, {"Accept-Language": "en-GB"}) == ["Not a valid integer value."]
    assert wtforms_translations("cy") is wtforms_translations("cy")


def test_the_welsh_cookie_gives_welsh_messages_on_a_page(forms_app: Flask) -> None:
    with forms_app.test_request_context("/", method="POST", headers={"Cookie": "lang=cy"}):
        form = _AgeForm(formdata=MultiDict({}))
        assert not form.validate()
        assert [str(m) for m in form.age.errors] == ["Rhaid cwblhau'r maes hwn."]


def _form_classes_on_flaskform() -> list[str]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "core" / "forms.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {getattr(b, "id", None) or getattr(b, "attr", None) for b in node.bases}
            if "FlaskForm" in bases:
                found.append(f"{path.relative_to(PACKAGE.parent)}: {node.name}")
    return found


def test_every_form_is_built_on_the_base_form() -> None:
    assert _form_classes_on_flaskform() == [], (
        "subclass minimin.core.forms.AppForm, not FlaskForm: it keeps WTForms' messages "
        "translated without reading their catalogue on every request"
    )
