"""Banking: another user's objects are 404 on every route and method with none of the owner's
data in the answer; hostile input is refused or faithfully escaped; list pages make a fixed
number of queries."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

CANARY = "CANARY-7f3a-OWNER-SECRET"


@pytest.fixture
def planted(app: Flask, signed_in: Any, account: Any, import_csv: Any, make_invoice: Any) -> dict:
    """The owner's account, import job, transaction, match and rule, all carrying a canary."""
    from minimin.banking.models import BankMatch, BankTransaction, CategoryRule, ImportJob
    from minimin.extensions import db

    signed_in.submit(
        f"/banking/accounts/{account}/edit", {"name": f"Bank {CANARY}", "last_four": "9876"}
    )
    data = f"Date,Description,Amount\n01/03/2025,{CANARY},500.00\n02/03/2025,{CANARY} OUT,-5.00\n"
    import_csv(signed_in, account, data.encode())
    make_invoice(50_000)
    signed_in.submit(
        "/banking/rules",
        {
            "match_kind": "contains",
            "pattern": CANARY,
            "direction": "any",
            "category": "travel",
            "min_amount": "",
            "max_amount": "",
            "client_id": "",
            "agency_id": "",
        },
    )
    with app.app_context():
        txn = db.session.scalar(sa.select(BankTransaction).where(BankTransaction.amount_pence > 0))
        out = db.session.scalar(sa.select(BankTransaction).where(BankTransaction.amount_pence < 0))
        page = signed_in.get(f"/banking/transactions/{txn.id}")
        key = re.findall(r'name="key" value="(invoice:[^"]+)"', page.text)[0]
        signed_in.submit(f"/banking/transactions/{txn.id}/accept", {"key": key})
        match = db.session.scalar(sa.select(BankMatch))
        job = db.session.scalar(sa.select(ImportJob))
        rule = db.session.scalar(sa.select(CategoryRule))
        assert match is not None
        return {
            "account": account,
            "txn": txn.id,
            "out": out.id,
            "match": match.id,
            "job": job.id,
            "rule": rule.id,
        }


def routes(ids: dict) -> list[tuple[str, str]]:
    a, t, j = ids["account"], ids["txn"], ids["job"]
    return [
        ("GET", f"/banking/accounts/{a}"),
        ("GET", f"/banking/accounts/{a}/edit"),
        ("POST", f"/banking/accounts/{a}/edit"),
        ("POST", f"/banking/accounts/{a}/delete"),
        ("GET", f"/banking/accounts/{a}/import"),
        ("POST", f"/banking/accounts/{a}/import"),
        ("GET", f"/banking/imports/{j}"),
        ("GET", f"/banking/imports/{j}/columns"),
        ("POST", f"/banking/imports/{j}/columns"),
        ("GET", f"/banking/imports/{j}/status.json"),
        ("GET", f"/banking/transactions/{t}"),
        ("POST", f"/banking/transactions/{t}/accept"),
        ("POST", f"/banking/transactions/{t}/split"),
        ("POST", f"/banking/transactions/{t}/reject"),
        ("POST", f"/banking/transactions/{t}/ignore"),
        ("POST", f"/banking/transactions/{ids['out']}/expense"),
        ("POST", f"/banking/transactions/{t}/category"),
        ("POST", f"/banking/transactions/{t}/matches/{ids['match']}/undo"),
        ("POST", f"/banking/rules/{ids['rule']}/delete"),
    ]


def test_another_user_gets_404_everywhere(
    app: Flask, planted: dict, intruder: Any, login: Any
) -> None:
    from minimin.banking.models import BankMatch, BankTransaction, CategoryRule
    from minimin.extensions import db

    other = app.test_client()
    login(other, intruder)
    for method, path in routes(planted):
        if method == "GET":
            response = other.get(path)
        else:
            response = other.submit(path, {"key": "invoice:x:1", "category": "travel", "name": "x"})
        assert response.status_code == 404, (method, path, response.status_code)
        assert CANARY not in response.text
    for path in ("/banking/", "/banking/unreconciled", "/banking/rules"):
        response = other.get(path)
        assert response.status_code == 200
        assert CANARY not in response.text
    # malformed ids are 404 too
    assert other.get("/banking/transactions/not-a-uuid").status_code == 404
    assert other.get(f"/banking/transactions/{uuid.uuid4()}").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(BankTransaction.id))) == 2
        assert db.session.scalar(sa.select(sa.func.count(BankMatch.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(CategoryRule.id))) == 1


def test_match_of_another_transaction_is_404(signed_in: Any, planted: dict) -> None:
    response = signed_in.submit(
        f"/banking/transactions/{planted['out']}/matches/{planted['match']}/undo", {}
    )
    assert response.status_code == 404


NAUGHTY = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "Ω≈ç√∫˜µ≤≥÷",
    "👩‍👩‍👧‍👦 🇬🇧",
    "‮reversed",
    "{{ 7*7 }}",
    "%s%s%s%n",
    "ﷺ",
]


@pytest.mark.parametrize("value", NAUGHTY)
def test_account_name_round_trips_escaped(app: Flask, signed_in: Any, value: str) -> None:
    response = signed_in.submit(
        "/banking/accounts/new", {"name": value, "last_four": "", "currency": "GBP"}
    )
    assert response.status_code == 302, response.text
    page = signed_in.get(response.headers["Location"])
    assert "<script>alert(1)</script>" not in page.text
    from markupsafe import escape

    assert str(escape(value)) in page.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "a\x00b"}, "null character"),
        ({"name": "line\nbreak"}, "control characters"),
        ({"name": "x" * 101}, "100 characters"),
        ({"name": "x" * 1_000_000}, ""),
        ({"name": "ok", "last_four": "12a4"}, "last four digits"),
        ({"name": "ok", "last_four": "12345"}, ""),
        ({"name": ""}, "required"),
        ({"name": "ok", "currency": "XXX"}, "Not a valid choice"),
    ],
)
def test_bad_account_fields_are_refused(
    app: Flask, signed_in: Any, owner: Any, fields: dict, message: str
) -> None:
    from minimin.banking.models import BankAccount
    from minimin.extensions import db

    data = {"name": "ok", "last_four": "", "currency": "GBP", **fields}
    response = signed_in.submit("/banking/accounts/new", data)
    assert response.status_code in (400, 413)
    if message and response.status_code == 400:
        assert message in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(BankAccount.id))) == 0


def test_statement_text_is_escaped(signed_in: Any, account: Any, import_csv: Any) -> None:
    data = 'Date,Description,Amount\n01/03/2025,"<img src=x onerror=alert(1)>",-1.00\n'
    import_csv(signed_in, account, data.encode())
    page = signed_in.get(f"/banking/accounts/{account}")
    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "required"),
        (b"\x00\x01\x02binary", "NUL"),
        ("Date,Amount\n01/01/2025,1\n".encode("utf-16-le"), "NUL"),
        (b"Date,Description,Amount\n" + b'01/02/2025,"' + b"x" * 20_000 + b'",1\n', "longer than"),
        (b'Date,Description,Amount\n01/02/2025,"open,1\n', "unterminated quote"),
    ],
)
def test_unreadable_uploads_are_refused(
    signed_in: Any, account: Any, upload: Any, rows: Any, payload: bytes, message: str
) -> None:
    response = upload(signed_in, account, payload)
    assert response.status_code == 400
    assert message in response.text
    assert rows() == []


def count_queries(app: Flask, fn: Any) -> tuple[Any, list[str]]:
    from minimin.extensions import db

    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        response = fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return response, statements


def _plant(app: Flask, owner: Any, account: Any, n: int) -> None:
    from minimin.banking.models import BankTransaction
    from minimin.extensions import db

    with app.app_context():
        for i in range(n):
            db.session.add(
                BankTransaction(
                    user_id=owner.id,
                    bank_account_id=account,
                    posted_on=date(2025, 3, 10 + i % 10),
                    amount_pence=(10_000 + i) * (1 if i % 2 else -1),
                    currency="GBP",
                    fingerprint=uuid.uuid4().hex,
                    counterparty=f"Payer {i}",
                    payee_key=f"payer {i}",
                    reference=f"INV-{i:04d}",
                )
            )
        db.session.commit()


def test_list_pages_make_a_fixed_number_of_queries(
    app: Flask, signed_in: Any, owner: Any, account: Any, make_invoice: Any
) -> None:
    for i in range(5):
        make_invoice(10_000 + 2 * i + 1)
    _plant(app, owner, account, 4)
    counts = {}
    for path in ("/banking/unreconciled", f"/banking/accounts/{account}", "/banking/"):
        response, few = count_queries(app, lambda p=path: signed_in.get(p))
        assert response.status_code == 200
        counts[path] = len(few)
    _plant(app, owner, account, 30)
    for path, before in counts.items():
        response, many = count_queries(app, lambda p=path: signed_in.get(p))
        assert response.status_code == 200
        assert len(many) == before, (path, before, len(many))
