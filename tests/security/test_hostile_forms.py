"""Every form of the application, filled with hostile values, answers without a server error,
and a refused submission changes nothing (docs/security.md, "Input").

The pages come from ``app.url_map`` (every signed-in page, with the ids of an account that has
a row in every table, as tests/security/test_tenancy_matrix.py builds it); the forms and their
fields come from the pages themselves, so a form added later is walked without editing this
file. Each form is posted once per hostile value in every field at once, then once per field
and value of a short list with the other fields left as the page filled them (so a field's own
parser is reached even when another field would have stopped the form first).

A refused submission (an answer of 400 or more) must leave the rows exactly as they were: the
fingerprint is each table's row count and a hash of its rows, read in one statement (the
session and security-log tables excepted, see ``VOLATILE_TABLES``). The walk takes about 30 s
of CPU on SQLite.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
import sqlalchemy as sa
from flask import Flask

from minimin.core.security import USER, access_class
from tests.security.test_tenancy_matrix import (
    full_account,
    targets,
    user_routes_with_variables,
)

#: Put in every field of a form at once.
HOSTILE = [
    "²",
    "٣",
    "NaN",
    "Infinity",
    "-1e999999",
    "9" * 40,
    "",
    " \t ",
    "\x00",
    "x" * 10_240,
]
#: Put in one field at a time, the others as the page filled them.
ONE_FIELD = ["²", " ", "9" * 40]

#: Forms not walked, with the reason.
SKIPPED_ACTIONS = {
    "/logout": "ends the session the walk runs in",
}
#: Tables that change on a refused submission by design, with the reason.
VOLATILE_TABLES = {
    "user_session": "the session's last-seen time moves on every request",
    "audit_event": "a refused password re-check is logged (the security log)",
}
#: Field types that carry no text of the user's (the browser sends them as they are).
UNTYPED = {"submit", "button", "reset", "image", "file", "checkbox", "radio"}


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Rate limits would answer 429 before the forms' own checks are reached.
    return {"RATELIMIT_ENABLED": False}


def _plain_pages(app: Flask) -> list[str]:
    adapter = app.url_map.bind("localhost")
    return sorted(
        adapter.build(rule.endpoint, {})
        for rule in app.url_map.iter_rules()
        if not rule.arguments
        and "GET" in (rule.methods or ())
        and access_class(app, rule.endpoint) == USER
    )


def _pages(app: Flask, ids: dict[str, Any], rows: dict[str, Any]) -> list[str]:
    object_pages = [
        target.url
        for target in targets(app, ids, rows, user_routes_with_variables(app))
        if target.method == "GET"
    ]
    return _plain_pages(app) + object_pages


def _forms(page: str, html: str) -> Iterator[tuple[str, dict[str, str], list[str]]]:
    """(action path, the values the page filled in, the names of its text fields)."""
    document = lxml.html.fromstring(html)
    for form in document.forms:
        if (form.method or "GET").upper() != "POST":
            continue
        action = urlsplit(form.get("action") or page)
        path = action.path + (f"?{action.query}" if action.query else "")
        values = {name: value for name, value in form.form_values() if name}
        text_fields = sorted(
            {
                field.name
                for field in form.inputs
                if field.name
                and field.name != "csrf_token"
                and (field.get("type") or "text").lower() not in UNTYPED
            }
        )
        if text_fields:
            yield path, values, text_fields


def _one_of_each(fields: list[str]) -> list[str]:
    """The fields with repeated rows (``lines-0-price``, ``lines-1-price``) taken once."""
    seen: set[str] = set()
    kept = []
    for name in fields:
        shape = re.sub(r"-[0-9]+-", "-#-", name)
        if shape not in seen:
            seen.add(shape)
            kept.append(name)
    return kept


def _fingerprint_query(app: Flask) -> sa.TextClause:
    """One statement giving each table's row count and its rows as text.

    The walk makes one account only, so whole tables are compared (stricter than the user's
    rows, and one round trip instead of one per table).
    """
    from minimin.extensions import db

    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        parts = []
        for table in db.Model.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            name = table.name.replace('"', "")
            if sqlite:
                row = " || '|' || ".join(f'quote("{c.name}")' for c in table.columns)
                text = f"group_concat({row}, ';')"
            else:
                text = "string_agg(CAST(x AS text), ';' ORDER BY CAST(x AS text))"
            parts.append(f"SELECT '{name}', count(*), {text} FROM \"{name}\" AS x")  # noqa: S608
    return sa.text(" UNION ALL ".join(parts))


def _fingerprint(app: Flask, query: sa.TextClause) -> dict[str, str]:
    from minimin.extensions import db

    with app.app_context():
        rows = db.session.execute(query).all()
        db.session.remove()
    return {
        name: f"{count}:" + hashlib.sha256(str(text).encode()).hexdigest()
        for name, count, text in rows
    }


def test_hostile_values_in_every_form(app: Flask, make_user: Any, login: Any) -> None:
    owner = make_user()
    client = app.test_client()
    login(client, owner)
    ids, rows = full_account(app, owner.id)

    seen: set[tuple[str, tuple[str, ...]]] = set()
    forms: list[tuple[str, str, dict[str, str], list[str]]] = []
    for page in _pages(app, ids, rows):
        response = client.get(page)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for action, values, fields in _forms(page, response.get_data(as_text=True)):
            key = (action.split("?")[0], tuple(fields))
            if key not in seen and urlsplit(action).path not in SKIPPED_ACTIONS:
                seen.add(key)
                forms.append((page, action, values, fields))
    assert len(forms) > 30, f"the walk found only {len(forms)} forms: are the pages served?"

    failures: list[str] = []
    query = _fingerprint_query(app)
    before = _fingerprint(app, query)
    for page, action, values, fields in forms:
        attempts = [(f"every field = {v!r:.20}", dict.fromkeys(fields, v)) for v in HOSTILE]
        attempts += [(f"{f} = {v!r:.20}", {f: v}) for f in _one_of_each(fields) for v in ONE_FIELD]
        for label, hostile in attempts:
            data = {**values, **hostile, "csrf_token": values.get("csrf_token", "")}
            response = client.post(action, data=data)
            where = f"POST {action} (form on {page}) {label}"
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
            after = _fingerprint(app, query)
            if response.status_code >= 400 and after != before:
                changed = sorted(k for k in after if after[k] != before.get(k))
                failures.append(f"{where}: refused ({response.status_code}) but changed {changed}")
            before = after
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
