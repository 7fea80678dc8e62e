"""Tenancy by construction (docs/design-rules.md, rule 4; docs/security.md, "Access control"):
on every route of
class ``user`` that carries a URL variable, another signed-in user who puts the owner's real
object ids in the URL gets 404, for every method, with none of the owner's data in the answer,
and nothing of the owner's changes.

The routes come from ``app.url_map`` and the objects from tests/factories.py (one row in every
user-owned table, canary strings in every free-text field), so a route or a table added later is
covered without editing this file. A URL variable is mapped to tables by its name and the path
segment before it (``txn_id`` after ``/transactions/`` -> ``bank_transaction``); every candidate
table's id is tried, because a wrong guess must answer 404 too. A positive control proves the
mapping: the owner gets something other than 404 on every GET route for at least one of the ids.

The intruder sends a valid CSRF token of their own session, so a refusal is the ownership check
and not the CSRF check (tests/security/test_csrf_matrix.py covers that).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import AnyConverter, PathConverter, Rule, UnicodeConverter, UUIDConverter

from minimin.core.db import utcnow
from minimin.core.security import USER, access_class
from minimin.core.storage import storage
from tests.factories import CANARIES, build_full_account
from tests.security.routes import placeholder

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
OWNER_EMAIL = "canary-owner-zq@example.com"

#: URL variables that do not address an object: the page shows the signed-in user's own data
#: for them (so 404 is not the rule), but it must still show nothing of the owner's and change
#: nothing of the owner's. Value: the owner's (table, column) to take the value from, or None
#: for the converter's placeholder. A new non-id variable must be added here, or named ``*_id``.
NON_OBJECT_VARIABLES: dict[str, tuple[str, str] | None] = {
    "purpose": ("consent_record", "purpose"),  # /privacy/consent/<purpose>/give
    "start": ("vat_return", "period_start"),  # /reports/vat/<start>/<end>
    "end": ("vat_return", "period_end"),
    "box": None,  # a VAT return box number
    "section": None,  # /settings/business/<any(details, accountant):section>
    "filename": None,  # a blueprint's static files
}

#: Abbreviations used in URL variable names, to the word used in table names.
ALIASES = {"txn": "transaction"}

OBJECT_ID = re.compile(r"^(?:(?P<stem>[a-z0-9_]+)_)?id$")


@dataclass(frozen=True)
class Target:
    """One concrete request of the matrix."""

    rule: Rule
    method: str
    url: str
    tables: tuple[str, ...]  # the table behind each object variable, in variable order


# --------------------------------------------------------------------------- route walking


def _singular(word: str) -> str:
    word = ALIASES.get(word, word)
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _previous_segment(rule: Rule, name: str) -> str | None:
    """The static path segment right before ``<name>`` (``transactions`` for ``<txn_id>``)."""
    found = re.search(rf"/([^/<>]+)/<(?:[^<>]*:)?{re.escape(name)}>", rule.rule)
    return found.group(1) if found else None


def is_object_variable(name: str, converter: Any) -> bool:
    return bool(OBJECT_ID.match(name)) and isinstance(converter, UnicodeConverter | UUIDConverter)


def candidate_tables(rule: Rule, name: str, owner_ids: dict[str, Any]) -> list[str]:
    """Tables whose rows the variable *name* of *rule* may address, best guesses only; every
    owner table when nothing matches (a wrong id must answer 404 anyway)."""
    tables = sorted(t for t in owner_ids if not t.startswith("_"))
    words = set()
    match = OBJECT_ID.match(name)
    if match and match.group("stem"):
        words.add(_singular(match.group("stem")))
    segment = _previous_segment(rule, name)
    if segment:
        words.add(_singular(segment.replace("-", "_")))
    if name == "id" and "." in rule.endpoint:
        words.add(_singular(rule.endpoint.rsplit(".", 1)[0].split(".")[-1]))
    found = [
        t
        for t in tables
        if any(w == t or w in t.split("_") or t.endswith("_" + w) for w in words if w)
    ]
    return found or tables


def user_routes_with_variables(app: Flask) -> list[Rule]:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.arguments and access_class(app, rule.endpoint) == USER
        ),
        key=lambda r: (r.rule, r.endpoint),
    )


def unknown_variables(app: Flask) -> list[str]:
    return sorted(
        f"{rule.rule} <{name}>"
        for rule in user_routes_with_variables(app)
        for name, conv in rule._converters.items()
        if not is_object_variable(name, conv)
        and name not in NON_OBJECT_VARIABLES
        and not isinstance(conv, AnyConverter | PathConverter)
    )


def _non_object_value(name: str, converter: Any, owner_rows: dict[str, dict[str, Any]]) -> Any:
    source = NON_OBJECT_VARIABLES.get(name)
    if source is not None:
        table, column = source
        value = owner_rows[table][column]
        return value.isoformat() if hasattr(value, "isoformat") else value
    return placeholder(converter)


def targets(
    app: Flask,
    owner_ids: dict[str, Any],
    owner_rows: dict[str, dict[str, Any]],
    rules: list[Rule] | None = None,
) -> Iterator[Target]:
    """Every (route, method, owner-id combination) of the matrix."""
    adapter = app.url_map.bind("localhost")
    for rule in rules if rules is not None else user_routes_with_variables(app):
        names = list(rule._converters)
        object_names = [n for n in names if is_object_variable(n, rule._converters[n])]
        fixed = {
            n: _non_object_value(n, rule._converters[n], owner_rows)
            for n in names
            if n not in object_names
        }
        choices = [candidate_tables(rule, n, owner_ids) for n in object_names]
        for method in METHODS:
            if method not in (rule.methods or ()):
                continue
            for combo in itertools.product(*choices):
                values = dict(fixed)
                values.update({n: owner_ids[t] for n, t in zip(object_names, combo, strict=True)})
                url = adapter.build(rule.endpoint, values, method=method)
                yield Target(rule, method, url, tuple(combo))


# --------------------------------------------------------------------------- data


def personal_tables() -> list[sa.Table]:
    from minimin.privacy import discovery

    return discovery.personal_tables()


def snapshot(app: Flask, user_id: uuid.UUID) -> dict[str, str]:
    """A hash of the user's row and of their rows in every personal table, by table."""
    from minimin.extensions import db
    from minimin.privacy import discovery

    result = {}
    with app.app_context():
        users = discovery.metadata().tables[discovery.USER_TABLE]
        queries = [("user", sa.select(users).where(users.c.id == user_id), users)]
        queries += [(t.name, discovery.rows_of_user(t, user_id), t) for t in personal_tables()]
        for name, query, table in queries:
            rows = db.session.execute(query.order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
            result[name] = digest
        db.session.remove()
    return result


def _export_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("minimin-export.json", json.dumps({"note": CANARIES["note"]}))
    return buffer.getvalue()


#: Rows the factory leaves in a state that some pages do not serve even to their owner (a
#: credit note before its PDF is rendered, a failed data export): made servable here, so that
#: the intruder's 404 comes from the ownership check and the owner's control can succeed.
SERVABLE: dict[str, Callable[[], dict[str, Any]]] = {
    "credit_note": lambda: {
        "pdf_key": storage().save(b"%PDF-1.7 " + CANARIES["line"].encode(), "application/pdf")
    },
    "privacy_export": lambda: {
        "status": "done",
        "storage_key": storage().save(_export_zip(), "application/zip"),
        "finished_at": utcnow(),
        "expires_at": utcnow() + timedelta(days=1),
    },
}


def full_account(app: Flask, user_id: uuid.UUID) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build the account; returns its ids by table and its first row of each table."""
    from minimin.extensions import db
    from minimin.privacy import discovery

    with app.app_context():
        ids = build_full_account(user_id)
        tables = discovery.metadata().tables
        for name, fields in SERVABLE.items():
            if name in ids:
                table = tables[name]
                db.session.execute(table.update().where(table.c.id == ids[name]).values(fields()))
        db.session.commit()
        rows = {}
        for table in personal_tables():
            row = db.session.execute(discovery.rows_of_user(table, user_id)).mappings().first()
            if row is not None:
                rows[table.name] = dict(row)
        db.session.remove()
    return ids, rows


def canaries(owner: Any) -> list[str]:
    return sorted(
        {
            *CANARIES.values(),
            owner.email,
            owner.full_name,
            "rk_live_canary51HxyzAbCd1234",  # the Stripe secrets of tests/factories.py
            "whsec_canaryQwErTy98765",
        }
    )


def leaked(response: Any, strings: list[str]) -> list[str]:
    text = (response.get_data(as_text=True) + "\n" + str(response.headers)).lower()
    return [s for s in strings if s.lower() in text]


def send(client: Any, method: str, url: str, token: str) -> Any:
    if method == "GET":
        return client.get(url)
    # A valid token for the sender's own session: refusal must come from ownership, not CSRF.
    return client.open(url, method=method, data={"csrf_token": token, "name": "Intruder"})


# --------------------------------------------------------------------------- the tests


def test_every_url_variable_of_a_user_route_is_classified(app: Flask) -> None:
    unknown = unknown_variables(app)
    assert not unknown, (
        "URL variables that are neither an object id (`<x_id>`) nor listed in "
        f"NON_OBJECT_VARIABLES: {unknown}"
    )


def test_the_walk_maps_known_variables_to_their_tables(app: Flask) -> None:
    """The mapping heuristics, on routes whose meaning is known (guards against a mapping that
    silently degrades to "every table", which would still pass but prove less)."""
    ids = {t.name: uuid.uuid4() for t in personal_tables()}
    by_rule = {r.rule: r for r in app.url_map.iter_rules()}
    expected = {
        ("/banking/transactions/<txn_id>", "txn_id"): "bank_transaction",
        ("/expenses/recurring/<item_id>/edit", "item_id"): "recurring_expense",
        ("/files/<file_id>", "file_id"): "stored_file",
        ("/invoices/credit-notes/<note_id>/pdf", "note_id"): "credit_note",
        ("/account/sessions/<session_id>/end", "session_id"): "user_session",
    }
    for (path, name), table in expected.items():
        if path in by_rule:
            assert table in candidate_tables(by_rule[path], name, ids), (path, name)
            assert len(candidate_tables(by_rule[path], name, ids)) < 8, (path, name)


def test_another_user_gets_404_on_every_object_route_and_method(
    app: Flask, make_user: Any, login: Any
) -> None:
    owner = make_user(email=OWNER_EMAIL, full_name=CANARIES["name"])
    intruder = make_user(email="intruder@example.com", full_name="Ivy Intruder")
    owner_client = app.test_client()
    login(owner_client, owner)
    owner_ids, owner_rows = full_account(app, owner.id)
    strings = canaries(owner)

    other = app.test_client()
    login(other, intruder)
    token = other.csrf_token("/account")

    routes = user_routes_with_variables(app)
    assert len(routes) > 20, "the walk found too few routes: is the application built?"
    all_targets = list(targets(app, owner_ids, owner_rows, routes))
    assert all_targets

    failures: list[str] = []
    changed: list[str] = []
    before = snapshot(app, owner.id)
    for rule in routes:
        object_route = any(is_object_variable(n, c) for n, c in rule._converters.items())
        for target in (t for t in all_targets if t.rule is rule):
            response = send(other, target.method, target.url, token)
            label = f"{target.method} {rule.rule} ({rule.endpoint}) ids of {target.tables}"
            if object_route and response.status_code != 404:
                failures.append(f"{label}: {response.status_code}, not 404")
            elif response.status_code >= 500:
                failures.append(f"{label}: {response.status_code}")
            if found := leaked(response, strings):
                failures.append(f"{label}: the answer shows the owner's {found}")
        if object_route:
            # A malformed id is 404 too, never a 500.
            values = {
                n: "not-a-uuid" if is_object_variable(n, c) else placeholder(c)
                for n, c in rule._converters.items()
            }
            for method in (m for m in METHODS if m in (rule.methods or ())):
                url = app.url_map.bind("localhost").build(rule.endpoint, values, method=method)
                status = send(other, method, url, token).status_code
                if status != 404:
                    failures.append(f"{method} {url} (malformed id): {status}, not 404")
        after = snapshot(app, owner.id)
        if after != before:
            tables = sorted(k for k in after if after[k] != before.get(k))
            changed.append(f"{rule.rule} ({rule.endpoint}) changed the owner's {tables}")
            before = after
    report = "\n".join(failures + changed)
    assert not failures and not changed, f"tenancy failures:\n{report}"

    # The intruder's session worked all along (the 404s were not a signed-out redirect).
    assert other.get("/account").status_code == 200

    # Positive control: the owner reaches every GET object route with one of the ids, so the
    # mapping above addressed real objects.
    unreachable = owner_unreachable_get_routes(owner_client, all_targets)
    assert not unreachable, (
        "GET routes where no owner id gave the owner anything but 404 (the variable is mapped "
        "to the wrong table, or the factory's row is not in a state the page serves):\n"
        + "\n".join(unreachable)
    )


def owner_unreachable_get_routes(owner_client: Any, all_targets: list[Target]) -> list[str]:
    reached: dict[str, bool] = {}
    for target in all_targets:
        rule = target.rule
        key = f"{rule.rule} ({rule.endpoint})"
        if target.method != "GET" or reached.get(key):
            continue
        if not any(is_object_variable(n, c) for n, c in rule._converters.items()):
            continue
        reached[key] = owner_client.get(target.url).status_code != 404
    return sorted(key for key, ok in reached.items() if not ok)


def test_a_mix_of_own_and_foreign_ids_is_404(app: Flask, make_user: Any, login: Any) -> None:
    """Routes addressing two objects (an invoice's payment, a transaction's match): the
    intruder's own parent with the owner's child, and the other way round, is 404."""
    owner = make_user(email=OWNER_EMAIL, full_name=CANARIES["name"])
    intruder = make_user(email="intruder@example.com", full_name="Ivy Intruder")
    owner_ids, owner_rows = full_account(app, owner.id)
    intruder_ids, _ = full_account(app, intruder.id)
    other = app.test_client()
    login(other, intruder)
    token = other.csrf_token("/account")

    rules = [
        r
        for r in user_routes_with_variables(app)
        if sum(is_object_variable(n, c) for n, c in r._converters.items()) >= 2
    ]
    assert rules, "no route addresses two objects: this test proves nothing"
    adapter = app.url_map.bind("localhost")
    failures = []
    before = snapshot(app, owner.id)
    for target in targets(app, owner_ids, owner_rows, rules):
        rule = target.rule
        names = [n for n, c in rule._converters.items() if is_object_variable(n, c)]
        for size in range(1, len(names)):
            for own in itertools.combinations(range(len(names)), size):
                values = adapter.match(target.url, method=target.method)[1]
                for i in own:
                    values[names[i]] = intruder_ids[target.tables[i]]
                url = adapter.build(rule.endpoint, values, method=target.method)
                status = send(other, target.method, url, token).status_code
                if status != 404:
                    mine = [names[i] for i in own]
                    failures.append(
                        f"{target.method} {rule.rule} with the intruder's own {mine}: {status}"
                    )
    assert not failures, "\n".join(failures)
    assert snapshot(app, owner.id) == before


# --------------------------------------------------------------------------- the JSON API


def api_routes_with_variables(app: Flask) -> list[Rule]:
    from minimin.core.security import API

    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if r.arguments and access_class(app, r.endpoint) == API
        ),
        key=lambda r: (r.rule, r.endpoint),
    )


def _bearer(app: Flask, user_id: uuid.UUID) -> dict[str, str]:
    from minimin.api import tokens
    from minimin.api.inputs import TokenInput
    from minimin.api.scopes import ALL_SCOPES
    from minimin.extensions import db

    with app.app_context():
        _token, plain = tokens.create(user_id, TokenInput("matrix", tuple(ALL_SCOPES), 30))
        db.session.commit()
        db.session.remove()
    return {"Authorization": f"Bearer {plain}"}


def test_another_users_token_gets_404_on_every_api_object_url(app: Flask, make_user: Any) -> None:
    """The API's rows of the matrix: a token with every scope, of another user, gets a 404
    problem on every object URL and method, sees nothing of the owner's and changes nothing;
    the owner's own token reaches every GET object URL with one of the ids."""
    owner = make_user(email=OWNER_EMAIL, full_name=CANARIES["name"])
    intruder = make_user(email="intruder@example.com", full_name="Ivy Intruder")
    owner_ids, owner_rows = full_account(app, owner.id)
    strings = canaries(owner)
    theirs, mine = _bearer(app, intruder.id), _bearer(app, owner.id)
    client = app.test_client()

    routes = api_routes_with_variables(app)
    assert len(routes) > 5, "the walk found too few API routes"
    all_targets = list(targets(app, owner_ids, owner_rows, routes))
    failures = []
    before = snapshot(app, owner.id)
    for target in all_targets:
        response = client.open(
            target.url, method=target.method, headers=theirs, json={"name": "Intruder"}
        )
        label = f"{target.method} {target.rule.rule} ids of {target.tables}"
        if response.status_code != 404:
            failures.append(f"{label}: {response.status_code}, not 404")
        elif response.headers["Content-Type"] != "application/problem+json":
            failures.append(f"{label}: 404 but not a problem")
        if found := leaked(response, strings):
            failures.append(f"{label}: the answer shows the owner's {found}")
    assert not failures, "API tenancy failures:\n" + "\n".join(failures)
    assert snapshot(app, owner.id) == before

    reached: dict[str, bool] = {}
    for target in all_targets:
        if target.method == "GET" and not reached.get(target.rule.rule):
            reached[target.rule.rule] = client.get(target.url, headers=mine).status_code != 404
    unreachable = sorted(rule for rule, ok in reached.items() if not ok)
    assert not unreachable, f"API GET routes the owner's token never reached: {unreachable}"
